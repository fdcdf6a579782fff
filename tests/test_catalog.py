"""The archive catalog (pipeline.archive.catalog): SQLite index of notes and entities, and `briefing search`."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest

from archive_support import ROOTS, build_outputs
from pipeline.archive import catalog
from pipeline.archive.catalog import pages_naming, refresh_catalog, search
from pipeline.cli import main
from pipeline.config import load_config
from pipeline.errors import PipelineError, SourceError

SLUG = "harbour-brokers"
REPO = ROOTS.parents[1]
BUNDLED = ("opcw-after-syria", "pacific-precursors")



@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    """The repository's bundled examples, built."""
    if not all((REPO / "inputs" / slug / "note.md").is_file() for slug in BUNDLED):
        pytest.skip("bundled examples are absent")
    project = tmp_path_factory.mktemp("bundled")
    shutil.copy(REPO / "briefings.toml", project)
    for slug in BUNDLED:
        shutil.copytree(REPO / "inputs" / slug, project / "inputs" / slug)
    build_outputs(project)
    return project


def test_search_finds_an_entity_with_its_note_page_and_mentions(built):
    result = search(refresh_catalog(load_config(built)), "4-ANPP")
    [hit] = result.entities
    assert (hit.slug, hit.type, hit.id, hit.cas, hit.note_pages) == (SLUG, "CHEMICAL", "chem:4-anpp", "21409-26-7", (1,))
    assert [(m.file, m.speaker) for m in hit.mentions] == [("note.md", None), ("note.md", None), ("transcript.vtt", "Test Speaker")]
    assert [(n.slug, n.pages) for n in result.notes] == [(SLUG, (1,))]


def test_search_across_the_bundled_briefings(bundled):
    path = refresh_catalog(load_config(bundled))
    usa = search(path, "USA")
    assert sorted(h.slug for h in usa.entities) == sorted(BUNDLED)
    assert all(h.note_pages for h in usa.entities)  # "United States" is printed in both notes
    anpp = search(path, "4-ANPP")
    assert [h.slug for h in anpp.entities] == ["pacific-precursors"] and anpp.entities[0].note_pages
    assert [n.slug for n in search(path, "challenge inspection").notes] == ["opcw-after-syria"]
    assert [h.id for h in search(path, "107-44-8").entities] == ["chem:sarin"]  # by CAS number


def test_catalog_lists_briefings_checksums_and_mentions(built):
    path = refresh_catalog(load_config(built))
    with sqlite3.connect(path) as db:
        rows = db.execute("select slug, status, volume, issue, pages from briefings order by slug").fetchall()
        assert rows == [(SLUG, "final", 9, 2, 1), ("port-scanners", "draft", 9, 2, 1)]
        files = dict(db.execute("select name, sha256 from files where slug = ?", (SLUG,)).fetchall())
        assert set(files) == {f"{SLUG}.pdf", f"{SLUG}.html", "entities.json", "entities.csv", "meta.json"}
        # 7 in the texts, plus the named speaker at each of their 2 turns (a person mention each).
        assert db.execute("select count(*) from mentions where slug = ?", (SLUG,)).fetchone() == (9,)


def test_refresh_reindexes_changed_and_drops_removed_briefings(built, tmp_path):
    project = tmp_path / "p"
    shutil.copytree(built, project)
    config = load_config(project)
    refresh_catalog(config)
    entities = project / "outputs" / "port-scanners" / "entities.json"
    data = json.loads(entities.read_text(encoding="utf-8"))
    data["entities"][0]["mentions"][0]["text"] = "scanners"
    data["entities"][0].update(id="SCN", name="Port scanners", type="ACTOR")
    entities.write_text(json.dumps(data), encoding="utf-8")
    shutil.rmtree(project / "outputs" / SLUG)
    path = refresh_catalog(config)
    assert search(path, "4-ANPP").entities == []
    [hit] = search(path, "SCN").entities
    assert hit.note_pages == (1,)


def test_like_fallback_without_fts5(built, tmp_path, monkeypatch):
    monkeypatch.setattr(catalog, "has_fts5", lambda db: False)
    project = tmp_path / "p"
    shutil.copytree(built, project)
    (project / "outputs" / "catalog.sqlite").unlink(missing_ok=True)
    path = refresh_catalog(load_config(project))
    assert [n.slug for n in search(path, "paperwork").notes] == [SLUG]
    assert search(path, "100%_").notes == []


def test_pages_naming_respects_word_boundaries_and_acronym_case():
    pages = ["Trade with the US grew.", "Let us begin.", "The U.S. market", "NPP and 1-boc-4-AP"]
    assert pages_naming(["US"], pages) == (1,)
    assert pages_naming(["U.S."], pages) == (3,)
    assert pages_naming(["4-AP"], pages) == ()
    assert pages_naming(["npp"], pages) == (4,)


def test_malformed_entities_file_is_named(tmp_path):
    bad = tmp_path / "entities.json"
    bad.write_text('{"entities": 3}', encoding="utf-8")
    with pytest.raises(SourceError, match="entities.json: expected"):
        catalog.read_entities(bad)


def test_cli_search(built, capsys):
    assert main(["--project", str(built), "search", "4-ANPP"]) == 0
    out = capsys.readouterr().out
    assert f"{SLUG}: CHEMICAL 4-anilino-N-phenethylpiperidine (chem:4-anpp, CAS 21409-26-7) on note page(s) 1" in out
    assert "transcript.vtt 5.5 s (Test Speaker): 4-ANPP" in out
    assert main(["--project", str(built), "search", "--json", "Mexico"]) == 0
    assert json.loads(capsys.readouterr().out)["entities"][0]["id"] == "MEX"
    assert main(["--project", str(built), "search", "nothing-like-this"]) == 1


def test_numbers_beyond_sqlite_and_odd_types_in_meta_json_are_indexed(built, tmp_path):
    import json

    from pipeline.archive.catalog import sql_value

    assert sql_value(10**30) == str(10**30) and sql_value(-(2**63)) == -(2**63) and sql_value([1, {"a": 2}]) == '[1, {"a": 2}]'
    project = tmp_path / "huge"
    shutil.copytree(built, project)
    meta_path = next((project / "outputs").glob("*/meta.json"))
    meta = json.loads(meta_path.read_text())
    meta.update(volume=10**40, issue=-(10**25), keywords={"not": "a list"}, title=["odd"])
    meta_path.write_text(json.dumps(meta))
    path = refresh_catalog(load_config(project))
    with sqlite3.connect(path) as db:
        volume, issue = db.execute("select volume, issue from briefings where slug = ?", (meta_path.parent.name,)).fetchone()
    assert (float(volume), float(issue)) == (1e40, -1e25)  # stored as text; the integer column keeps it as a real
    assert search(path, "99999999999999999999999999999999999999999").entities == []


def test_damaged_catalog_database_is_named(tmp_path):
    from pipeline.archive.catalog import CATALOG_FILE

    path = tmp_path / CATALOG_FILE
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(PipelineError, match=f"{path}: file is not a database"):
        search(path, "x")


def test_page_text_rejoins_hyphenated_words_and_matches_typographic_apostrophes():
    from pipeline.archive.catalog import _dehyphenate

    # Notes hyphenate at line ends with an ordinary hyphen; identifiers never break there.
    assert _dehyphenate("seized metham-\nphetamine and 4-ANPP") == "seized methamphetamine and 4-ANPP"
    assert _dehyphenate("Table I-\nAnnex") == "Table I-\nAnnex"  # a capital after the break: a real hyphen
    assert pages_naming(["People's Liberation Army"], ["nothing", "the People’s Liberation Army said"]) == (2,)
