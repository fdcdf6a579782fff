"""SubRip (.srt) caption reader: any common encoding, CRLF, cue numbers optional, formatting tags stripped."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import SourceError
from ..models import Source
from . import ReadOptions, reader
from .captions import Cue, caption_source, check_cues, escape_stray_brackets, parse_timing
from .textfile import decode_text, read_bytes

# ASS/SSA override codes some SRT writers leave in: {\an8}, {\i1}.
_ASS_CODES = re.compile(r"\{\\[^{}]*\}")


def parse_srt(lines: list[str] | tuple[str, ...], path: Path) -> tuple[list[Cue], list[str]]:
    """Cues of an SRT file's lines and warnings; a cue runs from its timing line to the next one.

    Blank lines inside a cue's text are tolerated; the cue number before a timing line is optional.
    """
    timings = [i for i, line in enumerate(lines) if "-->" in line]
    if not timings:
        raise SourceError(path, "not a SubRip file: expected cues with timing lines such as '00:00:01,000 --> 00:00:04,000', found none")
    warnings: list[str] = []
    stray = [l.strip() for l in lines[: timings[0]] if l.strip()]
    if stray and not (len(stray) == 1 and stray[0].isdigit()):
        warnings.append(f"text before the first cue ignored: {stray[0][:40]!r}")
    cues: list[Cue] = []
    bad: list[str] = []
    for n, at in enumerate(timings):
        stop = timings[n + 1] if n + 1 < len(timings) else len(lines)
        body = [l.rstrip() for l in lines[at + 1: stop]]
        while body and not body[-1].strip():
            body.pop()
        if n + 1 < len(timings) and body and body[-1].strip().isdigit():
            body.pop()  # the next cue's number
            while body and not body[-1].strip():
                body.pop()
        timing = parse_timing(lines[at])
        if isinstance(timing, str):
            bad.append(f"line {at + 1}: {timing}, found {lines[at].strip()[:60]!r}; cue skipped")
            continue
        text = escape_stray_brackets(_ASS_CODES.sub("", "\n".join(body)))
        if timing[1] < timing[0]:
            warnings.append(f"line {at + 1}: cue ends ({timing[1]:.3f} s) before it starts ({timing[0]:.3f} s)")
        cues.append(Cue(timing[0], timing[1], text, at + 1))
    check_cues(cues, bad, path)
    return cues, bad + warnings


@reader(".srt")
def read_srt(path: Path, options: ReadOptions) -> Source:
    """Read a SubRip caption file into one transcript segment per cue (or per voice within a cue)."""
    text = decode_text(read_bytes(path, options, options.word_limit("transcript")), path)
    cues, warnings = parse_srt(text.lines, path)
    return caption_source(path, text, cues, warnings, rolling=False, fmt="subrip")
