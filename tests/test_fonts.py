"""Tests for pipeline.fonts: the font packages, their cmaps, and the glyph-coverage warnings a build records."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader

from pipeline.fonts import FONT_PACKAGES, covered_codepoints, declared_fonts, font_dirs, font_file, glyph_warnings

ROOTS = Path(__file__).resolve().parent / "roots"
NOTE_CSS = Path(__file__).resolve().parents[1] / "templates" / "casis" / "note.css"
FACES = ('@font-face { font-family: "Source Serif Pro"; src: url("font:SourceSerifPro-Regular.ttf"); }'
         '@font-face { font-family: "Amiri"; src: url(font:Amiri-Regular.ttf); }')


def page(body: str, css: str = FACES) -> str:
    """A composed-note-like HTML document with the given body and stylesheet."""
    return f'<!DOCTYPE html><html><head><title>🙂 not printed</title><style>{css}</style></head><body>{body}</body></html>'


def test_every_font_the_house_style_declares_is_installed_and_in_the_text_stacks():
    css = NOTE_CSS.read_text(encoding="utf-8")
    fonts = declared_fonts(css)
    assert len(fonts) >= 6 and all(font_file(name) is not None for _, name in fonts)
    body_stack = re.search(r"^html\s*\{[^}]*?font-family:\s*([^;}]+)", css, re.M).group(1)
    header_stack = re.search(r"^\.running-header\s*\{[^}]*?font-family:\s*([^;}]+)", css, re.M).group(1)
    for family in {family for family, _ in fonts} - {"Source Sans Pro"}:
        assert f'"{family}"' in body_stack
    for family in {family for family, _ in fonts} - {"Source Serif Pro"}:
        assert f'"{family}"' in header_stack
    assert len(font_dirs()) == len(FONT_PACKAGES) and all(d.is_dir() for d in font_dirs())


def test_font_file_takes_bare_names_only():
    assert font_file("SourceSerifPro-Regular.ttf") is not None
    for name in ("../SourceSerifPro-Regular.ttf", "files/SourceSerifPro-Regular.ttf", "", "..", "nonexistent.ttf"):
        assert font_file(name) is None


def test_cmaps_are_read_once_and_cover_the_chosen_scripts():
    serif = covered_codepoints("SourceSerifPro-Regular.ttf")
    assert covered_codepoints("SourceSerifPro-Regular.ttf") is serif  # cached per process
    assert {ord(c) for c in "Πειραιάς Новороссийск"} - {32} <= serif
    assert {ord(c) for c in "القاهرة"} <= covered_codepoints("Amiri-Regular.ttf")
    assert {ord(c) for c in "חיפה"} <= covered_codepoints("FrankRuhlLibre[wght].ttf")
    assert {ord(c) for c in "मुंबई"} <= covered_codepoints("NotoSansDevanagari[wdth,wght].ttf")
    assert covered_codepoints("no-such-font.ttf") == frozenset()


def test_uncovered_characters_are_named_with_their_place():
    body = ("<h1>TITLE</h1><p>Intro 天</p><h2>BACKGROUND</h2><h3>Presentation</h3>"
            "<p>First paragraph, fine.</p><p>Delivered 📦 and 📦 again, logo \ue000.</p>"
            "<h2>KEY POINTS OF DISCUSSION</h2><ul><li>One</li><li>Two 🙂</li></ul>")
    warnings = glyph_warnings(page(body))
    assert len(warnings) == 3
    assert warnings[0].startswith("title block, paragraph 1: U+5929 天 in none of the embedded fonts")
    assert warnings[1].startswith("section BACKGROUND / Presentation, paragraph 2: U+1F4E6 📦, U+E000 \ue000 in none")
    assert warnings[2].startswith("section KEY POINTS OF DISCUSSION, paragraph 2: U+1F642 🙂")


def test_covered_scripts_and_characters_that_need_no_glyph_give_no_warning():
    text = "Πειραιάς Новороссийск القاهرة — “quoted” café\u00ad\u200d\u00a0x\ufe0f"
    assert glyph_warnings(page(f"<p>{text}</p>")) == []
    hebrew = '@font-face { font-family: "Frank Ruhl Libre"; src: url("font:FrankRuhlLibre[wght].ttf"); }'
    assert glyph_warnings(page("<p>חיפה</p>")) and glyph_warnings(page("<p>חיפה</p>", FACES + hebrew)) == []


def test_headings_running_header_and_many_characters():
    body = ('<div class="running-header"><span>Journal 🙂</span></div><h2>BACK 天</h2>'
            f"<p>{''.join(chr(0x4E00 + n) for n in range(20))}</p>")
    warnings = glyph_warnings(page(body))
    assert warnings[0].startswith("running header: U+1F642")
    assert warnings[1].startswith("heading 'BACK 天': U+5929")
    assert "and 8 more" in warnings[2] and warnings[2].startswith("section BACK 天, paragraph 1")


def test_a_stylesheet_without_embedded_fonts_is_a_warning():
    assert "embeds no font" in glyph_warnings(page("<p>plain</p>", "p { color: red }"))[0]


@pytest.fixture(scope="module")
def glyphs_project(tmp_path_factory):
    """tests/roots/glyphs built once with --strict: one note in five scripts, one with uncovered characters."""
    from pipeline.build import build
    from pipeline.config import load_config

    project = tmp_path_factory.mktemp("glyphs") / "glyphs"
    shutil.copytree(ROOTS / "glyphs", project)
    report = build(load_config(project), jobs=1, strict=True)
    return project, {o.slug: o for o in report.outcomes}


def test_note_in_five_scripts_embeds_the_fallback_fonts_and_extracts(glyphs_project):
    project, outcomes = glyphs_project
    outcome = outcomes["many-scripts"]
    assert outcome.status == "built" and outcome.warnings == ()  # a notice never trips --strict
    pdf = project / "outputs" / "many-scripts" / "many-scripts.pdf"
    with pikepdf.open(pdf) as doc:
        fonts = {str(f.BaseFont).split("+")[1] for p in doc.pages for _, f in p.resources.get("/Font", {}).items()}
    assert {"Amiri", "Frank-Ruhl-Libre", "Noto-Sans-Devanagari", "Source-Serif-Pro"} <= fonts
    assert not any("DejaVu" in f for f in fonts)  # nothing from the host's fonts
    text = "".join(page.extract_text() for page in PdfReader(str(pdf)).pages)
    for word in ("Πειραιάς", "Θεσσαλονίκη", "Новороссийск", "Владивосток", "القاهرة", "دمشق", "חיפה", "אשדוד",
                 "मुंबई", "कोलकाता", "बंदरगाह"):
        assert word in text


def test_note_in_five_scripts_passes_check_pdfa_included(glyphs_project):
    from pipeline.archive.check import check_project
    from pipeline.config import load_config

    project, _ = glyphs_project
    report = check_project(load_config(project), ["many-scripts"])
    assert not report.findings, report.findings


def test_uncovered_characters_are_build_warnings_and_fail_strict(glyphs_project):
    _, outcomes = glyphs_project
    outcome = outcomes["uncovered"]
    assert outcome.status == "failed" and "--strict" in outcome.error
    warnings = [w for w in outcome.warnings if "in none of the embedded fonts" in w]
    assert warnings == [
        "section BACKGROUND / Presentation, paragraph 1: U+1F4E6 📦, U+5929 天, U+6D25 津, U+6E2F 港 in none of "
        "the embedded fonts (they print as empty boxes or in a font of this computer)",
        "section BACKGROUND / Presentation, paragraph 2: U+E000 \ue000 in none of the embedded fonts "
        "(they print as empty boxes or in a font of this computer)",
    ]
