"""Tests for Q&A condensation: one question per turn, at most 60 words, answers at most 150 words."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.draft.qa import condense_answer, condense_question, strip_address


@dataclass
class S:
    text: str


def asked(*texts: str) -> str:
    return " ".join(t for _, t in condense_question([S(t) for t in texts]))


def test_greetings_thanks_addresses_and_preambles_are_removed():
    got = asked("Thank you, Madam Chair, and thank you to the witnesses.", "I grew up in a fishing town.",
                "My question is for Dr. Park: how soon could the fishery reopen, Minister?")
    assert got == "How soon could the fishery reopen?"


def test_a_turn_without_a_question_is_not_a_question():
    assert asked("I just want to say that the cooperative has done remarkable work.", "The committee should visit.") == ""


def test_one_question_of_at_most_sixty_words():
    long = "Is it true that " + " ".join(["the"] * 70) + " stock is low?"
    got = asked("You said the stock doubled since 2010.", "Why did it double?", long)
    assert got == "You said the stock doubled since 2010. Why did it double?"
    assert asked(long) == ""  # a question that cannot be condensed to 60 words is left out


def test_answers_are_condensed_to_150_words_in_order():
    sentences = [S(f"The survey in year {i} counted capelin along the north shore of the bay with acoustic gear.") for i in range(30)]
    answer = condense_answer(sentences, "How are capelin counted?", lambda s: True)
    assert answer and sum(len(s.text.split()) for s in answer) <= 150
    assert answer == sorted(answer, key=sentences.index)


def test_strip_address():
    assert strip_address("Mr. Chair, the department said no.") == "The department said no."
    assert strip_address("Has anyone costed it, Dr. Park?") == "Has anyone costed it?"
    assert strip_address("Dr. Park, who leads the team, spoke.") == "Dr. Park, who leads the team, spoke."


def test_fragments_and_courtesies():
    from pipeline.draft.qa import fragment

    for text in ["No.", "—but what I would say is that.", "As part of our 'Stay Safe.", "Stay Learning' policy statement, advice is here.",
                 "That's a very good question, Janet, because it matters.", "We will make sure that these."]:
        assert fragment(text), text
    for text in ["The 'Stay Safe' campaign helps parents at home.", "The members' views were clear today.", "Capelin are scarce this year."]:
        assert not fragment(text), text
