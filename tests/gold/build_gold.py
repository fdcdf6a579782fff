"""Builds tests/gold/gold.jsonl from the authoring source gold_src.txt ([surface]{id} markup)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / "gold_src.txt"
OUT = HERE / "gold.jsonl"

HEADER = re.compile(r"^=== (\S+) \| (\w+) \| (\w+) \| speakers: ?(.*)$")
MARK = re.compile(r"\[([^\[\]]+)\]\{([^{}\[\]]+)\}")
ID_FORMS = {
    "COUNTRY": re.compile(r"^[A-Z]{3}$"),
    "REGION": re.compile(r"^region:[a-z0-9]+(-[a-z0-9]+)*$"),
    "ACTOR": re.compile(r"^(person|org):[a-z0-9]+(-[a-z0-9]+)*$"),
    "CHEMICAL": re.compile(r"^chem:[a-z0-9]+(-[a-z0-9]+)*$"),
}


def type_of(entity_id: str) -> str:
    """The entity type implied by a canonical id (ISO alpha-3, region:, person:/org:, chem:)."""
    for kind, form in ID_FORMS.items():
        if form.match(entity_id):
            return kind
    raise ValueError(f"malformed id {entity_id!r}")


def parse_block(header: re.Match, body: str) -> dict:
    """One gold record: plain text plus character-offset mentions."""
    text, mentions, pos = [], [], 0
    last = 0
    for m in MARK.finditer(body):
        text.append(body[last:m.start()])
        pos += m.start() - last
        surface, eid = m.group(1), m.group(2)
        mentions.append({"start": pos, "end": pos + len(surface), "text": surface,
                         "type": type_of(eid), "id": eid})
        text.append(surface)
        pos += len(surface)
        last = m.end()
    text.append(body[last:])
    plain = "".join(text)
    # Stray markup characters mean a typo in the source: fail loudly rather than mis-annotate.
    if re.search(r"\]\{|\{[a-zA-Z]+:", plain):
        raise ValueError(f"{header.group(1)}: unparsed markup in {plain!r}")
    speakers = [s.strip() for s in header.group(4).split(";") if s.strip()]
    return {"id": header.group(1), "kind": header.group(2), "split": header.group(3),
            "speakers": speakers, "text": plain, "mentions": mentions}


def build(src: Path = SRC) -> list[dict]:
    """Parse every block of the authoring source into gold records."""
    records, header, lines = [], None, []
    for line in src.read_text(encoding="utf-8").splitlines():
        m = HEADER.match(line)
        if m:
            if header:
                records.append(parse_block(header, "\n".join(lines).strip("\n")))
            header, lines = m, []
        elif header is not None:
            lines.append(line)
    if header:
        records.append(parse_block(header, "\n".join(lines).strip("\n")))
    return records


def main() -> int:
    """Write gold.jsonl and print a short summary."""
    records = build()
    with OUT.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    n = sum(len(r["mentions"]) for r in records)
    print(f"{len(records)} texts, {n} mentions -> {OUT.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
