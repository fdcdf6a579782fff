"""Tests for the caption readers (WebVTT and SRT) and their shared cue-text handling."""

from __future__ import annotations

import codecs

import pytest

from pipeline.errors import SourceError
from pipeline.ingest import read_source
from pipeline.ingest.captions import parse_timestamp, voice_spans


@pytest.fixture
def write(tmp_path):
    """Write text (or bytes) to a file in tmp_path and return its path."""

    def _write(name: str, data: str | bytes):
        path = tmp_path / name
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return path

    return _write


@pytest.mark.parametrize(
    "text, seconds",
    [("00:01.500", 1.5), ("01:02:03.004", 3723.004), ("0:0:0.570", 0.57), ("00:00:01,250", 1.25), ("1:05", 65.0),
     ("00:61.000", None), ("00:00:1d.890", None), ("abc", None)],
)
def test_parse_timestamp(text, seconds):
    assert parse_timestamp(text) == seconds


def test_voice_spans_tags_and_entities():
    spans = voice_spans("<v.loud Dr. Lena Varga>Hello <b>there</b> &amp; <00:00:01.000><c.red>you</c> &l &lt;3</v> <i>applause</i>")
    assert [(v, " ".join(t.split())) for v, t in spans] == [("Dr. Lena Varga", "Hello there & you &l <3"), (None, "applause")]
    assert voice_spans("<v Kyle>unclosed <ruby>漢<rt>kan</rt></ruby> <lang en>ok") == [("Kyle", "unclosed 漢kan ok")]


VTT = """WEBVTT - conference recording
Kind: captions

STYLE
::cue { color: white }

REGION
id:fred width:40%

NOTE a comment
that spans lines

intro
00:00:01.000 --> 00:00:04.000 align:start
<v Moderator>Welcome, everyone.</v>

00:00:04.500 --> 00:00:08.000
<v Dr. Lena Varga>Thank you. <i>Chlorine</i> is
not on the schedules.

00:00:08.000 --> 00:00:09.000
<v Moderator>Questions?</v>
<v LENA VARGA>Yes.</v>
"""


def test_vtt_cues_voices_and_skipped_blocks(write):
    source = read_source(write("talk.vtt", VTT))
    assert source.kind == "transcript"
    got = [(s.start, s.end, s.speaker, s.text) for s in source.segments]
    assert got == [
        (1.0, 4.0, "Moderator", "Welcome, everyone."),
        (4.5, 8.0, "Dr. Lena Varga", "Thank you. Chlorine is not on the schedules."),
        (8.0, 9.0, "Moderator", "Questions?"),
        (8.0, 9.0, "Dr. Lena Varga", "Yes."),
    ]
    assert all(s.role == "text" and s.file == "talk.vtt" for s in source.segments)


def test_vtt_signature_required_bom_allowed(write):
    with pytest.raises(SourceError, match=r"no\.vtt: not a WebVTT file: expected the signature 'WEBVTT' on line 1, found '00:00"):
        read_source(write("no.vtt", "00:00.000 --> 00:01.000\nHi\n"))
    with pytest.raises(SourceError, match="not a WebVTT file"):
        read_source(write("wrong.vtt", "WEBVTTX\n\n00:00.000 --> 00:01.000\nHi\n"))
    assert read_source(write("bom.vtt", "\ufeffWEBVTT\n\n00:00.000 --> 00:01.000\nHi\n")).segments[0].text == "Hi"


def test_vtt_bad_timing_line_skips_the_cue_with_its_line_number(write):
    source = read_source(write("t.vtt", "WEBVTT\n\n00:01.000 --> 00:02.000\nOne\n\n00:02.000 --> 00:0x.000\nTwo\n\n00:03.000 --> 00:04.000\nThree\n"))
    assert [s.text for s in source.segments] == ["One", "Three"]
    assert any("line 6: malformed end time" in w for w in source.warnings)
    with pytest.raises(SourceError, match="line 3: malformed start time"):
        read_source(write("all-bad.vtt", "WEBVTT\n\nxx:01.000 --> 00:02.000\nOne\n"))


