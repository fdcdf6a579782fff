"""Tests for drafting hearings and panels: who said what, the chair's introduction, who else spoke, house length."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pipeline.config import load_briefing, load_config
from pipeline.draft import draft_note, note_to_markdown
from pipeline.draft.verify import Speakers, attribution_problems, out_of_source
from pipeline.ingest import read_source
from pipeline.ingest.transcript import structure_transcript

SLUG = "cod-hearing"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "transcripts"


def draft(folder: Path):
    briefing, _ = load_briefing(folder, load_config(folder.parents[1]))
    sources = [read_source(folder / "transcript.txt")]
    note, trace = draft_note(briefing, sources)
    return briefing, sources, note, trace


@pytest.fixture
def hearing(make_project):
    project = make_project("draft_hearing")
    return draft(project / "inputs" / SLUG)


def test_parliamentary_labels_keep_members_apart_from_the_chair(hearing):
    briefing, sources, _, _ = hearing
    transcript = structure_transcript(sources[0], briefing.speaker)
    speakers = [t.speaker for t in transcript.turns]
    assert speakers.count("Mr. Kofi Osei") == 2 and "Ms. Ana Brandt" in speakers
    assert transcript.moderators == ("The Chair (Hon. Maria Lund)",)


def test_a_hearing_is_warned_about_and_key_events_say_who_else_spoke(hearing):
    _, _, note, trace = hearing
    assert any("substantive speakers besides Dr. Helen Park" in w for w in trace.warnings)
    assert re.search(r"Also speaking w\w+ .*Mr\. Omar Said", note.key_events[0])
    assert "Mr. Kofi Osei" in note.key_events[0]


def test_the_chairs_introduction_opens_nature_of_discussion_by_role(hearing):
    _, _, note, _ = hearing
    first = note.nature_of_discussion[0]
    assert "The chair welcomed Dr. Helen Park, chief scientist at the Coastal Fisheries Institute" in first
    assert "microphones" not in first  # procedure is not introduction


def test_presentation_is_the_presenters_own_words_only(hearing):
    _, _, note, trace = hearing
    for s in trace.sentences:
        if s.section == "presentation":
            assert {sp.speaker for sp in s.spans} == {"Dr. Helen Park"}, s.text
    text = " ".join(note.presentation)
    # A member's description of himself never becomes the witness's biography.
    assert "fishing town" not in text and "fishing town" not in " ".join(note.nature_of_discussion)
    assert "Dr. Park" in text


def test_every_sentence_passes_the_attribution_and_wording_checks(hearing):
    briefing, sources, _, trace = hearing
    transcript = structure_transcript(sources[0], briefing.speaker)
    names = {t.speaker for t in transcript.turns}
    speakers = Speakers.of(transcript.presenter_label, transcript.moderators, names)
    previous = {}
    for s in trace.sentences:
        if s.frame:
            continue
        key = (s.section, s.paragraph)
        assert attribution_problems(s.text, s.spans, speakers, previous=previous.get(key)) == [], s.text
        assert out_of_source(s.text, s.spans, speakers) == [], s.text
        previous[key] = s.spans[0].speaker
    # Each sentence keeps its source turn (speaker, cues, wording) in note.draft.json.
    data = json.loads(trace.to_json())
    assert all(span.get("speaker") for s in data["sentences"] if not s.get("frame") for span in s["spans"] if span["kind"] == "transcript")


def test_another_witness_answers_under_his_own_name(hearing):
    _, _, note, trace = hearing
    said = [s for s in trace.sentences if s.section == "answer" and s.spans[0].speaker == "Mr. Omar Said"]
    assert said and re.match(r"(?:The fishers )?Mr\. Said\b", said[0].text)
    assert not any("Park" in s.text for s in said)


def test_questions_are_one_per_turn_cleaned_and_a_remark_is_not_a_question(hearing):
    _, _, note, _ = hearing
    questions = [qa.question for qa in note.questions]
    assert questions[0] == "My question is for Dr. Park: how soon could the commercial fishery reopen, in your view?" or \
        questions[0].startswith("How soon could the commercial fishery reopen")
    assert all(len(q.split()) <= 60 for q in questions)
    assert not any(re.search(r"(?i)thank you|madam chair|mr\. chair", q) for q in questions)
    assert not any("bycatch" in q for q in questions)  # Ms. Brandt's remark asks nothing
    assert any("annual capelin survey" in q for q in questions)
    assert all(sum(len(a.split()) for a in qa.answer) <= 150 for qa in note.questions)


def test_fragments_never_reach_the_draft(hearing):
    _, _, note, trace = hearing
    for s in trace.sentences:
        if s.section in ("presentation", "answer", "key_points", "nature_of_discussion"):
            assert not re.match(r"(?:No|Yes|Sorry)\.$|[—–a-z]", s.text), s.text
            assert not s.text.rstrip("”").endswith("that."), s.text


def test_empty_sections_are_left_out_and_said(make_project, tmp_path):
    project = make_project("draft_hearing")
    folder = project / "inputs" / SLUG
    # Only the chair and questions: the presenter says nothing usable.
    folder.joinpath("transcript.txt").write_text(
        "The Chair (Hon. Maria Lund): Welcome to the committee. Dr. Park, the floor is yours.\n\n"
        "Dr. Helen Park: Thank you.\n\nMr. Kofi Osei: How soon could the fishery reopen?\n\nDr. Helen Park: No.\n", encoding="utf-8")
    _, _, note, trace = draft(folder)
    assert note.presentation == ()
    assert any("Presentation: nothing usable" in w for w in trace.warnings)
    assert "## Presentation" not in note_to_markdown(note, {"status": "draft"})


@pytest.mark.skipif(not (SHARED / "index.json").exists(), reason="../shared corpus absent")
def test_a_real_hearing_meets_the_house_rules(tmp_path):
    entry = next(e for e in json.loads((SHARED / "index.json").read_text()) if e["file"] == "qmsum_education_11.txt")
    folder = tmp_path / "inputs" / "hearing"
    folder.mkdir(parents=True)
    b = entry["briefing"]
    folder.joinpath("briefing.toml").write_text(
        f'title = {json.dumps(b["title"])}\nspeaker = {json.dumps(b["speaker"])}\nevent = {json.dumps(b["event"])}\n'
        'date = 2020-05-01\nauthor = "QMSum"\nvolume = 1\nissue = 1\n', encoding="utf-8")
    folder.joinpath("transcript.txt").write_text((SHARED / entry["file"]).read_text(encoding="utf-8"), encoding="utf-8")
    _, _, note, trace = draft(folder)
    words = sum(len(s.text.split()) for s in trace.sentences if s.section != "further_reading")
    assert 900 <= words <= 2000
    assert note.nature_of_discussion and note.presentation and note.questions and 4 <= len(note.key_points) <= 6
    assert all(len(qa.question.split()) <= 80 for qa in note.questions)
    assert any("substantive speakers" in w for w in trace.warnings)
    assert all(s.spans[0].speaker == "Carol Shillabeer" for s in trace.sentences if s.section == "presentation")


def test_at_a_talk_the_floor_is_attributed_by_role():
    from pipeline.draft.attribution import AUDIENCE, cast_of
    from pipeline.draft.reported import presenter_person
    from pipeline.models import Segment, Source

    segments = [Segment(t, "t.vtt", start=float(i), end=float(i) + 1, speaker=s) for i, (s, t) in enumerate([
        ("Moderator", "Welcome. Our speaker is Dr. Sam Lee."),
        ("Sam Lee", "Ports inspect at random and that wastes scanners. " * 8),
        ("Kevin Tran", "How do brokers avoid the checks?"),
        ("Sam Lee", "They split consignments."),
    ])]
    transcript = structure_transcript(Source("t.vtt", "transcript", tuple(segments)), "Dr. Sam Lee")
    cast = cast_of(transcript, presenter_person("Dr. Sam Lee"))
    assert not cast.multi
    assert cast.subject("Kevin Tran") is AUDIENCE and cast.subject("Moderator").short == "the chair"
    assert cast.subject("Dr. Sam Lee").short == "Dr. Lee"
