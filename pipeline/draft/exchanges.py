"""The Question and Answer section planned: each exchange's condensed question and its answer as reported, within budget."""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from ..ingest.transcript import Transcript
from .attribution import Cast
from .qa import ANSWER_WORDS, condense_answer, condense_question, fragment
from .reported import Person, report, third_person


def framed(s, subject: Person, proper: frozenset[str], verb: str) -> str | None:
    """A sentence that opens a speaker's words in a paragraph: always attributed (framed, or quoted when
    a frame would not read), or None when no safe form exists."""
    text = report(s.text, subject, proper, verb, frame=True, quote_plural=True)
    if text is None:
        return None
    if text == s.text or not re.search(rf"(?i)\b{re.escape(subject.short)}\b|^(?:She|He|They)\b", text):
        lead = subject.short[:1].upper() + subject.short[1:]
        return f"{lead} said: “{s.text}”"
    return text


def exchange_score(sentences: Sequence, scores: np.ndarray) -> float:
    """How much an exchange's answer carries: its three most salient sentences."""
    top = sorted((scores[s.index] for s in sentences), reverse=True)[:3]
    return float(sum(top) / 3) if top else 0.0


def plan_exchanges(transcript: Transcript, sentences: Sequence, scores: np.ndarray, cast: Cast, proper: frozenset[str],
                   budget: int, warnings: list[str]) -> list[tuple[list[tuple[object, str]], list[tuple[str, object]]]]:
    """The exchanges to present, in order: each a condensed question and the answer's sentences as reported,
    chosen to fit `budget` words and spread over the session."""
    by_turn: dict[int, list[object]] = {}
    for s in sentences:
        by_turn.setdefault(s.turn, []).append(s)
    planned = []
    for ex in transcript.exchanges:
        asked = condense_question([s for t in ex.questions for s in by_turn.get(t, [])],
                                  relayed=lambda s: s.span.speaker in cast.chairs)
        if not asked:
            continue
        question = " ".join(text for _, text in asked)
        said = [s for t in ex.answers for s in by_turn.get(t, [])]
        answer = condense_answer(said, question, lambda s: not fragment(s.text) and third_person(s.text, cast.subject(s.span.speaker)) is not None, ANSWER_WORDS)
        reported: list[tuple[str, object]] = []
        previous = None
        for s in answer:
            subject = cast.subject(s.span.speaker)
            if s.span.speaker != previous:
                text = framed(s, subject, proper, "answered" if previous is None else "added")
            else:
                text = report(s.text, subject, proper, "added", frame=False, first=False, quote_plural=True)
            if text is not None and sum(len(t.split()) for t, _ in reported) + len(text.split()) <= ANSWER_WORDS:
                reported.append((text, s))
                previous = s.span.speaker
        if not reported:
            warnings.append(f"question {question[:50]!r}: the answer had no usable sentence; left out")
            continue
        size = len(question.split()) + sum(len(t.split()) for t, _ in reported)
        planned.append((exchange_score(answer, scores), size, asked, reported))
    dropped = 0
    # Over budget: drop the weakest exchange of the most crowded part of the session until it fits.
    while planned and sum(p[1] for p in planned) > budget:
        weakest = min(range(len(planned)), key=lambda i: planned[i][0])
        planned.pop(weakest)
        dropped += 1
    if dropped:
        warnings.append(f"{dropped} of {dropped + len(planned)} question-and-answer exchanges left out to keep the note to house length")
    return [(asked, reported) for _, _, asked, reported in planned]
