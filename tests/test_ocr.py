"""Tests for pipeline.ingest.ocr: pages without a usable text layer are read by Tesseract, with provenance and limits."""

from __future__ import annotations

import io
import json
import os
import random
import re
import stat
import tempfile
from pathlib import Path

import pytest

from conftest import SHARED
from pipeline.ingest import ReadOptions, ocr, read_source
from pipeline.ingest.show import format_source
from pipeline.models import Source
from pipeline.records import from_data, to_data

ENGINE = ocr.find_engine()
needs_tesseract = pytest.mark.skipif(ENGINE is None, reason="Tesseract is not installed (Debian: tesseract-ocr tesseract-ocr-eng)")
SLIDE = ["Fentanyl precursors from Mexico", "Seizures rose in Canada and Germany"]


def image_pdf(path: Path, pages: list[list[str]], noise: bool = False) -> Path:
    """A PDF of image-only pages (no text layer), each with the given lines drawn by Pillow, like an exported deck.

    With `noise`, the pages without lines are random black and white speckle instead of blank.
    """
    from PIL import Image, ImageDraw, ImageFont

    from pipeline.fonts import font_file

    font = ImageFont.truetype(str(font_file("SourceSansPro-Regular.ttf")), 64)
    images = []
    for lines in pages:
        image = Image.new("L", (1600, 900), 255)
        draw = ImageDraw.Draw(image)
        for n, line in enumerate(lines):
            draw.text((80, 80 + 140 * n), line, font=font, fill=0)
        if noise and not lines:
            rng = random.Random(13)  # the same speckle every run
            image.putdata([rng.choice((0, 255)) for _ in range(1600 * 900)])
        images.append(image)
    images[0].save(path, save_all=True, append_images=images[1:], resolution=150)
    return path


def words(text: str) -> set[str]:
    """The lower-case words of a text."""
    return set(re.findall(r"[a-z]+", text.lower()))


def garbled_pdf(path: Path, text: str) -> Path:
    """A typeset page whose font maps every glyph to a private-use character: it looks right, its text layer is garbage."""
    import pikepdf
    from weasyprint import HTML

    cmap = b"""/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Garbled def /CMapType 2 def
1 begincodespacerange <0000> <FFFF> endcodespacerange
1 beginbfrange <0000> <00FF> <E000> endbfrange
endcmap CMapName currentdict /CMap defineresource pop end end"""
    with pikepdf.open(io.BytesIO(HTML(string=f'<p style="font-size: 28pt">{text}</p>').write_pdf())) as pdf:
        for page in pdf.pages:
            for _, font in page.Resources.Font.items():
                font.ToUnicode = pdf.make_stream(cmap)
        pdf.save(path)
    return path


