"""`briefing archive` (pipeline.archive.bag): a BagIt package of final notes that validates and detects tampering."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from pipeline.archive.bag import make_bag, parse_issue, validate_bag
from pipeline.cli import main
from pipeline.config import load_config
from pipeline.errors import PipelineError

SLUG = "harbour-brokers"



@pytest.fixture(scope="module")
def bag(built, tmp_path_factory):
    """A bag of the built project's issue 9:2."""
    out = tmp_path_factory.mktemp("bags") / "jicw-9-2"
    return make_bag(load_config(built), out, issue=(9, 2))


def test_bag_holds_final_notes_only_and_names_drafts(bag):
    assert bag.included == (SLUG,)
    assert bag.left_out == (("port-scanners", "status is 'draft', not final"),)
    payload = sorted(p.relative_to(bag.path / "data").as_posix() for p in (bag.path / "data").rglob("*") if p.is_file())
    assert payload == ["catalog.sqlite", f"{SLUG}/entities.csv", f"{SLUG}/entities.json", f"{SLUG}/{SLUG}.html",
                       f"{SLUG}/{SLUG}.jats.xml", f"{SLUG}/{SLUG}.pdf", f"{SLUG}/meta.json"]


def test_bag_carries_the_standalone_galley(bag, built):
    from pipeline.compose.galley import outside_loads

    bagged = (bag.path / "data" / SLUG / f"{SLUG}.html").read_bytes()
    assert bagged == (built / "outputs" / SLUG / f"{SLUG}.html").read_bytes()
    assert outside_loads(bagged.decode("utf-8")) == [] and b'<main>' in bagged and b'role="contentinfo"' in bagged


def test_bag_carries_a_fresh_jats_file_listed_in_the_catalog(bag, built):
    from pipeline.export.jats import jats_document

    jats = (bag.path / "data" / SLUG / f"{SLUG}.jats.xml").read_bytes()
    assert jats == jats_document(load_config(built), built / "inputs" / SLUG, schemas=False)
    assert b'article-type="meeting-report"' in jats
    with sqlite3.connect(bag.path / "data" / "catalog.sqlite") as db:
        names = [row[0] for row in db.execute("select name from files where slug = ?", (SLUG,))]
    assert f"{SLUG}.jats.xml" in names
    assert f"data/{SLUG}/{SLUG}.jats.xml" in (bag.path / "manifest-sha256.txt").read_text(encoding="utf-8")


def test_bag_info_and_sha256_manifest(bag):
    info = (bag.path / "bag-info.txt").read_text(encoding="utf-8")
    for line in ("Journal: The Journal of Intelligence, Conflict, and Warfare", "Volume: 9", "Issue: 2", "Date: 2026-03-02"):
        assert line in info
    assert "Bagging-Date: " in info
    assert (bag.path / "manifest-sha256.txt").is_file()
    assert f"data/{SLUG}/{SLUG}.pdf" in (bag.path / "manifest-sha256.txt").read_text(encoding="utf-8")
    assert validate_bag(bag.path) == []


def test_catalog_inside_the_bag_lists_the_package(bag):
    with sqlite3.connect(bag.path / "data" / "catalog.sqlite") as db:
        assert db.execute("select slug, status, volume, issue from briefings").fetchall() == [(SLUG, "final", 9, 2)]


@pytest.mark.parametrize("name", [f"{SLUG}/{SLUG}.pdf", f"{SLUG}/entities.json", "catalog.sqlite"])
def test_a_flipped_byte_in_any_payload_file_is_detected(bag, tmp_path, name):
    copy = tmp_path / "bag"
    shutil.copytree(bag.path, copy)
    target = copy / "data" / name
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    problems = validate_bag(copy)
    assert problems and any(name in p for p in problems), problems


def test_nothing_final_fails_and_names_each_briefing(built, tmp_path):
    with pytest.raises(PipelineError, match=r"nothing final to package in volume 1, issue 1 \(no briefings\)"):
        make_bag(load_config(built), tmp_path / "empty", issue=(1, 1))
    project = tmp_path / "drafts"
    shutil.copytree(built, project)
    shutil.rmtree(project / "outputs" / SLUG)
    with pytest.raises(PipelineError) as caught:
        make_bag(load_config(project), tmp_path / "none")
    message = str(caught.value)
    assert "port-scanners: status is 'draft', not final" in message and f"{SLUG}: not built" in message
    assert not (tmp_path / "none").exists()


