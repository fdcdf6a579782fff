"""Provenance of a drafted note: every sentence with the transcript, slide or metadata spans it came from."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from .. import __version__


@dataclass(frozen=True)
class Span:
    """Where a drafted sentence came from: a transcript stretch, a slide page or briefing.toml fields."""

    file: str
    kind: str
    """transcript, slides or metadata."""
    start: float | None = None
    end: float | None = None
    page: int | None = None
    speaker: str | None = None
    segments: tuple[int, ...] = ()
    """Indices of the source's segments (cues) the text came from."""
    fields: tuple[str, ...] = ()
    """briefing.toml fields, for metadata spans."""
    quote: str = ""
    """The source text as written, before clean-up."""


@dataclass(frozen=True)
class Sentence:
    """A transcript sentence ready for drafting: cleaned text, role of its turn and its span."""

    index: int
    turn: int
    role: str
    text: str
    span: Span


@dataclass(frozen=True)
class TracedSentence:
    """One drafted sentence, the section and paragraph it sits in, and its source spans."""

    section: str
    paragraph: int
    text: str
    spans: tuple[Span, ...]
    frame: bool = False
    """A fixed-wording sentence (the Q&A-followed line, theme and question-topic lists, who else spoke)."""


@dataclass(frozen=True)
class Trace:
    """The provenance of a drafted note: each sentence with the spans it was drawn from."""

    briefing: str
    sources: tuple[str, ...]
    sentences: tuple[TracedSentence, ...]
    warnings: tuple[str, ...] = ()

    def coverage(self) -> float:
        """Share of drafted sentences with at least one recorded source span."""
        if not self.sentences:
            return 1.0
        return sum(1 for s in self.sentences if s.spans) / len(self.sentences)

    def to_json(self) -> str:
        """The trace as the `note.draft.json` sidecar (stable key order, times in seconds)."""
        data = {"briefing": self.briefing, "generator": f"briefing-pipeline {__version__}", "sources": list(self.sources),
                "coverage": round(self.coverage(), 4), "warnings": list(self.warnings), "sentences": []}
        for s in self.sentences:
            spans = [{k: v for k, v in asdict(span).items() if v not in (None, (), "")} for span in s.spans]
            entry = {"section": s.section, "paragraph": s.paragraph, "text": s.text, "spans": spans}
            if s.frame:
                entry["frame"] = True
            data["sentences"].append(entry)
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def metadata_span(*fields: str) -> Span:
    """A span pointing at briefing.toml fields."""
    return Span("briefing.toml", "metadata", fields=fields)
