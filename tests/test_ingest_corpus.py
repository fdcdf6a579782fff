"""Every file of the shared PDF and caption corpora is read or refused cleanly; vtt.js answer keys agree."""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from pipeline.errors import SourceError
from pipeline.ingest import ReadOptions, read_source

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
PDFS, CAPTIONS = CORPUS / "pdfs", CORPUS / "captions"
pytestmark = pytest.mark.skipif(not (PDFS / "index.json").is_file(), reason="../shared/corpus is absent")


def _index(folder: Path) -> list[dict]:
    """The corpus folder's index entries (none when the corpus is absent)."""
    path = folder / "index.json"
    return json.loads(path.read_text("utf-8")) if path.is_file() else []


def _read(path: Path, password: str | None = None):
    """The Source, or the SourceError (which must name the file); any other exception fails the test."""
    try:
        return read_source(path, ReadOptions(password=password))
    except SourceError as exc:
        assert path.name in str(exc), f"error does not name the file: {exc}"
        return exc


@pytest.mark.parametrize("entry", _index(PDFS), ids=lambda e: e["file"])
def test_every_pdf_yields_text_or_a_clean_error(entry):
    path = PDFS / entry["file"]
    result = _read(path, entry.get("password"))
    observed = entry.get("poppler_observed", {})
    if entry["bytes"] == 0:
        assert isinstance(result, SourceError) and "empty" in result.reason
        return
    if observed.get("pdftotext_rc") == 0 and observed.get("text_chars", 0) > 0:
        assert not isinstance(result, SourceError), f"poppler reads it, we refused: {result}"
        assert "".join(s.text for s in result.segments).strip()
        assert all(s.page and s.file == path.name for s in result.segments)
    elif not isinstance(result, SourceError):
        assert any("no text layer" in w for w in result.warnings) or any(s.ocr for s in result.segments)
    if not isinstance(result, SourceError):  # every page is read (from its text layer or by OCR) or named in a warning
        read = {s.page for s in result.segments if s.role == "text"}
        warned = {int(n) for w in result.warnings for n in re.findall(r"^[^:]+: page (\d+):", w)}
        assert read | warned == set(range(1, result.metadata["pages"] + 1))


@pytest.mark.parametrize("entry", [e for e in _index(PDFS) if e.get("password")], ids=lambda e: e["file"])
def test_password_pdfs_need_their_password(entry):
    result = _read(PDFS / entry["file"])
    assert isinstance(result, SourceError) and "password" in result.reason


@pytest.mark.parametrize("entry", [e for e in _index(PDFS) if "expected_output" in e], ids=lambda e: e["file"])
def test_pdf_text_matches_reference_extractions(entry):
    """Every word of the reference extraction (pypdf layout mode, pdfplumber) appears in ours."""
    source = _read(PDFS / entry["file"])
    words = lambda text: Counter(re.findall(r"\w+", text.lower()))
    ours = words(" ".join(s.text for s in source.segments))
    expected = words((PDFS / entry["expected_output"]["file"]).read_text("utf-8"))
    assert sum((ours & expected).values()) / sum(expected.values()) >= 0.95


@pytest.mark.parametrize("entry", _index(CAPTIONS), ids=lambda e: e["file"])
def test_every_caption_file_yields_cues_or_a_clean_error(entry):
    result = _read(CAPTIONS / entry["file"])
    refused = entry["bytes"] == 0 or "MALFORMED: no WEBVTT header" in entry["exercises"] or "must reject" in entry["exercises"]
    assert isinstance(result, SourceError) == refused, result
    if not refused:
        assert result.segments and all(s.start is not None and s.end is not None for s in result.segments)


def _fix_mojibake(text: str) -> str:
    """vtt.js's test harness read UTF-8 as Latin-1 ('â\\x80\\x94' for '—'); undo that where it applies."""
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def _norm(text: str) -> str:
    """Whitespace collapsed and invisible direction marks dropped, as our reader does."""
    return " ".join(re.sub("[\u200e\u200f]", "", text).split())


def _answer_keys():
    """(vtt file, cue list, processed DOM list) for each vtt.js answer key pair in the corpus."""
    for entry in _index(CAPTIONS):
        names = [f["file"] for f in entry.get("expected_files", [])]
        cues = next((n for n in names if not n.endswith("-proc.json")), None)
        proc = next((n for n in names if n.endswith("-proc.json")), None)
        if proc:
            yield pytest.param(entry["file"], cues, proc, id=entry["file"])


@pytest.mark.parametrize("vtt, cues_file, proc_file", list(_answer_keys()))
def test_vttjs_answer_keys_agree(vtt, cues_file, proc_file):
    proc = json.loads((CAPTIONS / proc_file).read_text("utf-8"))
    result = _read(CAPTIONS / vtt)
    if not proc:  # vtt.js found no cue: the file must be refused
        assert isinstance(result, SourceError)
        return
    cues = json.loads((CAPTIONS / cues_file).read_text("utf-8"))["cues"]
    ours = [list(group) for _, group in itertools.groupby(result.segments, key=lambda s: (s.start, s.end))]
    assert len(ours) == len(cues) == len(proc)
    for segments, cue, dom in zip(ours, cues, proc):
        assert (segments[0].start, segments[0].end) == (cue["startTime"], cue["endTime"])
        children = dom["childNodes"][0]["childNodes"]
        voices = {c["title"] for c in children if c.get("localName") == "span" and c.get("title")}
        assert {s.speaker for s in segments if s.speaker} == voices
        assert _norm(" ".join(s.text for s in segments)) == _norm(_fix_mojibake(dom["textContent"]))
