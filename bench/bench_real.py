"""Entity quality on real public text: the blind hearings gold (tests/gold/real/) scored for the
pipeline and for bare spaCy, exact span and label, with our errors grouped by cause.

The gold refers to the QMSum committee hearings in ../shared by sha256 and offsets; when
../shared is absent the bench says so and exits 0 (nothing to measure).
Usage: python bench/bench_real.py [--plain] [--examples N] [--bare-errors] [--all-errors]
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import json
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

GOLD = REPO / "tests" / "gold" / "real" / "hearings.jsonl"
SHARED = REPO.parent / "shared" / "corpus" / "transcripts"
from bench_extract import bare_nlp, prf as counts_prf  # noqa: E402

COUNTRIES = REPO / "pipeline" / "data" / "countries.json"
LABELS = ("COUNTRY", "ACTOR", "REGION", "CHEMICAL")
ROWS = LABELS + ("ACTOR:person", "ACTOR:organization", "all")
TARGETS = {"COUNTRY": 0.97, "ACTOR": 0.75}  # issue 13, "security-domain reports"
ARTICLES = ("the ", "The ")


def load(gold_path: Path = GOLD, shared: Path = SHARED) -> list[tuple[dict, str]]:
    """(record, full text of its shared file) for every gold excerpt; the sha256 must match."""
    out = []
    for line in gold_path.read_text(encoding="utf-8").splitlines():
        if not line:
            continue
        rec = json.loads(line)
        data = (shared / rec["file"]).read_bytes()
        if hashlib.sha256(data).hexdigest() != rec["sha256"]:
            raise SystemExit(f"{rec['file']}: sha256 differs from the gold's; the offsets would be wrong")
        out.append((rec, data.decode("utf-8")))
    return out


def iso_territories(data: list[tuple[dict, str]]) -> list[tuple[dict, str]]:
    """The gold with REGION mentions that ISO 3166-1 lists as a country (Hong Kong, HKG) relabelled
    COUNTRY: the reading of tests/gold/README.md ("ISO 3166-1 alpha-3 = COUNTRY") rather than this
    gold's sovereign-states rule."""
    import pycountry

    out = []
    for rec, text in data:
        rec = json.loads(json.dumps(rec))
        for m in rec["mentions"]:
            if m["label"] == "REGION":
                try:
                    code = pycountry.countries.lookup(m["text"]).alpha_3
                except LookupError:
                    continue
                m.update(label="COUNTRY", subtype="country", id=code)
        out.append((rec, text))
    return out


def turn_text(text: str, turn: dict) -> tuple[str, str, int]:
    """(speaker label, body, file offset of the body) of one gold turn."""
    (la, lb), (ba, bb) = turn["label"], turn["body"]
    return text[la:lb], text[ba:bb], ba


def ours(rec: dict, text: str, nlp, plain: bool = False) -> set[tuple]:
    """(start, end, label, subtype, id) in file offsets from the pipeline over one excerpt.

    The excerpt is one transcript Source, a segment per turn with its speaker label, as
    `briefing build` would read it; `plain` drops the labels (a note without speakers). The
    speakers' empty-span turn mentions are not spans of the text and are left out.
    """
    from pipeline.extract import extract_entities
    from pipeline.models import Segment, Source

    turns = [turn_text(text, t) for t in rec["turns"]]
    segments = tuple(Segment(text=body, file=rec["file"], speaker=None if plain else label)
                     for label, body, _ in turns)
    source = Source(path=rec["file"], kind="note" if plain else "transcript", segments=segments)
    out = set()
    for ent in extract_entities([source], nlp=nlp):
        for m in ent.mentions:
            if m.start_char == m.end_char:
                continue
            base = turns[m.segment][2]
            s, e = base + m.start_char, base + m.end_char
            if text[s:e] != m.text:
                raise SystemExit(f"{rec['id']}: mention {m.text!r} does not sit at {s}:{e} of its turn")
            sub = "person" if ent.subtype == "person" else "organization" if ent.type == "ACTOR" else ent.subtype
            out.add((s, e, ent.type, sub, ent.id))
    return out


