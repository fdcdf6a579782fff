"""Tests for pipeline.compose.galley: the built HTML galley is standalone and accessible, the PDF unchanged by screen CSS."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pdfplumber
import pytest

from archive_support import bundled_project
from pipeline.compose.galley import galley_html
from pipeline.errors import PipelineError
from pipeline.render import render_pdf

REPO = Path(__file__).resolve().parents[1]
PAGE = ('<!DOCTYPE html>\n<html lang="en"><head><style>\n'
        '@font-face { font-family: "X"; src: url("font:SourceSerifPro-Regular.ttf"); }\n'
        'p { color: #111; }\n{extra_css}</style></head><body><main><p>{body}</p></main></body></html>\n')


def page(body: str = "text", extra_css: str = "") -> str:
    return PAGE.replace("{extra_css}", extra_css).replace("{body}", body)


class _Outline(HTMLParser):
    """The galley's elements, roles, headings and links, as a browser's accessibility tree would see them."""

    def __init__(self):
        super().__init__()
        self.tags, self.roles, self.headings, self.links, self.lang = [], [], [], [], None
        self.link = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        self.roles += [attrs["role"]] if "role" in attrs else []
        if tag == "html":
            self.lang = attrs.get("lang")
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "a":
            self.link = [attrs.get("href"), ""]

    def handle_data(self, data):
        if self.link is not None:
            self.link[1] += data

    def handle_endtag(self, tag):
        if tag == "a" and self.link is not None:
            self.links.append(tuple(self.link))
            self.link = None


def test_font_faces_are_dropped_and_the_rest_kept():
    galley, warnings = galley_html(page())
    assert "font:" not in galley and "@font-face" not in galley and warnings == []
    assert "p { color: #111; }" in galley and "<main><p>text</p></main>" in galley


def test_image_from_the_folder_keeps_its_alt_text_with_a_warning():
    galley, warnings = galley_html(page('see <img src="pic.png" alt="a chart" /> and <img src="data:image/png;base64,AA" alt="x" />'))
    assert '<img alt="a chart" />' in galley and 'src="data:image/png;base64,AA"' in galley
    assert warnings == ["image 'pic.png' is left out of the HTML galley, which loads nothing from outside itself: "
                        "it shows the alt text 'a chart' instead"]


@pytest.mark.parametrize("extra_css, body, found", [
    ('body { background: url("bg.png"); }', "", 'url("bg.png")'),
    ('@import "more.css";', "", "@import"),
    ("", '<script src="https://example.org/x.js"></script>', "<script src="),
    ("", '<link rel="stylesheet" href="x.css">', '<link rel="stylesheet" href='),
])
def test_anything_else_loaded_from_outside_is_an_error(extra_css, body, found):
    with pytest.raises(PipelineError, match="templates of style 'casis': the HTML galley would load a file") as error:
        galley_html(page(body, extra_css), source="templates of style 'casis'")
    assert found in str(error.value)


@pytest.fixture(scope="module")
def bundled(tmp_path_factory) -> Path:
    """The repository's bundled briefings (one a draft), built once for the module."""
    return bundled_project(tmp_path_factory.mktemp("galley"))


def galleys(project: Path) -> list[Path]:
    return sorted((project / "outputs").glob("*/*.html"))


def test_built_galley_is_standalone_with_lang_landmarks_headings_and_licence(bundled):
    assert len(galleys(bundled)) == 3
    for path in galleys(bundled):
        html = path.read_text(encoding="utf-8")
        assert "@font-face {" not in html and not re.search(r"url\(|@import|<script|<img", html)
        outline = _Outline()
        outline.feed(html)
        assert outline.lang == "en"
        assert "main" in outline.tags and {"banner", "contentinfo"} <= set(outline.roles)
        levels = outline.headings
        assert levels[0] == 1 and levels.count(1) == 1 and all(b <= a + 1 for a, b in zip(levels, levels[1:]))
        assert ("https://creativecommons.org/licenses/by-nc-nd/4.0/",
                "Creative Commons Attribution-NonCommercial-NoDerivatives 4.0 International License") in outline.links
        # Links are underlined on screen; the PDF's links stay as the house style sets them (print).
        assert re.search(r"@media screen \{[^@]*\ba \{ text-decoration: underline; \}", html)
    assert len(galley_sizes := [p.stat().st_size for p in galleys(bundled)]) == 3 and max(galley_sizes) < 64_000


def words(pdf: bytes) -> list:
    """Every word of the PDF with its page and position, read back with pdfplumber."""
    import io

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [(n, w["text"], round(w["x0"], 2), round(w["top"], 2)) for n, page in enumerate(doc.pages)
                for w in page.extract_words()]


@pytest.mark.parametrize("status", ["final", "draft"])  # a draft has the DRAFT mark, set differently on screen
def test_screen_rules_and_landmarks_leave_the_pdf_as_it_was(bundled, status):
    import dataclasses

    from pipeline.config import load_briefing, load_config
    from pipeline.compose import compose_html
    from pipeline.draft import note_from_manuscript
    from pipeline.ingest import read_source

    config = load_config(bundled)
    briefing, config = load_briefing(bundled / "inputs" / "pacific-precursors", config)
    note, _ = note_from_manuscript(read_source(briefing.manuscript), briefing)
    html = compose_html(briefing, dataclasses.replace(note, status=status), config)
    assert ('<div class="draft-mark">DRAFT</div>' in html) == (status == "draft")
    # The same page as it was before the galley: no screen block, no viewport, no landmarks, the
    # draft mark before <main> and hidden from screen readers.
    bare = re.sub(r"@media screen \{.*?\n\}\n", "", html, flags=re.DOTALL)
    bare = bare.replace('<meta name="viewport" content="width=device-width, initial-scale=1">\n', "")
    bare = bare.replace(' role="banner"', "").replace(' role="contentinfo"', "").replace("</main>\n", "")
    bare = re.sub(r"<main>\n\s*(<div class=\"draft-mark\">DRAFT</div>)?",
                  lambda m: m.group(1).replace('">', '" aria-hidden="true">', 1) if m.group(1) else "", bare)
    assert ('<div class="draft-mark" aria-hidden="true">DRAFT</div>' in bare) == (status == "draft")
    assert bare != html and "@media screen {" not in bare and "<main>" not in bare
    dirs = [REPO / "templates" / "casis"]
    with_galley = render_pdf(html, base_dir=briefing.folder, allowed_dirs=dirs).pdf
    without = render_pdf(bare, base_dir=briefing.folder, allowed_dirs=dirs).pdf
    assert words(with_galley) == words(without) and len(words(without)) > 300