def test_failing_check_leaves_a_note_out_unless_told(built, tmp_path):
    project = tmp_path / "damaged"
    shutil.copytree(built, project)
    pdf = project / "outputs" / SLUG / f"{SLUG}.pdf"
    pdf.write_bytes(pdf.read_bytes()[:-100])
    with pytest.raises(PipelineError, match="fails `briefing check`"):
        make_bag(load_config(project), tmp_path / "bag")
    assert make_bag(load_config(project), tmp_path / "bag", check=False).included == (SLUG,)


def test_existing_output_folder_is_refused(built, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(PipelineError, match="already exists"):
        make_bag(load_config(built), tmp_path / "full")


def test_parse_issue():
    assert parse_issue("8:1") == (8, 1)
    with pytest.raises(PipelineError, match="expected VOLUME:ISSUE"):
        parse_issue("8.1")


def test_cli_archive(built, tmp_path, capsys):
    assert main(["--project", str(built), "archive", "--issue", "9:2", "--out", str(tmp_path / "bag")]) == 0
    captured = capsys.readouterr()
    assert "left out: port-scanners: status is 'draft', not final" in captured.err
    assert captured.out.startswith("Archived 1 briefing(s) in ")


def with_stored_warning(built, tmp_path):
    """A copy of the built project whose final note's last build left a warning in the state."""
    import json

    project = tmp_path / "warned"
    shutil.copytree(built, project)
    state_file = project / "outputs" / ".state" / "state.json"
    state = json.loads(state_file.read_text())
    state["briefings"][SLUG]["warnings"] = ["transcript.vtt: a warning the build gave"]
    state_file.write_text(json.dumps(state))
    return project


def test_a_final_note_with_warnings_is_refused_unless_allowed(built, tmp_path, capsys):
    project = with_stored_warning(built, tmp_path)
    with pytest.raises(PipelineError, match=rf"{SLUG}: the final note's last build gave 1 warning\(s\) .*a warning the build gave"):
        make_bag(load_config(project), tmp_path / "bag")
    assert main(["--project", str(project), "archive", "--out", str(tmp_path / "bag2"), "--allow-warnings"]) == 0
    assert make_bag(load_config(project), tmp_path / "bag3", allow_warnings=True).included == (SLUG,)


def test_cli_archive_fails_when_a_final_note_is_refused(built, tmp_path, capsys):
    project = with_stored_warning(built, tmp_path)
    shutil.copytree(project / "inputs" / SLUG, project / "inputs" / "second-note")
    from pipeline.build import build

    build(load_config(project), ["second-note"], jobs=1)
    assert main(["--project", str(project), "archive", "--out", str(tmp_path / "bag")]) == 1
    err = capsys.readouterr().err
    assert f"refused: {SLUG}: the final note's last build gave 1 warning(s)" in err
    assert "a warning the build gave" in err

def test_verify_names_each_damaged_missing_and_extra_file(bag, tmp_path, capsys):
    copy = tmp_path / "deposit"
    shutil.copytree(bag.path, copy)
    assert main(["verify", str(copy)]) == 0
    assert "is valid" in capsys.readouterr().out
    pdf = copy / "data" / SLUG / f"{SLUG}.pdf"
    data = bytearray(pdf.read_bytes())
    data[len(data) // 3] ^= 0x40
    pdf.write_bytes(bytes(data))
    (copy / "data" / SLUG / "entities.csv").unlink()
    (copy / "data" / SLUG / "extra.txt").write_text("nobody listed me")
    assert main(["verify", str(copy)]) == 1
    captured = capsys.readouterr()
    assert "is damaged: 3 problem(s)" in captured.out
    lines = captured.err.splitlines()
    assert any(f"data/{SLUG}/{SLUG}.pdf: damaged" in line for line in lines)
    assert any(f"data/{SLUG}/entities.csv: missing" in line for line in lines)
    assert any(f"data/{SLUG}/extra.txt: not in the manifest" in line for line in lines)



def test_verify_refuses_a_payload_file_that_links_out(bag, tmp_path, capsys):
    copy = tmp_path / "deposit"
    shutil.copytree(bag.path, copy)
    (copy / "data" / "catalog.sqlite").unlink()
    (copy / "data" / "catalog.sqlite").symlink_to(bag.path / "data" / "catalog.sqlite")  # same bytes, outside
    assert main(["verify", str(copy)]) == 1
    assert "data/catalog.sqlite" in capsys.readouterr().err


def test_verify_of_a_folder_that_is_no_bag(tmp_path, capsys):
    assert main(["verify", str(tmp_path)]) == 2
    assert "not a BagIt bag" in capsys.readouterr().err