def country_names() -> dict[str, str]:
    """Country names, aliases and demonyms -> alpha-3: pycountry's names plus our alias table.

    Only to map bare spaCy's GPE and NORP labels onto COUNTRY fairly (a demonym is a COUNTRY
    mention in the gold); it adds no span bare spaCy did not find.
    """
    import pycountry

    names = {}
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            if hasattr(c, attr):
                names[getattr(c, attr)] = c.alpha_3
    table = json.loads(COUNTRIES.read_text(encoding="utf-8"))["countries"]
    for code, entry in table.items():
        for key in ("aliases", "demonyms", "with_article"):
            for name in entry.get(key, ()):
                names[name] = code
    return names


def trim(text: str, s: int, e: int) -> tuple[int, int]:
    """A bare-spaCy span cut to the gold's conventions: no leading article, no possessive 's."""
    for art in ARTICLES:
        if text.startswith(art, s) and e - s > len(art):
            s += len(art)
    for pos in ("'s", "’s", "'"):
        if text.endswith(pos, s, e) and e - s > len(pos):
            e -= len(pos)
            break
    return s, e


def bare(rec: dict, text: str, nlp, countries: dict[str, str]) -> set[tuple]:
    """(start, end, label, subtype, id) from the bare model's NER over each turn body.

    Mapping: GPE -> COUNTRY when it names a sovereign state (pycountry + alias table), else REGION;
    LOC -> REGION; NORP -> COUNTRY when it is a country's demonym, else dropped (parties, religions,
    ethnic groups are no type of ours); PERSON -> ACTOR person; ORG -> ACTOR organization; every
    other label dropped. Spans lose a leading "the" and a possessive 's (the gold's convention).
    """
    from pipeline.extract.gazetteer import slug

    turns = [turn_text(text, t) for t in rec["turns"]]
    out = set()
    for (_, body, base), doc in zip(turns, nlp.pipe(body for _, body, _ in turns)):
        for ent in doc.ents:
            s, e = trim(text, base + ent.start_char, base + ent.end_char)
            name = text[s:e]
            if ent.label_ in ("GPE", "NORP") and name in countries:
                out.add((s, e, "COUNTRY", "country", countries[name]))
            elif ent.label_ in ("GPE", "LOC"):
                out.add((s, e, "REGION", "place", "region:" + slug(name)))
            elif ent.label_ == "PERSON":
                out.add((s, e, "ACTOR", "person", "person:" + slug(name)))
            elif ent.label_ == "ORG":
                out.add((s, e, "ACTOR", "organization", "org:" + slug(name)))
    return out


def keyed(rec: dict) -> tuple[dict, set]:
    """Required gold mentions by (start, end) and the optional spans (a prediction on or inside
    one is not scored unless it is exactly a required span)."""
    gold = {(m["start"], m["end"]): m for m in rec["mentions"] if not m.get("optional")}
    optional = {(m["start"], m["end"]) for m in rec["mentions"] if m.get("optional")}
    return gold, optional


def rows_of(label: str, subtype: str) -> list[tuple[str, tuple]]:
    """The table rows one mention counts in, each with what must agree: the label, and for the
    ACTOR person/organization rows the subtype too."""
    rows = [(label, (label,)), ("all", (label,))]
    if label == "ACTOR":
        sub = "person" if subtype == "person" else "organization"
        rows.append(("ACTOR:" + sub, (label, sub)))
    return rows


def score(data: list[tuple[dict, str]], predict) -> tuple[dict, float, list[dict], dict]:
    """P/R/F1 per row on exact spans, id accuracy on the spans whose label is right, the errors
    (each with excerpt, kind, span, gold and predicted labels, cause), and the counts per turn."""
    per_turn = defaultdict(lambda: defaultdict(Counter))
    errors = []
    id_ok = id_all = 0
    for rec, text in data:
        gold, optional = keyed(rec)
        pred = {(p[0], p[1]): p for p in predict(rec, text)
                if (p[0], p[1]) in gold or not any(p[0] < e and s < p[1] for s, e in optional)}
        gold_keys = {(row, span, key) for span, g in gold.items() for row, key in rows_of(g["label"], g["subtype"])}
        pred_keys = {(row, span, key) for span, p in pred.items() for row, key in rows_of(p[2], p[3])}
        starts = [t["body"][0] for t in rec["turns"]]
        for kind, keys in (("tp", gold_keys & pred_keys), ("fn", gold_keys - pred_keys), ("fp", pred_keys - gold_keys)):
            for row, span, _ in keys:
                per_turn[(rec["id"], bisect.bisect_right(starts, span[0]))][row][kind] += 1
        for t in range(1, len(starts) + 1):
            per_turn[(rec["id"], t)]  # every turn is a unit of the bootstrap, even one with no entity
        for span, g in gold.items():
            p = pred.get(span)
            if p and p[2] == g["label"]:
                id_all += 1
                id_ok += p[4] == g["id"]
                if g["label"] == "ACTOR" and (p[3] == "person") != (g["subtype"] == "person"):
                    errors.append(error(rec, text, span, g, p, pred))
            else:
                errors.append(error(rec, text, span, g, p, pred))
        for span, p in pred.items():
            # A prediction over a gold span is that span's boundary error, listed above.
            if span not in gold and not any(s < span[1] and span[0] < e for s, e in gold):
                errors.append(error(rec, text, span, None, p, pred))
    table = totals(per_turn.values())
    return table, (id_ok / id_all if id_all else 0.0), errors, per_turn


