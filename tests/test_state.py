"""Tests for pipeline.state: fingerprints, atomic writes, the versioned state file and the stage cache."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import pickle
from pathlib import Path

import pytest

from pipeline.errors import PipelineError
from pipeline.models import Segment, Source
from pipeline.state import (CACHE_FORMAT, STATE_FORMAT, BriefingState, Cache, State, check_inside, file_digest,
                            fingerprint, is_safe_slug, load_state, move_to_trash, remove_stale_temporaries,
                            save_state, tree_digest, write_atomic)


def test_fingerprint_is_stable_and_tells_types_apart():
    assert fingerprint({"b": 1, "a": [1, 2]}) == fingerprint({"a": [1, 2], "b": 1})
    assert fingerprint("1") != fingerprint(1)
    assert fingerprint(b"x") != fingerprint("x")
    assert fingerprint("ab", "c") != fingerprint("a", "bc")


def test_tree_digest_sees_names_and_contents(tmp_path):
    (tmp_path / "a.css").write_text("x")
    first = tree_digest([tmp_path])
    (tmp_path / "a.css").write_text("y")
    second = tree_digest([tmp_path])
    (tmp_path / "a.css").rename(tmp_path / "b.css")
    assert len({first, second, tree_digest([tmp_path])}) == 3


def test_write_atomic_replaces_whole_and_leaves_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "out" / "note.pdf"
    write_atomic(target, b"old")
    assert target.read_bytes() == b"old" and file_digest(target)

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr("pipeline.state.os.replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in target.parent.iterdir()] == ["note.pdf"]


def test_stale_temporaries_are_removed(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / ".x.pdf.123.tmp").write_bytes(b"half")
    (tmp_path / "a" / "x.pdf").write_bytes(b"whole")
    remove_stale_temporaries(tmp_path)
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["x.pdf"]


def test_state_round_trip_and_unreadable_state_discarded_with_cache(tmp_path, caplog):
    state = State({"alpha": BriefingState({"render": "k"}, {"alpha.pdf": "d"})})
    save_state(tmp_path, state)
    assert json.loads((tmp_path / "state.json").read_text())["format"] == STATE_FORMAT
    assert load_state(tmp_path) == state
    Cache(tmp_path).put("note", "key", ("value", []))
    (tmp_path / "state.json").write_text('{"format": 1, "briefings": {"alpha": {"keys": 3}}}')
    with caplog.at_level(logging.WARNING, logger="pipeline.build"):
        assert load_state(tmp_path) == State()
    assert len(caplog.records) == 1 and "rebuilding everything" in caplog.records[0].message
    assert not (tmp_path / "cache").exists()


def test_cache_survives_a_damaged_entry_and_prunes_the_unreferenced(tmp_path, caplog):
    cache = Cache(tmp_path)
    kind = tuple[str, list[str]]
    cache.put("extract", "good", ("entities", []))
    cache.put("extract", "old", ("entities", []))
    (tmp_path / "cache" / "extract" / "bad.json").write_bytes(b"\x80garbage")
    (tmp_path / "cache" / "extract" / "good.pickle").write_bytes(b"from an older format")
    assert cache.get("extract", "good", kind) == ("entities", [])
    assert cache.get("extract", "missing", kind) is None
    with caplog.at_level(logging.WARNING, logger="pipeline.build"):
        assert cache.get("extract", "bad", kind) is None
    assert len(caplog.records) == 1 and "recomputing" in caplog.records[0].message
    cache.prune({"extract": {"good"}})
    assert [p.name for p in (tmp_path / "cache" / "extract").iterdir()] == ["good.json"]


def test_cache_holds_versioned_data_and_rejects_other_shapes(tmp_path, caplog):
    cache = Cache(tmp_path)
    source = Source("talk.vtt", "transcript", (Segment("Hello.", "talk.vtt", start=1.5, speaker="A"),),
                    metadata={"date": dt.date(2026, 3, 2)})
    cache.put("source", "k", source)
    stored = json.loads((tmp_path / "cache" / "source" / "k.json").read_text())
    assert stored["format"] == CACHE_FORMAT and stored["stage"] == "source"
    assert cache.get("source", "k", Source) == source
    calls = []
    assert cache.fetch("source", "k", lambda: calls.append(1), kind=Source) == source and not calls
    # The same data read as another type, or a blob of another stage, is recomputed, not trusted.
    with caplog.at_level(logging.WARNING, logger="pipeline.build"):
        assert cache.get("source", "k", tuple[str, list[str]]) is None
        (tmp_path / "cache" / "note").mkdir()
        (tmp_path / "cache" / "source" / "k.json").rename(tmp_path / "cache" / "note" / "k.json")
        assert cache.get("note", "k", Source) is None
    assert all("recomputing" in r.message and "\n" not in r.message for r in caplog.records)


def test_a_planted_pickle_is_never_loaded(tmp_path, caplog):
    canary = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (os.system, (f"touch {canary}",))

    blob = pickle.dumps(Exploit())
    cache = Cache(tmp_path)
    for name in ("key.json", "key.pickle"):  # under the current name and the old one
        path = tmp_path / "cache" / "source" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(blob)
    source = Source("a.txt", "transcript", ())
    with caplog.at_level(logging.WARNING, logger="pipeline.build"):
        assert cache.fetch("source", "key", lambda: source, kind=Source) == source
    assert not canary.exists()
    assert cache.get("source", "key", Source) == source  # recomputed and stored as data
    cache.prune({"source": {"key"}})
    assert not (tmp_path / "cache" / "source" / "key.pickle").exists()
    assert not canary.exists()


@pytest.mark.parametrize("content", [
    "[" * 200000,
    "null",
    "[]",
    '{"format": 1}',
    '{"format": 1, "briefings": []}',
    '{"format": 1, "briefings": {"../inputs": {"keys": {}, "outputs": {}}}}',
    '{"format": 1, "briefings": {".state": {"keys": {}, "outputs": {}}}}',
    '{"format": 1, "briefings": {"a": {"keys": {"render": 3}, "outputs": {}}}}',
    '{"format": 1, "briefings": {"a": {"keys": {}, "outputs": {"../../x": "d"}}}}',
    '{"format": 1, "briefings": {"a": {"keys": {}, "outputs": {}, "extra": 1}}}',
    '{"format": 1, "briefings": {"a": {"keys": {}, "outputs": {}}}, "more": 2}',
    "\udcff not utf-8",
])
def test_state_of_any_wrong_shape_is_reported_once_and_replaced(tmp_path, caplog, content):
    path = tmp_path / "state.json"
    path.write_bytes(content.encode("utf-8", "surrogateescape"))
    Cache(tmp_path).put("note", "key", ("value", []))
    with caplog.at_level(logging.WARNING, logger="pipeline.build"):
        assert load_state(tmp_path) == State()
    assert len(caplog.records) == 1 and "rebuilding everything" in caplog.records[0].message
    assert len(caplog.records[0].getMessage()) < 400
    assert not path.exists() and not (tmp_path / "cache").exists()
    save_state(tmp_path, State({"a": BriefingState()}))  # and the project is not left broken
    assert load_state(tmp_path) == State({"a": BriefingState()})


def test_state_that_is_a_folder_or_a_fifo_is_replaced(tmp_path, caplog):
    (tmp_path / "state.json").mkdir()
    (tmp_path / "state.json" / "inner").write_text("x")
    with caplog.at_level(logging.WARNING, logger="pipeline.build"):
        assert load_state(tmp_path) == State()
    save_state(tmp_path, State())
    assert (tmp_path / "state.json").is_file()
    (tmp_path / "state.json").unlink()
    os.mkfifo(tmp_path / "state.json")
    assert load_state(tmp_path) == State()  # returns at once: a FIFO is never opened
    assert len(caplog.records) == 2


def test_check_inside_refuses_paths_that_leave_the_folder(tmp_path):
    out = tmp_path / "outputs"
    (out / "a").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (out / "link").symlink_to(tmp_path / "elsewhere")
    assert check_inside(out / "a" / "x.pdf", out) == (out / "a" / "x.pdf").resolve()
    for bad in (out / ".." / "inputs", out / "link" / "x.pdf", out, Path("/etc/passwd")):
        with pytest.raises(PipelineError):
            check_inside(bad, out)
    with pytest.raises(PipelineError):
        write_atomic(out / "link" / "x.pdf", b"x", inside=out)
    assert not (tmp_path / "elsewhere" / "x.pdf").exists()


def test_move_to_trash_keeps_every_copy(tmp_path):
    out = tmp_path / "outputs"
    for n in range(2):
        (out / "gone").mkdir(parents=True)
        (out / "gone" / "gone.pdf").write_text(f"v{n}")
        moved = move_to_trash(out, "gone", "20270101T000000")
        assert moved.parent == out / ".trash" / "gone" and (moved / "gone.pdf").read_text() == f"v{n}"
    assert len(list((out / ".trash" / "gone").iterdir())) == 2
    assert move_to_trash(out, "never-built", "t") is None
    with pytest.raises(PipelineError):
        move_to_trash(out, "../inputs", "t")


def test_slug_pattern():
    assert all(map(is_safe_slug, ["alpha", "pacific-precursors", "v8.1_talk", "émigrés"]))
    assert not any(map(is_safe_slug, ["", ".", "..", "../inputs", ".state", "_x", "a/b", "a\0b", "x\udcff", 3, None]))


def test_a_cache_that_cannot_be_written_costs_speed_not_the_build(tmp_path, monkeypatch, caplog):
    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("pipeline.state.write_atomic", full_disk)
    with caplog.at_level(logging.WARNING, logger="pipeline.build"):
        assert Cache(tmp_path).fetch("note", "k", lambda: ("text", []), kind=tuple[str, list[str]]) == ("text", [])
    assert "not stored (No space left on device)" in caplog.text


@pytest.mark.parametrize("error", [28, 13, 30])  # ENOSPC, EACCES, EROFS
def test_failed_write_names_the_file_and_keeps_every_previous_one(tmp_path, fail_fsync, error):
    import os

    from pipeline.state import write_all_atomic

    first, second = tmp_path / "a.pdf", tmp_path / "b.json"
    first.write_text("old a")
    second.write_text("old b")
    fail_fsync(error, lambda path: "b.json" in path)
    with pytest.raises(OSError) as info:
        write_all_atomic({first: "new a", second: "new b"})
    assert info.value.errno == error and info.value.filename == str(second)
    assert info.value.strerror == os.strerror(error)
    # The first file was written to its temporary but not renamed: both keep their old content.
    assert first.read_text() == "old a" and second.read_text() == "old b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf", "b.json"]