def test_vtt_youtube_rolling_lines_collapsed(write):
    text = """WEBVTT
Kind: captions
Language: en

00:00:01.000 --> 00:00:03.000 align:start position:0%
so<00:00:01.500><c> the</c><00:00:02.000><c> first</c>

00:00:03.000 --> 00:00:03.010 align:start position:0%
so the first

00:00:03.010 --> 00:00:05.000 align:start position:0%
so the first
thing<00:00:03.500><c> it</c><00:00:04.000><c> does</c>

00:00:05.000 --> 00:00:05.010 align:start position:0%
thing it does
"""
    source = read_source(write("yt.vtt", text))
    assert [(s.start, s.text) for s in source.segments] == [(1.0, "so the first"), (3.01, "thing it does")]


def test_vtt_zoom_name_prefixes_become_speakers(write):
    text = "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nLena Varga: Hello.\n\n2\n00:00:02.000 --> 00:00:03.000\nModerator: Thanks, Dr. Varga.\n"
    source = read_source(write("zoom.vtt", text))
    assert [(s.speaker, s.text) for s in source.segments] == [("Lena Varga", "Hello."), ("Moderator", "Thanks, Dr. Varga.")]


def test_vtt_dialogue_dash_lines_split(write):
    source = read_source(write("d.vtt", "WEBVTT\n\n00:01.000 --> 00:02.000\n- Tea?\n- Not hot.\n"))
    assert [s.text for s in source.segments] == ["Tea?", "Not hot."]


def test_vtt_empty_and_cueless(write):
    with pytest.raises(SourceError, match="empty"):
        read_source(write("e.vtt", b""))
    source = read_source(write("h.vtt", "WEBVTT\n"))
    assert source.segments == () and any("no cue text" in w for w in source.warnings)


SRT = "1\r\n00:00:01,000 --> 00:00:03,500\r\n<i>Hello</i> <font color=\"red\">there</font>\r\n\r\n00:00:04,000 --> 00:00:06,000\r\n{\\an8}No number, 2 < 3\r\n\r\n3\r\n00:00:07,000 --> 00:00:08,000\r\nLine one\r\n\r\nstill cue three\r\n"


@pytest.mark.parametrize(
    "encoding, bom",
    [("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE), ("cp1252", b"")],
)
def test_srt_encodings_crlf_missing_numbers_and_tags(write, encoding, bom):
    text = SRT.replace("Hello", "Héllo – “quoted”")
    source = read_source(write("c.srt", bom + text.encode(encoding)))
    got = [(s.start, s.end, s.text) for s in source.segments]
    assert got == [(1.0, 3.5, "Héllo – “quoted” there"), (4.0, 6.0, "No number, 2 < 3"), (7.0, 8.0, "Line one still cue three")]
    assert (encoding == "cp1252") == any("Windows-1252" in w for w in source.warnings)


def test_srt_without_cues_is_an_error(write):
    with pytest.raises(SourceError, match=r"x\.srt: not a SubRip file"):
        read_source(write("x.srt", "just some text\n"))
    with pytest.raises(SourceError, match="NUL byte"):
        read_source(write("y.srt", b"1\n\x00\x00-->"))


@pytest.mark.parametrize("name, cue", [("t.vtt", "WEBVTT\n\n"), ("t.srt", "")])
def test_caption_files_over_the_word_limit_are_refused(write, name, cue):
    from pipeline.ingest import ReadOptions

    body = cue + "".join(f"{n}\n00:00:{n % 60:02d}.000 --> 00:00:{n % 60:02d}.500\nsome words here\n\n" for n in range(1, 200))
    path = write(name, body)
    with pytest.raises(SourceError, match="more than 100 words.*setting max_transcript_words"):
        read_source(path, ReadOptions(max_transcript_words=100))
    assert read_source(path, ReadOptions(max_transcript_words=10_000)).segments