def totals(turn_counts) -> dict:
    """The P/R/F1 table of a collection of per-turn counts."""
    counts = defaultdict(Counter)
    for turn in turn_counts:
        for row, c in turn.items():
            counts[row].update(c)
    return {k: prf(counts[k]["tp"], counts[k]["fp"], counts[k]["fn"]) for k in ROWS}


def bootstrap(ours_turns: dict, bare_turns: dict, rows: tuple, n: int = 1000, seed: int = 13) -> dict:
    """95 % percentile interval of F1(ours) - F1(bare) per row, resampling turns with replacement
    (the same turns for both systems; a fixed seed, so the figures repeat)."""
    rng = random.Random(seed)
    keys = sorted(ours_turns)
    diffs = defaultdict(list)
    for _ in range(n):
        sample = [rng.choice(keys) for _ in keys]
        a, b = totals(ours_turns[k] for k in sample), totals(bare_turns[k] for k in sample)
        for row in rows:
            diffs[row].append(a[row][2] - b[row][2])
    return {row: (sorted(d)[int(0.025 * n)], sorted(d)[int(0.975 * n) - 1]) for row, d in diffs.items()}


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float, int, int, int]:
    """Precision, recall, F1 and the counts they come from."""
    return (*counts_prf(tp, fp, fn), tp, fp, fn)


def error(rec: dict, text: str, span: tuple, g: dict | None, p: tuple | None, pred: dict) -> dict:
    """One error: a gold span missed, mislabelled or cut wrong, or a spurious prediction; with its
    cause (see `cause`), what was predicted there, and a line of context."""
    s, e = span
    over = [q for q in pred.values() if q[0] < e and s < q[1] and q[:2] != span] if g else []
    if g and not p and over:
        p = max(over, key=lambda q: q[1] - q[0])
    ctx = text[max(0, s - 35):s] + "[" + text[s:e] + "]" + text[e:e + 35]
    return {"excerpt": rec["id"], "kind": "FN" if g else "FP", "text": text[s:e],
            "predicted": text[p[0]:p[1]] if p else None, "context": " ".join(ctx.split()),
            "gold": g["label"] + ":" + g["subtype"] if g else None,
            "pred": p[2] + ":" + p[3] if p else None, "cause": cause(span, g, p)}


def cause(span: tuple, g: dict | None, p: tuple | None) -> str:
    """A short name for why one span is wrong."""
    if g is None:
        return f"spurious {p[2]}:{p[3]}"
    if p is None:
        return f"missed {g['label']}:{g['subtype']}"
    if p[:2] == span:
        what = "subtype" if p[2] == g["label"] else "label"
        return f"wrong {what}: {g['label']}:{g['subtype']} given as {p[2]}:{p[3]}"
    shape = ("longer" if p[0] <= span[0] and p[1] >= span[1] else
             "shorter" if p[0] >= span[0] and p[1] <= span[1] else "shifted")
    relabel = "" if p[2] == g["label"] else f", as {p[2]}"
    return f"boundary: {g['label']}:{g['subtype']} predicted {shape}{relabel}"


