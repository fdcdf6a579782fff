"""Tests for pipeline.records: stage results to plain data and back, validated against their types."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from pipeline.extract.resolve import Raw
from pipeline.models import Entity, Mention, Note, QuestionAnswer, Segment, Source
from pipeline.records import RecordError, from_data, to_data


def round_trip(value, kind):
    return from_data(json.loads(json.dumps(to_data(value))), kind)


def test_stage_results_survive_json_unchanged():
    source = Source("a/talk.vtt", "transcript", (Segment("Hi.", "talk.vtt", None, 1.5, 2.0, "Dr. A", ("Q&A",), "question"),),
                    ("talk.vtt: a warning",), {"date": dt.date(2026, 3, 2), "nested": {"n": [1, 2.5, None, True]}})
    entity = Entity("CHEMICAL", "precursor", "chem:4-anpp", "4-ANPP",
                    (Mention("4-ANPP", "talk.vtt", 0, 6, 0, None, 1.5, 2.0, "Dr. A"),), "21409-26-7", None)
    note = Note(("a",), ("b",), (), (QuestionAnswer("Why?", ("Because.",)),), ("k",), ("r",), "draft")
    assert round_trip(source, Source) == source
    assert round_trip(((source, None), ["w"]), tuple[tuple[Source, Source | None], list[str]]) == ((source, None), ["w"])
    assert round_trip(((entity,), []), tuple[tuple[Entity, ...], list[str]]) == ((entity,), [])
    assert round_trip((note, ["w"]), tuple[Note, list[str]]) == (note, ["w"])
    assert round_trip((Raw(0, 1, 2, 3, "x", "COUNTRY", "USA"),), tuple[Raw, ...]) == (Raw(0, 1, 2, 3, "x", "COUNTRY", "USA"),)


@pytest.mark.parametrize("data, kind", [
    ({"path": "a", "kind": "slides", "segments": [], "warnings": [], "metadata": {}, "extra": 1}, Source),
    ({"path": "a", "segments": []}, Source),
    ({"path": 3, "kind": "slides", "segments": [], "warnings": [], "metadata": {}}, Source),
    ({"path": "a", "kind": "slides", "segments": [{"text": "x"}], "warnings": [], "metadata": {}}, Source),
    ([1, 2, 3], tuple[str, list[str]]),
    (["a", [1]], tuple[str, list[str]]),
    ("text", list[str]),
    (True, int),
    ({"d": {"__date__": "not a date"}}, dict),
    ({"py/object": "os.system"}, Note),
])
def test_data_of_another_shape_is_refused_with_where(data, kind):
    with pytest.raises(RecordError):
        from_data(data, kind)


def test_values_that_are_not_data_are_refused():
    with pytest.raises(RecordError):
        to_data(object())
    with pytest.raises(RecordError):
        to_data({1: "non-text key"})
