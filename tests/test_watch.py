"""Tests for pipeline.watch: rebuilds on save, and never trashes anything while inputs/ is missing or emptied."""

from __future__ import annotations

import shutil
import threading
import time

from pipeline.config import load_config
from pipeline.watch import guarded_build, touched_slugs, watch


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


def test_a_new_templates_folder_and_briefings_toml_are_seen(make_project):
    """inotify watches folders that exist: templates/ created later and the project file must still trigger rebuilds."""
    from pipeline.config import builtin_templates

    project = make_project("basic")
    reports, changes = [], []
    done = threading.Event()
    thread = threading.Thread(target=watch, args=(load_config(project),), daemon=True, kwargs=dict(
        on_report=reports.append, on_changes=changes.append, interval=0.05, debounce=0.05, stop=done.is_set,
        reload=lambda: load_config(project)))
    thread.start()

    def wait_for_rebuild_of_both(after: int) -> int:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            for n, report in enumerate(reports[after:], after):
                if report.slugs("built") == ["alpha", "beta"]:
                    return n + 1
            time.sleep(0.05)
        raise AssertionError(f"no rebuild of both notes; reports: {[r.to_json() for r in reports]}")

    seen = wait_for_rebuild_of_both(0)  # the first build
    style = project / "templates" / "casis"
    style.mkdir(parents=True)
    (style / "note.css").write_text((builtin_templates() / "casis" / "note.css").read_text() + "\nh2 { color: #222; }\n")
    seen = wait_for_rebuild_of_both(seen)
    settings = project / "briefings.toml"
    settings.write_text(settings.read_text().replace("Test Association", "Other Association"))
    wait_for_rebuild_of_both(seen)
    done.set()
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert any(project / "briefings.toml" in batch for batch in changes)


def test_touched_slugs_names_the_briefings_of_the_changed_files(make_project):
    config = load_config(make_project("basic"))
    inputs = config.root / "inputs"
    assert touched_slugs(config, [inputs / "beta" / "note.md", inputs / "alpha" / "briefing.toml"]) == {"alpha", "beta"}
    assert touched_slugs(config, [inputs / "beta" / "note.md", config.root / "briefings.toml"]) is None
    assert touched_slugs(config, [inputs]) is None


def test_the_watch_command_names_each_rebuilt_note_and_its_warnings(make_project):
    """`briefing watch` prints the changed file, the rebuilt note with its stages, and a touched note's warnings."""
    import queue
    import signal
    import subprocess
    import sys

    project = make_project("basic")
    process = subprocess.Popen([sys.executable, "-m", "pipeline", "--project", str(project), "watch"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()

    def read_until(text: str) -> list[str]:
        seen = []
        while True:
            line = lines.get(timeout=300)
            seen.append(line)
            if text in line:
                return seen

    try:
        read_until("Built 2 notes (0 unchanged, 0 failed)")
        note = project / "inputs" / "beta" / "note.md"
        note.write_text(note.read_text() + "\nA remark on Carfentanil.\n")
        seen = read_until("Built 1 note (1 unchanged, 0 failed)")
        assert any(line.startswith("changed: inputs/beta/note.md") for line in seen), seen
        assert any(line.startswith("rebuilt: beta (") for line in seen), seen
        assert not any("alpha" in line for line in seen), seen
        note.write_text(note.read_text())  # saved again, unchanged: still says where the note stands
        seen = read_until("Built 0 notes (2 unchanged, 0 failed)")
        assert any(line.startswith("unchanged: beta (nothing it builds from changed;") for line in seen), seen
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=120)
