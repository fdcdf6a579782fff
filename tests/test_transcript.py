"""Tests for transcript structure: turns, presenter, talk vs Q&A, questions vs answers, clean-up of speech."""

from __future__ import annotations

import pytest

from pipeline.ingest.transcript import (
    ANSWER, INTRO, MODERATOR, QUESTION, REMARK, TALK, clean_spoken, split_sentences, structure_transcript,
)
from pipeline.models import Segment, Source


def source(*cues: tuple[str | None, str]) -> Source:
    """A transcript Source with one 10-second cue per (speaker, text)."""
    segments = tuple(Segment(text, "talk.vtt", start=10.0 * i, end=10.0 * i + 9, speaker=speaker) for i, (speaker, text) in enumerate(cues))
    return Source("talk.vtt", "transcript", segments)


def roles(transcript) -> list[tuple[str | None, str]]:
    return [(t.speaker, t.role) for t in transcript.turns]


def test_consecutive_cues_merge_into_turns_keeping_times_and_cues():
    tr = structure_transcript(source(
        ("Moderator", "Welcome. Our speaker is Dr. Amara Okafor."),
        ("Amara Okafor", "Thank you. Containers are the"),
        (None, "heart of the problem."),
        ("Amara Okafor", "Brokers move the chemicals."),
    ), "Dr. Amara Okafor")
    # The voice "Amara Okafor" is the briefing's "Dr. Amara Okafor"; the turn carries the fuller name.
    assert roles(tr) == [("Moderator", INTRO), ("Dr. Amara Okafor", TALK)]
    talk = tr.turns[1]
    assert talk.text == "Thank you. Containers are the heart of the problem. Brokers move the chemicals."
    assert (talk.start, talk.end) == (10.0, 39.0)
    assert [c.index for c in talk.cues] == [1, 2, 3]
    # Each cue knows where its text sits in the turn, so a sentence maps back to its cues.
    a = talk.text.index("Containers")
    assert [c.index for c in talk.cues_between(a, talk.text.index("problem") + 8)] == [1, 2]


def test_presenter_matched_through_titles_and_roles():
    tr = structure_transcript(source(
        ("Chair", "Please welcome our speaker."),
        ("Lena Varga (Speaker)", "Thank you for having me. Verification is slow."),
        ("Dr. Varga", "And it is expensive."),
    ), "Dr. Lena Varga")
    assert tr.presenter_label is not None
    assert [t.role for t in tr.turns] == [INTRO, TALK]
    assert tr.turns[1].text.endswith("And it is expensive.")


def test_several_questioners_and_a_moderator():
    tr = structure_transcript(source(
        ("Moderator", "Our first speaker is Dr. Okafor."),
        ("Dr. Amara Okafor", "Thank you. Precursors cross the Pacific in containers."),
        ("Moderator", "Thank you, Dr. Okafor. We have time for questions. Yes, go ahead."),
        ("Daniel Jordan", "Hi, Daniel Jordan. What share of containers is examined?"),
        ("Moderator", "Mr. Jordan, thanks. Dr. Okafor?"),
        ("Dr. Amara Okafor", "A few percent at most."),
        ("Moderator", "Next question, in the middle there."),
        ("Priya Sandhu", "Won't the market just shift to India?"),
        ("Dr. Amara Okafor", "Yes, to some degree. Displacement is normal."),
        ("Moderator", "Mr. Jordan, you had a follow-up?"),
        ("Daniel Jordan", "Quickly. Has any country made progress against a drug crossing its border?"),
        ("Dr. Amara Okafor", "Not many. Jordan has tried hard."),
        ("Moderator", "Please join me in thanking Dr. Okafor."),
    ), "Dr. Amara Okafor")
    assert tr.qa_start == 2
    assert [t.role for t in tr.turns] == [INTRO, TALK, MODERATOR, QUESTION, MODERATOR, ANSWER, MODERATOR, QUESTION,
                                          ANSWER, MODERATOR, QUESTION, ANSWER, MODERATOR]
    assert [(e.questions, e.answers) for e in tr.exchanges] == [((3,), (5,)), ((7,), (8,)), ((10,), (11,))]


def test_moderator_relays_a_question_and_asks_one_of_their_own():
    tr = structure_transcript(source(
        ("Host", "Welcome, everyone."),
        ("Ms. Rosa Delgado", "Ports are chokepoints. Thank you."),
        ("Host", "We have a question from the online audience: does machine learning change any of this?"),
        ("Ms. Rosa Delgado", "It helps with sorting."),
        ("Host", "Let me use the chair's privilege: which ports do targeting best, in your experience?"),
        ("Ms. Rosa Delgado", "Rotterdam and Singapore."),
    ), "Ms. Rosa Delgado")
    assert [t.role for t in tr.turns] == [INTRO, TALK, QUESTION, ANSWER, QUESTION, ANSWER]
    assert len(tr.exchanges) == 2