@pytest.fixture
def private_tmp(tmp_path, monkeypatch) -> Path:
    """The temporary folder OCR's private folders are made in, so a test can see that none is left behind."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@needs_tesseract
def test_an_image_only_deck_is_read_by_ocr_with_provenance(tmp_path, private_tmp, monkeypatch):
    path = image_pdf(tmp_path / "deck.pdf", [SLIDE, ["Questions?"]])
    modes = []
    real = ocr.read_image
    monkeypatch.setattr(ocr, "read_image", lambda engine, image, timeout: modes.append(
        stat.S_IMODE(image.parent.stat().st_mode)) or real(engine, image, timeout))
    source = read_source(path)
    assert modes == [0o700, 0o700]  # the page images are written where only this user can read them
    assert source.warnings == ()
    assert [(s.page, s.role) for s in source.segments] == [(1, "text"), (2, "text")]
    first = source.segments[0]
    assert words(" ".join(SLIDE)) <= words(first.text)
    assert first.ocr.engine == ENGINE.name and first.ocr.words == 10
    assert ocr.MIN_CONFIDENCE <= first.ocr.confidence <= 100
    assert source.metadata["ocr_pages"] == [1, 2]
    assert source.notices[0].startswith("deck.pdf: page 1: no text layer (an image only?); read by OCR (tesseract ")
    assert "OCR: tesseract" in format_source(source)
    assert list(private_tmp.iterdir()) == []  # the rendered pages and their folder are gone


@needs_tesseract
def test_ocr_provenance_survives_the_cache(tmp_path):
    source = read_source(image_pdf(tmp_path / "deck.pdf", [SLIDE]))
    again = from_data(json.loads(json.dumps(to_data(source))), Source)
    assert again == source and again.segments[0].ocr.confidence == source.segments[0].ocr.confidence


@needs_tesseract
def test_a_garbled_text_layer_is_replaced_by_ocr(tmp_path):
    from pypdf import PdfReader

    from pipeline.extract import extract_entities

    path = garbled_pdf(tmp_path / "garbled.pdf", "Precursor chemicals seized in Rotterdam were shipped from India to Mexico.")
    layer = PdfReader(path).pages[0].extract_text()
    assert not words(layer) and "\ue000" <= max(layer)  # the file's own text is private-use soup
    source = read_source(path)
    assert source.warnings == ()
    [segment] = source.segments
    assert segment.role == "text" and segment.ocr and segment.ocr.confidence >= ocr.MIN_CONFIDENCE
    assert {"precursor", "chemicals", "rotterdam", "india", "mexico"} <= words(segment.text)
    assert "the text layer is unreadable" in source.notices[0] and "read by OCR" in source.notices[0]
    assert "MEX" in {e.id for e in extract_entities([source])}


@needs_tesseract
def test_a_page_showing_mojibake_is_not_repaired_by_reading_it_again(tmp_path):
    from weasyprint import HTML

    path = tmp_path / "moji.pdf"
    HTML(string="<p>Ã‰tats-Unis: lâ€™Ã©quipe Ã  Washington a saisi du fentanyl â€” trÃ¨s tÃ´t en Syrie</p>").write_pdf(path)
    source = read_source(path)
    assert {s.role for s in source.segments} == {"unreadable"}
    [warning] = source.warnings
    assert warning.startswith("moji.pdf: page 1: the text layer is unreadable")
    assert "OCR could not read it" in warning


@needs_tesseract
@pytest.mark.parametrize("noise", [False, True], ids=["blank", "noise"])
def test_a_page_ocr_cannot_read_is_a_warning_naming_file_and_page(tmp_path, noise):
    from pipeline.extract import extract_entities

    source = read_source(image_pdf(tmp_path / "scan.pdf", [SLIDE, []], noise=noise))
    assert [s.page for s in source.segments if s.role == "text"] == [1]
    [warning] = source.warnings
    assert warning.startswith("scan.pdf: page 2: no text layer (an image only?);")
    assert re.search(r"OCR could not read it: (it found no text|its mean word confidence is \d+, below 70)", warning)
    kept = [s for s in source.segments if s.page == 2]
    assert all(s.role == "unreadable" and s.ocr for s in kept)  # whatever it read is kept, never mined
    assert ("kept, marked unreadable" in warning) == bool(kept)
    assert {m.page for e in extract_entities([source]) for m in e.mentions} <= {1}


def test_without_tesseract_the_old_warning_names_the_debian_packages(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no tesseract on it
    source = read_source(image_pdf(tmp_path / "deck.pdf", [SLIDE]))
    assert source.segments == ()
    [warning] = source.warnings
    assert warning.startswith("deck.pdf: page 1: no text layer (an image only?); its content is left out")
    assert "Tesseract is not installed (Debian: apt-get install tesseract-ocr tesseract-ocr-eng)" in warning
    assert ocr.engine_fingerprint() == "tesseract: absent"


def fake_tesseract(folder: Path, action: str) -> Path:
    """A `tesseract` on PATH that answers the version and language probes, then does `action` when asked to read."""
    data = folder / "tessdata"
    data.mkdir(exist_ok=True)
    (data / "eng.traineddata").write_bytes(b"fake language data")
    script = folder / "bin" / "tesseract"
    script.parent.mkdir(exist_ok=True)
    script.write_text(f"""#!/bin/sh
case "$1" in
  --version) echo "tesseract 9.9.9";;
  --list-langs) echo 'List of available languages in "{data}/" (1):'; echo eng;;
  *) {action};;
