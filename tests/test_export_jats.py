"""Tests for pipeline.export.jats (with record and inline): JATS 1.3 of the bundled and test notes, validated against the schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from archive_support import build_outputs, copy_built, copy_root, read_xml
from pipeline.cli import main
from pipeline.config import load_config
from pipeline.errors import ConfigError
from pipeline.export.inline import CROSSREF, JATS, MarkupError, append_inline, link_targets
from pipeline.export.jats import export_jats, jats_bytes, jats_document, jats_file_problems, jats_path
from pipeline.export.record import ExportError, load_record, parse_name
from pipeline.export.schemas import schema_errors

XLINK = "{http://www.w3.org/1999/xlink}href"
ALI = "{http://www.niso.org/schemas/ali/1.0/}license_ref"


@pytest.fixture(scope="module")
def basic_built(tmp_path_factory) -> Path:
    """tests/roots/basic, built once for this module."""
    project = copy_root("basic", tmp_path_factory.mktemp("basic"))
    build_outputs(project)
    return project


# --- inline mark-up ---------------------------------------------------------------------

def test_inline_markdown_becomes_jats_inline_elements():
    p = append_inline(etree.Element("p"), "An *italic* and **bold** word, `code`, [a link](https://example.org/x) & <https://example.org/y>.", JATS)
    xml = etree.tostring(p, encoding="unicode")
    assert "<italic>italic</italic>" in xml and "<bold>bold</bold>" in xml and "<monospace>code</monospace>" in xml
    links = p.findall("ext-link")
    assert [(link.get(XLINK), link.text) for link in links] == [
        ("https://example.org/x", "a link"), ("https://example.org/y", "https://example.org/y")]
    assert "".join(p.itertext()) == "An italic and bold word, code, a link & https://example.org/y."


def test_inline_crossref_face_markup_keeps_link_text_only():
    p = append_inline(etree.Element("t"), "*Journal* of [x](https://e.org/) **B**", CROSSREF)
    assert etree.tostring(p, encoding="unicode") == "<t><i>Journal</i> of x <b>B</b></t>"
    assert link_targets("See <https://doi.org/10.1002/(SICI)1097-4571> and [x](https://e.org/a).") == [
        "https://doi.org/10.1002/(SICI)1097-4571", "https://e.org/a"]


def test_inline_raw_html_is_text_and_control_characters_are_refused():
    p = append_inline(etree.Element("p"), "a <b>not bold</b> b", JATS)
    assert len(p) == 0 and p.text == "a <b>not bold</b> b"
    with pytest.raises(MarkupError, match="U\\+000B"):
        append_inline(etree.Element("p"), "vertical\x0btab", JATS)


def test_names_split_with_honorifics_and_mononyms():
    name = parse_name("Dr. Amara Okafor", "s", "speaker")
    assert (name.prefix, name.given, name.surname) == ("Dr.", "Amara", "Okafor")
    assert parse_name("Ludwig van Beethoven", "s", "author").surname == "van Beethoven"
    assert (parse_name("Madonna", "s", "author").surname, parse_name("Madonna", "s", "author").given) == ("Madonna", "")
    with pytest.raises(ExportError, match="author.*surname"):
        parse_name("— —", "s", "author")


# --- bundled notes ----------------------------------------------------------------------

def test_bundled_final_notes_export_valid_jats(bundled_built, jats_schema):
    report = export_jats(load_config(bundled_built))
    assert report.ok and report.validated
    assert sorted(p.name for p in report.written) == ["opcw-after-syria.jats.xml", "pacific-precursors.jats.xml"]
    assert [s for s, _ in report.skipped] == ["golden-triangle-meth"]  # a draft: skipped, not exported
    for path in report.written:
        root = read_xml(path)
        assert schema_errors(jats_schema, root.getroottree()) == []
        assert root.get("article-type") == "meeting-report" and root.get("dtd-version") == "1.3"


def test_bundled_jats_maps_every_briefing_field(bundled_built):
    export_jats(load_config(bundled_built), ["pacific-precursors"], schemas=False)
    root = read_xml(jats_path(load_config(bundled_built), "pacific-precursors"))
    meta = root.find("front/article-meta")
    assert root.findtext("front/journal-meta/journal-title-group/journal-title") == "The Journal of Intelligence, Conflict, and Warfare"
    assert root.findtext("front/journal-meta/issn") == "2561-8229"
    assert "Simon Fraser University" in root.findtext("front/journal-meta/publisher/publisher-name")
    assert root.find("front/journal-meta/self-uri").get(XLINK) == "https://jicw.org/"
    assert meta.findtext("article-id[@pub-id-type='doi']") == "10.21810/jicw.v8i1.8101"
    assert meta.findtext("title-group/article-title") == "Chemistry in Transit: Fentanyl Precursors Across the Pacific"
    author = meta.find("contrib-group/contrib[@contrib-type='author']")
    assert (author.findtext("name/surname"), author.findtext("name/given-names"), author.findtext("name/prefix")) == ("Okafor", "Amara", "Dr.")
    assert author.findtext("role") == "Speaker"  # the speaker wrote up her own talk: one person
    assert meta.findtext("pub-date/year") == "2027" and meta.findtext("volume") == "8" and meta.findtext("issue") == "1"
    perms = meta.find("permissions")
    assert perms.findtext("copyright-statement") == "© (AMARA OKAFOR, 2027)" and perms.findtext("copyright-year") == "2027"
    assert perms.find("license").get(XLINK) == perms.findtext(f"license/{ALI}") == "https://creativecommons.org/licenses/by-nc-nd/4.0/"
    assert meta.find("self-uri").get(XLINK) == "https://journals.lib.sfu.ca/index.php/jicw/article/view/8101"
    assert "".join(meta.find("abstract/p").itertext()).startswith("On November 14, 2026, Dr. Amara Okafor presented")
    assert meta.find("abstract/p/italic") is not None
    entity_kwds = {k.text: k.get("vocab-term-identifier") for k in meta.findall("kwd-group[@kwd-group-type='entities']/kwd")}
    assert entity_kwds["fentanyl"] == "chem:fentanyl" and entity_kwds["Mexico"] == "MEX"
    assert [k.text for k in meta.findall("kwd-group[@kwd-group-type='author']/kwd")][:2] == ["fentanyl", "precursor chemicals"]
    assert meta.findtext("conference/conf-name") == "2026 West Coast Security Conference"
    assert meta.find("conference/conf-date").get("iso-8601-date") == "2026-11-14"
    titles = [s.findtext("title") for s in root.iter("sec")]
    assert titles == ["NATURE OF DISCUSSION", "BACKGROUND", "Presentation", "Question and Answer", "KEY POINTS OF DISCUSSION"]
    questions = root.findall(".//sec[@sec-type='question-and-answer']/question-wrap")
    assert len(questions) == 4
    assert all(q.find("answer").get("pointer-to-question") == q.find("question").get("id") for q in questions)
    assert "".join(questions[1].find("question/p").itertext()).startswith("If pressure on China increases")
    assert len(root.findall(".//list[@list-type='bullet']/list-item")) == 5
    refs = root.findall("back/ref-list/ref/mixed-citation")
    assert [r.findtext("pub-id[@pub-id-type='doi']") for r in refs] == ["10.21810/jicw.v7i2.6132", None, "10.5281/jimr.2024.0031"]
    assert refs[1].find("ext-link").get(XLINK).startswith("https://www.incb.org/")
    assert "https://doi.org" not in "".join(refs[0].itertext())  # the DOI alone, not its URL
    # Entity mentions carry the extractor's canonical ids, where the extractor found them.
    marked = {(n.text, n.get("vocab-term-identifier")) for n in root.iter("named-content")}
    assert ("4-ANPP", "chem:4-anpp") in marked and ("CJNG", "org:cjng") in marked
    assert root.findtext("front/notes[@notes-type='disclaimer']/p").startswith("This briefing note contains the encapsulation")


def test_jats_export_is_reproducible_across_runs_and_folders(bundled_built, tmp_path):
    config = load_config(bundled_built)
    first = jats_document(config, bundled_built / "inputs" / "opcw-after-syria", schemas=False)
    assert jats_document(config, bundled_built / "inputs" / "opcw-after-syria", schemas=False) == first
    moved = copy_built(bundled_built, tmp_path / "elsewhere")
    assert jats_document(load_config(moved), moved / "inputs" / "opcw-after-syria", schemas=False) == first
    assert str(bundled_built).encode() not in first


# --- test projects ----------------------------------------------------------------------

def test_basic_project_exports_valid_jats_without_doi(basic_built, jats_schema):
    report = export_jats(load_config(basic_built))
    assert report.ok and len(report.written) == 2
    for path in report.written:
        root = read_xml(path)
        assert schema_errors(jats_schema, root.getroottree()) == []
        assert root.find("front/article-meta/article-id") is None  # no number: the DOI is not known
        assert root.find("front/article-meta/self-uri") is None
        assert root.findtext("front/journal-meta/publisher/publisher-name") == "Test Journal and Test University"


def test_speaker_other_than_author_is_a_speaker_contrib(basic_built, tmp_path, jats_schema):
    project = copy_built(basic_built, tmp_path / "p")
    toml = project / "inputs" / "alpha" / "briefing.toml"
    toml.write_text(toml.read_text().replace('author = "Ada Quill"', 'author = "Rhea Rapporteur"'))
    record = load_record(project / "inputs" / "alpha", load_config(project))
    root = etree.fromstring(jats_bytes(record))
    contribs = root.findall("front/article-meta/contrib-group/contrib")
    assert [(c.get("contrib-type"), c.findtext("name/surname")) for c in contribs] == [("author", "Rapporteur"), ("speaker", "Quill")]
    assert contribs[1].findtext("name/prefix") == "Dr." and contribs[1].findtext("role") == "Speaker"
    assert schema_errors(jats_schema, root.getroottree()) == []
    toml.write_text(toml.read_text().replace('author = "Rhea Rapporteur"', 'author = "Rhea Rapporteur and Ada Quill"'))
    root = etree.fromstring(jats_bytes(load_record(project / "inputs" / "alpha", load_config(project))))
    contribs = root.findall("front/article-meta/contrib-group/contrib")
    assert [(c.get("contrib-type"), c.findtext("name/surname"), c.findtext("role")) for c in contribs] == [
        ("author", "Rapporteur", None), ("author", "Quill", "Speaker")]  # the speaker co-wrote it: no second contrib
    assert root.findtext("front/article-meta/permissions/copyright-statement") == "© (RHEA RAPPORTEUR AND ADA QUILL, 2027)"


@pytest.mark.parametrize("field, value, expected", [
    ("author", '"— —"', "author: expected a person's name with a surname"),
    ("doi", '"not-a-doi"', "doi: expected a DOI matching 10.PREFIX/SUFFIX"),
    ("volume", "0", "field 'volume': expected a number from 1 to 9999, found 0"),  # briefing.toml's own range
    ("year", "20270", "field 'year': expected a year from 1900 to 2200, found 20270"),
])
def test_bad_metadata_names_briefing_field_and_expectation(basic_built, tmp_path, field, value, expected):
    project = copy_built(basic_built, tmp_path / "p")
    toml = project / "inputs" / "alpha" / "briefing.toml"
    lines = [line for line in toml.read_text().splitlines() if not line.startswith(f"{field} =")]
    toml.write_text("\n".join([f"{field} = {value}", *lines]) + "\n")
    before = {p.name for p in (project / "outputs" / "alpha").iterdir()}
    report = export_jats(load_config(project), ["alpha"], schemas=False)
    assert not report.ok and report.written == ()
    assert report.failed[0][0] == "alpha" and expected in report.failed[0][1]
    assert {p.name for p in (project / "outputs" / "alpha").iterdir()} == before  # nothing written


def test_unbuilt_or_stale_notes_are_refused(basic_built, tmp_path):
    project = copy_built(basic_built, tmp_path / "p")
    note = project / "inputs" / "alpha" / "note.md"
    note.write_text(note.read_text() + "\nOne more sentence.\n")
    report = export_jats(load_config(project), ["alpha"], schemas=False)
    assert "changed since the last build" in report.failed[0][1] and "briefing build alpha" in report.failed[0][1]
    (project / "outputs" / "beta" / "entities.json").unlink()
    report = export_jats(load_config(project), ["beta"], schemas=False)
    assert "not built" in report.failed[0][1]


def test_named_draft_fails_and_cli_exit_codes(bundled_built, capsys):
    assert main(["--project", str(bundled_built), "export", "jats", "golden-triangle-meth"]) == 1
    err = capsys.readouterr().err
    assert "error: golden-triangle-meth: status" in err and "draft" in err
    assert main(["--project", str(bundled_built), "export", "jats", "opcw-after-syria"]) == 0
    assert "Exported 1 JATS file(s)" in capsys.readouterr().out


def test_jats_file_problems_find_invalid_and_stale_files(basic_built, tmp_path, schemas_folder):
    project = copy_built(basic_built, tmp_path / "p")
    config = load_config(project)
    export_jats(config, ["alpha"], schemas=schemas_folder)
    path = jats_path(config, "alpha")
    assert jats_file_problems(path, project / "inputs" / "alpha", config) == []
    path.write_bytes(path.read_bytes().replace(b"<volume>4</volume>", b"<volume>4</volume><bogus/>"))
    problems = jats_file_problems(path, project / "inputs" / "alpha", config)
    assert any("fails the JATS 1.3 schema" in p and "bogus" in p for p in problems)
    assert any("older than the note" in p for p in problems)
    path.write_bytes(b"<article><unclosed></article>")
    assert jats_file_problems(path, project / "inputs" / "alpha", config)[0].startswith("not well-formed XML")


@pytest.mark.parametrize("pattern, message", [
    ("10.5555/{number.__class__}", "unknown placeholder {number.__class__}"),
    ("10.5555/{}", "unknown placeholder {}"),
    ("10.5555/{number", "not a valid pattern"),
])
def test_doi_pattern_allows_plain_placeholders_only(basic_built, tmp_path, pattern, message):
    project = copy_built(basic_built, tmp_path / "p")
    with open(project / "briefings.toml", "a", encoding="utf-8") as handle:
        handle.write(f'doi_pattern = "{pattern}"\n')
    report = export_jats(load_config(project), ["alpha"], schemas=False)
    assert "doi_pattern" in report.failed[0][1] and message in report.failed[0][1]


def test_control_character_in_a_section_is_named(basic_built, tmp_path):
    project = copy_built(basic_built, tmp_path / "p")
    toml = project / "inputs" / "alpha" / "briefing.toml"
    toml.write_text(toml.read_text().replace('event = "Test Security Symposium"', 'event = "Test\\u000bSymposium"'))
    report = export_jats(load_config(project), ["alpha"], schemas=False)
    assert report.failed[0][1].startswith("event: contains the control character U+000B")


def test_missing_schema_entry_point_skips_validation_cleanly(basic_built, tmp_path):
    project = copy_built(basic_built, tmp_path / "p")
    (project / "empty-schemas").mkdir()
    with open(project / "briefings.toml", "a", encoding="utf-8") as handle:
        handle.write('schemas_dir = "empty-schemas"\n')
    report = export_jats(load_config(project), ["alpha"])
    assert report.ok and not report.validated and len(report.written) == 1
    toml = project / "briefings.toml"
    toml.write_text(toml.read_text().replace('"empty-schemas"', '"no-such-folder"'))
    with pytest.raises(ConfigError, match="schemas_dir.*not a folder"):  # a typo must not turn validation off
        export_jats(load_config(project), ["alpha"])


def test_final_note_missing_a_section_is_refused_by_name(basic_built, tmp_path):
    project = copy_built(basic_built, tmp_path / "p")
    note = project / "inputs" / "alpha" / "note.md"
    note.write_text(note.read_text().split("# KEY POINTS OF DISCUSSION")[0])  # found before any build is needed
    report = export_jats(load_config(project), ["alpha"], schemas=False)
    assert [slug for slug, _ in report.failed] == ["alpha"]  # the house-style gate refuses it, naming the section
    assert "section '# KEY POINTS OF DISCUSSION' is missing or has no text" in report.failed[0][1]
