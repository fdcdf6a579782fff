"""Tests for pipeline.compose.typography: house typography in the HTML and, read back line by line, in the PDF.

The PDF tests render tests/roots/typography (a manuscript crowded with honorifics, hyphenated
chemical names, CAS numbers, quotes and long URLs) at several text widths and font sizes, so
that line and page breaks fall at the risky places, and read every line back with pdfplumber.
They use only the public compose and render functions, so they run (and fail) on older code too.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pytest

from pypdf import PdfReader

from pipeline.archive.check import normalise_text
from pipeline.compose import compose_html, copyright_line, licence_sentence, render_inline
from pipeline.config import builtin_templates, load_briefing, load_config, template_dirs
from pipeline.draft import note_from_manuscript
from pipeline.ingest import read_source
from pipeline.render import render_pdf

ROOT = Path(__file__).resolve().parent / "roots" / "typography"
MM = 72 / 25.4
TOP, BOTTOM = 25 * MM, 22 * MM  # the house style's page margins (note.css)
# (font size in pt, left and right margin in mm): the house page, then narrower and wider settings.
VARIANTS = [(11, 25), (11, 45), (10, 55), (12, 50), (9.5, 70), (11, 68), (10.5, 38)]
VARIANT_IDS = [f"{size}pt-{margin}mm" for size, margin in VARIANTS]

HONORIFIC_END = re.compile(r"(?:Dr|Mr|Mrs|Ms|Prof|Insp|Hon|Sgt|Gen)\.|[A-Z]\.")
IDENTIFIERS = [
    "4-ANPP", "4-AP", "1-boc-4-AP", "N-phenethyl-4-piperidone", "1-boc-4-piperidone", "4-anilinopiperidine",
    "3,4-MDP-2-P", "2,5-dimethoxy-4-methylbenzaldehyde", "COVID-19", "21409-26-7", "39742-60-4",
    "79099-07-3", "23056-29-3", "125541-22-2", "1609-66-1", "103-79-7", "4676-39-5",
]
URLS = [
    "https://www.example.org/reports/precursor-trade/2024/annual-review-of-scheduled-chemicals-and-their-brokers.pdf",
    "https://data.example.org/precursors/cas-79099-07-3/seizures?year=2024&region=pacific-coast",
    "https://audit.example.org/brokers/2025/websites-and-payments-report.html",
    "https://doi.org/10.21810/jtc.v7i2.6132",
    "https://www.example.org/test-review/articles/brokers-websites-and-the-1-boc-4-piperidone-trade.html",
    "https://doi.org/10.5281/tps.2023.0417",
    "https://www.example.org/mtq/2024/19/3/mislabelled-drums",
    "https://doi.org/10.4000/tjt.2022.5.2.1",
    "https://www.example.org/bts/counting-containers",
    "https://www.example.org/tpr/family-wide-controls-for-fentanyl-related-substances",
    "https://www.example.org/tfl/payment-rails",
    "https://www.example.org/journal/archive/volume-4/issue-2/",
]
HEADINGS = {"KEY EVENTS", "NATURE OF DISCUSSION", "BACKGROUND", "Presentation", "Question and Answer",
            "KEY POINTS OF DISCUSSION", "FURTHER READING"}
UNBREAKABLE_START = re.compile(r"[(“‘]?(?:CAS )?(?:https?://|" + "|".join(map(re.escape, IDENTIFIERS)) + ")")
REFERENCE_STARTS = ["Okafor, A.", "Adeyemi, R.", "Dittmar, V.", "Bassey, O.", "Ortiz, D.", "Park, H.", "Ruiz, A.",
                    "Rowe, J."]


@dataclass
class Line:
    """One line of a PDF page as pdfplumber reads it back."""

    page: int
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    bold: bool
    space: float
    """The widest space between two glyphs of the line, in ems."""


@dataclass
class Rendered:
    """A rendered variant: its body lines (inside the page margins), every line, and the page geometry."""

    body: list[Line]
    lines: list[Line]
    pages: int
    width: float
    height: float
    left: float
    right: float
    links: list[str]
    path: Path

    @property
    def text(self) -> str:
        """The body lines joined by newlines (a page break is a newline too)."""
        return "\n".join(line.text for line in self.body)


def render_project(project: Path, size: float, margin: float, extra_md: str = "") -> Rendered:
    """Compose and render the project's note with the house CSS at a given font size and side margin."""
    override = project / "templates" / "casis"
    override.mkdir(parents=True, exist_ok=True)
    css = (builtin_templates() / "casis" / "note.css").read_text(encoding="utf-8")
    (override / "note.css").write_text(
        css + f"\n@page {{ margin-left: {margin}mm; margin-right: {margin}mm; }}\nhtml {{ font-size: {size}pt; }}\n",
        encoding="utf-8",
    )
    folder = project / "inputs" / "stress"
    if extra_md:
        manuscript = folder / "note.md"
        text = manuscript.read_text(encoding="utf-8")
        manuscript.write_text(text.replace("## Question and Answer", extra_md + "\n\n## Question and Answer"))
    config = load_config(project)
    briefing, config = load_briefing(folder, config)
    note, _ = note_from_manuscript(read_source(briefing.manuscript), briefing)
    html = compose_html(briefing, note, config)
    pdf = render_pdf(html, base_dir=folder, allowed_dirs=template_dirs(config)).pdf
    path = project / f"stress-{size}-{margin}.pdf"
    path.write_bytes(pdf)
    return read_back(path, margin * MM)


