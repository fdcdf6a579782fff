"""Tests for pipeline.render: PDF/A identification, embedded package fonts, metadata, restricted fetching."""

from __future__ import annotations

import io

import pikepdf
import pytest
from pypdf import PdfReader

from pipeline.render import RestrictedFetcher, font_dirs, render_pdf

HTML = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>T</title>
<meta name="author" content="A. Writer"><meta name="keywords" content="k1, k2">
<meta name="dcterms.created" content="2026-03-02">
<style>@font-face {{ font-family: "Source Serif Pro"; src: url("font:SourceSerifPro-Regular.ttf"); }}
html {{ font-family: "Source Serif Pro"; }}</style></head><body><p>Hello {extra}</p></body></html>"""


def fonts_of(pdf: bytes) -> list[tuple[str, bool]]:
    """(base font name, embedded?) for every font on every page."""
    found = []
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            for _, font in page.resources.get("/Font", {}).items():
                descendants = font.get("/DescendantFonts")
                desc = (descendants[0] if descendants else font).get("/FontDescriptor")
                embedded = desc is not None and any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                found.append((str(font.BaseFont), embedded))
    return found


def test_pdfa3_with_embedded_package_fonts_and_metadata(tmp_path):
    rendered = render_pdf(HTML.format(extra=""), base_dir=tmp_path, allowed_dirs=[])
    fonts = fonts_of(rendered.pdf)
    assert fonts and all(embedded for _, embedded in fonts)
    assert all("Source-Serif" in name for name, _ in fonts)
    with pikepdf.open(io.BytesIO(rendered.pdf)) as doc:
        meta = doc.open_metadata()
        assert meta.pdfa_status == "3A"  # render_pdf defaults to pdf/a-3a, as the configuration does
        assert "/OutputIntents" in doc.Root
    info = PdfReader(io.BytesIO(rendered.pdf)).metadata
    assert info.title == "T" and info.author == "A. Writer"
    assert info["/CreationDate"].startswith("D:20260302")


def test_font_packages_are_installed():
    assert all(any(d.glob("*.ttf")) for d in font_dirs())
    assert RestrictedFetcher([]).fetch("font:Amiri-Regular.ttf").read()[:4] == b"\x00\x01\x00\x00"
    with pytest.raises(ValueError, match="no such file in the font packages"):
        RestrictedFetcher([]).fetch("font:../font_source_serif_pro/files/SourceSerifPro-Regular.ttf")


def test_slow_subsetter_is_one_notice_not_a_warning_per_font(tmp_path, monkeypatch, caplog):
    from weasyprint.pdf import fonts as weasy_fonts

    from pipeline.render import SUBSET_PACKAGE, subset_notice, subsets_with_harfbuzz

    monkeypatch.setattr(weasy_fonts, "harfbuzz_subset", None)  # WeasyPrint's own switch: the fontTools path
    assert not subsets_with_harfbuzz() and SUBSET_PACKAGE in subset_notice()
    with caplog.at_level("WARNING", logger="weasyprint"):
        rendered = render_pdf(HTML.format(extra="<b>bold</b> <i>italic</i>"), base_dir=tmp_path, allowed_dirs=[])
    assert rendered.notices == [subset_notice()] and not rendered.warnings
    assert not [r for r in caplog.records if "fontTools" in r.getMessage()]


def test_the_build_fingerprint_knows_the_subsetter_weasyprint_uses():
    from pipeline.plan import package_versions
    from pipeline.render import subsets_with_harfbuzz

    assert package_versions()["font-subsetter"] == ("harfbuzz" if subsets_with_harfbuzz() else "fonttools")


def test_the_notice_is_printed_once_per_build(capsys):
    from pipeline.build import BuildReport, Outcome
    from pipeline.cli import print_report

    notice = "fonts were subset with fontTools"
    report = BuildReport((Outcome("a", "built", host_notices=(notice,)), Outcome("b", "built", host_notices=(notice,))), 1.0)
    print_report(report)
    assert capsys.readouterr().err.count(notice) == 1
    assert report.to_json()["host_notices"] == [notice]


@pytest.mark.parametrize(
    "url",
    ["http://example.org/x.png", "https://example.org/x.css", "ftp://example.org/f"],
)
def test_network_urls_refused(tmp_path, url):
    fetcher = RestrictedFetcher([tmp_path])
    with pytest.raises(ValueError, match="refused"):
        fetcher.fetch(url)
    assert url in fetcher.refused[0]


def test_files_outside_allowed_folders_refused_inside_served(tmp_path):
    inside = tmp_path / "b" / "img.txt"
    inside.parent.mkdir()
    inside.write_text("ok")
    outside = tmp_path / "secret.txt"
    outside.write_text("no")
    fetcher = RestrictedFetcher([tmp_path / "b"])
    assert fetcher.fetch(inside.as_uri()).read() == b"ok"
    with pytest.raises(ValueError, match="outside the briefing folder"):
        fetcher.fetch(outside.as_uri())
    with pytest.raises(ValueError):
        fetcher.fetch((tmp_path / "b" / ".." / "secret.txt").as_uri())


def test_render_warns_about_refused_resources(tmp_path):
    html = HTML.format(extra='<img src="https://example.org/logo.png"><img src="/etc/passwd">')
    rendered = render_pdf(html, base_dir=tmp_path, allowed_dirs=[])
    assert any("https://example.org/logo.png" in w for w in rendered.warnings)
    assert any("/etc/passwd" in w for w in rendered.warnings)


def test_dropping_tables_first_subsets_fonts_byte_for_byte_as_fonttools(tmp_path, monkeypatch):
    """The fast subsetter (render.py) must change the speed of the fontTools path, never its bytes."""
    from fontTools import subset as fonttools_subset
    from weasyprint.pdf import fonts as weasy_fonts

    from pipeline import render

    # Every house face (regular, bold, italic; serif and sans) and the fallbacks (two variable fonts among them).
    faces = "".join(f'@font-face {{ font-family: "F{n}"; src: url("font:{name}"); }} .f{n} {{ font-family: "F{n}"; }}'
                    for n, name in enumerate(["SourceSerifPro-Regular.ttf", "SourceSerifPro-Bold.ttf", "SourceSerifPro-It.ttf",
                                              "SourceSansPro-Regular.ttf", "SourceSansPro-Bold.ttf", "Amiri-Regular.ttf",
                                              "FrankRuhlLibre%5Bwght%5D.ttf", "NotoSansDevanagari%5Bwdth,wght%5D.ttf"]))
    text = "Wavy AV To fi ffl — “quoted” 1,234 kerning Ǆ ŉ Ωμέγα Кириллица العربية עברית देवनागरी"
    html = ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>T</title>'
            f'<meta name="dcterms.created" content="2026-03-02"><style>{faces}</style></head><body>'
            + "".join(f'<p class="f{n}">{text}</p>' for n in range(8)) + "</body></html>")
    monkeypatch.setattr(weasy_fonts, "harfbuzz_subset", None)  # the fontTools path, as on a stock machine
    assert weasy_fonts.subset.Subsetter is render._SubsetterDroppingTablesFirst
    fast = render_pdf(html, base_dir=tmp_path, allowed_dirs=[])
    monkeypatch.setattr(weasy_fonts, "subset", fonttools_subset)
    stock = render_pdf(html, base_dir=tmp_path, allowed_dirs=[])
    assert len(fonts_of(fast.pdf)) >= 8 and not fast.warnings  # the eight faces, and the system font for what none covers
    assert fast.pdf == stock.pdf