esac
""")
    script.chmod(0o755)
    return script


def test_tesseract_past_its_time_limit_is_stopped_and_the_page_is_a_warning(tmp_path, monkeypatch, private_tmp):
    script = fake_tesseract(tmp_path, "echo $$ > " + str(tmp_path / "pid") + "; exec sleep 60")
    monkeypatch.setenv("PATH", f"{script.parent}:{os.environ['PATH']}")
    source = read_source(image_pdf(tmp_path / "deck.pdf", [SLIDE]), ReadOptions(ocr_seconds=0.5))
    [warning] = source.warnings
    assert warning.startswith("deck.pdf: page 1: no text layer (an image only?); its content is left out: OCR could not read it:")
    assert warning.endswith("Tesseract did not finish within 0.5 s and was stopped")
    pid = int((tmp_path / "pid").read_text())
    assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]
    assert list(private_tmp.iterdir()) == []


def test_a_failing_tesseract_is_a_warning_with_its_message(tmp_path, monkeypatch, private_tmp):
    script = fake_tesseract(tmp_path, "echo 'Error, cannot read input file' >&2; exit 1")
    monkeypatch.setenv("PATH", f"{script.parent}:{os.environ['PATH']}")
    [warning] = read_source(image_pdf(tmp_path / "deck.pdf", [SLIDE])).warnings
    assert warning.endswith("Tesseract failed (exit status 1: Error, cannot read input file)")
    assert list(private_tmp.iterdir()) == []


def test_the_engine_fingerprint_follows_version_and_language_data(tmp_path, monkeypatch):
    script = fake_tesseract(tmp_path, "exit 1")
    monkeypatch.setenv("PATH", f"{script.parent}:{os.environ['PATH']}")
    first = ocr.engine_fingerprint()
    assert first.startswith("tesseract 9.9.9 eng:")
    data = tmp_path / "tessdata" / "eng.traineddata"
    data.write_bytes(b"other language data!")  # a different size: the digest is not taken from a stale cache
    assert ocr.engine_fingerprint() not in (first, "tesseract: absent")


def test_render_scale_bounds_the_pixels_of_any_page():
    assert ocr.render_scale(800, 600) == pytest.approx(300 / 72)  # a 4:3 slide at 300 dpi is 8.3 MP: within the bound
    for width, height in [(14400, 14400), (14400, 1), (3.84, 3.84), (0, 0)]:
        scale = ocr.render_scale(width, height)
        assert scale <= 300 / 72 and width * height * scale * scale <= ocr.MAX_PIXELS + 1


def test_tsv_words_become_lines_and_paragraphs_with_their_mean_confidence():
    head = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    rows = [("1", "1", "0", "0", "0", "-1", ""), ("5", "1", "1", "1", "1", "96", "Opium"),
            ("5", "1", "1", "1", "1", "90", "poppy"), ("5", "1", "1", "1", "2", "80", "Laos"),
            ("5", "1", "2", "1", "1", "60", "Myanmar"), ("5", "1", "2", "1", "1", "95", " ")]
    tsv = "\n".join([head] + ["\t".join([level, page, block, par, line, "1", "0", "0", "1", "1", conf, text])
                              for level, page, block, par, line, conf, text in rows])
    reading = ocr.parse_tsv(tsv)
    assert reading.text == "Opium poppy\nLaos\n\nMyanmar"
    assert reading.words == 4 and reading.confidence == pytest.approx((96 + 90 + 80 + 60) / 4, abs=0.05)


@needs_tesseract
def test_an_unchanged_deck_is_ocr_d_once_and_a_new_tesseract_reads_it_again(make_project, monkeypatch):
    from pipeline import plan as plan_module
    from pipeline.build import build
    from pipeline.config import load_config

    project = make_project("basic")
    image_pdf(project / "inputs" / "alpha" / "slides.pdf", [SLIDE])
    calls = []
    real = ocr.read_image
    monkeypatch.setattr(ocr, "read_image", lambda *args: calls.append(args[1].name) or real(*args))
    report = build(load_config(project), ["alpha"], jobs=1)
    assert report.ok and calls == ["page-1.pgm"]
    assert any("slides.pdf: page 1: no text layer (an image only?); read by OCR" in n for o in report.outcomes for n in o.notices)
    (project / "inputs" / "alpha" / "note.md").write_text((project / "inputs" / "alpha" / "note.md").read_text() + "\nMore.\n")
    report = build(load_config(project), ["alpha"], jobs=1)
    assert report.ok and report.outcomes[0].status == "built" and len(calls) == 1  # the slides came from the cache
    monkeypatch.setattr(plan_module, "engine_fingerprint", lambda: "tesseract 9.9.9 eng:new-data")
    build(load_config(project), ["alpha"], jobs=1)
    assert len(calls) == 2


@pytest.mark.skipif(not (SHARED / "corpus" / "pdfs" / "index.json").is_file(), reason="../shared/corpus is absent")
@needs_tesseract
@pytest.mark.parametrize("name", ["sf_cmyk-image.pdf", "pm_jo-japanese.pdf"])
def test_corpus_pages_ocr_cannot_read_are_warned_and_never_mined(name):
    """A photograph has no text; Japanese set without a text map is beyond the English data. (Every corpus
    page being read or warned about is checked in test_ingest_corpus.)"""
    source = read_source(SHARED / "corpus" / "pdfs" / name)
    [warning] = source.warnings
    assert warning.startswith(f"{name}: page 1: ") and "OCR could not read it: " in warning
    assert all(s.role == "unreadable" for s in source.segments)


@needs_tesseract
def test_a_file_pdfium_cannot_open_is_a_warning_for_each_such_page(tmp_path, monkeypatch):
    import pypdfium2

    opened = []

    def refuse(*args, **kwargs):
        opened.append(args)
        raise pypdfium2.PdfiumError("Failed to load document (PDFium: Data format error).")

    monkeypatch.setattr(pypdfium2, "PdfDocument", refuse)
    source = read_source(image_pdf(tmp_path / "deck.pdf", [SLIDE, SLIDE]))
    assert len(source.warnings) == 2 and len(opened) == 1  # tried once, not page after page
    assert source.warnings[1].startswith("deck.pdf: page 2: no text layer (an image only?); its content is left out: "
                                         "OCR could not read it: the page could not be drawn: PDFium cannot open the file: Failed to load")
