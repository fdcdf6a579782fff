"""Tests for pipeline.console: the same plain lines off a terminal or with NO_COLOR, colour and a bar on a terminal."""

from __future__ import annotations

import io
from pathlib import Path

from pipeline.build import BuildReport, Outcome
from pipeline.console import Progress, describe_changes, print_rebuild, say, use_colour


class Terminal(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


REPORT = BuildReport((
    Outcome("alpha", "unchanged", warnings=("old warning",)),
    Outcome("beta", "built", warnings=("note.md: 'X' is not named in any other source",), stages=("note", "compose", "render")),
    Outcome("gamma", "failed", error="briefing.toml: missing 'title'"),
    Outcome("delta", "unchanged"),
), 1.5)


def test_plain_lines_off_a_terminal():
    stream = io.StringIO()
    print_rebuild(REPORT, {"beta"}, stream)
    assert stream.getvalue().splitlines() == [
        "rebuilt: beta (note, compose, render; 1 warning(s))",
        "warning: beta: note.md: 'X' is not named in any other source",
        "error: gamma: briefing.toml: missing 'title'",
    ]


def test_a_touched_unchanged_note_still_shows_its_warnings():
    stream = io.StringIO()
    print_rebuild(REPORT, {"alpha"}, stream)
    lines = stream.getvalue().splitlines()
    assert "unchanged: alpha (nothing it builds from changed; 1 warning(s))" in lines
    assert "warning: alpha: old warning" in lines and not any("delta" in line for line in lines)


def test_colour_on_a_terminal_and_never_with_no_color(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    terminal = Terminal()
    assert use_colour(terminal)
    say("warning", "beta: a [bold]bracketed[/bold] :x: text", terminal)
    out = terminal.getvalue()
    assert "\x1b[" in out and "a [bold]bracketed[/bold] :x: text" in out  # markup and emoji printed as they are
    monkeypatch.setenv("NO_COLOR", "1")
    terminal = Terminal()
    say("warning", "beta: plain", terminal)
    assert terminal.getvalue() == "warning: beta: plain\n"


def test_progress_is_a_bar_on_a_terminal_and_a_counter_with_no_color(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    terminal = Terminal()
    with Progress(terminal) as progress:
        for n in range(1, 4):
            progress(n, 3, f"note-{n}")
    assert progress.bar is not None and "note-" in terminal.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    terminal = Terminal()
    with Progress(terminal) as progress:
        progress(1, 2, "alpha")
    assert terminal.getvalue() == "\r\x1b[K[1/2] alpha"


def test_describe_changes_is_relative_to_the_project(tmp_path):
    paths = [tmp_path / "inputs" / "beta" / "note.md", tmp_path / "briefings.toml"]
    assert describe_changes(paths, tmp_path) == "briefings.toml, inputs/beta/note.md"
    many = [tmp_path / f"f{n}" for n in range(7)]
    assert describe_changes(many, Path(tmp_path)).endswith("and 2 more")
