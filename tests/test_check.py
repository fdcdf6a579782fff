"""`briefing check` (pipeline.archive.check): passes on good builds, precise findings on damaged copies."""

from __future__ import annotations

import json
import shutil

import pikepdf
import pytest

from archive_support import ROOTS, build_outputs
from pipeline.archive.check import check_pdf, check_project
from pipeline.cli import main
from pipeline.config import load_config

SLUG = "harbour-brokers"
REPO = ROOTS.parents[1]



@pytest.fixture
def project(built, tmp_path):
    """A fresh copy of the built project that a test may damage."""
    copy = tmp_path / "project"
    shutil.copytree(built, copy)
    return copy


def pdf_of(project, slug=SLUG):
    return project / "outputs" / slug / f"{slug}.pdf"


def problems(project, slug=SLUG):
    report = check_project(load_config(project), [slug])
    return [f.problem for f in report.findings]


def test_good_build_passes(built):
    report = check_project(load_config(built))
    assert report.ok, report.findings
    assert report.checked == (SLUG, "port-scanners")


def test_bundled_examples_pass(tmp_path):
    """The repository's own examples, built the archival way, pass every check."""
    project = tmp_path / "bundled"
    (project / "inputs").mkdir(parents=True)
    shutil.copy(REPO / "briefings.toml", project)
    examples = [p for p in sorted((REPO / "inputs").iterdir()) if (p / "briefing.toml").is_file() and (p / "note.md").is_file()]
    if not examples:
        pytest.skip("no bundled examples with a manuscript")
    for folder in examples[:2]:
        shutil.copytree(folder, project / "inputs" / folder.name)
    build_outputs(project)
    report = check_project(load_config(project))
    assert report.ok, [str(f) for f in report.findings]


def test_unembedded_font_is_found(project):
    path = pdf_of(project)
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        font = next(iter(pdf.pages[0].Resources.Font.values()))
        owner = font.DescendantFonts[0] if font.Subtype == "/Type0" else font
        for key in ("/FontFile", "/FontFile2", "/FontFile3"):
            if key in owner.FontDescriptor:
                del owner.FontDescriptor[key]
        name = str(font.BaseFont)
        pdf.save(path)
    found = problems(project)
    assert any(p.startswith(f"font {name} (page 1) is not embedded") for p in found), found


def test_stripped_licence_text_is_found(project):
    from pipeline.render import render_pdf

    html = (project / "outputs" / SLUG / f"{SLUG}.html").read_text(encoding="utf-8")
    start, end = html.index('<section class="licence" role="contentinfo">'), html.index("</section>") + len("</section>")
    damaged = render_pdf(html[:start] + html[end:], base_dir=project / "inputs" / SLUG, allowed_dirs=[REPO / "templates" / "casis"])
    pdf_of(project).write_bytes(damaged.pdf)
    found = problems(project)
    assert "text lacks 'This work is licensed under a Creative Commons Attribution-NonCommercial-NoDerivatives 4.0 International License.'" in found
    assert "text lacks '© (TEST SPEAKER, 2026)'" in found
    assert any("attachment 'note.md' (from inputs/harbour-brokers/note.md) is missing" == p for p in found)


def test_galley_that_loads_fonts_from_outside_or_is_missing_is_found(project):
    galley = project / "outputs" / SLUG / f"{SLUG}.html"
    html = galley.read_text(encoding="utf-8")
    galley.write_text(html.replace("<style>", '<style>\n@font-face { font-family: "X"; src: url("font:X.ttf"); }', 1), encoding="utf-8")
    found = [p for p in problems(project) if "galley" in p]
    assert len(found) == 1 and found[0].startswith("the HTML galley loads a file from outside itself (1 place(s)), first ")
    assert 'url("font:X.ttf")' in found[0] and found[0].endswith("rebuild it with `briefing build`")
    galley.unlink()
    assert "no HTML galley beside the PDF (run `briefing build`)" in problems(project)


