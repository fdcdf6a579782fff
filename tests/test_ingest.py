"""Tests for the ingest registry, read_source's limits and safety net, and `briefing parse`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.errors import SourceError
from pipeline.ingest import READERS, ReadOptions, read_source
from pipeline.ingest.show import format_source, source_to_dict

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = sorted(p for p in (ROOT / "inputs").glob("*/*") if p.suffix.lower() in READERS)


def test_registry_covers_every_format():
    assert {".pdf", ".vtt", ".srt", ".txt", ".md", ".docx"} <= set(READERS)


def test_unsupported_and_missing_files(tmp_path):
    with pytest.raises(SourceError, match=r"unsupported file type '\.xyz'; expected one of .*\.vtt"):
        read_source(tmp_path / "a.xyz")
    with pytest.raises(SourceError, match="cannot be read"):
        read_source(tmp_path / "missing.vtt")


def test_reader_bugs_become_source_errors(tmp_path, monkeypatch):
    def broken(path, options):
        raise ValueError("boom")

    monkeypatch.setitem(READERS, ".vtt", broken)
    path = tmp_path / "x.vtt"
    path.write_text("WEBVTT\n")
    with pytest.raises(SourceError, match=r"x\.vtt: could not be read \(ValueError: boom\)"):
        read_source(path)


def test_size_limit_names_the_setting(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("Moderator: hello\n" * 100)
    with pytest.raises(SourceError, match=r"file is 1,700 bytes; the limit is 10 bytes \(setting max_file_mb\)"):
        read_source(path, ReadOptions(max_bytes=10))


def test_parse_prints_segments_with_provenance(tmp_path, capsys):
    path = tmp_path / "talk.vtt"
    path.write_text("WEBVTT\n\n00:01:02.500 --> 00:01:04.000\n<v Dr. Lena Varga>Hello &amp; welcome.\n", encoding="utf-8")
    assert main(["parse", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"{path}: transcript, 1 segment" in out
    assert "[1] text  Dr. Lena Varga  (00:01:02.500–00:01:04.000)" in out and "    Hello & welcome." in out
    assert main(["parse", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["kind"] == "transcript" and data["warnings"] == []
    assert data["segments"] == [{"text": "Hello & welcome.", "file": "talk.vtt", "start": 62.5, "end": 64.0, "speaker": "Dr. Lena Varga", "role": "text"}]


def test_parse_error_goes_to_stderr_with_exit_2(tmp_path, capsys):
    path = tmp_path / "bad.vtt"
    path.write_text("not captions\n")
    assert main(["parse", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"error: {path}: not a WebVTT file: expected the signature 'WEBVTT' on line 1, found 'not captions'\n"


def test_format_source_shows_warnings_pages_and_sections(tmp_path):
    path = tmp_path / "note.md"
    path.write_text("# KEY EVENTS\n\nText.\n", encoding="utf-8")
    listing = format_source(read_source(path))
    assert "[2] text  (KEY EVENTS)" in listing
    assert source_to_dict(read_source(path))["segments"][0] == {"text": "KEY EVENTS", "file": "note.md", "section": ["KEY EVENTS"], "role": "heading", "line": 1}


@pytest.mark.skipif(not BUNDLED, reason="no bundled examples")
@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_bundled_sources_parse(path, capsys):
    assert main(["parse", str(path)]) == 0, capsys.readouterr().err
    source = read_source(path)
    assert source.segments
    if source.kind == "transcript":
        assert any(s.speaker for s in source.segments)


def test_parse_on_a_fifo_returns_at_once_with_an_error(tmp_path, capsys):
    fifo = tmp_path / "talk.vtt"
    os.mkfifo(fifo)
    assert main(["parse", str(fifo)]) == 2  # a blocking open would never return
    assert capsys.readouterr().err == f"error: {fifo}: refused: a FIFO (named pipe), not a regular file\n"


@pytest.mark.parametrize("suffix", [".txt", ".vtt", ".srt", ".md", ".pdf", ".docx"])
def test_every_reader_refuses_a_link_out_of_the_briefing_folder(tmp_path, suffix):
    folder = tmp_path / "briefing"
    folder.mkdir()
    (tmp_path / f"secret{suffix}").write_bytes(b"Moderator: secret\n")
    (folder / f"source{suffix}").symlink_to(tmp_path / f"secret{suffix}")
    with pytest.raises(SourceError, match="outside the briefing folder"):
        read_source(folder / f"source{suffix}", ReadOptions(folder=folder))
    # The reader itself, called directly, refuses too (it opens through the same helper).
    with pytest.raises(SourceError, match="outside the briefing folder"):
        READERS[suffix](folder / f"source{suffix}", ReadOptions(folder=folder))


def test_a_link_that_stays_inside_the_briefing_folder_is_read(tmp_path):
    (tmp_path / "talk-final.txt").write_text("Moderator: Welcome.\n")
    (tmp_path / "transcript.txt").symlink_to(tmp_path / "talk-final.txt")
    assert read_source(tmp_path / "transcript.txt", ReadOptions(folder=tmp_path)).segments


def test_ingest_briefing_leaves_refused_sources_out_with_a_warning(tmp_path):
    from pipeline.config import Config
    from pipeline.ingest import ingest_briefing
    from pipeline.models import Briefing, SourceSpec

    (tmp_path / "ok.txt").write_text("Moderator: Welcome.\n")
    os.mkfifo(tmp_path / "pipe.txt")
    briefing = Briefing("b", tmp_path, "T", "Dr. A", "E", None, "A", 1, 1, 2026)
    _, sources, warnings = ingest_briefing(briefing, None, [SourceSpec(tmp_path / "pipe.txt"), SourceSpec(tmp_path / "ok.txt")],
                                           Config())
    assert [s.path for s in sources] == [str(tmp_path / "ok.txt")]
    assert warnings == [f"skipped source {tmp_path / 'pipe.txt'}: refused: a FIFO (named pipe), not a regular file"]
