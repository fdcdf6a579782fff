"""Benchmark a manuscript's names: looked up by what its briefing knows (known.py) against the models reading it.

Pairs of an editor's text and the talk it reports: the bundled examples (note.md beside their
transcripts and slides) and, when ../shared is present, the five QMSum committee hearings with their
human summaries as the manuscript. For each pair it prints the manuscript's mentions that both ways
find (same span; same span and id), those only the models find and those only the lookup finds, so
that each difference can be read; then the time each way takes (the baseline: the models, as the
build read manuscripts before). No gold there: the models' reading is the reference, with its own
errors. Last, the lower bound: the 38 texts of tests/gold/ read as manuscripts whose sources know
none of their names (only the speakers and the curated lists), scored against the gold beside the
models reading the same texts.

Usage: python bench/bench_manuscript.py
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "corpus" / "transcripts"
sys.path.insert(0, str(REPO))


def pairs(scratch: Path) -> list[tuple[str, object, list, list[str]]]:
    """(name, manuscript, other sources, speakers) of every pair available here."""
    from pipeline.config import load_config
    from pipeline.ingest import read_options, read_source

    options = read_options(load_config(REPO))
    found = []
    for folder in sorted((REPO / "inputs").iterdir()):
        if (folder / "note.md").is_file():
            speaker = tomllib.loads((folder / "briefing.toml").read_text(encoding="utf-8"))["speaker"]
            others = [read_source(p, options) for p in sorted(folder.iterdir()) if p.suffix in (".txt", ".vtt", ".pdf")]
            found.append((folder.name, read_source(folder / "note.md", options), others, [speaker]))
    if SHARED.is_dir():
        for summary in sorted(SHARED.glob("*.summary.md")):
            stem = summary.name.split(".")[0]
            folder = scratch / stem
            folder.mkdir()
            shutil.copy(summary, folder / "note.md")
            shutil.copy(SHARED / f"{stem}.txt", folder / "transcript.txt")
            found.append((stem, read_source(folder / "note.md", options), [read_source(folder / "transcript.txt", options)], []))
    return found


def manuscript_mentions(entities, manuscript) -> dict[tuple[int, int, int], tuple[str, str, str]]:
    """(segment, start, end) -> (type, id, text) of the mentions in the manuscript."""
    file = manuscript.segments[0].file if manuscript.segments else manuscript.path
    return {(m.segment, m.start_char, m.end_char): (e.type, e.id, m.text)
            for e in entities for m in e.mentions if m.file == file and m.end_char > m.start_char}


def main() -> None:
    from pipeline.extract import annotate_sources, briefing_speakers, extract_entities, load_nlp

    started = time.process_time()
    load_nlp()
    print(f"models loaded in {time.process_time() - started:.2f} CPU s (the lookup needs none of it)")
    totals = {"models": 0, "lookup": 0, "span": 0, "span+id": 0}
    seconds = {"models": 0.0, "lookup": 0.0}
    with tempfile.TemporaryDirectory() as scratch:
        for name, manuscript, others, speakers in pairs(Path(scratch)):
            names = briefing_speakers([manuscript, *others], speakers)
            cached = dict(zip((s.path for s in others), annotate_sources(others, names)))  # the build's cache

            def annotate_all(sources, speakers):
                return [cached[s.path] if s.path in cached else annotate_sources([s], speakers)[0] for s in sources]

            started = time.process_time()
            read = extract_entities([manuscript, *others], speakers=speakers, annotate_all=annotate_all)
            seconds["models"] += time.process_time() - started
            started = time.process_time()
            looked_up = extract_entities(others, manuscript=manuscript, speakers=speakers, annotate_all=annotate_all)
            seconds["lookup"] += time.process_time() - started
            model, lookup = manuscript_mentions(read, manuscript), manuscript_mentions(looked_up, manuscript)
            both = set(model) & set(lookup)
            same = sum(model[k][:2] == lookup[k][:2] for k in both)
            for key, value in (("models", len(model)), ("lookup", len(lookup)), ("span", len(both)), ("span+id", same)):
                totals[key] += value
            print(f"{name}: models {len(model)}, lookup {len(lookup)}, same span {len(both)}, same span and id {same}")
            for key in sorted(set(model) - set(lookup)):
                print(f"    only the models: {model[key][2]!r} {model[key][0]} {model[key][1]}")
            for key in sorted(set(lookup) - set(model)):
                print(f"    only the lookup: {lookup[key][2]!r} {lookup[key][0]} {lookup[key][1]}")
            for key in sorted(both):
                if model[key][:2] != lookup[key][:2]:
                    print(f"    other id: {model[key][2]!r} models {model[key][1]}, lookup {lookup[key][1]}")
    share = totals["span+id"] / totals["models"] if totals["models"] else 0.0
    print(f"all: the lookup finds {totals['span+id']} of the models' {totals['models']} manuscript mentions with the same span "
          f"and id ({share:.1%}), and {totals['lookup'] - totals['span']} they do not")
    print(f"time for the manuscripts' entities with the sources' mentions cached (CPU s, models loaded): "
          f"models {seconds['models']:.2f}, lookup {seconds['lookup']:.2f}")
    gold_lower_bound()


def gold_lower_bound() -> None:
    """Exact-span P/R/F1 per type on tests/gold/, the lookup knowing no source's names against the models."""
    from collections import Counter

    from pipeline.extract import extract_entities
    from pipeline.extract.known import match_known, name_table
    from pipeline.models import Segment, Source

    gold = [json.loads(line) for line in (REPO / "tests" / "gold" / "gold.jsonl").read_text(encoding="utf-8").splitlines()]
    types = ("COUNTRY", "REGION", "ACTOR", "CHEMICAL")

    def as_source(text: str) -> Source:
        return Source(path="note.md", kind="manuscript", segments=(Segment(text=text, file="note.md"),))

    def lookup(item) -> set:
        return {(r.start, r.end, r.type) for r in match_known(as_source(item["text"]), name_table([], item["speakers"]))}

    def models(item) -> set:
        entities = extract_entities([as_source(item["text"])], speakers=item["speakers"])
        return {(m.start_char, m.end_char, e.type) for e in entities for m in e.mentions if m.end_char > m.start_char}

    for label, predict in (("lookup, no source's names", lookup), ("models                   ", models)):
        tp, fp, fn = Counter(), Counter(), Counter()
        for item in gold:
            truth, found = {(m["start"], m["end"], m["type"]) for m in item["mentions"]}, predict(item)
            for kind in types:
                t, f = {x for x in truth if x[2] == kind}, {x for x in found if x[2] == kind}
                tp[kind], fp[kind], fn[kind] = tp[kind] + len(t & f), fp[kind] + len(f - t), fn[kind] + len(t - f)
        figures = []
        for kind in types:
            p, r = tp[kind] / max(1, tp[kind] + fp[kind]), tp[kind] / max(1, tp[kind] + fn[kind])
            figures.append(f"{kind} P {p:.2f} R {r:.2f} F1 {2 * p * r / max(1e-9, p + r):.2f}")
        print(f"gold, {len(gold)} texts, {label}: " + "   ".join(figures))


if __name__ == "__main__":
    main()