def test_truncated_file_is_found(project):
    path = pdf_of(project)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    report = check_project(load_config(project), [SLUG])
    assert report.findings[0].file == f"outputs/{SLUG}/{SLUG}.pdf"
    assert report.findings[0].problem.startswith("truncated: does not end with %%EOF")


def test_edited_source_no_longer_matches_its_attachment(project):
    note = project / "inputs" / SLUG / "note.md"
    note.write_text(note.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    assert "attachment 'note.md' differs from its source inputs/harbour-brokers/note.md (rebuild the note)" in problems(project)


def test_pdfa_identification_and_links(project):
    path = pdf_of(project)
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        del pdf.Root.OutputIntents
        for page in pdf.pages:
            for annot in page.get("/Annots", []):
                if annot.get("/A") is not None and "/URI" in annot.A:
                    annot.A.URI = pikepdf.String("https://doi org/broken link")
                    break
        pdf.save(path)
    found = problems(project)
    assert "no PDF/A output intent (/OutputIntents with /S /GTS_PDFA1) in the catalog" in found
    assert any(p.endswith("malformed link URL 'https://doi org/broken link'") for p in found), found


def test_input_findings(project):
    toml = project / "inputs" / SLUG / "briefing.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('author = "Test Speaker"\n', ""), encoding="utf-8")
    draft = project / "inputs" / "port-scanners" / "note.md"
    draft.write_text(draft.read_text(encoding="utf-8").split("# KEY POINTS")[0], encoding="utf-8")
    (project / "briefings.toml").write_text(
        (project / "briefings.toml").read_text(encoding="utf-8").replace("https://creativecommons.org/licenses/by-nc-nd/4.0/", "creativecommons by-nc-nd"),
        encoding="utf-8",
    )
    report = check_project(load_config(project))
    found = {(f.file, f.problem, f.stage) for f in report.findings}
    assert (f"inputs/{SLUG}/briefing.toml", "missing field 'author': expected the name on the © line (text)", "input") in found
    assert ("inputs/port-scanners/note.md", "note.md: section '# KEY POINTS OF DISCUSSION' is missing or has no text; it is left out of the draft", "input") in found
    assert ("inputs/port-scanners/briefing.toml", "setting 'licence_url': expected an http(s) URL, found 'creativecommons by-nc-nd'", "input") in found


def test_a_note_drafted_from_sources_needs_no_manuscript(project):
    (project / "inputs" / SLUG / "note.md").unlink()
    report = check_project(load_config(project), [SLUG])
    assert [f for f in report.findings if f.stage == "input"] == []
    (project / "inputs" / SLUG / "transcript.vtt").unlink()
    found = [str(f) for f in check_project(load_config(project), [SLUG]).findings if f.stage == "input"]
    assert found == [f"inputs/{SLUG}: no manuscript (note.md or note.docx) and no sources to draft the note from"]


def test_missing_pdf_and_damaged_header(project, tmp_path):
    pdf_of(project, "port-scanners").unlink()
    assert problems(project, "port-scanners") == ["not built: no PDF (run `briefing build` first)"]
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"hello")
    found = [f.problem for f in check_pdf(junk, slug="x", root=tmp_path)]
    assert found[0] == "does not start with a PDF header (found b'hello')"
    assert any(p.startswith("cannot be opened as a PDF") for p in found)


