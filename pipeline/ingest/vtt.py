"""WebVTT caption reader (Zoom, Teams, YouTube): signature checked, cues parsed, voices become speakers."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import SourceError
from ..models import Source
from . import ReadOptions, reader
from .captions import Cue, caption_source, check_cues, parse_timing
from .textfile import read_bytes, decode_text

_SIGNATURE = re.compile(r"^WEBVTT(?:[ \t].*)?$")
_KARAOKE = re.compile(r"<\d{1,3}:\d{1,2}(?::\d{1,2})?[.,]\d{1,3}>")


def parse_vtt(lines: list[str] | tuple[str, ...], path: Path) -> tuple[list[Cue], list[str], bool]:
    """Cues of a WebVTT file's lines, warnings, and whether it looks like YouTube rolling captions.

    Follows the WebVTT parsing rules where they matter: a block ends at a blank line or at a second
    '-->' line; NOTE, STYLE and REGION blocks and stray text are skipped; a cue with a malformed
    timing line is skipped with a warning naming its line (as browsers and vtt.js do).
    """
    first = lines[0].lstrip("\ufeff") if lines else ""
    if not _SIGNATURE.match(first):
        shown = first[:40] + ("…" if len(first) > 40 else "")
        raise SourceError(path, f"not a WebVTT file: expected the signature 'WEBVTT' on line 1, found {shown!r}")
    i = 1
    while i < len(lines) and lines[i].strip() and "-->" not in lines[i]:
        i += 1  # header lines (Kind:, Language:, ...); a '-->' line means the first cue starts here
    cues: list[Cue] = []
    warnings: list[str] = []
    bad: list[str] = []
    karaoke = False
    while i < len(lines):
        while i < len(lines) and not lines[i].strip():
            i += 1
        if i >= len(lines):
            break
        start_line = i
        block: list[str] = []
        timing_at = -1
        while i < len(lines) and lines[i].strip():
            if "-->" in lines[i]:
                if timing_at >= 0:
                    break  # a second timing line starts a new block
                if len(block) > 1:
                    break
                timing_at = len(block)
            block.append(lines[i])
            i += 1
        head = block[0].strip()
        if timing_at < 0:
            if not re.match(r"^(NOTE|STYLE|REGION)(\s|$)", head):
                warnings.append(f"line {start_line + 1}: text outside a cue ignored: {head[:40]!r}")
            continue
        timing = parse_timing(block[timing_at])
        number = start_line + timing_at + 1
        if isinstance(timing, str):
            bad.append(f"line {number}: {timing}, found {block[timing_at].strip()[:60]!r}; cue skipped")
            continue
        text = "\n".join(block[timing_at + 1:])
        karaoke = karaoke or bool(_KARAOKE.search(text))
        if timing[1] < timing[0]:
            warnings.append(f"line {number}: cue ends ({timing[1]:.3f} s) before it starts ({timing[0]:.3f} s)")
        cues.append(Cue(timing[0], timing[1], text, number))
    check_cues(cues, bad, path)
    # Only auto-captions roll lines over from cue to cue, and only they carry word timestamps.
    return cues, bad + warnings, karaoke


@reader(".vtt")
def read_vtt(path: Path, options: ReadOptions) -> Source:
    """Read a WebVTT caption file into one transcript segment per cue (or per voice within a cue)."""
    text = decode_text(read_bytes(path, options, options.word_limit("transcript")), path)
    cues, warnings, rolling = parse_vtt(text.lines, path)
    return caption_source(path, text, cues, warnings, rolling=rolling, fmt="webvtt")
