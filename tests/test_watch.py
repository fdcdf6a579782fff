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
