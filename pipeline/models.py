"""Typed records passed between the stages: briefings, sources, entities and notes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class SourceSpec:
    """One source file named by a briefing (or found in its folder)."""

    path: Path
    password: str | None = None


@dataclass(frozen=True)
class Briefing:
    """One talk's metadata, read from `inputs/<slug>/briefing.toml`."""

    slug: str
    folder: Path
    title: str
    speaker: str
    event: str
    date: dt.date
    author: str
    volume: int
    issue: int
    year: int
    further_reading: tuple[str, ...] = ()
    status: str = "final"
    manuscript: Path | None = None
    sources: tuple[SourceSpec, ...] = ()
    keywords: tuple[str, ...] = ()
    subject: str = ""
    number: int | None = None
    """Article number (e.g. OJS's id) the DOI and landing URL are made from."""
    doi: str = ""
    published: dt.date | None = None


@dataclass(frozen=True)
class Ocr:
    """How a span's text was read by OCR from the page's image rather than taken from the file's text."""

    engine: str
    """The OCR engine, its version and language data, e.g. `tesseract 5.3.0 eng`."""
    confidence: float
    """The engine's mean word confidence, 0-100."""
    words: int


@dataclass(frozen=True)
class Segment:
    """A span of source text with its provenance: file, page or time, speaker, section."""

    text: str
    file: str
    page: int | None = None
    start: float | None = None
    end: float | None = None
    speaker: str | None = None
    section: tuple[str, ...] = ()
    role: str = "text"
    """What the span is: text, heading, bullet, question, answer, talk, reference, or unreadable
    (a text layer of mojibake: kept for the record, never mined for entities)."""
    line: int | None = None
    """Where the span starts in its file: the line (Markdown) or the paragraph number (Word)."""
    ocr: Ocr | None = None
    """Set when the text was read by OCR (a page without a usable text layer); None for the file's own text."""


@dataclass(frozen=True)
class Source:
    """A parsed input file: its kind, segments in reading order and any warnings."""

    path: str
    kind: str
    """slides, transcript or manuscript."""
    segments: tuple[Segment, ...]
    warnings: tuple[str, ...] = ()
    metadata: dict = field(default_factory=dict)
    notices: tuple[str, ...] = ()
    """Things the reader did that an editor may want to know (merged speaker labels); never gates."""


@dataclass(frozen=True)
class Mention:
    """Where one entity was named: the text as written and its location."""

    text: str
    file: str
    start_char: int
    end_char: int
    segment: int
    page: int | None = None
    start: float | None = None
    end: float | None = None
    speaker: str | None = None


@dataclass(frozen=True)
class Entity:
    """A canonical country, region, actor or chemical with every mention of it."""

    type: str
    subtype: str
    id: str
    name: str
    mentions: tuple[Mention, ...]
    cas: str | None = None
    control: str | None = None
    controlled: tuple[str, ...] = ()
    """Every control list that names the chemical (pipeline/data/controlled.json); `control` is the first."""

    @property
    def count(self) -> int:
        """How many times the entity is mentioned."""
        return len(self.mentions)


@dataclass(frozen=True)
class QuestionAnswer:
    """One question of the Q&A and its answer paragraphs."""

    question: str
    answer: tuple[str, ...]


@dataclass(frozen=True)
class Note:
    """A briefing note's sections, each a tuple of Markdown-inline paragraphs."""

    key_events: tuple[str, ...]
    nature_of_discussion: tuple[str, ...]
    presentation: tuple[str, ...]
    questions: tuple[QuestionAnswer, ...]
    key_points: tuple[str, ...]
    further_reading: tuple[str, ...]
    status: str = "final"