def read_back(path: Path, side: float) -> Rendered:
    """Every line of every page with its box and whether it is all bold; body lines are those inside the margins."""
    lines, links = [], []
    with pdfplumber.open(path) as pdf:
        width, height = pdf.pages[0].width, pdf.pages[0].height
        for number, page in enumerate(pdf.pages, 1):
            links += [link["uri"] for link in page.hyperlinks]
            for line in page.extract_text_lines(return_chars=True, strip=True):
                glyphs = [c for c in line["chars"] if c["text"].strip()]  # a line's box may count its last space
                space = max([(b["x0"] - a["x1"]) / b["size"] for a, b in zip(glyphs, glyphs[1:])], default=0)
                lines.append(Line(number, line["text"], min(c["x0"] for c in glyphs), max(c["x1"] for c in glyphs),
                                  line["top"], line["bottom"],
                                  bool(glyphs) and all("Bold" in c["fontname"] for c in glyphs), space))
        pages = len(pdf.pages)
    body = [line for line in lines if line.top >= TOP - 1 and line.bottom <= height - BOTTOM + 1]
    return Rendered(body, lines, pages, width, height, side, width - side, links, path)


@pytest.fixture(scope="module")
def variants(tmp_path_factory) -> dict[str, Rendered]:
    """The stress note rendered once per variant."""
    out = {}
    for (size, margin), name in zip(VARIANTS, VARIANT_IDS):
        project = tmp_path_factory.mktemp(name) / "typography"
        shutil.copytree(ROOT, project)
        out[name] = render_project(project, size, margin)
    return out


def broken(pattern_text: str) -> re.Pattern:
    """A pattern for a text that may be broken across lines anywhere (a newline, or a hyphen and a newline, between any two characters)."""
    return re.compile(r"(?<![\w-])" + r"(?:-?\n)?".join(re.escape(c) for c in pattern_text) + r"(?![\w])")


# ---------------------------------------------------------------- the HTML


def test_quotes_dashes_and_ellipses_are_typographic():
    html = str(render_inline("\"Precursors,\" she said -- it's the brokers' trade --- mostly... (c) remains"))
    assert html == "“Precursors,” she said – it’s the brokers’ trade — mostly… (c) remains"


def test_code_spans_and_urls_keep_their_characters():
    html = str(render_inline("`\"x\" -- y` and <https://example.org/a--b/it's...> and https://example.org/c--d"))
    assert '<code>&quot;x&quot; -- y</code>' in html
    assert 'href="https://example.org/a--b/it\'s..."' in html and 'href="https://example.org/c--d"' in html
    # The link text is the URL exactly, only cut into pieces by markup.
    texts = re.findall(r'<span class="url">(.*?)</span></a>', html)
    assert [re.sub(r"<[^>]+>", "", t).replace("&#x27;", "'") for t in texts] == ["https://example.org/a--b/it's...",
                                                                              "https://example.org/c--d"]


