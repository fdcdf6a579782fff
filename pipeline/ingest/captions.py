"""What WebVTT and SRT share: timestamps, cue-text markup (voices, tags, entities) and cues → segments."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from ..errors import SourceError
from ..models import Segment, Source
from .speakers import merge_notes, normalise_speakers, split_label
from .textfile import TextFile

_TIME = re.compile(r"^(?:(\d{1,3}):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?$")
_TIMING = re.compile(r"^\s*(\S+)\s*-->\s*(\S+)(?:\s+(.*))?$")
_ENTITY = re.compile(r"&(#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{1,31};)")
_TAG = re.compile(r"<([^>]*)>?")
# Invisible direction marks and zero-width characters carry nothing a reader of the note needs.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"))


@dataclass(frozen=True)
class Cue:
    """One timed cue as found in the file: times in seconds, raw text and the line it starts on."""

    start: float
    end: float
    text: str
    line: int


def parse_timestamp(text: str) -> float | None:
    """Seconds of `[h:]mm:ss[.ttt]` (`,` also accepted as the decimal mark); None when malformed."""
    match = _TIME.match(text.strip())
    if not match:
        return None
    hours, minutes, seconds, fraction = match.groups()
    if int(minutes) > 59 and hours is not None or int(seconds) > 59:
        return None
    value = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    return value + (float("0." + fraction) if fraction else 0.0)


def parse_timing(line: str) -> tuple[float, float] | str:
    """(start, end) of a `start --> end [settings]` line, or the reason it is malformed."""
    match = _TIMING.match(line)
    if not match:
        return "expected 'start --> end'"
    start, end = parse_timestamp(match.group(1)), parse_timestamp(match.group(2))
    if start is None:
        return f"malformed start time {match.group(1)!r}"
    if end is None:
        return f"malformed end time {match.group(2)!r}"
    return start, end


def decode_entities(text: str) -> str:
    """Decode character references that end in ';' (WebVTT's rule); leave anything else as written."""
    return _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)


def clean(text: str) -> str:
    """Collapse whitespace (cue line breaks are layout) and drop invisible direction marks."""
    return " ".join(text.translate(_INVISIBLE).split())


def voice_spans(markup: str) -> list[tuple[str | None, str]]:
    """Split cue text into (voice, text) spans: `<v Name>` opens a voice (closed by `</v>`, another
    `<v>` or the cue's end); every other tag (timestamps, c, i, b, u, ruby, rt, lang, font) is dropped
    and its content kept; entities are decoded."""
    spans: list[tuple[str | None, list[str]]] = [(None, [])]
    pos = 0
    for match in _TAG.finditer(markup):
        spans[-1][1].append(markup[pos:match.start()])
        pos = match.end()
        tag = match.group(1).strip()
        name = re.split(r"[\s.]", tag, maxsplit=1)[0].lower()
        if name == "v":
            voice = tag.split(None, 1)  # drop the tag name and its classes ("v.loud")
            voice_name = clean(decode_entities(voice[1])) if len(voice) > 1 else ""
            spans.append((voice_name or None, []))
        elif name == "/v":
            spans.append((None, []))
    spans[-1][1].append(markup[pos:])
    result: list[tuple[str | None, str]] = []
    for voice, parts in spans:
        text = decode_entities("".join(parts))
        if clean(text):
            result.append((voice, text))
    return result


def escape_stray_brackets(text: str) -> str:
    """Escape '<' that cannot start a tag (SRT often has 'a < b'), so voice_spans keeps it as text."""
    return re.sub(r"<(?![/A-Za-z0-9])", "&lt;", text)


def _dialogue_lines(text: str) -> list[str] | None:
    """The lines of a two-speaker '- line' / '- line' cue, else None."""
    lines = [l.strip() for l in text.split("\n") if l.strip()]
    if len(lines) > 1 and all(l.startswith(("-", "–")) for l in lines):
        return [l.lstrip("-– ").strip() for l in lines]
    return None


def _label_prefixes_common(cues: list[Cue]) -> bool:
    """Whether cues carry 'Name: text' prefixes (Zoom exports) often enough to trust them as speakers."""
    if not cues:
        return False
    labelled = sum(1 for c in cues if "<v" not in c.text and split_label(strip_markup(c.text)) is not None)
    return labelled >= 2 and labelled >= 0.3 * len(cues)


def strip_markup(text: str) -> str:
    """Cue text without tags, with entities decoded and whitespace collapsed."""
    return clean(" ".join(t for _, t in voice_spans(text)))


def cues_to_segments(cues: list[Cue], file: str, *, rolling: bool) -> tuple[list[Segment], list[str]]:
    """Turn cues into transcript segments: one per cue, or one per voice / dialogue line within it.

    With `rolling` (YouTube auto-captions), leading lines repeated from the previous cue are
    dropped, so each spoken line is kept once. Speaker labels are normalised across the file.
    """
    prefixes = _label_prefixes_common(cues)
    raw: list[tuple[str | None, str, Cue]] = []
    previous_lines: set[str] = set()
    for cue in cues:
        if rolling:
            lines = [strip_markup(l) for l in cue.text.split("\n")]
            lines = [l for l in lines if l]
            current = set(lines)
            while lines and lines[0] in previous_lines:
                lines.pop(0)
            previous_lines = current
            if lines:
                raw.append((None, " ".join(lines), cue))
            continue
        spans = voice_spans(cue.text)
        if len(spans) == 1 and spans[0][0] is None:
            dialogue = _dialogue_lines(spans[0][1])
            if dialogue:
                raw.extend((None, clean(line), cue) for line in dialogue)
                continue
        for voice, text in spans:
            text = clean(text)
            if voice is None and prefixes:
                labelled = split_label(text)
                if labelled and labelled[1]:
                    voice, text = labelled
            raw.append((voice, text, cue))
    names = normalise_speakers(v for v, _, _ in raw if v)
    segments = [
        Segment(text, file, start=cue.start, end=cue.end, speaker=names.get(voice) if voice else None, role="text")
        for voice, text, cue in raw
        if any(c.isalnum() for c in text)  # "---" or "♪" cues carry no words
    ]
    return segments, merge_notes(names)


def check_cues(cues: list[Cue], bad: list[str], path) -> None:
    """Reject a caption file whose every cue had a malformed timing line, naming the first."""
    if bad and not cues:
        raise SourceError(path, f"no valid cue: {bad[0]}" + (f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""))


def caption_source(path, text: TextFile, cues: list[Cue], warnings: list[str], *, rolling: bool, fmt: str) -> Source:
    """The transcript Source of a caption file's cues, with its warnings named after the file."""
    from . import name_warnings

    segments, notices = cues_to_segments(cues, path.name, rolling=rolling)
    warnings = [*text.warnings, *warnings] + ([] if segments else ["no cue text found"])
    metadata = {"format": fmt, "encoding": text.encoding, "cues": len(cues)}
    if rolling:
        metadata["rolling_captions"] = True
    return Source(path=str(path), kind="transcript", segments=tuple(segments), warnings=name_warnings(path, warnings),
                  metadata=metadata, notices=name_warnings(path, notices))
