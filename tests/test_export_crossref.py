"""Tests for pipeline.export.crossref: deposits of the bundled and test notes, validated against Crossref 5.3.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive_support import build_outputs, copy_built, copy_root, read_xml
from pipeline.cli import main
from pipeline.config import load_config
from pipeline.errors import PipelineError
from pipeline.export import crossref
from pipeline.export.crossref import export_crossref
from pipeline.export.schemas import schema_errors

CR = "{http://www.crossref.org/schema/5.3.1}"
AI = "{http://www.crossref.org/AccessIndicators.xsd}"
JATS1 = "{http://www.ncbi.nlm.nih.gov/JATS1}"
SETTINGS = 'depositor_email = "deposits@example.org"\ndoi_pattern = "10.5555/test.v{volume}i{issue}.{number}"\n' \
           'url_pattern = "https://example.org/journal/article/{number}"\njournal_id = "tjs"\n'


@pytest.fixture(scope="module")
def numbered(tmp_path_factory) -> Path:
    """tests/roots/basic with deposit settings and an article number for alpha only, built once."""
    project = copy_root("basic", tmp_path_factory.mktemp("numbered"))
    with open(project / "briefings.toml", "a", encoding="utf-8") as handle:
        handle.write(SETTINGS)
    toml = project / "inputs" / "alpha" / "briefing.toml"
    toml.write_text(toml.read_text().replace("issue = 2\n", "issue = 2\nnumber = 41\npublished = 2027-01-15\n"))
    build_outputs(project)
    return project


def test_bundled_issue_deposit_is_valid_and_complete(bundled_built, crossref_schema, tmp_path):
    out = tmp_path / "deposit.xml"
    report = export_crossref(load_config(bundled_built), (8, 1), out)
    assert report.validated and report.included == ("opcw-after-syria", "pacific-precursors")
    assert [s for s, _ in report.left_out] == ["golden-triangle-meth"]  # the draft is named, not deposited
    root = read_xml(out)
    assert schema_errors(crossref_schema, root.getroottree()) == []
    assert root.findtext(f"{CR}head/{CR}timestamp") == "20261115000000"  # the latest note's date, not the clock
    assert root.findtext(f"{CR}head/{CR}depositor/{CR}email_address") == "editor@example.org"
    journal = root.find(f"{CR}body/{CR}journal")
    assert journal.findtext(f"{CR}journal_metadata/{CR}issn") == "2561-8229"
    assert journal.findtext(f"{CR}journal_issue/{CR}journal_volume/{CR}volume") == "8"
    assert journal.findtext(f"{CR}journal_issue/{CR}issue") == "1"
    articles = journal.findall(f"{CR}journal_article")
    assert [a.findtext(f"{CR}doi_data/{CR}doi") for a in articles] == ["10.21810/jicw.v8i1.8102", "10.21810/jicw.v8i1.8101"]
    assert articles[1].findtext(f"{CR}doi_data/{CR}resource") == "https://journals.lib.sfu.ca/index.php/jicw/article/view/8101"
    assert articles[1].findtext(f"{CR}titles/{CR}title") == "Chemistry in Transit: Fentanyl Precursors Across the Pacific"
    person = articles[1].find(f"{CR}contributors/{CR}person_name")
    assert (person.get("contributor_role"), person.get("sequence")) == ("author", "first")
    assert (person.findtext(f"{CR}given_name"), person.findtext(f"{CR}surname")) == ("Amara", "Okafor")
    assert articles[1].findtext(f"{CR}publication_date/{CR}year") == "2027"
    assert articles[1].findtext(f"{AI}program/{AI}license_ref") == "https://creativecommons.org/licenses/by-nc-nd/4.0/"
    assert "".join(articles[1].find(f"{JATS1}abstract").itertext()).strip().startswith("On November 14, 2026")
    citations = articles[1].findall(f"{CR}citation_list/{CR}citation")
    assert [c.findtext(f"{CR}doi") for c in citations] == ["10.21810/jicw.v7i2.6132", None, "10.5281/jimr.2024.0031"]
    assert citations[0].find(f"{CR}unstructured_citation/{CR}i").text == "The Journal of Intelligence, Conflict, and Warfare"


def test_deposit_is_reproducible(bundled_built, tmp_path):
    config = load_config(bundled_built)
    export_crossref(config, (8, 1), tmp_path / "a.xml", schemas=False)
    export_crossref(config, (8, 1), tmp_path / "b.xml", schemas=False)
    assert (tmp_path / "a.xml").read_bytes() == (tmp_path / "b.xml").read_bytes()
    export_crossref(config, (8, 1), tmp_path / "c.xml", batch_id="jicw-8-1-fix", timestamp=20270301120000, schemas=False)
    root = read_xml(tmp_path / "c.xml")
    assert root.findtext(f"{CR}head/{CR}doi_batch_id") == "jicw-8-1-fix"
    assert root.findtext(f"{CR}head/{CR}timestamp") == "20270301120000"


def test_note_without_number_is_named_and_left_out(numbered, crossref_schema, tmp_path, capsys):
    out = tmp_path / "d.xml"
    assert main(["--project", str(numbered), "export", "crossref", "--issue", "4:2", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "left out: beta: number: no DOI" in captured.err and "registers 1 note(s)" in captured.out
    toml = numbered / "inputs" / "beta" / "briefing.toml"
    original = toml.read_text()
    try:  # beta's [settings] name another journal: with a number it is still left out, and named
        toml.write_text(original.replace("issue = 2\n", "issue = 2\nnumber = 42\n"))
        report = export_crossref(load_config(numbered), (4, 2), tmp_path / "e.xml", schemas=False)
        assert report.left_out == (("beta", "[settings] journal: 'The Overridden Journal' differs from the project's"
                                            " 'The Test Journal of Security': deposit it with its own journal"),)
    finally:
        toml.write_text(original)
    root = read_xml(out)
    assert schema_errors(crossref_schema, root.getroottree()) == []
    article = root.find(f"{CR}body/{CR}journal/{CR}journal_article")
    assert article.findtext(f"{CR}doi_data/{CR}doi") == "10.5555/test.v4i2.41"
    date = article.find(f"{CR}publication_date")
    assert [date.findtext(f"{CR}{p}") for p in ("month", "day", "year")] == ["01", "15", "2027"]
    assert root.findtext(f"{CR}head/{CR}doi_batch_id") == "tjs-v4i2-20270115000000"


@pytest.mark.parametrize("edit, field, expected", [
    (("author = \"Ada Quill\"", f"author = \"Ada {'Q' * 61}\""), "author", "at most 60 characters"),
    (("year = 2027", "year = 2300"), "year", "field 'year': expected a year from 1900 to 2200"),  # briefing.toml's own range
    (("number = 41", "doi = \"10.55/x\"\nnumber = 41"), "doi", None),
])
def test_bad_records_are_left_out_with_field_and_expectation(numbered, tmp_path, edit, field, expected):
    project = copy_built(numbered, tmp_path / "p")
    toml = project / "inputs" / "alpha" / "briefing.toml"
    toml.write_text(toml.read_text().replace(*edit))
    if field == "year":  # the © year is the publication date only when `published` is not given
        toml.write_text(toml.read_text().replace("published = 2027-01-15\n", ""))
    with pytest.raises(PipelineError) as caught:
        export_crossref(load_config(project), (4, 2), tmp_path / "d.xml", schemas=False)
    message = str(caught.value)
    assert "nothing to deposit" in message and (f"alpha: {field}:" in message or f"field '{field}'" in message)
    if expected:
        assert expected in message
    assert not (tmp_path / "d.xml").exists()


def test_a_record_failing_the_schema_never_reaches_the_deposit(numbered, tmp_path, monkeypatch, crossref_schema):
    # With our own checks switched off, the schema alone must keep the bad record out.
    project = copy_built(numbered, tmp_path / "p")
    toml = project / "inputs" / "beta" / "briefing.toml"
    text = toml.read_text().split("[settings]")[0]  # the same journal as alpha, so only the schema can object
    toml.write_text(text.replace('author = "Bo Lind"', f'author = "Bo {"L" * 70}"').replace("issue = 2\n", "issue = 2\nnumber = 42\n"))
    monkeypatch.setattr(crossref, "article_problems", lambda record: None)
    report = export_crossref(load_config(project), (4, 2), tmp_path / "d.xml")
    assert report.included == ("alpha",)
    assert report.left_out[0][0] == "beta" and "fails the Crossref 5.3.1 schema" in report.left_out[0][1]
    assert b"L" * 70 not in (tmp_path / "d.xml").read_bytes()


def test_missing_depositor_email_is_an_error_naming_the_setting(basic_built_plain, tmp_path):
    out = tmp_path / "d.xml"
    out.write_bytes(b"previous deposit")
    with pytest.raises(PipelineError, match="depositor_email.*e-mail address"):
        export_crossref(load_config(basic_built_plain), (4, 2), out, schemas=False)
    assert out.read_bytes() == b"previous deposit"  # nothing half-written


@pytest.fixture(scope="module")
def basic_built_plain(tmp_path_factory) -> Path:
    """tests/roots/basic without deposit settings (not built: settings are checked first)."""
    return copy_root("basic", tmp_path_factory.mktemp("plain"))


def test_bad_batch_id_and_issue_flag_are_refused(numbered, tmp_path, capsys):
    with pytest.raises(PipelineError, match="--timestamp: Crossref expects a non-negative integer"):
        export_crossref(load_config(numbered), (4, 2), tmp_path / "d.xml", timestamp=-1, schemas=False)
    with pytest.raises(PipelineError, match="doi_batch_id"):
        export_crossref(load_config(numbered), (4, 2), tmp_path / "d.xml", batch_id="a b", schemas=False)
    assert main(["--project", str(numbered), "export", "crossref", "--issue", "four", "--out", str(tmp_path / "x")]) == 2
    assert "expected VOLUME:ISSUE" in capsys.readouterr().err


def test_several_authors_become_first_and_additional(numbered, tmp_path, crossref_schema):
    project = copy_built(numbered, tmp_path / "p")
    toml = project / "inputs" / "alpha" / "briefing.toml"
    toml.write_text(toml.read_text().replace('author = "Ada Quill"', 'author = "Ada Quill; Bo Lind"'))
    export_crossref(load_config(project), (4, 2), tmp_path / "d.xml")
    people = read_xml(tmp_path / "d.xml").findall(f".//{CR}journal_article/{CR}contributors/{CR}person_name")
    assert [(p.get("sequence"), p.findtext(f"{CR}surname")) for p in people] == [("first", "Quill"), ("additional", "Lind")]
