"""Tests for tools/make_slides.py: outlines parse, render to 16:9 pages, and read back with the PDF reader."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from pipeline.ingest import read_source

ROOT = Path(__file__).resolve().parents[1]
OUTLINE = ROOT / "tests" / "roots" / "ingest_slides" / "outline.md"


def _tool():
    """tools/make_slides.py loaded as a module (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location("make_slides", ROOT / "tools" / "make_slides.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being created
    spec.loader.exec_module(module)
    return module


def test_parse_outline():
    slides = _tool().parse_outline(OUTLINE.read_text("utf-8"))
    assert [s.title for s in slides] == ["Test deck: *precursor* controls", "Second slide"]
    assert slides[1].bullets == [(0, "First point with a link <https://example.org/a_b>"), (1, "A nested point"), (0, "Second point, written over two lines")]


@pytest.mark.parametrize("text, message", [("- bullet first\n", "o.md:1: expected '# Title'"), ("# A\n---\n# B\nloose text\n", "o.md:4:"), ("\n---\n", "no slides")])
def test_parse_outline_errors_name_the_line(text, message):
    with pytest.raises(ValueError, match=message):
        _tool().parse_outline(text, "o.md")


def test_render_reads_back_as_landscape_slides(tmp_path):
    pdf = tmp_path / "deck" / "slides.pdf"
    assert _tool().make_slides(OUTLINE, pdf) == 2
    source = read_source(pdf)
    assert [s.page for s in source.segments] == [1, 2] and source.warnings == ()
    assert "Test deck: precursor controls" in source.segments[0].text
    assert "A nested point" in source.segments[1].text and "•" not in source.segments[1].text
    from pypdf import PdfReader

    box = PdfReader(pdf).pages[0].mediabox
    assert abs(float(box.width) / float(box.height) - 16 / 9) < 0.01
