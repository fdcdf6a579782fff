"""Build hearings.jsonl (entity gold by offsets into the shared QMSum hearings) from hearings_src.txt.

The source text stays in ../shared; this script records only offsets, labels, ids and the short
surface strings, after checking each shared file's sha256. Usage:
    python tests/gold/real/build_hearings.py [--show] [--uncovered]
--show prints every gold span in its context and --uncovered every capitalised word no span
covers (the two review passes of the README).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
SHARED = REPO.parent / "shared" / "corpus" / "transcripts"
SRC = HERE / "hearings_src.txt"
OUT = HERE / "hearings.jsonl"
LABELS = {"COUNTRY": ("country",), "REGION": ("place",), "ACTOR": ("person", "organization"),
          "CHEMICAL": ("chemical",)}
# A speaker label ends at the first ": " outside parentheses (Hansard nests them).
_HEADER = re.compile(r"^=== (?P<id>[\w-]+) \| (?P<file>[\w.]+) \| lines (?P<a>\d+)-(?P<b>\d+)$")


@dataclass
class Excerpt:
    """One excerpt: whole turns of one shared transcript, lines a..b (1-based, inclusive)."""

    id: str
    file: str
    first_line: int
    last_line: int
    rules: list[tuple[str, str, str, str, str]]  # pattern, label, subtype, id, flags


def sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def split_label(line: str) -> int:
    """Index of the ': ' that ends the speaker label of one turn line (-1 when there is none)."""
    depth = 0
    for i, ch in enumerate(line):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == ":" and depth == 0 and line[i + 1:i + 2] == " ":
            return i
    return -1


def turns(text: str, first_line: int, last_line: int) -> list[dict]:
    """The turns on lines first..last of a transcript: label and body character ranges."""
    out, pos = [], 0
    for number, line in enumerate(text.split("\n"), start=1):
        if first_line <= number <= last_line and line.strip():
            cut = split_label(line)
            if cut < 0:
                raise ValueError(f"line {number}: expected 'Label: text', found {line[:40]!r}")
            out.append({"line": number, "label": [pos, pos + cut], "body": [pos + cut + 2, pos + len(line)]})
        pos += len(line) + 1
    return out


def parse_src(path: Path = SRC) -> list[Excerpt]:
    """The excerpts and their annotation rules: `surface | LABEL | subtype | id [| flags]` lines."""
    excerpts: list[Excerpt] = []
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        head = _HEADER.match(line)
        if head:
            excerpts.append(Excerpt(head["id"], head["file"], int(head["a"]), int(head["b"]), []))
            continue
        parts = [p.strip() for p in line.split(" | ")]
        if not excerpts or len(parts) not in (4, 5):
            raise ValueError(f"{path.name}:{n}: expected 'surface | LABEL | subtype | id [| flags]'")
        label, subtype = parts[1], parts[2]
        if label not in LABELS or subtype not in LABELS[label]:
            raise ValueError(f"{path.name}:{n}: bad label/subtype {label}/{subtype}")
        excerpts[-1].rules.append((parts[0], label, subtype, parts[3], parts[4] if len(parts) == 5 else ""))
    return excerpts


def pattern(surface: str) -> re.Pattern:
    """A surface written `left [span] right` matches in context; only the bracketed part is the span."""
    m = re.fullmatch(r"(.*?)\[(.+?)\](.*)", surface)
    left, span, right = (m.groups() if m else ("", surface, ""))
    # Word boundaries, except where the source lost a space ("GeorgeFloyd's", "UnitedStatesour").
    return re.compile(re.escape(left) + "(?<![A-Za-z])(" + re.escape(span) + ")" + re.escape(right))


def annotate(text: str, ex: Excerpt) -> list[dict]:
    """Gold mentions of one excerpt: every rule's matches in the turn bodies, longest rule first.

    Flags: `skip=2,3` drops those occurrences (1-based, in the excerpt), `only=1` keeps those,
    `optional` marks spans where either reading is defensible (not scored either way),
    `glued` lets the match end inside a word (a space lost in the source).
    """
    bodies = [t["body"] for t in turns(text, ex.first_line, ex.last_line)]
    taken: list[tuple[int, int]] = []
    mentions = []
    for surface, label, subtype, gid, flags in sorted(ex.rules, key=lambda r: -len(r[0])):
        opts = dict(f.split("=", 1) if "=" in f else (f, "") for f in flags.split() if f)
        rx = pattern(surface)
        hits = []
        for a, b in bodies:
            for m in rx.finditer(text, a, b):
                s, e = m.span(1)
                if "glued" not in opts and e < len(text) and (text[e].isalnum()):
                    continue
                hits.append((s, e))
        keep = set(range(1, len(hits) + 1))
        if "only" in opts:
            keep = {int(i) for i in opts["only"].split(",")}
        if "skip" in opts:
            keep -= {int(i) for i in opts["skip"].split(",")}
        chosen = [h for i, h in enumerate(hits, start=1) if i in keep]
        if not chosen:
            raise ValueError(f"{ex.id}: rule {surface!r} matches nothing")
        for s, e in chosen:
            if any(s < te and ts < e for ts, te in taken):
                continue  # inside a longer gold span already taken
            taken.append((s, e))
            mention = {"start": s, "end": e, "text": text[s:e], "label": label, "subtype": subtype, "id": gid}
            if "optional" in opts:
                mention["optional"] = True
            mentions.append(mention)
    return sorted(mentions, key=lambda m: m["start"])


def build(excerpts: list[Excerpt]) -> list[dict]:
    """One record per excerpt with the shared file's sha256, its turns and its mentions."""
    records = []
    for ex in excerpts:
        path = SHARED / ex.file
        text = path.read_text(encoding="utf-8")
        ts = turns(text, ex.first_line, ex.last_line)
        words = sum(len(text[a:b].split()) for a, b in (t["body"] for t in ts))
        records.append({"id": ex.id, "file": ex.file, "sha256": sha256(path),
                        "lines": [ex.first_line, ex.last_line],
                        "start": ts[0]["label"][0], "end": ts[-1]["body"][1], "words": words,
                        "turns": ts, "mentions": annotate(text, ex)})
    return records


