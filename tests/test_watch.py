"""Tests for pipeline.watch: rebuilds on save, and never trashes anything while inputs/ is missing or emptied."""

from __future__ import annotations

import shutil
import threading
import time

from pipeline.config import load_config
from pipeline.watch import guarded_build, watch


def test_watch_rebuilds_the_edited_briefing_after_a_save(make_project):

    project = make_project("basic")
    reports = []
    thread = threading.Thread(target=watch, args=(load_config(project),), daemon=True, kwargs=dict(
        on_report=reports.append, interval=0.05, debounce=0.05, stop=lambda: len(reports) >= 2))
    thread.start()
    deadline = time.monotonic() + 300
    while not reports and time.monotonic() < deadline:
        time.sleep(0.05)
    assert reports and reports[0].slugs("built") == ["alpha", "beta"]
    note = project / "inputs" / "beta" / "note.md"
    note.write_text(note.read_text() + "\nOne more point.\n")
    thread.join(timeout=300)
    assert not thread.is_alive()
    assert reports[1].slugs("built") == ["beta"] and reports[1].slugs("unchanged") == ["alpha"]


def test_inputs_moved_away_or_emptied_removes_nothing(make_project, tmp_path):
    project = make_project("basic")
    config = load_config(project)
    messages = []
    assert guarded_build(config, 1, messages.append).slugs("built") == ["alpha", "beta"]
    pdfs = {p: p.read_bytes() for p in (project / "outputs").glob("*/*.pdf")}
    # inputs/ moved away: nothing is built or removed, and it says so.
    (project / "inputs").rename(tmp_path / "inputs-away")
    assert guarded_build(config, 1, messages.append) is None
    assert "is missing: nothing is built or removed" in messages[-1]
    # inputs/ back but emptied: most briefings vanished at once, so their outputs stay.
    (project / "inputs").mkdir()
    report = guarded_build(config, 1, messages.append)
    assert report is not None and report.slugs("removed") == []
    assert "2 of 2 briefings vanished" in messages[-1] and "outputs are kept" in messages[-1]
    assert {p: p.read_bytes() for p in (project / "outputs").glob("*/*.pdf")} == pdfs
    assert not (project / "outputs" / ".trash").exists()
    # Everything back: nothing to rebuild.
    shutil.rmtree(project / "inputs")
    (tmp_path / "inputs-away").rename(project / "inputs")
    assert guarded_build(config, 1, messages.append).slugs("unchanged") == ["alpha", "beta"]
    # One briefing of three deleted is an ordinary removal, to the trash.
    shutil.copytree(project / "inputs" / "beta", project / "inputs" / "gamma")
    guarded_build(config, 1, messages.append)
    shutil.rmtree(project / "inputs" / "gamma")
    assert guarded_build(config, 1, messages.append).slugs("removed") == ["gamma"]
    assert (project / "outputs" / ".trash" / "gamma").is_dir()


def test_watch_waits_while_inputs_are_gone_then_carries_on(make_project, tmp_path):
    project = make_project("basic")
    reports, messages = [], []
    thread = threading.Thread(target=watch, args=(load_config(project),), daemon=True, kwargs=dict(
        on_report=reports.append, notify=messages.append, interval=0.05, debounce=0.05,
        stop=lambda: len(reports) >= 2))
    thread.start()
    deadline = time.monotonic() + 300
    while not reports and time.monotonic() < deadline:
        time.sleep(0.05)
    assert reports and reports[0].slugs("built") == ["alpha", "beta"]
    (project / "inputs").rename(tmp_path / "away")
    while not messages and time.monotonic() < deadline:
        time.sleep(0.05)
    assert messages and "is missing" in messages[0] and len(reports) == 1
    assert (project / "outputs" / "alpha" / "alpha.pdf").is_file()
    (tmp_path / "away").rename(project / "inputs")
    thread.join(timeout=300)
    assert not thread.is_alive()
    assert reports[1].slugs("unchanged") == ["alpha", "beta"] and reports[1].slugs("removed") == []
