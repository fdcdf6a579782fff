"""Console: the command line's messages, in colour with a progress bar on a terminal (rich), plain text elsewhere."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Iterable, TextIO

# One style per kind of line; the text of each line is the same with and without colour.
STYLES = {"error": "bold red", "warning": "yellow", "notice": "cyan", "rebuilt": "green", "changed": "dim"}


def use_colour(stream: TextIO | None = None) -> bool:
    """True on a terminal unless NO_COLOR is set (https://no-color.org) or TERM is dumb."""
    stream = stream if stream is not None else sys.stderr
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def say(kind: str, text: str, stream: TextIO | None = None) -> None:
    """Print `kind: text` on stderr (or `stream`), its prefix coloured on a terminal."""
    stream = stream if stream is not None else sys.stderr
    if not use_colour(stream):
        print(f"{kind}: {text}", file=stream)
        return
    from rich.console import Console
    from rich.text import Text

    line = Text()
    line.append(f"{kind}:", style=STYLES.get(kind, ""))
    line.append(f" {text}")
    # markup/emoji off: a warning quoting `[b]` or `:x:` must print as it is; soft_wrap: never re-wrap lines.
    Console(file=stream, highlight=False, markup=False, emoji=False, soft_wrap=True).print(line)


def print_outcomes(outcomes: Iterable, stream: TextIO | None = None) -> None:
    """Each outcome's notices, warnings and error (`notice: slug: …`, `warning: slug: …`, `error: slug: …`),
    then the host's notices, each once (`notice: …`: about the machine, not a note; never --strict)."""
    outcomes = list(outcomes)
    for outcome in outcomes:
        for notice in outcome.notices:
            say("notice", f"{outcome.slug}: {notice}", stream)
        for warning in outcome.warnings:
            say("warning", f"{outcome.slug}: {warning}", stream)
        if outcome.error:
            say("error", f"{outcome.slug}: {outcome.error}", stream)
    for notice in dict.fromkeys(n for o in outcomes for n in o.host_notices):
        say("notice", notice, stream)


def print_rebuild(report, touched: set[str] | None, stream: TextIO | None = None) -> None:
    """After a rebuild: each note rebuilt, failed or removed with its warnings; touched but unchanged notes too.

    `touched` is the briefings whose files changed (None: a project-wide change touched every one),
    so that saving a file without changing what it builds still shows where that note stands.
    """
    for outcome in report.outcomes:
        if outcome.status == "built":
            stages = ", ".join(outcome.stages) or "outputs only"
            say("rebuilt", f"{outcome.slug} ({stages}; {len(outcome.warnings)} warning(s))", stream)
        elif outcome.status == "removed":
            say("rebuilt", f"{outcome.slug}: removed (its folder is gone)", stream)
        elif outcome.status == "unchanged" and (touched is None or outcome.slug in touched):
            say("unchanged", f"{outcome.slug} (nothing it builds from changed; {len(outcome.warnings)} warning(s))", stream)
        else:
            continue
        print_outcomes([outcome], stream)
    for outcome in report.outcomes:
        if outcome.status == "failed":
            print_outcomes([outcome], stream)


def describe_changes(paths: Iterable[Path], root: Path) -> str:
    """The changed files relative to the project, e.g. `inputs/beta/note.md, templates/casis/note.css`."""
    shown = []
    for path in sorted({Path(p) for p in paths}):
        try:
            shown.append(path.absolute().relative_to(Path(root).absolute()).as_posix())
        except ValueError:
            shown.append(str(path))
    return ", ".join(shown[:5]) + (f" and {len(shown) - 5} more" if len(shown) > 5 else "")


class Progress:
    """The build's progress on stderr: a rich bar (done/total, current note, time left) on a colour terminal.

    With NO_COLOR or TERM=dumb it is the plain one-line `[3/12] slug` counter; off a terminal, nothing
    (the caller passes no progress at all).
    """

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream if stream is not None else sys.stderr
        self.bar = None
        self.task = None

    def __enter__(self) -> "Progress":
        if use_colour(self.stream):
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
            from rich.progress import Progress as Bar

            console = Console(file=self.stream, highlight=False, markup=False, emoji=False)
            self.bar = Bar(TextColumn("Building"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                           TextColumn("{task.fields[slug]}", markup=False), console=console, transient=True)
            self.bar.__enter__()
        return self

    def __call__(self, done: int, total: int, slug: str) -> None:
        """Record that `done` of `total` notes are under way or finished, the latest being `slug`."""
        if self.bar is None:
            self.stream.write(f"\r\033[K[{done}/{total}] {slug}")
            if done == total:
                self.stream.write("\r\033[K")
            self.stream.flush()
            return
        if self.task is None:
            self.task = self.bar.add_task("build", total=total, slug=slug)
        # Serial builds report a note as it starts, parallel ones as it ends: both advance the bar.
        self.bar.update(self.task, completed=done, total=total, slug=slug)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)