def test_cli_exit_status_and_json(project, capsys):
    assert main(["--project", str(project), "check"]) == 0
    assert "all good" in capsys.readouterr().out
    path = pdf_of(project)
    path.write_bytes(path.read_bytes()[:-200])
    assert main(["--project", str(project), "check", SLUG, "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False and data["checked"] == [SLUG]
    assert data["findings"][0]["file"] == f"outputs/{SLUG}/{SLUG}.pdf"


def test_stored_build_warnings_are_findings(project):
    state_file = project / "outputs" / ".state" / "state.json"
    state = json.loads(state_file.read_text())
    state["briefings"][SLUG]["warnings"] = ["slides.pdf: page 2: a warning the build gave"]
    state_file.write_text(json.dumps(state))
    report = check_project(load_config(project), [SLUG])
    found = [(f.file, f.problem, f.stage) for f in report.findings]
    assert found == [(f"outputs/{SLUG}/{SLUG}.pdf", "build warning: slides.pdf: page 2: a warning the build gave", "build")]


def test_check_revalidates_the_manuscript_sections(project):
    note = project / "inputs" / SLUG / "note.md"
    note.write_text(note.read_text(encoding="utf-8").replace("## Question and Answer", "## Questoin and Answer"), encoding="utf-8")
    found = problems(project)
    assert any("heading '## Questoin and Answer' is not a house-style heading; did you mean '## Question and Answer'?" in p
               for p in found), found

# --- tagged PDFs (pdf/a-3a, pdf/ua-1) and exported JATS ------------------------------------

@pytest.fixture(scope="module")
def tagged(tmp_path_factory):
    """The archive project built as PDF/A-3a, with one note overridden to PDF/UA-1."""
    from archive_support import copy_root

    project = copy_root("archive_project", tmp_path_factory.mktemp("tagged"))
    with open(project / "briefings.toml", "a", encoding="utf-8") as handle:
        handle.write('pdf_variant = "pdf/a-3a"\n')
    with open(project / "inputs" / "port-scanners" / "briefing.toml", "a", encoding="utf-8") as handle:
        handle.write('\n[settings]\npdf_variant = "pdf/ua-1"\n')
    build_outputs(project)
    return project


def test_tagged_pdfs_pass_the_accessibility_checks(tagged):
    from pipeline.archive.tagged import claims_tagged

    report = check_project(load_config(tagged))
    assert report.ok, report.findings
    for slug, part in ((SLUG, "pdfaid:conformance"), ("port-scanners", "pdfuaid:part")):
        with pikepdf.open(pdf_of(tagged, slug)) as pdf:
            assert claims_tagged(pdf) and pdf.open_metadata().get(part)


def test_tagged_pdf_damage_is_reported(tagged):
    from pipeline.archive.tagged import tagged_problems

    with pikepdf.open(pdf_of(tagged)) as pdf:
        assert tagged_problems(pdf) == []
        del pdf.Root["/Lang"]
        pdf.Root.ViewerPreferences.DisplayDocTitle = False
        pdf.Root.MarkInfo.Marked = False
        heading = next(e for e in _elements(pdf.Root.StructTreeRoot) if e.get("/S") == "/H2")
        heading.S = pikepdf.Name("/H4")
        figure = next(e for e in _elements(pdf.Root.StructTreeRoot) if e.get("/S") == "/P")
        figure.S = pikepdf.Name("/Figure")
        for page in pdf.pages:
            for annot in page.obj.get("/Annots") or []:
                if "/Contents" in annot:
                    del annot["/Contents"]
        found = "\n".join(tagged_problems(pdf))
    for text in ("/Lang", "DisplayDocTitle", "/Marked true", "H4 follows H1", "figure has no alternate text",
                 "link has no alternate description"):
        assert text in found, found


def _elements(node):
    kids = node.get("/K")
    for kid in (kids if isinstance(kids, pikepdf.Array) else [kids]):
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            yield kid
            yield from _elements(kid)


def test_pdf_built_with_another_variant_is_reported(tagged):
    findings = check_pdf(pdf_of(tagged), slug=SLUG, root=tagged, variant="pdf/a-3b")
    assert any("built as pdf/a-3a, but the configured pdf_variant is pdf/a-3b" in f.problem for f in findings)


def test_exported_jats_is_checked_against_schema_and_note(project, shared_dir):
    from pipeline.export.jats import export_jats, jats_path

    config = load_config(project)
    assert export_jats(config, [SLUG]).ok
    assert problems(project) == []
    path = jats_path(config, SLUG)
    path.write_bytes(path.read_bytes().replace(b"<volume>9</volume>", b"<volume>9</volume><bogus/>"))
    found = problems(project)
    assert any("fails the JATS 1.3 schema" in p and "bogus" in p for p in found)
    assert any("older than the note" in p for p in found)
