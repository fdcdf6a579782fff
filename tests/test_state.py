"""Tests for pipeline.state: fingerprints, atomic writes, the versioned state file and the stage cache."""

from __future__ import annotations

import json
import logging

import pytest

from pipeline.state import (STATE_FORMAT, BriefingState, Cache, State, file_digest, fingerprint, load_state,
                            remove_stale_temporaries, save_state, tree_digest, write_atomic)


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
    cache.put("extract", "good", ("entities", []))
    cache.put("extract", "old", ("entities", []))
    (tmp_path / "cache" / "extract" / "bad.pickle").write_bytes(b"\x80garbage")
    assert cache.get("extract", "good") == ("entities", [])
    assert cache.get("extract", "missing") is None
    with caplog.at_level(logging.WARNING, logger="pipeline.build"):
        assert cache.get("extract", "bad") is None
    cache.prune({"extract": {"good"}})
    assert sorted(p.stem for p in (tmp_path / "cache" / "extract").iterdir()) == ["good"]


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
