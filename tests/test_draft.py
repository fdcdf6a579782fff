"""Tests for drafting: sections from the transcript, clean text, full trace, never-overwrite, round trip, DRAFT mark."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.config import load_briefing, load_config
from pipeline.draft import draft_note, note_from_manuscript, note_to_markdown, slide_references, write_draft
from pipeline.errors import PipelineError
from pipeline.ingest import read_source
from pipeline.models import Segment, Source
from pipeline.draft.reported import presenter_person, third_person

SLUG = "harbour-talk"


@pytest.fixture
def project(make_project) -> Path:
    return make_project("draft_basic")


def drafted(project: Path):
    config = load_config(project)
    briefing, _ = load_briefing(project / "inputs" / SLUG, config)
    sources = [read_source(briefing.folder / "transcript.txt")]
    return briefing, sources, *draft_note(briefing, sources)


def all_text(note) -> str:
    parts = [*note.key_events, *note.nature_of_discussion, *note.presentation, *note.key_points, *note.further_reading]
    for qa in note.questions:
        parts += [qa.question, *qa.answer]
    return "\n".join(parts)


def test_draft_has_every_house_style_section(project):
    briefing, _, note, _ = drafted(project)
    assert note.status == "draft"
    assert note.key_events[0].startswith("On March 2, 2026, Ms. Rosa Delgado presented *Ports as Chokepoints")
    assert "A question-and-answer session with the audience followed." in note.key_events[0]
    # The chair's introduction becomes a sentence about the speaker.
    assert note.nature_of_discussion[0].startswith("The chair introduced Ms. Rosa Delgado, who spent ten years as a customs analyst")
    assert note.presentation and 4 <= len(note.key_points) <= 6
    # Three exchanges: a questioner, a question relayed by the chair, a two-part question.
    assert len(note.questions) == 3
    assert note.questions[0].question == "How do you get importers to share payment records at all?"
    assert note.questions[1].question == "Does artificial intelligence change any of this?"
    assert note.questions[2].question == "Which ports do this well? What would you fund first with new money?"
    assert all(qa.answer for qa in note.questions)
    assert "<https://www.wcoomd.org/en/topics/enforcement-and-compliance.aspx>" in note.further_reading


def test_presentation_is_attributed_third_person(project):
    _, _, note, _ = drafted(project)
    text = " ".join(note.presentation)
    assert "Ms. Delgado" in text
    assert not re.search(r"\b(I|I'm|my|me)\b", text)
    # The talk's most central point opens NATURE OF DISCUSSION and is not repeated in the Presentation.
    assert "Ms. Delgado argued that most ports still treat this data as paperwork rather than intelligence." in note.nature_of_discussion[0]
    assert "paperwork" not in text


def test_fillers_repeats_and_artefacts_never_reach_the_draft(project):
    _, _, note, _ = drafted(project)
    text = all_text(note)
    for bad in (r"\bum\b", r"\buh\b", r"\byou know\b", r"\bthe the\b", r"\[Applause\]", ">>", r"\bhow do you, how do you\b"):
        assert not re.search(bad, text, re.I), bad


def test_every_drafted_sentence_is_traced_to_its_source(project):
    _, _, note, trace = drafted(project)
    assert trace.coverage() == 1.0
    sections = {s.section for s in trace.sentences}
    assert {"key_events", "nature_of_discussion", "presentation", "question", "answer", "key_points", "further_reading"} <= sections
    for sentence in trace.sentences:
        for span in sentence.spans:
            if span.kind == "transcript":
                assert span.file == "transcript.txt" and span.start is not None and span.segments
    # Transcript sentences keep their first words recognisably (no invented text).
    for sentence in trace.sentences:
        if sentence.section == "presentation":
            quote = " ".join(s.quote for s in sentence.spans).lower()
            content = [w for w in re.findall(r"[a-z]{5,}", sentence.text.lower()) if w not in ("delgado", "argued", "explained", "noted", "observed", "added", "stated")]
            # Verbs change person ("recommend" → "recommends"), so compare word stems.
            assert all(w[:6] in quote for w in content), sentence.text
    data = json.loads(trace.to_json())
    assert data["coverage"] == 1.0 and len(data["sentences"]) == len(trace.sentences)


def test_write_draft_never_overwrites_a_manuscript_without_force(project):
    config = load_config(project)
    result = write_draft(config, SLUG, use_entities=False)
    note_md = project / "inputs" / SLUG / "note.md"
    assert result.manuscript == note_md and note_md.read_text().startswith("---\nstatus: draft\n")
    assert json.loads((project / "inputs" / SLUG / "note.draft.json").read_text())["coverage"] == 1.0
    note_md.write_text(note_md.read_text() + "\nAn editor's addition.\n")
    with pytest.raises(PipelineError, match="manuscript already exists.*--force"):
        write_draft(config, SLUG, use_entities=False)
    assert "An editor's addition." in note_md.read_text()
    write_draft(config, SLUG, force=True, use_entities=False)
    assert "An editor's addition." not in note_md.read_text()


def test_unknown_briefing_is_a_clear_error(project):
    with pytest.raises(PipelineError, match="no such briefing: nope"):
        write_draft(load_config(project), "nope", use_entities=False)


def test_draft_round_trips_through_the_markdown_reader(project, tmp_path):
    briefing, _, note, _ = drafted(project)
    path = tmp_path / "note.md"
    path.write_text(note_to_markdown(note, {"status": "draft"}), encoding="utf-8")
    back, warnings = note_from_manuscript(read_source(path), replace(briefing, further_reading=()))
    assert back == note
    assert warnings == []


def test_markdown_special_characters_survive_the_round_trip(project, tmp_path):
    briefing, _, note, _ = drafted(project)
    tricky = replace(note, presentation=(r"1\. A \*starred\* claim with a \<tag\> and a \[link\]",), key_points=(r"\- dash first", *note.key_points[1:]))
    path = tmp_path / "note.md"
    path.write_text(note_to_markdown(tricky, {"status": "draft"}), encoding="utf-8")
    assert note_from_manuscript(read_source(path), briefing)[0] == tricky


def test_no_transcript_is_a_clear_error(project):
    briefing, _, _, _ = drafted(project)
    with pytest.raises(PipelineError, match="no transcript"):
        draft_note(briefing, [Source("slides.pdf", "slides", (Segment("Title", "slides.pdf", page=1),))])


def test_references_from_slides_rejoin_broken_urls():
    page = ("Further reading\nUNODC. (2025). Synthetic drugs in Asia: Latest\ndevelopments. https://www.unodc.org/roseap/en/2025/05/\n"
            "synthetic-drugs/story.html\nKessler, N. (2024). The P2P turn. Journal, 6(4), 71–89. https://doi.org/10.21810/jicw.v6i4.5894")
    assert slide_references(page) == [
        "UNODC. (2025). Synthetic drugs in Asia: Latest developments. https://www.unodc.org/roseap/en/2025/05/synthetic-drugs/story.html",
        "Kessler, N. (2024). The P2P turn. Journal, 6(4), 71–89. https://doi.org/10.21810/jicw.v6i4.5894",
    ]


@pytest.mark.parametrize("spoken, reported", [
    ("I think list-by-list scheduling has reached its limit.", "Dr. Okafor argued that list-by-list scheduling has reached its limit."),
    ("First, I think it works.", "First, Dr. Okafor argued that it works."),
    ("I study markets and I have seen my share.", "Dr. Okafor studies markets and she has seen her share."),
    ("When people ask me why, I tell them.", "When people ask Dr. Okafor why, she tells them."),
    ("In 2017 it went into Table I of the 1988 Convention.", "In 2017 it went into Table I of the 1988 Convention."),
])
def test_first_person_becomes_third_person(spoken, reported):
    person = presenter_person("Dr. Amara Okafor", "Her talk is next. She trained as a chemist.")
    assert third_person(spoken, person)[0] == reported


def test_first_person_without_a_known_pronoun_is_refused_when_unsafe():
    person = presenter_person("Dr. Sam Lee")
    assert person.pronoun is None
    assert third_person("I study markets and I have seen my share.", person) is None


def test_build_drafts_in_memory_and_marks_every_page_draft(project):
    """Without a manuscript the build drafts the note; the PDF carries DRAFT on every page."""
    pytest.importorskip("weasyprint")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not installed")
    from pipeline.build import make_note
    from pipeline.compose import compose_html
    from pipeline.config import template_dirs
    from pipeline.render import render_pdf

    config = load_config(project)
    briefing, sources, _, _ = drafted(project)
    note, warnings = make_note(briefing, None, sources)
    assert note.status == "draft" and any("drafted" in w for w in warnings)
    # Long enough for several pages.
    note = replace(note, presentation=note.presentation * 6)
    html = compose_html(briefing, note, config)
    pdf = project / "out.pdf"
    pdf.write_bytes(render_pdf(html, base_dir=briefing.folder, allowed_dirs=template_dirs(config)).pdf)
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout).group(1))
    assert pages >= 3
    for page in range(1, pages + 1):
        text = subprocess.run(["pdftotext", "-raw", "-f", str(page), "-l", str(page), str(pdf), "-"], capture_output=True, text=True).stdout
        assert "DRAFT" in text, f"page {page} has no DRAFT mark"


def test_sentence_initial_words_are_names_only_when_an_entity_says_so():
    from pipeline.draft.reported import lower_first, proper_words

    texts = ["Tighter monitoring is needed.", "Myanmar is the hub.", "Ports matter, and Thailand too."]
    without = proper_words(texts)
    assert "Tighter" in without  # no entities: a word seen only at a sentence start stays capitalised
    proper = proper_words(texts, known=["Myanmar", "Thailand"])
    assert "Tighter" not in proper and "Myanmar" in proper and "Thailand" in proper
    assert lower_first("Tighter monitoring is needed.", proper) == "tighter monitoring is needed."
    assert lower_first("Myanmar is the hub.", proper) == "Myanmar is the hub."


def test_draft_imports_run_down_the_stages_only():
    import ast

    for module in (Path(__file__).resolve().parents[1] / "pipeline" / "draft").glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                assert node.module not in ("build", "cli", "watch"), f"{module.name} imports {node.module}"


@pytest.mark.parametrize("spoken", ["I as a minister cannot promise that.", "I ases the budget.", "Then I Kirsty the plan."])
def test_a_first_person_rewrite_is_refused_unless_the_verb_is_known(spoken):
    assert third_person(spoken, presenter_person("Dr. Amara Okafor", "She trained as a chemist.")) is None


def test_we_and_you_are_quoted_never_left_in_the_notes_voice():
    from pipeline.draft.reported import report

    person = presenter_person("Kirsty Williams AM")
    assert person.short == "Kirsty Williams AM" and person.pronoun is None
    assert report("We will publish the guidance next week.", person, frozenset(), "explained", frame=True) == \
        "Kirsty Williams AM said: “We will publish the guidance next week.”"
    assert presenter_person("Right Hon. Justin Trudeau").short == "Justin Trudeau"
    assert presenter_person("Hon. Bill Blair").short == "Bill Blair"


def test_a_first_person_talk_is_reported_in_the_third_person(tmp_path):
    """A talk in the first person, with fragments and courtesies: the draft reports it, keeps no fragment."""
    from pipeline.models import Briefing
    import datetime as dt

    talk = ["Chair: Good evening. Our speaker is Dr. Sam Lee, who studied port security for a decade. Dr. Lee, please."]
    lines = [
        "Thank you, and thanks for having me.", "I study how containers are chosen for inspection.",
        "I think most ports inspect at random, and that wastes the scanners they have.", "No.",
        "—but what I would say is that.", "My team built a risk model from manifests and payment records.",
        "The model found three times more seizures than random inspection at the same cost.",
        "Brokers now split consignments to stay under the thresholds that trigger a check.",
        "Sharing manifests between ports closes most of that gap within a year.",
        "Customs agencies in smaller ports lack the analysts to run such models.",
        "Regional training centres could supply those analysts at modest cost.",
    ]
    talk += [f"Dr. Sam Lee: {line}" for line in lines]
    path = tmp_path / "talk.txt"
    path.write_text("\n".join(talk) + "\n", encoding="utf-8")
    briefing = Briefing(slug="t", folder=tmp_path, title="Ports", speaker="Dr. Sam Lee", event="A workshop", date=dt.date(2026, 1, 2),
                        author="Sam Lee", year=2026, volume=1, issue=1)
    note, trace = draft_note(briefing, [read_source(path)])
    body = " ".join((*note.nature_of_discussion, *note.presentation, *note.key_points))
    assert "Dr. Lee" in body
    assert not re.search(r"\b(I|I'm|my|me)\b", re.sub(r"“[^”]*”", "", body))
    assert "No." not in body and "—" not in body and "Thank" not in body
    assert note.nature_of_discussion[0].startswith("The chair introduced Dr. Sam Lee, who studied port security")
