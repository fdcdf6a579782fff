"""Benchmark the limits: each pathological input, generated in a temporary folder, run through the CLI.

Every case runs `python -m pipeline` in a fresh process and prints its wall time, peak memory (the
child's maximum resident set), exit status and the first line it reported. A case either finishes
(quickly) or is refused at once with a clear error; nothing here asserts a time.

Usage: python bench/bench_limits.py [--only NAME ...] [--dir DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
BRIEFING = """title = "Limits"
speaker = "Dr. Ada Quill"
event = "Bench Symposium"
date = 2026-03-02
author = "Ada Quill"
volume = 1
issue = 1
"""
NOTE = """---
status: {status}
---
# KEY EVENTS
Dr. Quill spoke at the Bench Symposium.

# NATURE OF DISCUSSION
An overview.

# BACKGROUND
## Presentation
{body}

# KEY POINTS OF DISCUSSION
- One point.
"""


def briefing(project: Path, body: str = "A paragraph.", status: str = "draft", extra: dict[str, bytes] | None = None) -> None:
    """Write a one-briefing project whose Presentation section holds `body`, plus any extra files."""
    folder = project / "inputs" / "case"
    folder.mkdir(parents=True)
    (project / "briefings.toml").write_text("")
    (folder / "briefing.toml").write_text(BRIEFING)
    (folder / "note.md").write_text(NOTE.format(status=status, body=body))
    for name, data in (extra or {}).items():
        (folder / name).write_bytes(data)


def transcript(megabytes: int) -> bytes:
    """A typed transcript of about `megabytes` MB (two speakers taking turns)."""
    turn = b"Dr. Ada Quill: " + b"the containers were scored by risk and then inspected " * 20 + b"\n"
    return turn * (megabytes * 1024 * 1024 // len(turn))


# name: (what it is, make(project) -> CLI arguments)
CASES: dict[str, tuple[str, Callable[[Path], list[str]]]] = {}


def case(name: str, what: str):
    """Register a case: a function that writes its input and returns the CLI arguments to run."""
    def register(make):
        CASES[name] = (what, make)
        return make
    return register


@case("emphasis-draft", "`*a` × 8,000 in a draft note (flattened, rendered)")
def _(p):
    briefing(p, "*a" * 8000)
    return ["build", "--jobs", "1"]


@case("emphasis-final", "`*a` × 8,000 in a final note (refused: an 8,000-character word)")
def _(p):
    briefing(p, "*a" * 8000, status="final")
    return ["build", "--jobs", "1"]


@case("nested-emphasis", "emphasis nested 2,000 deep (flattened below max_inline_depth)")
def _(p):
    briefing(p, "".join("*w " if n % 2 else "**w " for n in range(2000)) + "end" + "".join("*" if n % 2 else "**" for n in reversed(range(2000))))
    return ["build", "--jobs", "1"]


@case("links-in-a-word", "2,000 links in one word (flattened, addresses kept)")
def _(p):
    briefing(p, "[a](https://example.org/)" * 2000)
    return ["build", "--jobs", "1"]


@case("long-word-draft", "a 10,000-character word in a draft (kept whole; the style sheet wraps it)")
def _(p):
    briefing(p, "start " + "w" * 10_000 + " end")
    return ["build", "--jobs", "1"]


@case("long-word-final", "a 10,000-character word in a final note (refused)")
def _(p):
    briefing(p, "start " + "w" * 10_000 + " end", status="final")
    return ["build", "--jobs", "1"]


@case("manuscript-5mb", "a 5 MB manuscript (refused past max_manuscript_words)")
def _(p):
    briefing(p, "\n\n".join(["Dr. Quill described risk scoring of containers at the port. " * 10] * 8000))
    return ["build", "--jobs", "1"]


@case("transcript-50mb-parse", "`briefing parse` of a 50 MB transcript (refused after its first megabyte)")
def _(p):
    briefing(p, extra={"transcript.txt": transcript(50)})
    return ["parse", str(p / "inputs" / "case" / "transcript.txt")]


@case("transcript-50mb-build", "a build with a 50 MB transcript beside the manuscript (source skipped, note built)")
def _(p):
    briefing(p, extra={"transcript.txt": transcript(49)})
    return ["build", "--jobs", "1"]


@case("nested-list-1000", "a list nested 1,000 deep (refused with its line)")
def _(p):
    briefing(p, "".join("  " * i + f"- item {i}\n" for i in range(1000)) + "\nAfter the list.")
    return ["build", "--jobs", "1"]


@case("block-quote-100k", "`>` × 100,000 (refused with its line)")
def _(p):
    briefing(p, ">" * 100_000 + " deep")
    return ["build", "--jobs", "1"]


@case("raw-html", "an unclosed HTML comment and 300 HTML blocks (kept as text)")
def _(p):
    briefing(p, "\n\n".join(f"<div>block {n}</div>" for n in range(300)) + "\n\n<!-- never closed\n\nThe rest.")
    return ["build", "--jobs", "1"]


@case("brackets-100k", "`[` × 100,000 in one paragraph (a 100,000-character word, draft)")
def _(p):
    briefing(p, "[" * 100_000)
    return ["build", "--jobs", "1"]


@case("search-100kb", "`briefing search` with a 100 KB query (refused)")
def _(p):
    briefing(p)
    return ["search", "x" * 100_000]


@case("issue-huge", "`briefing archive --issue` with a 5,000-digit volume (refused)")
def _(p):
    briefing(p)
    return ["archive", "--out", str(p / "bag"), "--issue=" + "9" * 5000 + ":1"]


@case("year-negative", "year = -1 in briefing.toml (refused, naming file and field)")
def _(p):
    briefing(p)
    folder = p / "inputs" / "case"
    (folder / "briefing.toml").write_text(BRIEFING + "year = -1\n")
    return ["build", "--jobs", "1"]


@case("front-matter-status", "front matter `status: [1, 2]` (refused, naming file and field)")
def _(p):
    briefing(p, status="[1, 2]")
    return ["build", "--jobs", "1"]


def run_case(args: list[str], project: Path) -> tuple[float, float, int, str]:
    """Run the CLI on the project in a fresh process: (seconds, peak MB, exit status, first reported line)."""
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "pipeline", "--project", str(project), *args], cwd=REPO,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    lines = [line for line in output.splitlines() if line.strip()]
    first = next((l for l in lines if l.startswith("error")), lines[0] if lines else "")
    return seconds, usage.ru_maxrss / 1024, child.returncode, first


def main() -> None:
    """Generate, run and report every case (or those named with --only)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=sorted(CASES), help="run only these cases")
    parser.add_argument("--dir", type=Path, help="folder for the generated projects (default: a temporary one)")
    options = parser.parse_args()
    base = options.dir or Path(tempfile.mkdtemp(prefix="bench-limits-"))
    print(f"{'case':24} {'seconds':>8} {'peak MB':>8} {'exit':>4}  first line reported")
    try:
        for name in options.only or CASES:
            what, make = CASES[name]
            project = base / name
            shutil.rmtree(project, ignore_errors=True)
            args = make(project)
            seconds, peak, status, first = run_case(args, project)
            print(f"{name:24} {seconds:8.2f} {peak:8.0f} {status:4}  {first[:150]}")
            print(f"{'':24} {what}")
    finally:
        if options.dir is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
