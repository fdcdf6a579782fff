"""Property-based tests: random text and bytes fed to every transcript reader and the PDF reader
raise nothing but SourceError."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_ingest_pdf import make_pdf

from pipeline.errors import SourceError
from pipeline.ingest import READERS, ReadOptions

SETTINGS = settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
TRANSCRIPT_SUFFIXES = (".vtt", ".srt", ".txt")

# Fragments that steer random text into the parsers' deeper paths (headers, timings, tags, labels).
FRAGMENTS = st.sampled_from([
    "WEBVTT", "\ufeffWEBVTT", "\n", "\n\n", "\r\n", " --> ", "-->", "00:00:01.000", "00:01,500", "0:0:0.5", "99:99:99.999",
    "<v Dr. Lena Varga>", "<v.loud>", "</v>", "<c.red>", "<00:00:02.000>", "<i>", "</b>", "<", ">", "&amp;", "&lt", "&#0;",
    "&#x110000;", "NOTE", "STYLE", "REGION", "1", "Moderator: ", "[00:00:04] ", "(01:02) ", "Q: ", "- ", "{\\an8}", "♪", "\u200f",
    "\xe2\x80\x94", "Kind: captions", ":", " ",
])
STRUCTURED = st.lists(st.one_of(FRAGMENTS, st.text(max_size=8)), max_size=40).map("".join)


def _check(path, data: bytes) -> None:
    """Read the file with its reader (not through read_source's safety net); a SourceError must
    name the file, anything else escaping fails the test."""
    path.write_bytes(data)
    try:
        source = READERS[path.suffix](path, ReadOptions())
    except SourceError as exc:
        assert path.name in str(exc)
        return
    for segment in source.segments:
        assert isinstance(segment.text, str) and segment.file == path.name


@pytest.mark.parametrize("suffix", TRANSCRIPT_SUFFIXES)
@SETTINGS
@given(text=st.one_of(st.text(), STRUCTURED))
def test_random_text(tmp_path, suffix, text):
    _check(tmp_path / f"fuzz{suffix}", text.encode("utf-8", "surrogatepass"))


@pytest.mark.parametrize("suffix", TRANSCRIPT_SUFFIXES)
@SETTINGS
@given(data=st.binary(max_size=2000))
def test_random_bytes(tmp_path, suffix, data):
    _check(tmp_path / f"fuzz{suffix}", data)


@SETTINGS
@given(data=st.one_of(st.binary(max_size=2000), st.binary(max_size=2000).map(lambda b: b"%PDF-1.4\n" + b)))
def test_random_bytes_pdf(tmp_path, data):
    _check(tmp_path / "fuzz.pdf", data)


VALID_PDF = make_pdf(["Hello slide", "Second page"], compress=True)


@SETTINGS
@given(offset=st.integers(0, len(VALID_PDF) - 1), cut=st.integers(0, 64), junk=st.binary(max_size=64))
def test_mutated_pdf(tmp_path, offset, cut, junk):
    _check(tmp_path / "mutant.pdf", VALID_PDF[:offset] + junk + VALID_PDF[offset + cut:])
