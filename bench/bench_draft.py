"""Benchmark of the drafting stage against editors' gold notes: ROUGE vs a lead-N baseline, Q&A pairs, trace coverage.

Each case is a folder of tests/gold/draft/ holding gold.md (the note a careful editor would write)
and pairs.json (the question–answer exchanges, each named by a snippet of the question and of the
answer as spoken); the briefing (briefing.toml and sources) sits in the same folder or, for a
bundled example, in inputs/<case>/. Run: python bench/bench_draft.py [--entities]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.config import load_briefing, load_config  # noqa: E402
from pipeline.draft import draft_note, note_from_manuscript, transcript_sentences  # noqa: E402
from pipeline.ingest import list_sources, read_source  # noqa: E402
from pipeline.ingest.transcript import TALK, structure_transcript  # noqa: E402

GOLD = REPO / "tests" / "gold" / "draft"


def words(text: str) -> list[str]:
    """Lower-cased word tokens, Markdown markup and URLs' punctuation ignored."""
    return re.findall(r"[a-z0-9]+(?:['’][a-z]+)?", text.lower())


def ngrams(tokens: list[str], n: int) -> dict[tuple[str, ...], int]:
    counts: dict[tuple[str, ...], int] = {}
    for i in range(len(tokens) - n + 1):
        gram = tuple(tokens[i:i + n])
        counts[gram] = counts.get(gram, 0) + 1
    return counts


def f1(overlap: float, candidate: int, reference: int) -> float:
    if not overlap or not candidate or not reference:
        return 0.0
    p, r = overlap / candidate, overlap / reference
    return 2 * p * r / (p + r)


def rouge_n(candidate: list[str], reference: list[str], n: int) -> float:
    """ROUGE-N F1: clipped n-gram overlap."""
    c, r = ngrams(candidate, n), ngrams(reference, n)
    overlap = sum(min(k, r.get(g, 0)) for g, k in c.items())
    return f1(overlap, sum(c.values()), sum(r.values()))


def rouge_l(candidate: list[str], reference: list[str]) -> float:
    """ROUGE-L F1: longest common subsequence of the two token sequences."""
    previous = [0] * (len(reference) + 1)
    for token in candidate:
        current = [0]
        for j, ref in enumerate(reference, 1):
            current.append(previous[j - 1] + 1 if token == ref else max(previous[j], current[j - 1]))
        previous = current
    return f1(previous[-1], len(candidate), len(reference))


def rouge(candidate: str, reference: str) -> tuple[float, float, float]:
    c, r = words(candidate), words(reference)
    return rouge_n(c, r, 1), rouge_n(c, r, 2), rouge_l(c, r)


def note_text(note, sections=("key_events", "nature_of_discussion", "presentation", "questions", "key_points", "further_reading")) -> str:
    """The note's text, section by section (questions then their answers)."""
    parts: list[str] = []
    for name in sections:
        if name == "questions":
            for qa in note.questions:
                parts += [qa.question, *qa.answer]
        else:
            parts += list(getattr(note, name))
    return "\n".join(parts)


def lead(texts: list[str], length: int) -> str:
    """The first `length` words of the texts, in order (the lead-N baseline)."""
    return " ".join(" ".join(texts).split()[:length])


def norm(text: str) -> str:
    return " ".join(words(text))


def pair_counts(transcript, gold_pairs: list[dict]) -> tuple[int, int, int]:
    """(matched, detected, gold): a detected exchange matches a gold pair when its question turns
    contain the gold question snippet and its answer turns the gold answer snippet."""
    detected = [(norm(" ".join(transcript.turns[i].text for i in ex.questions)),
                 norm(" ".join(transcript.turns[i].text for i in ex.answers))) for ex in transcript.exchanges]
    matched = 0
    for pair in gold_pairs:
        q, a = norm(pair["question"]), norm(pair["answer"])
        if any(q in dq and a in da for dq, da in detected):
            matched += 1
    return matched, len(detected), len(gold_pairs)


def run_case(case: Path, use_entities: bool) -> dict:
    """Draft one case and score it against its gold note."""
    folder = case if (case / "briefing.toml").exists() else REPO / "inputs" / case.name
    config = load_config(REPO)
    briefing, config = load_briefing(folder, config)
    sources = [read_source(spec.path) for spec in list_sources(briefing)]
    entities = ()
    if use_entities:
        from pipeline.extract import extract_entities

        entities = extract_entities(sources, speakers=[briefing.speaker])
    note, trace = draft_note(briefing, sources, entities)
    gold, _ = note_from_manuscript(read_source(case / "gold.md"), briefing)
    transcript = next(structure_transcript(s, briefing.speaker) for s in sources if s.kind == "transcript")
    spoken = [s.text for s in transcript_sentences(transcript)]
    talk = [s.text for s in transcript_sentences(transcript) if s.role == TALK]
    ours, theirs = note_text(note), note_text(gold)
    ours_p, theirs_p = note_text(note, ("presentation",)), note_text(gold, ("presentation",))
    gold_pairs = json.loads((case / "pairs.json").read_text())["pairs"]
    return {
        "case": case.name,
        "note": rouge(ours, theirs),
        "note_lead": rouge(lead(spoken, len(words(ours))), theirs),
        "presentation": rouge(ours_p, theirs_p),
        "presentation_lead": rouge(lead(talk, len(words(ours_p))), theirs_p),
        "pairs": pair_counts(transcript, gold_pairs),
        "traced": (sum(1 for s in trace.sentences if s.spans), len(trace.sentences)),
        "words": (len(words(ours)), len(words(theirs))),
    }


def fmt(scores: tuple[float, float, float]) -> str:
    return " ".join(f"{x:.3f}" for x in scores)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", action="store_true", help="weigh salience with the extract stage's entities (loads spaCy)")
    args = parser.parse_args()
    results = [run_case(case, args.entities) for case in sorted(p for p in GOLD.iterdir() if (p / "gold.md").exists())]
    print(f"{'case':24} {'words ours/gold':>15}  {'note R1 R2 RL':>20}  {'lead-N R1 R2 RL':>20}  {'presentation R1 R2 RL':>22}  {'lead-N R1 R2 RL':>20}  pairs m/d/g  traced")
    for r in results:
        print(f"{r['case']:24} {r['words'][0]:>7}/{r['words'][1]:<7}  {fmt(r['note']):>20}  {fmt(r['note_lead']):>20}  "
              f"{fmt(r['presentation']):>22}  {fmt(r['presentation_lead']):>20}  {'/'.join(map(str, r['pairs'])):>11}  {r['traced'][0]}/{r['traced'][1]}")
    mean = lambda key: tuple(sum(r[key][i] for r in results) / len(results) for i in range(3))  # noqa: E731
    matched, detected, gold = (sum(r["pairs"][i] for r in results) for i in range(3))
    precision = matched / detected if detected else 1.0
    recall = matched / gold if gold else 1.0
    pair_f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    traced = sum(r["traced"][0] for r in results), sum(r["traced"][1] for r in results)
    print()
    print(f"mean ROUGE-1/2/L F1, whole note:   draft {fmt(mean('note'))}   lead-N {fmt(mean('note_lead'))}")
    print(f"mean ROUGE-1/2/L F1, presentation: draft {fmt(mean('presentation'))}   lead-N {fmt(mean('presentation_lead'))}")
    print(f"Q&A pairs: precision {precision:.3f}  recall {recall:.3f}  F1 {pair_f1:.3f}  ({matched} matched, {detected} detected, {gold} gold)")
    print(f"traced sentences: {traced[0]}/{traced[1]} = {traced[0] / traced[1]:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