def show(name: str, table: dict, id_acc: float) -> None:
    """Print one system's table."""
    print(f"\n{name}")
    print(f"  {'label':20} {'P':>6} {'R':>6} {'F1':>6}   {'tp':>4} {'fp':>4} {'fn':>4}")
    for k in ROWS:
        p, r, f, tp, fp, fn = table[k]
        if tp + fp + fn:
            print(f"  {k:20} {p:6.3f} {r:6.3f} {f:6.3f}   {tp:4} {fp:4} {fn:4}")
    print(f"  id accuracy on true positives: {id_acc:.3f}")


def grouped(errors: list[dict], examples: int, limit: int = 30) -> None:
    """Print the error groups, largest first, with a few examples each (at most `limit` groups)."""
    groups = defaultdict(list)
    for err in errors:
        groups[err["cause"]].append(err)
    for cause_name, errs in sorted(groups.items(), key=lambda kv: -len(kv[1]))[:limit]:
        texts = Counter(e["text"] + (f" -> {e['predicted']}" if e["predicted"] not in (None, e["text"]) else "")
                        for e in errs)
        print(f"  {len(errs):3}  {cause_name}: " + ", ".join(f"{t!r}x{n}" if n > 1 else repr(t)
                                                         for t, n in texts.most_common(8)))
        for err in errs[:examples]:
            print(f"         {err['excerpt']}: …{err['context']}…")


def main(argv=None) -> int:
    """Score both systems on the hearings gold, print the tables, the differences and our errors."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--plain", action="store_true", help="feed turns without speaker labels")
    ap.add_argument("--iso-territories", action="store_true",
                    help="count places ISO 3166-1 lists as countries (Hong Kong) as COUNTRY")
    ap.add_argument("--examples", type=int, default=2, help="contexts shown per error group")
    ap.add_argument("--bare-errors", action="store_true", help="also group bare spaCy's errors")
    ap.add_argument("--all-errors", action="store_true", help="list every error of ours")
    args = ap.parse_args(argv)
    if not SHARED.is_dir():
        print(f"skipped: {SHARED} is absent (the gold refers to its files)")
        return 0
    from pipeline.extract import load_nlp

    data = iso_territories(load()) if args.iso_territories else load()
    words = sum(r["words"] for r, _ in data)
    gold_n = Counter(m["label"] for r, _ in data for m in r["mentions"] if not m.get("optional"))
    print(f"hearings gold: {len(data)} excerpts, {words} words, "
          + ", ".join(f"{gold_n[k]} {k}" for k in LABELS if gold_n[k])
          + f", {sum(1 for r, _ in data for m in r['mentions'] if m.get('optional'))} optional")
    nlp, bnlp, countries = load_nlp(), bare_nlp(), country_names()
    our_table, our_id, our_errors, our_turns = score(data, lambda r, x: ours(r, x, nlp, args.plain))
    bare_table, bare_id, bare_errors, bare_turns = score(data, lambda r, x: bare(r, x, bnlp, countries))
    show(f"pipeline ({'turns without speaker labels' if args.plain else 'transcript with speaker labels'})",
         our_table, our_id)
    show("bare spaCy (same model, NER only, labels mapped)", bare_table, bare_id)
    spread = bootstrap(our_turns, bare_turns, ("COUNTRY", "ACTOR", "REGION", "all"))
    print(f"\nF1 ours - bare (95 % interval from resampling the {len(our_turns)} turns):")
    for k in ROWS:
        if any(our_table[k][3:]) or any(bare_table[k][3:]):
            target = f"   target {TARGETS[k]:.2f}" if k in TARGETS else ""
            extra = "; ACTOR target also: >= bare + 0.10" if k == "ACTOR" else ""
            print(f"  {k:20} {our_table[k][2]:.3f} - {bare_table[k][2]:.3f} = "
                  f"{our_table[k][2] - bare_table[k][2]:+.3f}"
                  + (f" [{spread[k][0]:+.3f}, {spread[k][1]:+.3f}]" if k in spread else "") + f"{target}{extra}")
    print(f"\nour errors by cause ({len(our_errors)}; a wrong span or label is listed once, at the gold span):")
    grouped(our_errors, args.examples)
    if args.bare_errors:
        print(f"\nbare spaCy errors by cause ({len(bare_errors)}):")
        grouped(bare_errors, args.examples)
    if args.all_errors:
        print("\nall our errors:")
        for err in our_errors:
            print(f"  {err['kind']} {err['excerpt']:18} gold={err['gold']} pred={err['pred']} "
                  f"{err['predicted']!r} {err['context']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
