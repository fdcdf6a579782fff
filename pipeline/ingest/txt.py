"""Typed transcript reader (.txt): `Speaker: text` turns, optional timestamps, continuation lines."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..models import Segment, Source
from . import ReadOptions, name_warnings, reader
from .captions import parse_timestamp
from .speakers import looks_like_label, merge_notes, normalise_speakers, split_label
from .textfile import read_text

_TS = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
# "[00:01:05] Name: text", "(01:05) Name: text", "00:01:05 - Name: text"
_LEADING_TS = re.compile(rf"^\s*(?:\[({_TS})\]|\(({_TS})\)|({_TS})(?=[\s\-–—|]))\s*[-–—|]?\s*(.*)$", re.S)
# "Name [00:01:05]: text", "Name (01:05)", "Name  1:05" (Otter-style header line, text follows)
_TRAILING_TS = re.compile(rf"^\s*([^\[\]():]{{1,60}}?)\s+(?:\[({_TS})\]|\(({_TS})\)|({_TS}))\s*(?::\s*(.*))?$", re.S)


@dataclass
class _Turn:
    """A turn being collected: speaker, start time, paragraphs and the line it starts on."""

    speaker: str | None
    start: float | None
    line: int
    paragraphs: list[list[str]] = field(default_factory=lambda: [[]])


def _stamp(groups) -> float | None:
    """Seconds of the first non-empty timestamp group."""
    text = next((g for g in groups if g), None)
    return parse_timestamp(text) if text else None


# Labels that head a field of a document ("Attendance:", "Note:", "Date:"), never a speaker's turn.
_FIELD_LABEL = re.compile(
    r"^(?:attendance|attendees|attending|present|absent|apologies|regrets|notes?|nb|n\.b\.?|ps|p\.s\.?|"
    r"date|time|day|location|venue|place|where|when|subject|re|summary|agenda|actions?|"
    r"action items?|decisions?|outcomes?|title|author|authors|by|from|to|cc|source|sources|"
    r"background|context|conclusions?|recommendations?|update|status|item|minutes|keywords|"
    r"abstract|introduction|contact|e-?mail|phone|tel|fax|web|website|url|ref|refs|reference|"
    r"references|see also|warning|caution|disclaimer|copyright|tags?|topics?|theme|event|"
    r"session|transcript|recorded|recording|duration|length|classification|distribution|"
    r"prepared by|approved by|file|version|page|figure|table|appendix|annex|step \d+|part \d+|"
    r"chapter \d+|section \d+|question \d+|answer \d+|fact|facts|example|definition|result|"
    r"results|finding|findings|key points?|takeaways?|update \d+)$", re.I)
# "Looks like a transcript": at least this share of the lines (or of the paragraphs) open a turn.
MOST = 0.5


def _speaker_label(label: str) -> bool:
    """A label that may name a speaker: not a document field ("Attendance", "Note")."""
    return not _FIELD_LABEL.match(" ".join(label.split()).rstrip("."))


def parse_line(line: str) -> tuple[str | None, float | None, str] | None:
    """(speaker, start, text) when a line opens a turn, else None (a continuation line)."""
    match = _LEADING_TS.match(line)
    if match:
        start, rest = _stamp(match.groups()[:3]), match.group(4)
        labelled = split_label(rest)
        if labelled and _speaker_label(labelled[0]):
            return labelled[0], start, labelled[1]
        return None, start, rest.strip()
    match = _TRAILING_TS.match(line)
    if match and looks_like_label(match.group(1)) and _speaker_label(match.group(1)):
        return match.group(1).strip(), _stamp(match.groups()[1:4]), (match.group(5) or "").strip()
    labelled = split_label(line)
    if labelled and _speaker_label(labelled[0]):
        return labelled[0], None, labelled[1]
    return None


def looks_like_transcript(lines: list[str] | tuple[str, ...]) -> bool:
    """Whether a text reads as a transcript: every line opens a speaker's turn, or most lines (or
    paragraphs) do and the labels recur (two speakers or more with one speaking twice, one
    speaker three times) or the turns carry timestamps. A report with a few "Label: text" lines
    is prose."""
    content = [line.strip() for line in lines if line.strip()]
    if not content:
        return False
    opened = [parse_line(line) for line in content]
    turns = [o for o in opened if o is not None]
    firsts = [parse_line(p.strip().split("\n", 1)[0]) for p in "\n".join(lines).split("\n\n") if p.strip()]
    share = max(len(turns) / len(content), sum(o is not None for o in firsts) / max(len(firsts), 1))
    if share < MOST:
        return False
    names = normalise_speakers(o[0] for o in turns if o[0])
    counts = Counter(names[o[0]] for o in turns if o[0])
    stamped = sum(o[1] is not None for o in turns)
    recurring = [n for n, c in counts.items() if c >= 2]
    every = len(turns) == len(content) and all(o[0] for o in turns)  # each line has a speaker
    return every or (len(counts) >= 2 and bool(recurring)) or any(c >= 3 for c in counts.values()) \
        or (bool(counts) and stamped >= MOST * len(turns))


def parse_transcript(lines: list[str] | tuple[str, ...], file: str) -> tuple[list[Segment], list[str], list[str], list[str]]:
    """Segments (one per turn), warnings and preamble lines of a typed transcript's lines.

    A line without a label continues the current turn (a blank line starts a new paragraph in it);
    a timestamp without a label starts a new turn by the same speaker.
    """
    turns: list[_Turn] = []
    preamble: list[str] = []
    if not looks_like_transcript(lines):
        return _prose(lines, file)
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line:
            if turns and turns[-1].paragraphs[-1]:
                turns[-1].paragraphs.append([])
            continue
        opened = parse_line(line)
        if opened is None:
            if turns:
                turns[-1].paragraphs[-1].append(line)
            else:
                preamble.append(line)
            continue
        speaker, start, text = opened
        if speaker is None and turns:
            speaker = turns[-1].speaker
        elif speaker is None and start is None:
            preamble.append(line)
            continue
        turns.append(_Turn(speaker, start, number, [[text]] if text else [[]]))
    warnings: list[str] = []
    if not any(t.speaker for t in turns):
        return _prose(lines, file)
    names = normalise_speakers(t.speaker for t in turns if t.speaker)
    segments = []
    for turn in turns:
        text = "\n\n".join(" ".join(p) for p in turn.paragraphs if p)
        if not text:
            warnings.append(f"line {turn.line}: turn of {turn.speaker or 'unknown speaker'!s} has no text")
            continue
        speaker = names.get(turn.speaker) if turn.speaker else None
        segments.append(Segment(text, file, start=turn.start, speaker=speaker, role="text"))
    stamps = [s.start for s in segments if s.start is not None]
    if any(b < a for a, b in zip(stamps, stamps[1:])):
        warnings.append("timestamps go backwards somewhere; kept as written")
    return segments, warnings, preamble, merge_notes(names)


def _prose(lines: list[str] | tuple[str, ...], file: str) -> tuple[list[Segment], list[str], list[str], list[str]]:
    """A text that is no transcript, kept whole, paragraph by paragraph, without speakers."""
    warnings = ["no 'Speaker: text' turns found (not a transcript); text kept without speakers"]
    paragraphs = "\n".join(lines).split("\n\n")
    segments = [Segment(" ".join(p.split()), file, role="text") for p in paragraphs if p.strip()]
    return segments, warnings, [], []


@reader(".txt")
def read_txt(path: Path, options: ReadOptions) -> Source:
    """Read a typed transcript into one segment per turn, with speakers and any timestamps."""
    text = read_text(path, options, options.word_limit("transcript"))
    segments, warnings, preamble, notices = parse_transcript(text.lines, path.name)
    metadata = {"format": "text", "encoding": text.encoding, "preamble": preamble}
    return Source(path=str(path), kind="transcript", segments=tuple(segments), warnings=name_warnings(path, [*text.warnings, *warnings]),
                  metadata=metadata, notices=name_warnings(path, notices))
