"""Salience of transcript sentences: TF-IDF vectors, TextRank centrality and topic terms (numpy only)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np

# Function words that carry no topic; kept short and English-only on purpose.
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are aren't as at be because been before being below
    between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each even
    ever every few for from further get gets getting got had hadn't has hasn't have haven't having he he'd he'll he's
    her here here's hers herself him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself
    just know let's like lot lots me more most much must mustn't my myself need no nor not now of off on once one only
    or other ought our ours ourselves out over own really right same say says said see seem seems she she'd she'll
    she's should shouldn't so some something still such than that that's the their theirs them themselves then there
    there's these they they'd they'll they're they've thing things think this those though through thus to too under
    until up upon us very was wasn't way we we'd we'll we're we've well were weren't what what's when when's where
    where's whether which while who who's whom why why's will with won't would wouldn't yes yet you you'd you'll
    you're you've your yours yourself yourselves okay going want go actually quite many may might make makes made
    time first second third fourth finally""".split()
)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’\-]*|\d[\d,.\-]*[A-Za-z0-9]*")


def stem(word: str) -> str:
    """A light suffix-stripper so 'containers' and 'container' count as one term."""
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("'s", ""), ("’s", "")):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            return word[: -len(suffix)] + keep
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 4:
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    """Content terms of a text: lower-cased, stemmed, without stopwords."""
    words = (w.lower().strip("'’-") for w in _WORD.findall(text))
    return [stem(w) for w in words if w and w not in STOPWORDS and len(w) > 1]


def tfidf(docs: Sequence[Sequence[str]]) -> np.ndarray:
    """Row-normalised TF-IDF matrix of tokenised documents (one row per document)."""
    vocab: dict[str, int] = {}
    for doc in docs:
        for term in doc:
            vocab.setdefault(term, len(vocab))
    matrix = np.zeros((len(docs), max(1, len(vocab))))
    for row, doc in enumerate(docs):
        for term in doc:
            matrix[row, vocab[term]] += 1.0
    df = (matrix > 0).sum(axis=0)
    idf = np.log((1 + len(docs)) / (1 + df)) + 1.0
    matrix = np.log1p(matrix) * idf
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


def similarity_matrix(texts: Sequence[str]) -> np.ndarray:
    """Cosine similarity between every pair of texts."""
    vectors = tfidf([tokens(t) for t in texts])
    return vectors @ vectors.T


def textrank(sim: np.ndarray, damping: float = 0.85, iterations: int = 50) -> np.ndarray:
    """PageRank over the similarity graph: sentences that many others resemble score highest."""
    n = sim.shape[0]
    if n == 0:
        return np.zeros(0)
    weights = sim.copy()
    np.fill_diagonal(weights, 0.0)
    totals = weights.sum(axis=1, keepdims=True)
    # A sentence sharing nothing with the rest links to every sentence equally.
    transition = np.where(totals > 0, weights / np.where(totals == 0, 1.0, totals), 1.0 / n)
    # The transposed matrix made contiguous once, and iteration stopped once the ranks settle: the
    # 20,000-word transcript of a hearing has over a thousand sentences.
    forward = np.ascontiguousarray(transition.T)
    scores = np.full(n, 1.0 / n)
    for _ in range(iterations):
        updated = (1 - damping) / n + damping * forward @ scores
        settled = np.abs(updated - scores).sum() < 1e-7
        scores = updated
        if settled:
            break
    return scores


def rank_sentences(texts: Sequence[str], boosts: Sequence[float] | None = None,
                   sim: np.ndarray | None = None, centrality: np.ndarray | None = None) -> np.ndarray:
    """Salience of each sentence in [0, 1]: TextRank centrality scaled by a per-sentence boost factor.

    `sim`, when the caller already has it, is the texts' similarity matrix; `centrality`, its TextRank.
    """
    if not texts:
        return np.zeros(0)
    scores = centrality if centrality is not None else textrank(sim if sim is not None else similarity_matrix(texts))
    top = scores.max()
    scores = scores / top if top > 0 else scores
    if boosts is not None:
        scores = scores * np.asarray(boosts, dtype=float)
    return scores


@dataclass(frozen=True)
class Phrase:
    """A key phrase: its text as written, its score and the texts (by index) it occurs in."""

    text: str
    score: float
    occurrences: tuple[int, ...]


_PHRASE_BREAK = re.compile(r"[,.;:!?()\"“”\[\]—–]|\s-\s")


# Nouns too general to name a talk's theme, and verbs RAKE lets through.
GENERIC = frozenset(
    "year years end part goes way thing things people lot point case place problem question answer kind bit today day "
    "word number something talk slide example picture side level piece step use uses used put take takes comes gets "
    "called got look looks means start sense idea fact world group version".split()
)


def topic_terms(texts: Sequence[str], limit: int = 8, boost: str = "", sizes: tuple[int, ...] = (1, 2)) -> list[Phrase]:
    """Topic terms of a set of sentences: one- and two-word runs of content words, scored by how many
    sentences use them (two-word terms weigh more; terms also in `boost`, e.g. the slides, weigh half again);
    `sizes` says which run lengths count (themes ask for two-word phrases only)."""
    boost = boost.lower()
    seen: dict[str, set[int]] = {}
    forms: dict[str, dict[str, int]] = {}
    for index, text in enumerate(texts):
        for chunk in _PHRASE_BREAK.split(text):
            run: list[str] = []
            for word in _WORD.findall(chunk) + [""]:
                low = word.lower().strip("'’-")
                if low and low not in STOPWORDS and not low[0].isdigit() and len(low) > 2:
                    run.append(word)
                    continue
                for size in sizes:
                    for k in range(len(run) - size + 1):
                        gram = run[k:k + size]
                        if size == 1 and (gram[0].lower() in GENERIC or gram[0].lower().endswith("ed")):
                            continue
                        key = " ".join(stem(w.lower()) for w in gram)
                        seen.setdefault(key, set()).add(index)
                        written = forms.setdefault(key, {})
                        written[" ".join(gram)] = written.get(" ".join(gram), 0) + 1
                run = []
    scored = []
    for key, where in seen.items():
        if len(where) < 2:
            continue
        form = max(forms[key].items(), key=lambda kv: (kv[1], kv[0].islower(), kv[0]))[0]
        score = len(where) * (1.6 if " " in key else 1.0) * (1.5 if boost and form.lower() in boost else 1.0)
        scored.append(Phrase(form, score, tuple(sorted(where))))
    scored.sort(key=lambda p: (-p.score, p.text))
    chosen: list[Phrase] = []
    used: set[str] = set()
    for phrase in scored:
        words = {stem(w.lower()) for w in phrase.text.split()}
        if words & used:
            continue
        chosen.append(phrase)
        used |= words
        if len(chosen) == limit:
            break
    return chosen
