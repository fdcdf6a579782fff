"""Presenting a parsed Source: a JSON-ready dict and a human-readable listing (for `briefing parse`)."""

from __future__ import annotations

import dataclasses

from ..models import Segment, Source


def _clock(seconds: float) -> str:
    """hh:mm:ss.mmm of a time in seconds."""
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def segment_to_dict(segment: Segment) -> dict:
    """A segment as a dict without empty provenance fields."""
    data = dataclasses.asdict(segment)
    data["section"] = list(segment.section)
    return {k: v for k, v in data.items() if v not in (None, [], ())}


def source_to_dict(source: Source) -> dict:
    """A Source as plain JSON-ready data: path, kind, warnings, notices, metadata and segments."""
    return {
        "path": source.path,
        "kind": source.kind,
        "warnings": list(source.warnings),
        "notices": list(source.notices),
        "metadata": {k: v if isinstance(v, (str, int, float, bool, list, type(None))) else str(v) for k, v in source.metadata.items()},
        "segments": [segment_to_dict(s) for s in source.segments],
    }


def _where(segment: Segment) -> str:
    """The provenance of a segment in a few characters: page, time range, section, OCR."""
    parts = []
    if segment.page is not None:
        parts.append(f"p.{segment.page}")
    if segment.start is not None:
        parts.append(_clock(segment.start) + (f"–{_clock(segment.end)}" if segment.end is not None else ""))
    if segment.section and segment.role != "heading":
        parts.append(" / ".join(s for s in segment.section if s))
    if segment.ocr:
        parts.append(f"OCR: {segment.ocr.engine}, mean word confidence {segment.ocr.confidence:.0f}")
    return "  ".join(parts)


def format_source(source: Source) -> str:
    """A readable listing: kind and counts, warnings, then one block per segment."""
    lines = [f"{source.path}: {source.kind}, {len(source.segments)} segment{'s' if len(source.segments) != 1 else ''}"]
    lines += [f"warning: {w}" for w in source.warnings]
    lines += [f"note: {n}" for n in source.notices]
    for number, segment in enumerate(source.segments, 1):
        head = f"[{number}] {segment.role}"
        if segment.speaker:
            head += f"  {segment.speaker}"
        where = _where(segment)
        lines.append("")
        lines.append(head + (f"  ({where})" if where else ""))
        lines.extend("    " + line for line in segment.text.splitlines() or [""])
    return "\n".join(lines)