def test_two_part_question_interrupted_by_the_chair_is_one_exchange():
    tr = structure_transcript(source(
        ("Chair", "Welcome."),
        ("Sam Ito", "Thanks for coming. Chemistry matters."),
        ("Chair", "Questions? Yes."),
        ("Kevin Tran", "Two questions. First, how much reaches Canada?"),
        ("Chair", "Could you speak closer to the microphone?"),
        ("Kevin Tran", "Sorry. Second, are the same networks involved in fentanyl?"),
        ("Sam Ito", "On the first, a small share. On the second, mostly the money overlaps."),
    ), "Dr. Sam Ito")
    assert len(tr.exchanges) == 1
    assert tr.exchanges[0].questions == (3, 5)
    assert tr.exchanges[0].answers == (6,)


def test_transcript_without_q_and_a():
    tr = structure_transcript(source(
        ("Moderator", "Our speaker needs no introduction."),
        ("Dr. Okafor", "Thank you. Precursors are the problem. Brokers are the answer."),
        ("Moderator", "We are out of time for questions, so please thank Dr. Okafor."),
    ), "Dr. Amara Okafor")
    assert tr.qa_start is None
    assert tr.exchanges == ()
    assert [t.role for t in tr.turns] == [INTRO, TALK, MODERATOR]


def test_transcript_without_speaker_labels_is_all_talk():
    tr = structure_transcript(source((None, "Hello."), (None, "Chemistry.")), "Dr. X")
    assert [t.role for t in tr.turns] == [TALK]
    assert tr.exchanges == ()
    assert tr.warnings


def test_unknown_presenter_falls_back_to_the_speaker_with_most_words():
    tr = structure_transcript(source(
        ("Moderator", "Welcome."),
        ("Jane Roe", "A long talk about many things that matter a great deal to all of us here."),
        ("Bob", "Short remark?"),
    ), "Dr. Someone Else")
    assert tr.presenter_label == "Jane Roe"
    assert any("not among the speakers" in w for w in tr.warnings)


def test_audience_comment_without_question_is_a_remark():
    tr = structure_transcript(source(
        ("Moderator", "Welcome."),
        ("Dr. Okafor", "Talk text here."),
        ("Moderator", "Any questions?"),
        ("Ana Ruiz", "Thanks, great talk."),
        ("Tom Berg", "Why do brokers guarantee delivery?"),
        ("Dr. Okafor", "Because seizures are priced in."),
    ), "Dr. Okafor")
    assert [t.role for t in tr.turns][3:] == [REMARK, QUESTION, ANSWER]


@pytest.mark.parametrize("spoken, written", [
    ("Um, realistically, what share is examined?", "Realistically, what share is examined?"),
    ("I think the container is the the single best way.", "I think the container is the single best way."),
    ("It would fit in, you know, a corner of one box.", "It would fit in a corner of one box."),
    ("[Music] >> So, uh, we- we sort of need a kind of cap, like, everywhere.", "We need a kind of cap everywhere."),
    ("And across the Pacific there are, uh, tens of millions.", "Across the Pacific there are tens of millions."),
    ("It is 25 mm wide, hmm.", "It is 25 mm wide."),
    ("A box of, I don't know, paint drums (laughter).", "A box of paint drums."),
    ("I think that that is true.", "I think that that is true."),
])
def test_clean_spoken_removes_fillers_repeats_and_artefacts(spoken, written):
    assert clean_spoken(spoken) == written


def test_split_sentences_keeps_titles_and_abbreviations_inside():
    text = "Dr. Okafor spoke about the U.S. market at 9 a.m. today. It was 2.5 tonnes! Was it? Yes"
    assert [text[a:b] for a, b in split_sentences(text)] == [
        "Dr. Okafor spoke about the U.S. market at 9 a.m. today.", "It was 2.5 tonnes!", "Was it?", "Yes"]


def test_a_hearing_panel_answers_and_members_are_not_answerers():
    tr = structure_transcript(source(
        ("The Chair", "I call this meeting to order. Dr. Park, you have the floor."),
        ("Helen Park", "The stock doubled since 2010, but it is still low."),
        ("Kofi Osei", "How soon could the fishery reopen?"),
        ("Helen Park", "Not before 2030."),
        ("Omar Said", "The fishers would accept an index fishery first."),
        ("Kofi Osei", "That is what my constituents tell me as well, and they are patient."),
        ("The Chair", "Ms. Brandt."),
        ("Ana Brandt", "I just want to say that the cooperative has done remarkable work on bycatch."),
        ("Ana Brandt", "What I wanted to ask is whether the survey will be annual."),
        ("Helen Park", "It should be."),
    ), "Dr. Helen Park")
    got = [(t.speaker, t.role) for t in tr.turns]
    assert got[1:] == [("Dr. Helen Park", TALK), ("Kofi Osei", QUESTION), ("Dr. Helen Park", ANSWER), ("Omar Said", ANSWER),
                       ("Kofi Osei", REMARK), ("The Chair", MODERATOR), ("Ana Brandt", QUESTION), ("Dr. Helen Park", ANSWER)]
    assert [(ex.questions, ex.answers) for ex in tr.exchanges] == [((2,), (3, 4)), ((7,), (8,))]
