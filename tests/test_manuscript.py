"""Tests for the house-style gate on manuscripts: final notes refuse, drafts warn and keep every word."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import docx
import pytest

from pipeline.draft import note_from_manuscript
from pipeline.draft.manuscript import closest_heading
from pipeline.errors import SourceError
from pipeline.ingest import read_source
from pipeline.models import Briefing

GOOD = """# KEY EVENTS

Dr. Roy spoke on precursor controls.

# NATURE OF DISCUSSION

A presentation and questions.

# BACKGROUND

## Presentation

The presentation paragraph.

## Question and Answer

**Which precursors matter most?**

The answer paragraph.

# KEY POINTS OF DISCUSSION

- A key point.

# FURTHER READING

- A reference.
"""


def briefing(folder: Path, status: str = "final") -> Briefing:
    """A minimal briefing for note_from_manuscript."""
    return Briefing(slug="t", folder=folder, title="T", speaker="Insp. Daniel Roy", event="E",
                    date=dt.date(2026, 1, 1), author="A", volume=1, issue=1, year=2026, status=status)


def read_note(tmp_path: Path, text: str, status: str = "final"):
    """note_from_manuscript on a Markdown manuscript holding `text`."""
    path = tmp_path / "note.md"
    path.write_text(text, encoding="utf-8")
    return note_from_manuscript(read_source(path), briefing(tmp_path, status))


def every_paragraph(note) -> str:
    """All the text a note will print, in one string."""
    parts = [*note.key_events, *note.nature_of_discussion, *note.presentation, *note.key_points, *note.further_reading]
    for qa in note.questions:
        parts += [qa.question, *qa.answer]
    return "\n".join(parts)


def test_a_house_style_manuscript_passes_without_warnings(tmp_path):
    note, warnings = read_note(tmp_path, GOOD)
    assert warnings == []
    assert note.questions[0].question == "Which precursors matter most?"


MISSPELLED = [
    ("## Question and Answer", "## Questoin and Answer", "'## Question and Answer'"),
    ("# KEY POINTS OF DISCUSSION", "# KEY POINTS DISCUSION", "'# KEY POINTS OF DISCUSSION'"),
    ("## Presentation", "## Presntation", "'## Presentation'"),
    ("# NATURE OF DISCUSSION", "# Nature of the Discussion", "'# NATURE OF DISCUSSION'"),
]


@pytest.mark.parametrize("right, wrong, suggestion", MISSPELLED)
def test_a_misspelled_heading_fails_a_final_note_naming_line_and_closest_heading(tmp_path, right, wrong, suggestion):
    text = GOOD.replace(right, wrong)
    line = text.splitlines().index(wrong) + 1
    with pytest.raises(SourceError) as info:
        read_note(tmp_path, text)
    message = str(info.value)
    assert str(tmp_path / "note.md") in message
    assert f"note.md, line {line}: heading {wrong!r}" in message
    assert f"did you mean {suggestion}?" in message


@pytest.mark.parametrize("right, wrong, suggestion", MISSPELLED)
def test_a_misspelled_heading_in_a_draft_warns_and_keeps_the_text_under_the_closest_heading(tmp_path, right, wrong, suggestion):
    note, warnings = read_note(tmp_path, GOOD.replace(right, wrong), status="draft")
    assert any(wrong in w and suggestion in w for w in warnings)
    assert every_paragraph(note) == every_paragraph(read_note(tmp_path, GOOD)[0])


def test_out_of_order_and_unknown_headings_and_stray_text(tmp_path):
    text = "Stray opening text.\n\n" + GOOD + "\n# Methods\n\nMethod text.\n\n# KEY EVENTS\n\nLate event.\n"
    with pytest.raises(SourceError) as info:
        read_note(tmp_path, text)
    message = str(info.value)
    assert "line 1: text before the first house-style heading" in message
    assert "heading '# Methods' is not a house-style heading" in message
    assert "heading '# KEY EVENTS' is out of order" in message
    assert "(3 problem(s))" in message
    note, warnings = read_note(tmp_path, text, status="draft")
    assert len(warnings) == 3
    for words in ("Stray opening text.", "Method text.", "Late event."):
        assert words in every_paragraph(note)  # a draft never drops text


def test_a_sub_heading_at_the_wrong_level_is_misplaced(tmp_path):
    text = GOOD.replace("## Presentation", "# Presentation")
    with pytest.raises(SourceError, match=r"heading '# Presentation' is misplaced: expected '## Presentation' under '# BACKGROUND'"):
        read_note(tmp_path, text)


def test_an_empty_section_fails_a_final_note_and_is_left_out_of_a_draft(tmp_path):
    text = GOOD.replace("- A key point.\n", "")
    with pytest.raises(SourceError, match="section '# KEY POINTS OF DISCUSSION' is missing or has no text"):
        read_note(tmp_path, text)
    note, warnings = read_note(tmp_path, text, status="draft")
    assert note.key_points == ()
    assert any("KEY POINTS OF DISCUSSION" in w and "left out of the draft" in w for w in warnings)


def test_answer_text_before_any_question_is_kept_in_a_draft(tmp_path):
    text = GOOD.replace("**Which precursors matter most?**\n\n", "")
    with pytest.raises(SourceError, match="a paragraph before the first question"):
        read_note(tmp_path, text)
    note, _ = read_note(tmp_path, text, status="draft")
    assert note.questions[0].answer == ("The answer paragraph.",) and note.questions[0].question == ""


@pytest.mark.parametrize("value", ["[1, 2]", "published", "3"])
def test_a_front_matter_status_must_be_draft_or_final(tmp_path, value):
    with pytest.raises(SourceError, match="front matter: field 'status': expected draft or final"):
        read_note(tmp_path, f"---\nstatus: {value}\n---\n" + GOOD)


def test_lines_count_from_the_top_of_the_file_past_the_front_matter(tmp_path):
    text = "---\nstatus: final\n---\n" + GOOD.replace("## Presentation", "## Presentaton")
    line = text.splitlines().index("## Presentaton") + 1
    with pytest.raises(SourceError, match=f"note.md, line {line}: heading '## Presentaton'"):
        read_note(tmp_path, text)


def test_placeholders_of_briefing_new_fail_a_final_note_only(tmp_path):
    text = GOOD.replace("The presentation paragraph.", "TODO: the presentation.")
    with pytest.raises(SourceError, match="placeholder text left from `briefing new`"):
        read_note(tmp_path, text)
    assert read_note(tmp_path, text, status="draft")[1] == []


def word_manuscript(path: Path, qa_heading: str, status: str) -> Path:
    """A Word manuscript in the house style, with the given Q&A heading."""
    document = docx.Document()
    document.core_properties.content_status = status
    for level, heading, text in [(1, "KEY EVENTS", "Events."), (1, "NATURE OF DISCUSSION", "Nature."),
                                 (1, "BACKGROUND", None), (2, "Presentation", "Presentation text."),
                                 (2, qa_heading, None)]:
        document.add_heading(heading, level=level)
        if text:
            document.add_paragraph(text)
    document.add_paragraph().add_run("A question?").bold = True
    document.add_paragraph("Its answer.")
    document.add_heading("KEY POINTS OF DISCUSSION", level=1)
    document.add_paragraph("A point.", style="List Bullet")
    document.save(path)
    return path


def test_word_manuscripts_pass_the_same_gate(tmp_path):
    path = word_manuscript(tmp_path / "note.docx", "Questoin and Answer", "Final")
    with pytest.raises(SourceError, match=r"note.docx, paragraph 8: heading '## Questoin and Answer' .*did you mean '## Question and Answer'\?"):
        note_from_manuscript(read_source(path), briefing(tmp_path))
    path = word_manuscript(tmp_path / "note.docx", "Questoin and Answer", "Draft")
    note, warnings = note_from_manuscript(read_source(path), briefing(tmp_path))
    assert note.questions[0].question == "A question?" and note.questions[0].answer == ("Its answer.",)
    assert any("did you mean '## Question and Answer'" in w for w in warnings)


def test_closest_heading_is_case_insensitive():
    assert closest_heading("further  reading") == (("FURTHER READING",), 1.0)
    assert closest_heading("Minutes")[1] < 0.6
