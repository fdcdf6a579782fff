"""Content selection that covers a talk's parts: topic segments, then central, non-redundant sentences from each."""

from __future__ import annotations

from typing import Sequence

import numpy as np


def topic_segments(indices: Sequence[int], sim: np.ndarray, count: int, window: int = 4) -> list[list[int]]:
    """Split sentences (their row indices in `sim`, in talk order) into `count` contiguous parts at the
    deepest dips of similarity between neighbouring windows (TextTiling's idea on TF-IDF vectors)."""
    n = len(indices)
    count = max(1, min(count, n // 3 or 1))
    if count == 1 or n < 6:
        return [list(indices)]
    idx = np.asarray(indices)
    gaps = np.zeros(n)
    for g in range(1, n):
        left = idx[max(0, g - window):g]
        right = idx[g:g + window]
        gaps[g] = sim[np.ix_(left, right)].mean()
    # Depth of each dip relative to the peaks on either side, as TextTiling scores boundaries.
    depth = np.zeros(n)
    for g in range(1, n):
        depth[g] = (gaps[:g + 1].max() - gaps[g]) + (gaps[g:].max() - gaps[g])
    shortest = max(2, n // (count * 3))
    cuts: list[int] = []
    for g in sorted(range(1, n), key=lambda g: -depth[g]):
        if len(cuts) == count - 1:
            break
        if all(abs(g - c) >= shortest for c in cuts) and shortest <= g <= n - shortest:
            cuts.append(g)
    bounds = [0, *sorted(cuts), n]
    return [list(indices[a:b]) for a, b in zip(bounds, bounds[1:]) if b > a]


def select_covering(segments: Sequence[Sequence[int]], scores: np.ndarray, sim: np.ndarray, lengths: Sequence[int] | np.ndarray,
                    budget: int, *, max_sim: float = 0.45, redundancy: float = 0.35) -> list[int]:
    """Sentences (indices into scores/sim/lengths) up to `budget` words: each segment's share of the budget
    follows its size; within it, maximal marginal relevance (centrality minus similarity to what is chosen)."""
    total = sum(int(lengths[i]) for seg in segments for i in seg) or 1
    chosen: list[int] = []
    leftover = 0
    for segment in segments:
        share = budget * sum(int(lengths[i]) for i in segment) / total + leftover
        pool = [i for i in segment if scores[i] > 0]
        used = 0
        while pool:
            def gain(i: int) -> float:
                overlap = max((sim[i, c] for c in chosen), default=0.0)
                return scores[i] - redundancy * overlap
            best = max(pool, key=gain)
            pool.remove(best)
            if any(sim[best, c] > max_sim for c in chosen):
                continue
            if used + lengths[best] > share and used > 0:
                break
            chosen.append(best)
            used += int(lengths[best])
        leftover = max(0.0, share - used)
    return sorted(chosen)


def one_per_segment(segments: Sequence[Sequence[int]], scores: np.ndarray, usable, limit: int) -> list[int]:
    """The best usable sentence of each segment, the segments with the strongest best sentences first,
    at most `limit`; returned in talk order."""
    best = []
    for segment in segments:
        pool = [i for i in segment if scores[i] > 0 and usable(i)]
        if pool:
            top = max(pool, key=lambda i: scores[i])
            best.append(top)
    best.sort(key=lambda i: -scores[i])
    return sorted(best[:limit])
