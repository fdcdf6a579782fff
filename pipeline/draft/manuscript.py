"""The note's sections read from the editor's manuscript (Markdown or Word), in house-style order."""

from __future__ import annotations

from ..errors import SourceError
from ..ingest.markdown import question_text
from ..models import Briefing, Note, QuestionAnswer, Source

# House-style headings (upper-cased) and the Note field each one fills.
SECTIONS = {
    ("KEY EVENTS",): "key_events",
    ("NATURE OF DISCUSSION",): "nature_of_discussion",
    ("BACKGROUND", "PRESENTATION"): "presentation",
    ("BACKGROUND", "QUESTION AND ANSWER"): "questions",
    ("KEY POINTS OF DISCUSSION",): "key_points",
    ("FURTHER READING",): "further_reading",
}
REQUIRED = ("key_events", "nature_of_discussion", "presentation", "key_points")


def note_from_manuscript(manuscript: Source, briefing: Briefing) -> tuple[Note, list[str]]:
    """Sort a manuscript's segments into the house-style sections; returns the note and warnings."""
    parts: dict[str, list] = {name: [] for name in SECTIONS.values()}
    warnings: list[str] = []
    file = manuscript.segments[0].file if manuscript.segments else manuscript.path
    for seg in manuscript.segments:
        key = tuple(s.upper() for s in seg.section if s)
        if seg.role == "heading":
            if key not in SECTIONS and key != ("BACKGROUND",):
                warnings.append(f"{file}: heading {' / '.join(seg.section)!r} is not a house-style section; its text is left out")
            continue
        name = SECTIONS.get(key)
        if name is None:
            continue
        if name == "questions":
            if seg.role == "question":
                parts[name].append([question_text(seg.text), []])
            elif parts[name]:
                parts[name][-1][1].append(seg.text)
            else:
                warnings.append(f"{file}: Question and Answer: paragraph before the first question (set questions in bold or italic): {seg.text[:60]!r}")
        else:
            parts[name].append(seg.text)
    if not any(parts.values()):
        raise SourceError(manuscript.path, "no house-style sections found; expected headings such as '# KEY EVENTS', '# BACKGROUND', '## Presentation'")
    for name in REQUIRED:
        if not parts[name]:
            heading = next(" / ".join(k).title() if len(k) > 1 else k[0] for k, v in SECTIONS.items() if v == name)
            warnings.append(f"{file}: section {heading!r} is missing or empty")
    questions = tuple(QuestionAnswer(q, tuple(a)) for q, a in parts["questions"])
    for qa in questions:
        if not qa.answer:
            warnings.append(f"{file}: question without an answer: {qa.question[:60]!r}")
    status = str(manuscript.metadata.get("status", briefing.status))
    note = Note(
        key_events=tuple(parts["key_events"]),
        nature_of_discussion=tuple(parts["nature_of_discussion"]),
        presentation=tuple(parts["presentation"]),
        questions=questions,
        key_points=tuple(parts["key_points"]),
        further_reading=tuple(parts["further_reading"]) or briefing.further_reading,
        status=status if status in ("draft", "final") else "draft",
    )
    return note, warnings