_ID = {"COUNTRY": re.compile(r"[A-Z]{3}"), "REGION": re.compile(r"region:[a-z0-9-]+"),
       "CHEMICAL": re.compile(r"chem:[a-z0-9-]+"), "person": re.compile(r"person:[a-z0-9-]+"),
       "organization": re.compile(r"org:[a-z0-9-]+")}


def validate(record: dict, text: str, digest: str) -> list[str]:
    """Every way one gold record disagrees with its shared file or with the annotation rules."""
    import pycountry

    rid, problems = record.get("id", "?"), []
    if record["sha256"] != digest:
        problems.append(f"{rid}: sha256 {record['sha256'][:12]}… but the file is {digest[:12]}…")
        return problems  # offsets into another text mean nothing
    bodies = []
    for t in record["turns"]:
        (la, lb), (ba, bb) = t["label"], t["body"]
        if not (record["start"] <= la < lb and lb + 2 == ba <= bb <= record["end"] <= len(text)):
            problems.append(f"{rid}: turn at line {t['line']}: ranges {t['label']} {t['body']} out of order")
        elif text[lb:ba] != ": " or "\n" in text[la:bb] or (la and text[la - 1] != "\n"):
            problems.append(f"{rid}: turn at line {t['line']}: not one 'Label: text' line")
        bodies.append((ba, bb))
    words = sum(len(text[a:b].split()) for a, b in bodies)
    if words != record["words"]:
        problems.append(f"{rid}: words {record['words']}, expected {words}")
    last_end = -1
    for m in record["mentions"]:
        where = f"{rid}: mention {m.get('text')!r} at {m['start']}"
        if text[m["start"]:m["end"]] != m["text"] or m["start"] >= m["end"]:
            problems.append(f"{where}: the file has {text[m['start']:m['end']]!r} there")
        if not any(a <= m["start"] and m["end"] <= b for a, b in bodies):
            problems.append(f"{where}: not inside one turn body")
        if m["start"] < last_end:
            problems.append(f"{where}: overlaps the previous mention")
        last_end = max(last_end, m["end"])
        if m["label"] not in LABELS or m["subtype"] not in LABELS[m["label"]]:
            problems.append(f"{where}: label {m['label']}/{m['subtype']} is not one of {LABELS}")
            continue
        rule = _ID[m["subtype"] if m["label"] == "ACTOR" else m["label"]]
        if not rule.fullmatch(m["id"]) or (m["label"] == "COUNTRY" and not pycountry.countries.get(alpha_3=m["id"])):
            problems.append(f"{where}: id {m['id']!r} does not fit {m['label']}/{m['subtype']}")
    return problems


def review(records: list[dict], show: bool, uncovered: bool) -> None:
    """Print spans in context and/or capitalised words outside every span, for the review passes."""
    for r in records:
        text = (SHARED / r["file"]).read_text(encoding="utf-8")
        print(f"=== {r['id']} ({r['words']} words, {len(r['mentions'])} mentions)")
        if show:
            for m in r["mentions"]:
                ctx = text[max(0, m["start"] - 30):m["start"]] + "[" + m["text"] + "]" + text[m["end"]:m["end"] + 30]
                print(f"  {m['label']:8} {m['id']:28} {'opt ' if m.get('optional') else ''}{ctx!r}")
        if uncovered:
            spans = [(m["start"], m["end"]) for m in r["mentions"]]
            for t in r["turns"]:
                a, b = t["body"]
                for m in re.finditer(r"\b[A-Z][\w'.-]*", text[a:b]):
                    s = a + m.start()
                    if not any(x <= s < y for x, y in spans):
                        print(f"  ? {m.group(0)!r}: {text[max(a, s - 25):s + 30]!r}")


def main(argv=None) -> int:
    """Write hearings.jsonl (or only review it); exits 2 when ../shared is absent."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--show", action="store_true")
    ap.add_argument("--uncovered", action="store_true")
    args = ap.parse_args(argv)
    if not SHARED.is_dir():
        print(f"{SHARED} is absent: nothing to build", file=sys.stderr)
        return 2
    records = build(parse_src())
    problems = [p for r in records for p in validate(
        r, (SHARED / r["file"]).read_text(encoding="utf-8"), sha256(SHARED / r["file"]))]
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    if args.show or args.uncovered:
        review(records, args.show, args.uncovered)
        return 0
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    print(f"{OUT.name}: {len(records)} excerpts, {sum(r['words'] for r in records)} words, "
          f"{sum(len(r['mentions']) for r in records)} mentions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
