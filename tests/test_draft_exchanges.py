"""Tests for planning the Question and Answer section: attributed answers, and the house-length budget."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.draft.attribution import cast_of
from pipeline.draft.exchanges import framed, plan_exchanges
from pipeline.draft.reported import presenter_person
from pipeline.draft.summarise import transcript_sentences
from pipeline.ingest import read_source
from pipeline.ingest.transcript import structure_transcript


@dataclass
class S:
    text: str


def test_an_opening_sentence_is_always_attributed():
    person = presenter_person("Dr. Helen Park", "She leads the institute.")
    assert framed(S("The stock doubled since 2010, but it is still low."), person, frozenset(), "answered") == \
        "Dr. Park answered that the stock doubled since 2010, but it is still low."
    # Where a frame would not read ("Not before 2030."), the words are quoted under the speaker's name.
    assert framed(S("Not before 2030."), person, frozenset(), "answered") == "Dr. Park said: “Not before 2030.”"
    assert framed(S("We will survey every year."), person, frozenset(), "answered") == "Dr. Park said: “We will survey every year.”"


def test_exchanges_fit_the_budget_and_say_what_was_left_out(make_project):
    project = make_project("draft_hearing")
    source = read_source(project / "inputs" / "cod-hearing" / "transcript.txt")
    transcript = structure_transcript(source, "Dr. Helen Park")
    sentences = transcript_sentences(transcript)
    cast = cast_of(transcript, presenter_person("Dr. Helen Park"))
    scores = np.ones(len(sentences))
    warnings: list[str] = []
    everything = plan_exchanges(transcript, sentences, scores, cast, frozenset(), 10_000, warnings)
    assert len(everything) == 2 and not warnings
    sizes = [sum(len(t.split()) for _, t in asked) + sum(len(t.split()) for t, _ in reported) for asked, reported in everything]
    one = plan_exchanges(transcript, sentences, scores, cast, frozenset(), max(sizes), warnings)
    assert len(one) == 1 and any("left out to keep the note to house length" in w for w in warnings)
    for asked, reported in everything:
        assert sum(len(t.split()) for _, t in asked) <= 60 and sum(len(t.split()) for t, _ in reported) <= 150
