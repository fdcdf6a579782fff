"""Tests of tools/train_chemicals.py: corpus conversion, the lexicon, shipping without training files."""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))

import train_chemicals  # noqa: E402


def _corpus(tmp_path):
    text = "Aniline and [3H]-naloxone.\nWe gave cocaine."
    gold = [{"start": 0, "end": 7, "text": "Aniline"},
            {"start": 13, "end": 17, "text": "3H]-"},  # cuts a token: unknown, not wrong
            {"start": 35, "end": 42, "text": "cocaine"}]
    path = tmp_path / "mini.jsonl"
    path.write_text(json.dumps({"id": "1", "text": text, "gold": gold}) + "\n", encoding="utf-8")
    return path


def test_to_docbin_keeps_aligned_spans_and_marks_the_rest_unknown(tmp_path, nlp):
    from spacy.tokens import DocBin

    stats = train_chemicals.to_docbin(nlp, _corpus(tmp_path), tmp_path / "mini.spacy")
    assert stats == {"docs": 1, "spans": 2, "misaligned": 1}
    doc = next(DocBin().from_disk(tmp_path / "mini.spacy").get_docs(nlp.vocab))
    assert [e.text for e in doc.ents] == ["Aniline", "cocaine"]
    assert any(t.ent_iob_ == "" for t in doc)  # the misaligned span's tokens are missing values
    assert doc[1].ent_iob_ == "O"


def test_lexicon_lists_one_word_names_in_lower_case(tmp_path):
    out = tmp_path / "lex.txt"
    assert train_chemicals.write_lexicon(_corpus(tmp_path), out) == 2
    assert out.read_text("utf-8").splitlines()[1:] == ["aniline", "cocaine"]


def test_ship_drops_training_paths_and_callbacks(tmp_path):
    target = tmp_path / "chem_ner"
    train_chemicals.ship(REPO / "pipeline" / "data" / "chem_ner", target)
    config = (target / "config.cfg").read_text("utf-8")
    assert "copy_norms" not in config and "/work" not in config
    assert json.loads((target / "meta.json").read_text("utf-8"))["name"] == "chem_ner"