def test_no_break_after_honorifics_initials_or_before_units():
    html = str(render_inline("Dr. Okafor, Prof. Adeyemi, Insp. Herrera, Hon. Tam, Sgt. Morgan, Gen. Ruiz, "
                             "Mr. Ortiz, Mrs. Park, Ms. Nair, V. Dittmar, 5 kg, 20 %, 3 tonnes, President Biden"))
    for tied in ("Dr.\u00a0Okafor", "Prof.\u00a0Adeyemi", "Insp.\u00a0Herrera", "Hon.\u00a0Tam", "Sgt.\u00a0Morgan",
                 "Gen.\u00a0Ruiz", "Mr.\u00a0Ortiz", "Mrs.\u00a0Park", "Ms.\u00a0Nair", "V.\u00a0Dittmar",
                 "5\u00a0kg", "20\u00a0%", "3\u00a0tonnes", "President\u00a0Biden"):
        assert tied in html, tied
    assert "U.S. market" in str(render_inline("the U.S. market"))  # not an initial
    # A manuscript's line end is a space like any other.
    assert str(render_inline("by Dr.\nKessler, 5\nkg")) == "by Dr.\u00a0Kessler, 5\u00a0kg"


def test_identifiers_are_kept_whole_with_an_ordinary_hyphen():
    html = str(render_inline("4-ANPP (CAS 21409-26-7), N-phenethyl-4-piperidone, 1-boc-4-AP, COVID-19, "
                             "a well-funded, long-term Attribution-NonCommercial licence"))
    for name in ("4-ANPP", "21409-26-7", "N-phenethyl-4-piperidone", "1-boc-4-AP", "COVID-19"):
        assert f'<span class="nowrap">{name}</span>' in html
    assert "\u2011" not in html  # a non-breaking hyphen would not copy or search as "-"
    assert "well-funded" in html and '<span class="nowrap">well-funded' not in html
    assert '<span class="nowrap">Attribution' not in html


def test_url_breaks_only_after_separators_past_the_host():
    html = str(render_inline("<https://www.incb.org/incb/en/precursors/technical_reports/precursors-technical-reports.html>"))
    pieces = [re.sub(r"<[^>]+>", "", p) for p in html.split("<wbr>")]
    assert pieces[0].endswith("https://www.incb.org/")  # the scheme, "www." and host never break
    assert all(p[-1] in "/.-?" for p in pieces[:-1])
    assert "".join(pieces).endswith("https://www.incb.org/incb/en/precursors/technical_reports/precursors-technical-reports.html")


def test_plain_fields_are_typeset(tmp_path):
    project = tmp_path / "typography"
    shutil.copytree(ROOT, project)
    config = load_config(project)
    briefing, config = load_briefing(project / "inputs" / "stress", config)
    note, _ = note_from_manuscript(read_source(briefing.manuscript), briefing)
    html = compose_html(briefing, note, config)
    body = html[html.index("<body>"):]
    assert "DR.\u00a0OKAFOR’S “PRECURSOR” PROBLEM – " in body  # title
    assert "Editors’ Association for “Applied” Security Studies" in body  # disclaimer
    assert "© (ADA O’QUILL, 2027)" in body and "Test Journal’s Press" in body  # licence block
    assert not re.search(r"""(?<![=\w])["'](?!>)""", re.sub(r"<[^>]*>", "", body))  # no straight quote in text


# ---------------------------------------------------------------- the PDF, read back by line


@pytest.mark.parametrize("variant", VARIANT_IDS)
def test_no_straight_quotes_or_ascii_dashes_in_the_pdf(variants, variant):
    rendered = variants[variant]
    for line in rendered.lines:
        assert not re.search(r"[\"']|--|\.\.\.", line.text), f"page {line.page}: {line.text!r}"
    assert "’" in rendered.text and "“" in rendered.text and "—" in rendered.text and "…" in rendered.text


@pytest.mark.parametrize("variant", VARIANT_IDS)
def test_no_line_ends_with_an_honorific_or_initial_or_a_number_before_its_unit(variants, variant):
    rendered = variants[variant]
    for line in rendered.body:
        assert not HONORIFIC_END.fullmatch(line.text.split()[-1]), f"page {line.page}: {line.text!r}"
    split_unit = re.search(r"\d\n(?:kg|%|tonnes|km)(?!\w)", rendered.text)
    assert not split_unit, split_unit


@pytest.mark.parametrize("variant", VARIANT_IDS)
def test_chemical_names_and_cas_numbers_never_break(variants, variant):
    text = variants[variant].text
    for name in IDENTIFIERS:
        found = broken(name).findall(text)
        assert found, f"{name} not in the PDF text"
        assert all("\n" not in f for f in found), f"{name} broken: {[f for f in found if chr(10) in f]}"


