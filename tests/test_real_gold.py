"""The blind entity gold on real hearings (tests/gold/real/): in sync with its source, true to the
shared files it points into, and its validator able to fail. Skips when ../shared is absent."""

from __future__ import annotations

import copy
import importlib.util
import json
import sys
from pathlib import Path

import pytest

REAL = Path(__file__).resolve().parent / "gold" / "real"


def _builder():
    """tests/gold/real/build_hearings.py as a module (it is a script, not in a package)."""
    if "build_hearings" not in sys.modules:
        spec = importlib.util.spec_from_file_location("build_hearings", REAL / "build_hearings.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["build_hearings"] = module  # dataclasses look their module up here
        spec.loader.exec_module(module)
    return sys.modules["build_hearings"]


@pytest.fixture
def gold(shared_dir):
    """(builder module, records, {file: (text, sha256)}) for the hearings gold."""
    builder = _builder()
    records = [json.loads(line) for line in (REAL / "hearings.jsonl").read_text(encoding="utf-8").splitlines() if line]
    folder = shared_dir / "corpus" / "transcripts"
    files = {r["file"]: ((folder / r["file"]).read_text(encoding="utf-8"), builder.sha256(folder / r["file"]))
             for r in records}
    return builder, records, files


def test_every_record_matches_its_shared_file(gold):
    builder, records, files = gold
    problems = [p for r in records for p in builder.validate(r, *files[r["file"]])]
    assert problems == []


def test_jsonl_is_built_from_the_source(gold):
    builder, records, _ = gold
    assert builder.build(builder.parse_src()) == records


def test_size_and_spread(gold):
    _, records, _ = gold
    assert len({r["file"] for r in records}) >= 3
    assert 4000 <= sum(r["words"] for r in records) <= 7000
    required = [m for r in records for m in r["mentions"] if not m.get("optional")]
    assert {m["label"] for m in required} >= {"COUNTRY", "ACTOR", "REGION"}
    assert {m["subtype"] for m in required if m["label"] == "ACTOR"} == {"person", "organization"}


@pytest.mark.parametrize("damage, expected", [
    (lambda r: r.update(sha256="0" * 64), "sha256"),
    (lambda r: r["mentions"][0].update(start=r["mentions"][0]["start"] + 1), "the file has"),
    (lambda r: r["mentions"][0].update(label="PLACE"), "label"),
    (lambda r: r["mentions"][0].update(id="XXX", label="COUNTRY", subtype="country"), "id"),
    (lambda r: r["mentions"][1].update(start=r["mentions"][0]["start"], end=r["mentions"][0]["end"],
                                       text=r["mentions"][0]["text"]), "overlaps"),
    (lambda r: r.update(words=r["words"] + 1), "words"),
    (lambda r: r["turns"][0]["body"].__setitem__(0, r["turns"][0]["body"][0] - 1), "turn"),
])
def test_validator_rejects_damage(gold, damage, expected):
    builder, records, files = gold
    record = copy.deepcopy(records[0])
    damage(record)
    problems = builder.validate(record, *files[record["file"]])
    assert any(expected in p for p in problems), problems


def test_label_split_keeps_commas_inside_parentheses():
    builder = _builder()
    line = "The Chair (Hon. A Rota (Nipissing, Lib.)): I call this meeting to order: now."
    assert line[:builder.split_label(line)] == "The Chair (Hon. A Rota (Nipissing, Lib.))"
    assert builder.split_label("no label here") == -1
