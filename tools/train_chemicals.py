"""Train the chemical-name recogniser shipped in pipeline/data/chem_ner from BC5CDR (train/devel).

Usage: nice -n 10 python tools/train_chemicals.py [--corpus ../shared/corpus/ner] [--work build/chem_ner]

Converts the corpus's JSONL (original text, character offsets) to spaCy DocBins tokenised by the
pipeline's own English tokenizer, runs `spacy train` on CPU with tools/chem_ner/config.cfg (fixed
seed), then copies the best model (by development-split F1) into the package, keeping only what
loading it needs. The held-out test split is not used here.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CONFIG = REPO / "tools" / "chem_ner" / "config.cfg"
CODE = REPO / "tools" / "chem_ner" / "functions.py"
TARGET = REPO / "pipeline" / "data" / "chem_ner"
LEXICON = REPO / "pipeline" / "data" / "chem_lexicon.txt"
SPLITS = {"train": "bc5cdr_chem_train.jsonl", "dev": "bc5cdr_chem_devel.jsonl"}
MAX_FILE = 4 * 1024 * 1024  # every file committed to the repository stays under 4 MB


def to_docbin(nlp, path: Path, out: Path) -> dict:
    """Write one split as a DocBin; gold spans that cut a token are marked unknown, not wrong."""
    from spacy.tokens import DocBin

    bin_, stats = DocBin(), {"docs": 0, "spans": 0, "misaligned": 0}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        doc = nlp.make_doc(rec["text"])
        ents, missing = [], []
        for g in rec["gold"]:
            span = doc.char_span(g["start"], g["end"], label="CHEMICAL")
            if span is None:
                stats["misaligned"] += 1
                wide = doc.char_span(g["start"], g["end"], alignment_mode="expand")
                if wide is not None:
                    missing.append(wide)
                continue
            ents.append(span)
        ents = _non_overlapping(ents)
        missing = [m for m in missing if not any(m.start < e.end and e.start < m.end for e in ents)]
        doc.set_ents(ents, missing=_non_overlapping(missing), default="outside")
        bin_.add(doc)
        stats["docs"] += 1
        stats["spans"] += len(ents)
    bin_.to_disk(out)
    return stats


def write_lexicon(path: Path, out: Path) -> int:
    """The one-word chemical names of the training split, lower case, one a line (facts only)."""
    names = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            names |= {g["text"].lower() for g in json.loads(line)["gold"]
                      if re.fullmatch(r"[A-Za-z][a-z]+", g["text"])}
    out.write_text("# one-word chemical names annotated in BC5CDR train (see tools/train_chemicals.py)\n"
                   + "".join(f"{n}\n" for n in sorted(names)), encoding="utf-8")
    return len(names)


def _non_overlapping(spans):
    """The spans without overlaps (longest first), sorted by position."""
    out, used = [], set()
    for s in sorted(spans, key=lambda s: (s.start - s.end, s.start)):
        if used.isdisjoint(range(s.start, s.end)):
            out.append(s)
            used.update(range(s.start, s.end))
    return sorted(out, key=lambda s: s.start)


def ship(best: Path, target: Path) -> None:
    """Copy the trained pipeline into the package without training-only files."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(best, target, ignore=shutil.ignore_patterns("*.spacy"))
    from spacy import util

    # The shipped config must load anywhere: no training paths, no training-only callback.
    config = util.load_config(target / "config.cfg", interpolate=False)
    config["paths"] = {"train": None, "dev": None}
    config["initialize"]["before_init"] = None
    config.to_disk(target / "config.cfg")
    meta = json.loads((target / "meta.json").read_text(encoding="utf-8"))
    meta.update({"name": "chem_ner", "version": "1.0.0",
                 "description": "Chemical-name recogniser trained on BC5CDR train, selected on devel",
                 "sources": [{"name": "BioCreative V CDR corpus (chemical annotations)",
                              "url": "https://doi.org/10.1093/database/baw068",
                              "license": "Public Domain Mark 1.0 (BigBio)"}]})
    (target / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    big = [p for p in target.rglob("*") if p.is_file() and p.stat().st_size >= MAX_FILE]
    if big:
        raise SystemExit(f"model file over 4 MB: {big}")


def main(argv=None) -> int:
    """Convert, train (CPU, seeded), and ship the best model into pipeline/data/chem_ner."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus" / "ner")
    ap.add_argument("--work", type=Path, default=REPO / "build" / "chem_ner")
    ap.add_argument("--max-steps", type=int, default=None, help="override training.max_steps")
    ap.add_argument("--no-ship", action="store_true", help="train only; leave the package alone")
    args = ap.parse_args(argv)
    import spacy

    from pipeline.extract import EXCLUDE, _model_name

    missing = [n for n in SPLITS.values() if not (args.corpus / n).is_file()]
    if missing:
        raise SystemExit(f"{args.corpus}: missing {', '.join(missing)} (see its README)")
    model = _model_name()
    nlp = spacy.load(model, exclude=EXCLUDE + ["ner"])  # the tokenizer the pipeline uses
    args.work.mkdir(parents=True, exist_ok=True)
    for split, name in SPLITS.items():
        stats = to_docbin(nlp, args.corpus / name, args.work / f"{split}.spacy")
        print(f"{split}: {stats}")
    cmd = [sys.executable, "-m", "spacy", "train", str(CONFIG), "--output", str(args.work / "out"),
           "--code", str(CODE), "--gpu-id", "-1",
           "--paths.train", str(args.work / "train.spacy"), "--paths.dev", str(args.work / "dev.spacy"),
           "--initialize.before_init.model", model]
    if args.max_steps:
        cmd += ["--training.max_steps", str(args.max_steps)]
    subprocess.run(cmd, check=True)
    best = args.work / "out" / "model-best"
    scores = json.loads((best / "meta.json").read_text(encoding="utf-8")).get("performance", {})
    print("development split:", {k: scores.get(k) for k in ("ents_p", "ents_r", "ents_f")})
    if not args.no_ship:
        ship(best, TARGET)
        n = write_lexicon(args.corpus / SPLITS["train"], LEXICON)
        print(f"shipped to {TARGET.relative_to(REPO)}; {n} names in {LEXICON.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
