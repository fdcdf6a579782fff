"""Benchmark of the drafting stage: real hearings against human summaries, bundled talks, editors' gold notes.

1. Development hearings (../shared/corpus/transcripts, QMSum committee meetings; skipped when absent):
   ROUGE-1/2/L (rouge-score, stemming) of the draft's transcript-worded sentences in section order, cut
   to the human summary's length, against lead-N and TextRank cut to the same length; lengths; question
   lengths; traced sentences pointing at the wrong speaker (checked against the labels as written);
   attribution-check failures; out-of-source words; the multi-speaker warning.
2. Bundled talks (inputs/*): the same house-style figures.
3. Gold notes (tests/gold/draft/<case>/gold.md and pairs.json): ROUGE vs lead-N, Q&A pairs, trace coverage.
4. Time to draft a 20,000-word transcript.
Run: python bench/bench_draft.py [--entities]   (needs `pip install rouge-score`)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.config import load_briefing, load_config  # noqa: E402
from pipeline.draft import draft_note, note_from_manuscript, transcript_sentences  # noqa: E402
from pipeline.ingest import list_sources, read_source  # noqa: E402
from pipeline.ingest.transcript import TALK, structure_transcript  # noqa: E402

GOLD = REPO / "tests" / "gold" / "draft"
CORPUS = Path(os.environ.get("BRIEFING_HEARINGS", REPO.parent / "shared" / "corpus" / "transcripts"))
SECTION_ORDER = ("key_events", "nature_of_discussion", "presentation", "question", "answer", "key_points")
# Sentences of fixed wording (no transcript words): not scored, as the held-out check leaves them out.
FRAME = re.compile(r"^(?:A question-and-answer session|The main themes were|Questions from the (?:audience|committee|floor) concerned|"
                   r"Other speakers (?:were|included)|Also speaking were)")


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
    briefing, _, note, trace, transcript = draft_folder(folder, use_entities)
    gold, _ = note_from_manuscript(read_source(case / "gold.md"), briefing)
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



# ---- Hearings and bundled talks: house-style figures --------------------------------------------


def scored_text(trace) -> str:
    """The draft's transcript-worded sentences in section order (each question followed by its answer):
    no FURTHER READING, no sentence built from briefing.toml, no fixed-frame sentence."""
    rank = {name: i for i, name in enumerate(SECTION_ORDER)}
    picked = [s for s in trace.sentences if s.section in rank and any(sp.kind == "transcript" for sp in s.spans)
              and not getattr(s, "frame", False) and not FRAME.match(s.text)]
    def key(item):
        n, s = item
        section = s.section if s.section != "answer" else "question"
        return (rank[section], s.paragraph if section == "question" else 0, s.section == "answer", n)
    return " ".join(s.text for _, s in sorted(enumerate(picked), key=key))


def cut(text: str, length: int) -> str:
    return " ".join(text.split()[:length])


def textrank_baseline(texts: list[str], length: int) -> str:
    """TextRank: the most central transcript sentences up to `length` words, in transcript order."""
    from pipeline.draft.salience import similarity_matrix, textrank
    from pipeline.ingest.transcript import split_sentences

    sentences = [t[a:b] for t in texts for a, b in split_sentences(t)]
    scores = textrank(similarity_matrix(sentences))
    chosen, words_so_far = [], 0
    for i in sorted(range(len(sentences)), key=lambda i: -scores[i]):
        if words_so_far >= length:
            break
        chosen.append(i)
        words_so_far += len(sentences[i].split())
    return cut(" ".join(sentences[i] for i in sorted(chosen)), length)


def rouge_scores(candidate: str, reference: str) -> tuple[float, float, float]:
    """ROUGE-1/2/L F1 ×100 by rouge-score with stemming (the held-out check's scorer)."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    got = scorer.score(reference, candidate)
    return tuple(100 * got[k].fmeasure for k in ("rouge1", "rouge2", "rougeL"))


def true_labels(path: Path) -> list[tuple[str, str]]:
    """(label, text) of each `Label: text` paragraph as written; a bare office ("The Chair") gets the holder
    its full label names earlier in the file."""
    holders: dict[str, str] = {}
    result = []
    for para in path.read_text(encoding="utf-8").split("\n\n"):
        if ": " not in para:
            continue
        label, text = para.split(": ", 1)
        office = re.match(r"(The (?:Acting )?Chair) \(([^(),]+)", label)
        if office:
            holders[office.group(1)] = office.group(2)
        elif label in holders:
            label = f"{label} ({holders[label]})"
        result.append((label, " ".join(text.split())))
    return result


_TITLES = {"the", "chair", "acting", "hon", "right", "mr", "mrs", "ms", "dr", "am", "prof"}


def wrong_speaker(trace, labelled: list[tuple[str, str]]) -> int:
    """Traced sentences whose transcript span names a speaker other than the one the record gives."""
    wrong = 0
    for s in trace.sentences:
        for span in s.spans:
            if span.kind != "transcript" or not span.quote:
                continue
            probe = " ".join(span.quote.split())[:80]
            owners = [label for label, text in labelled if probe in text]
            if not owners:
                continue
            who = {w for w in re.findall(r"[a-z'\\-]+", (span.speaker or "").lower()) if w not in _TITLES}
            if not any(who <= set(re.findall(r"[a-z'\\-]+", label.lower())) for label in owners):
                wrong += 1
                break
    return wrong


def house_figures(note, trace, transcript) -> dict:
    """Lengths, question lengths, attribution-check failures and out-of-source words of one draft."""
    from pipeline.draft.verify import Speakers, attribution_problems, out_of_source, words as vwords

    names = sorted({t.speaker for t in transcript.turns if t.speaker})
    speakers = Speakers.of(transcript.presenter_label, transcript.moderators, names, {transcript.presenter: transcript.presenter_label or ""})
    failures, oos, tokens = 0, 0, 0
    previous: dict[tuple[str, int], str | None] = {}
    for s in trace.sentences:
        if s.section == "further_reading" or not any(sp.kind == "transcript" for sp in s.spans):
            continue
        key = (s.section, s.paragraph)
        if attribution_problems(s.text, s.spans, speakers, previous=previous.get(key)):
            failures += 1
        previous[key] = next((sp.speaker for sp in s.spans if sp.kind == "transcript"), None)
        oos += len(out_of_source(s.text, s.spans, speakers))
        tokens += len(vwords(s.text))
    sections = {"key_events": note.key_events, "nature": note.nature_of_discussion, "presentation": note.presentation,
                "questions": note.questions, "key_points": note.key_points}
    questions = [len(qa.question.split()) for qa in note.questions]
    answers = [sum(len(a.split()) for a in qa.answer) for qa in note.questions]
    return {
        "words": len(note_text(note).split()), "presentation": len(" ".join(note.presentation).split()),
        "key_points": len(note.key_points), "empty": [k for k, v in sections.items() if not v],
        "questions": len(questions), "q_max": max(questions, default=0), "a_max": max(answers, default=0),
        "failures": failures, "oos": oos, "tokens": tokens,
        "multi": any("speakers" in w and ("several" in w or "multi" in w or "substantive" in w) for w in trace.warnings),
    }


def write_briefing(folder: Path, title: str, speaker: str, event: str, transcript: Path) -> None:
    folder.mkdir(parents=True)
    quote = lambda v: json.dumps(v, ensure_ascii=False)  # noqa: E731 - TOML basic strings are JSON strings
    folder.joinpath("briefing.toml").write_text(
        f"title = {quote(title)}\nspeaker = {quote(speaker)}\nevent = {quote(event)}\ndate = 2020-05-01\n"
        f"author = \"QMSum\"\nvolume = 1\nissue = 1\nstatus = \"draft\"\n", encoding="utf-8")
    folder.joinpath("transcript.txt").write_text(transcript.read_text(encoding="utf-8"), encoding="utf-8")


def draft_folder(folder: Path, use_entities: bool):
    config = load_config(REPO)
    briefing, config = load_briefing(folder, config)
    sources = [read_source(spec.path) for spec in list_sources(briefing)]
    entities = ()
    if use_entities:
        from pipeline.extract import extract_entities

        entities = extract_entities(sources, speakers=[briefing.speaker])
    note, trace = draft_note(briefing, sources, entities)
    transcript = next(structure_transcript(s, briefing.speaker) for s in sources if s.kind == "transcript")
    return briefing, sources, note, trace, transcript


def run_hearing(entry: dict, scratch: Path, use_entities: bool) -> dict:
    """Draft one development hearing and score it against its human summary."""
    path = CORPUS / entry["file"]
    folder = scratch / path.stem
    write_briefing(folder, entry["briefing"]["title"], entry["briefing"]["speaker"], entry["briefing"]["event"], path)
    _, sources, note, trace, transcript = draft_folder(folder, use_entities)
    summary = re.sub(r"^#.*\n", "", path.with_suffix(".summary.md").read_text(encoding="utf-8")).strip()
    length = len(summary.split())
    spoken = [seg.text for src in sources if src.kind == "transcript" for seg in src.segments]
    result = house_figures(note, trace, transcript)
    result.update({
        "case": path.stem, "summary_words": length, "transcript_words": sum(len(t.split()) for t in spoken),
        "draft": rouge_scores(cut(scored_text(trace), length), summary),
        "lead": rouge_scores(cut(" ".join(spoken), length), summary),
        "textrank": rouge_scores(textrank_baseline(spoken, length), summary),
        "wrong_speaker": wrong_speaker(trace, true_labels(path)),
        "note": note,
    })
    return result


def timing(scratch: Path) -> tuple[int, float] | None:
    """Seconds to structure and draft a 20,000-word transcript (the first 20,000 words of a hearing)."""
    source = CORPUS / "qmsum_covid_1.txt"
    if not source.exists():
        return None
    paragraphs, total = [], 0
    for para in source.read_text(encoding="utf-8").split("\n\n"):
        if total >= 20000:
            break
        paragraphs.append(para)
        total += len(para.split())
    path = scratch / "long.txt"
    path.write_text("\n\n".join(paragraphs), encoding="utf-8")
    folder = scratch / "long"
    write_briefing(folder, "Long hearing", "Right Hon. Justin Trudeau", "A committee", path)
    began = time.perf_counter()
    draft_folder(folder, False)
    return total, time.perf_counter() - began


def r3(scores) -> str:
    return "/".join(f"{x:.1f}" for x in scores)


def print_house(rows: list[dict], title: str) -> None:
    print(f"{title:24} {'words':>6} {'pres':>5} {'kp':>3} {'Qs':>3} {'Qmax':>5} {'Amax':>5} {'attr':>5} {'oos':>9} multi  empty")
    for r in rows:
        print(f"{r['case']:24} {r['words']:>6} {r['presentation']:>5} {r['key_points']:>3} {r['questions']:>3} {r['q_max']:>5} "
              f"{r['a_max']:>5} {r['failures']:>5} {r['oos']:>4}/{r['tokens']:<5}{'yes' if r['multi'] else 'no':>5}  {','.join(r['empty']) or '-'}")


def hearings_report(use_entities: bool, show: str | None) -> None:
    if not (CORPUS / "index.json").exists():
        print(f"(no development hearings at {CORPUS}; skipped)")
        return
    index = [e for e in json.loads((CORPUS / "index.json").read_text()) if "briefing" in e]
    with tempfile.TemporaryDirectory() as tmp:
        rows = [run_hearing(e, Path(tmp), use_entities) for e in index]
        took = timing(Path(tmp))
    print(f"{'hearing':24} {'sum':>4} {'draft R1/R2/RL':>16} {'lead-N':>16} {'TextRank':>16} {'wrong spk':>9}")
    for r in rows:
        print(f"{r['case']:24} {r['summary_words']:>4} {r3(r['draft']):>16} {r3(r['lead']):>16} {r3(r['textrank']):>16} {r['wrong_speaker']:>9}")
    mean = lambda key: tuple(sum(r[key][i] for r in rows) / len(rows) for i in range(3))  # noqa: E731
    print(f"{'mean':24} {'':>4} {r3(mean('draft')):>16} {r3(mean('lead')):>16} {r3(mean('textrank')):>16} {sum(r['wrong_speaker'] for r in rows):>9}")
    print()
    print_house(rows, "hearing")
    oos, tokens = sum(r["oos"] for r in rows), sum(r["tokens"] for r in rows)
    print(f"out-of-source words: {oos}/{tokens} = {oos / max(tokens, 1):.2%}; attribution-check failures: {sum(r['failures'] for r in rows)}")
    if took:
        print(f"time to draft a {took[0]:,}-word transcript: {took[1]:.2f} s")
    for r in rows:
        if show and r["case"] == show:
            from pipeline.draft import note_to_markdown

            print()
            print(note_to_markdown(r["note"], {"status": "draft"}))


def talks_report(use_entities: bool) -> None:
    rows = []
    for folder in sorted(p for p in (REPO / "inputs").iterdir() if (p / "briefing.toml").exists()):
        try:
            _, _, note, trace, transcript = draft_folder(folder, use_entities)
        except Exception as error:  # a talk without a transcript has nothing to draft
            print(f"{folder.name}: not drafted ({error})")
            continue
        row = house_figures(note, trace, transcript)
        row["case"] = folder.name
        rows.append(row)
    print_house(rows, "bundled talk")


def fmt(scores: tuple[float, float, float]) -> str:
    return " ".join(f"{x:.3f}" for x in scores)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", action="store_true", help="weigh salience with the extract stage's entities (loads spaCy)")
    parser.add_argument("--show", metavar="HEARING", help="print the draft of one development hearing (e.g. qmsum_education_1)")
    args = parser.parse_args()
    hearings_report(args.entities, args.show)
    print()
    talks_report(args.entities)
    print()
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
