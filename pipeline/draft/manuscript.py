"""The note's sections read from the editor's manuscript (Markdown or Word), in house-style order.

The house style is a gate: in a final note every heading must be a house-style heading, in its
place and order, and every required section must have text, or the manuscript is refused with
every problem listed (file, line, what was expected, what was found). In a draft the same
problems are warnings and no text is ever dropped: it goes under the closest heading.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from ..errors import SourceError
from ..ingest.markdown import question_text
from ..models import Briefing, Note, QuestionAnswer, Segment, Source

# The house-style headings in their order: (path of upper-cased titles, Note field, as printed).
HOUSE_HEADINGS = (
    (("KEY EVENTS",), "key_events", "KEY EVENTS"),
    (("NATURE OF DISCUSSION",), "nature_of_discussion", "NATURE OF DISCUSSION"),
    (("BACKGROUND",), None, "BACKGROUND"),
    (("BACKGROUND", "PRESENTATION"), "presentation", "Presentation"),
    (("BACKGROUND", "QUESTION AND ANSWER"), "questions", "Question and Answer"),
    (("KEY POINTS OF DISCUSSION",), "key_points", "KEY POINTS OF DISCUSSION"),
    (("FURTHER READING",), "further_reading", "FURTHER READING"),
)
SECTIONS = {path: name for path, name, _ in HOUSE_HEADINGS if name}
ORDER = {path: n for n, (path, _, _) in enumerate(HOUSE_HEADINGS)}
REQUIRED = ("key_events", "nature_of_discussion", "presentation", "key_points")
STATUSES = ("draft", "final")
# Below this similarity a heading is not taken for a misspelling of a house-style one.
CLOSE_ENOUGH = 0.6
# How `briefing new` marks the paragraphs the editor replaces: a final note must hold none.
PLACEHOLDER = "TODO:"


@dataclass(frozen=True)
class Problem:
    """One way a manuscript departs from the house style, and where."""

    line: int | None
    message: str


def heading_markup(path: tuple[str, ...]) -> str:
    """How a house-style heading is written in Markdown: `# KEY EVENTS`, `## Presentation`."""
    printed = next(p for k, _, p in HOUSE_HEADINGS if k == path)
    return f"{'#' * len(path)} {printed}"


def closest_heading(title: str) -> tuple[tuple[str, ...] | None, float]:
    """The house-style heading whose title is most like `title` (case-insensitive), and how alike."""
    wanted = " ".join(title.upper().split())
    best, score = None, 0.0
    for path, _, _ in HOUSE_HEADINGS:
        ratio = difflib.SequenceMatcher(None, wanted, path[-1]).ratio()
        if ratio > score:
            best, score = path, ratio
    return best, score


def _where(file: str, line: int | None) -> str:
    """`note.md, line 12` (Markdown) or `note.docx, paragraph 12` (Word)."""
    if line is None:
        return file
    unit = "paragraph" if file.lower().endswith(".docx") else "line"
    return f"{file}, {unit} {line}"


def _resolve_heading(seg: Segment, last: int) -> tuple[tuple[str, ...] | None, str | None]:
    """The house-style section a heading opens (None when there is none like it) and what is wrong with it."""
    key = tuple(s.upper() for s in seg.section if s)
    shown = f"{'#' * len(seg.section)} {seg.text}"
    if key in ORDER:
        if ORDER[key] < last:
            above = heading_markup(HOUSE_HEADINGS[last][0])
            return key, f"heading {shown!r} is out of order: the house style puts {heading_markup(key)!r} before {above!r}"
        if ORDER[key] == last:
            return key, f"heading {shown!r} repeats a heading above it"
        return key, None
    path, score = closest_heading(seg.text)
    if path is not None and score == 1.0:  # the right title at the wrong level or under the wrong parent
        return path, f"heading {shown!r} is misplaced: expected {heading_markup(path)!r}" + (
            " under '# BACKGROUND'" if len(path) > 1 else " at the top level")
    if path is not None and score >= CLOSE_ENOUGH:
        return path, f"heading {shown!r} is not a house-style heading; did you mean {heading_markup(path)!r}?"
    names = ", ".join(repr(heading_markup(p)) for p, _, _ in HOUSE_HEADINGS)
    return None, f"heading {shown!r} is not a house-style heading (expected one of {names})"


def _sort_segments(segments, file: str) -> tuple[dict[str, list], list[Problem]]:
    """Every segment under a house-style section (text is never dropped) and the problems met."""
    parts: dict[str, list] = {name: [] for name in SECTIONS.values()}
    problems: list[Problem] = []
    current: tuple[str, ...] | None = None
    last = -1
    for seg in segments:
        if seg.role == "heading":
            path, problem = _resolve_heading(seg, last)
            if problem:
                problems.append(Problem(seg.line, problem))
            if path is not None:
                current = path
                last = max(last, ORDER[path])
            continue
        if seg.role == "unreadable":
            continue
        target = current
        if target is None:
            problems.append(Problem(seg.line, f"text before the first house-style heading (kept under 'KEY EVENTS'): {seg.text[:60]!r}"))
            target = ("KEY EVENTS",)
        elif target == ("BACKGROUND",):
            problems.append(Problem(seg.line, f"text under '# BACKGROUND' before '## Presentation' (kept under Presentation): {seg.text[:60]!r}"))
            target = ("BACKGROUND", "PRESENTATION")
        name = SECTIONS[target]
        if name != "questions":
            parts[name].append(seg.text)
        elif seg.role == "question":
            parts[name].append([question_text(seg.text), []])
        else:
            if not parts[name]:
                problems.append(Problem(seg.line, "Question and Answer: a paragraph before the first question "
                                        f"(set each question as a wholly bold or italic paragraph): {seg.text[:60]!r}"))
                parts[name].append(["", []])
            parts[name][-1][1].append(seg.text)
    return parts, problems


def manuscript_status(manuscript: Source, briefing: Briefing) -> str:
    """The note's status: the manuscript's front matter, else briefing.toml; anything else is refused."""
    status = manuscript.metadata.get("status", briefing.status)
    status = status.strip().lower() if isinstance(status, str) else status
    if status not in STATUSES:
        raise SourceError(manuscript.path, f"front matter field 'status': expected 'draft' or 'final', found {status!r}")
    return status


def note_from_manuscript(manuscript: Source, briefing: Briefing) -> tuple[Note, list[str]]:
    """Sort a manuscript's segments into the house-style sections; returns the note and warnings.

    A final note with any problem is refused (a SourceError listing them all); a draft keeps
    all its text and reports the problems as warnings.
    """
    status = manuscript_status(manuscript, briefing)
    file = manuscript.segments[0].file if manuscript.segments else manuscript.path
    parts, problems = _sort_segments(manuscript.segments, file)
    if not any(parts.values()):
        raise SourceError(manuscript.path, "no house-style sections found; expected headings such as '# KEY EVENTS', '# BACKGROUND', '## Presentation'")
    for name in REQUIRED:
        if not parts[name]:
            path = next(p for p, n, _ in HOUSE_HEADINGS if n == name)
            problems.append(Problem(None, f"section {heading_markup(path)!r} is missing or has no text"
                                    + ("" if status == "final" else "; it is left out of the draft")))
    for question, answer in parts["questions"]:
        if question and not answer:
            problems.append(Problem(None, f"question without an answer: {question[:60]!r}"))
    if status == "final":  # a draft is expected to hold placeholders; a final note must not
        problems += [Problem(seg.line, f"placeholder text left from `briefing new`: {seg.text[:60]!r}")
                     for seg in manuscript.segments if seg.text.lstrip("*_ ").startswith(PLACEHOLDER)]
    messages = [f"{_where(file, p.line)}: {p.message}" for p in problems]
    if status == "final" and problems:
        raise SourceError(manuscript.path, f"a final note must follow the house style ({len(problems)} problem(s)):\n  "
                          + "\n  ".join(messages))
    note = Note(
        key_events=tuple(parts["key_events"]),
        nature_of_discussion=tuple(parts["nature_of_discussion"]),
        presentation=tuple(parts["presentation"]),
        questions=tuple(QuestionAnswer(q, tuple(a)) for q, a in parts["questions"]),
        key_points=tuple(parts["key_points"]),
        further_reading=tuple(parts["further_reading"]) or briefing.further_reading,
        status=status,
    )
    return note, messages