@pytest.mark.parametrize("variant", VARIANT_IDS)
def test_urls_break_only_after_a_separator_past_the_host(variants, variant):
    rendered = variants[variant]
    for url in URLS:
        found = broken(url).findall(rendered.text)
        assert found, f"{url} not in the PDF text exactly"
        head = re.match(r"https?://[^/]+/", url).group(0)
        for occurrence in found:
            before = occurrence.split("\n")[:-1]
            assert all(b[-1] in "/.-?" for b in before), f"{url} broken after {[b[-1] for b in before]}"
            assert all(len(b) >= len(head) for b in before[:1]), f"{url} broken inside {head!r}: {occurrence!r}"
    assert set(URLS) <= set(rendered.links)  # the link targets are exact too


@pytest.mark.parametrize("variant", VARIANT_IDS)
def test_no_heading_or_question_is_the_last_line_of_a_page(variants, variant):
    rendered = variants[variant]
    for page in range(1, rendered.pages):
        lines = [line for line in rendered.body if line.page == page]
        assert lines, f"page {page} has no text"
        last = lines[-1]
        assert last.text not in HEADINGS and not last.bold, f"page {page} ends with {last.text!r}"


@pytest.mark.parametrize("variant", VARIANT_IDS)
def test_no_text_outside_the_text_block(variants, variant):
    rendered = variants[variant]
    for line in rendered.body:
        assert rendered.left - 1 <= line.x0 and line.x1 <= rendered.right + 1, f"page {line.page}: {line.text!r}"
    for line in rendered.lines:
        assert 0 <= line.x0 and line.x1 <= rendered.width and 0 <= line.top and line.bottom <= rendered.height


@pytest.mark.parametrize("variant", VARIANT_IDS)
def test_the_licence_block_reads_back_as_check_expects(variants, variant):
    """`briefing check` looks for the licence sentence and the © line in the PDF's text: the block is never hyphenated."""
    config = load_config(ROOT)
    briefing, config = load_briefing(ROOT / "inputs" / "stress", config)
    text = normalise_text(" ".join(page.extract_text() for page in PdfReader(variants[variant].path).pages))
    for phrase in (licence_sentence(config), copyright_line(briefing)):
        assert normalise_text(phrase) in text


@pytest.mark.parametrize("variant", VARIANT_IDS)
def test_a_reference_is_split_across_pages_only_when_long(variants, variant):
    rendered = variants[variant]
    start = next(i for i, line in enumerate(rendered.body) if line.text == "FURTHER READING")
    end = next(i for i, line in enumerate(rendered.body) if line.text.startswith("This work is licensed"))
    items: list[list[Line]] = []
    for line in rendered.body[start + 1:end]:
        if any(line.text.lstrip("• ").startswith(s) for s in REFERENCE_STARTS):
            items.append([])
        items[-1].append(line)
    assert len(items) == len(REFERENCE_STARTS)
    for item in items:
        pages = [line.page for line in item]
        if len(set(pages)) > 1:  # a split reference is long, with 3 lines or more on each page
            assert min(pages.count(p) for p in set(pages)) >= 3, [line.text for line in item]


@pytest.mark.parametrize("variant", VARIANT_IDS[:2] + VARIANT_IDS[-1:])
def test_justified_lines_do_not_gape(variants, variant):
    """At the house measure and near it, no space of a full (justified) line is wider than 1 em (a normal
    one is about 0.25 em), unless the line ends in a URL or the next starts with what may not break.
    (Narrower columns gape whatever the hyphenation: the house style is not set that narrow.)"""
    rendered = variants[variant]
    measure = rendered.right - rendered.left
    for line, after in zip(rendered.body, rendered.body[1:]):
        full = line.x1 - line.x0 >= 0.98 * measure and not line.text.startswith("•")  # bullets are ragged
        if full and line.space > 1.0 and not re.search(r"https?://\S*$", line.text):  # URLs break at few places
            assert UNBREAKABLE_START.match(after.text), f"page {line.page}: {line.space:.2f} em in {line.text!r}"


def test_a_ten_thousand_letter_word_and_a_long_url_stay_on_the_page(tmp_path):
    project = tmp_path / "typography"
    shutil.copytree(ROOT, project)
    word = ("chlorobenzylidenemalononitrile" * 400)[:10_000]
    url = "https://www.example.org/" + "/".join(["segment-of-a-very-long-path"] * 80) + "/" + "q" * 300
    rendered = render_project(project, 11, 25, extra_md=f"A {word} and {url} end.")
    for line in rendered.lines:
        assert rendered.left - 1 <= line.x0 and line.x1 <= rendered.right + 1, f"page {line.page}: {line.text[:60]!r}"
    flat = rendered.text.replace("\n", "")  # neither is hyphenated: a break adds no character
    assert word in flat and url in flat  # nothing lost
