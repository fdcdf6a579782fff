"""Tests for pipeline.changes: inotify batches for inputs/, templates/ and briefings.toml, editor litter ignored."""

from __future__ import annotations

import time
from pathlib import Path

from pipeline.changes import ChangeFeed, is_watched_name
from pipeline.config import load_config


def next_batch(feed: ChangeFeed, want, timeout: float = 60) -> set[Path]:
    """The first batch holding `want`, merging what comes before it."""
    deadline = time.monotonic() + timeout
    seen: set[Path] = set()
    while time.monotonic() < deadline:
        seen |= feed.get(timeout=0.2) or set()
        if want in seen:
            return seen
    raise AssertionError(f"{want} not reported; saw {sorted(seen)}")


def test_edits_anywhere_a_build_reads_are_reported(make_project):
    project = make_project("basic")
    with ChangeFeed(load_config(project), debounce=0.05) as feed:
        time.sleep(0.3)  # the watchers start in threads
        note = project / "inputs" / "alpha" / "note.md"
        note.write_text(note.read_text() + "\nMore.\n")
        assert note in next_batch(feed, note)
        settings = project / "briefings.toml"
        settings.write_text(settings.read_text() + "\n")
        next_batch(feed, settings)
        (project / "templates" / "casis").mkdir(parents=True)  # a folder that did not exist when watching began
        css = project / "templates" / "casis" / "note.css"
        for attempt in range(30):  # the recursive watcher restarts on its own time: save until it reports
            css.write_text(f"p {{ color: black; }} /* {attempt} */\n")
            try:
                next_batch(feed, css, timeout=2)
                break
            except AssertionError:
                continue
        else:
            raise AssertionError("an edit under a new templates/ folder was never reported")
        (project / "outputs").mkdir()
        (project / "outputs" / "x.html").write_text("not an input")
        (project / "inputs" / "alpha" / ".note.md.swp").write_text("editor litter")
        time.sleep(0.5)
        leftover = set()
        while (batch := feed.get(timeout=0.3)) is not None:
            leftover |= batch
        assert not any("outputs" in p.parts or p.name.endswith(".swp") for p in leftover), leftover


def test_editor_litter_is_not_watched():
    assert is_watched_name(Path("inputs/a/note.md"))
    for name in (".note.md.swp", "note.md~", "#note.md#", ".hidden", "x.tmp"):
        assert not is_watched_name(Path("inputs/a") / name), name
