"""Tests for content selection: topic segments and covering them with central, non-redundant sentences."""

from __future__ import annotations

import numpy as np

from pipeline.draft.salience import similarity_matrix, textrank
from pipeline.draft.select import one_per_segment, select_covering, topic_segments

CAPELIN = [f"Capelin spawning shifted as capelin numbers fell in survey {i}." for i in range(6)]
SEALS = [f"Seals ate young cod while seal herds grew near colony {i}." for i in range(6)]


def test_segments_split_at_the_change_of_topic():
    texts = CAPELIN + SEALS
    sim = similarity_matrix(texts)
    assert topic_segments(list(range(12)), sim, 2) == [list(range(6)), list(range(6, 12))]


def test_selection_covers_every_segment_without_repeats():
    texts = CAPELIN + SEALS
    sim = similarity_matrix(texts)
    scores = textrank(sim)
    scores[:6] *= 10  # one part far more central than the other
    lengths = np.array([len(t.split()) for t in texts])
    chosen = select_covering([list(range(6)), list(range(6, 12))], scores, sim, lengths, budget=25, max_sim=0.99)
    assert any(i < 6 for i in chosen) and any(i >= 6 for i in chosen)
    assert one_per_segment([list(range(6)), list(range(6, 12))], scores, lambda i: True, 4) == [int(np.argmax(scores[:6])), 6 + int(np.argmax(scores[6:]))]
