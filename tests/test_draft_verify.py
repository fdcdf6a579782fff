"""Tests for the checks every drafted sentence passes: attribution to its source turn's speaker, words from its source."""

from __future__ import annotations

from pipeline.draft.trace import Span, metadata_span
from pipeline.draft.verify import Speakers, attribution_problems, out_of_source

SPEAKERS = Speakers.of("Dr. Helen Park", ["The Chair (Hon. Maria Lund)"], ["Dr. Helen Park", "Mr. Kofi Osei", "Mr. Omar Said", "The Chair (Hon. Maria Lund)"])


def span(speaker: str, quote: str) -> Span:
    return Span("t.txt", "transcript", 0.0, 1.0, speaker=speaker, segments=(1,), quote=quote)


def test_naming_the_speaker_of_the_source_turn_passes():
    s = [span("Dr. Helen Park", "I think the recovery depends on capelin.")]
    assert attribution_problems("Dr. Park argued that the recovery depends on capelin.", s, SPEAKERS) == []
    assert out_of_source("Dr. Park argued that the recovery depends on capelin.", s, SPEAKERS) == []


def test_someone_elses_words_in_the_presenters_mouth_fail():
    s = [span("Mr. Kofi Osei", "I grew up in a fishing town.")]
    assert attribution_problems("Dr. Park grew up in a fishing town.", s, SPEAKERS)
    # A name the source itself says is reported, not attributed.
    said = [span("Mr. Kofi Osei", "Dr. Park told us the stock is low.")]
    assert attribution_problems("Dr. Park told us the stock is low.", said, SPEAKERS) == []


def test_roles_must_match():
    assert attribution_problems("The chair noted that the fund opens.", [span("Mr. Kofi Osei", "The fund opens.")], SPEAKERS)
    assert attribution_problems("The chair noted that the fund opens.", [span("The Chair (Hon. Maria Lund)", "The fund opens.")], SPEAKERS) == []
    assert attribution_problems("An audience member asked whether it works.", [span("Dr. Helen Park", "Whether it works.")], SPEAKERS)


def test_a_pronoun_continues_only_the_same_speaker():
    s = [span("Mr. Omar Said", "I represent four hundred families.")]
    assert attribution_problems("He represents four hundred families.", s, SPEAKERS, previous="Dr. Helen Park")
    assert attribution_problems("He represents four hundred families.", s, SPEAKERS, previous="Mr. Omar Said") == []


def test_a_common_word_that_is_also_a_surname_is_not_a_name():
    s = [span("The Chair (Hon. Maria Lund)", "Welcome to the meeting.")]
    assert attribution_problems("The chair said: “Welcome to the meeting.”", s, SPEAKERS) == []


def test_out_of_source_words_are_found():
    s = [span("Dr. Helen Park", "I study cod and I have seen my share.")]
    assert out_of_source("Dr. Park studies cod and she has seen her share.", s, SPEAKERS) == []
    assert out_of_source("Dr. Park studies salmon and she has seen her share.", s, SPEAKERS) == ["salmon"]
    assert out_of_source("On May 1, Dr. Park presented a talk.", [metadata_span("date")], SPEAKERS) == []
