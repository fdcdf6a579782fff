"""Tests for typed transcripts (.txt) and speaker-label normalisation."""

from __future__ import annotations

import pytest

from pipeline.errors import SourceError
from pipeline.ingest import read_source
from pipeline.ingest.speakers import looks_like_label, normalise_speakers, split_label
from pipeline.ingest.txt import parse_line

TRANSCRIPT = """Spring Security Conference - Session 2
Transcript prepared from the recording.

[00:00:04] Moderator: Good afternoon. Our speaker is Dr. Lena Varga.

[00:00:41] Dr. Lena Varga: Thank you. I want to talk about verification:
what it can do, and what it cannot.

It has limits.
Lena Varga (Speaker): Let me start in 2013.
(00:02:10) Dr. Varga: The attacks continued.
00:03:00 - LENA VARGA: Chlorine is not scheduled.
[00:04:00] And a timestamp without a label continues her turn.
Audience member 2: How is attribution decided?
"""


def test_turns_timestamps_continuations_and_speakers(tmp_path):
    path = tmp_path / "talk.txt"
    path.write_text(TRANSCRIPT, encoding="utf-8")
    source = read_source(path)
    assert source.kind == "transcript"
    got = [(s.start, s.speaker, s.text) for s in source.segments]
    assert got == [
        (4.0, "Moderator", "Good afternoon. Our speaker is Dr. Lena Varga."),
        (41.0, "Dr. Lena Varga", "Thank you. I want to talk about verification: what it can do, and what it cannot.\n\nIt has limits."),
        (None, "Dr. Lena Varga", "Let me start in 2013."),
        (130.0, "Dr. Lena Varga", "The attacks continued."),
        (180.0, "Dr. Lena Varga", "Chlorine is not scheduled."),
        (240.0, "Dr. Lena Varga", "And a timestamp without a label continues her turn."),
        (None, "Audience member 2", "How is attribution decided?"),
    ]
    assert source.metadata["preamble"] == ["Spring Security Conference - Session 2", "Transcript prepared from the recording."]
    assert any("read as one speaker 'Dr. Lena Varga'" in n for n in source.notices)
    assert not any("read as one speaker" in w for w in source.warnings)  # a notice: it never trips --strict
    assert all(s.file == "talk.txt" and s.role == "text" and s.end is None for s in source.segments)


def test_otter_style_header_lines(tmp_path):
    path = tmp_path / "otter.txt"
    path.write_text("Lena Varga  0:41\nThank you very much.\n\nModerator  1:05\nThanks.\n", encoding="utf-8")
    assert [(s.speaker, s.start, s.text) for s in read_source(path).segments] == [("Lena Varga", 41.0, "Thank you very much."), ("Moderator", 65.0, "Thanks.")]


def test_text_without_any_label_is_kept_with_a_warning(tmp_path):
    path = tmp_path / "plain.txt"
    path.write_text("First paragraph\nwraps here.\n\nSecond one.\n", encoding="utf-8")
    source = read_source(path)
    assert [s.text for s in source.segments] == ["First paragraph wraps here.", "Second one."]
    assert any("no 'Speaker: text' turns" in w for w in source.warnings)


@pytest.mark.parametrize("data, reason", [(b"", "empty"), (b" \n\t\n", "only whitespace"), (b"\xff\xfe\x00\xd8", "UTF-16")])
def test_unreadable_text(tmp_path, data, reason):
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    with pytest.raises(SourceError, match=reason):
        read_source(path)


@pytest.mark.parametrize("label", ["Dr. Lena Varga", "Q", "Audience member 2", "Lena Varga (Speaker)", "LENA VARGA", "Neil deGrasse Tyson", "Ana de la Cruz", "Speaker 1"])
def test_labels(label):
    assert looks_like_label(label)


@pytest.mark.parametrize("label", ["Meanwhile, the attacks continued", "The answer is simple", "https", "1990s", "What it can do", ""])
def test_not_labels(label):
    assert not looks_like_label(label)


def test_split_label_and_parse_line():
    assert split_label("Moderator: Hello: world") == ("Moderator", "Hello: world")
    assert split_label("It was simple: no.") is None
    assert parse_line("[1:02:03] Q: Why?") == ("Q", 3723.0, "Why?")
    assert parse_line("plain continuation") is None


def test_normalise_speakers_uses_the_longest_full_form():
    mapping = normalise_speakers(["Dr. Lena Varga", "Lena Varga (Speaker)", "Dr. Varga", "LENA VARGA", "Varga", "Moderator", "Prof. Ian Varga"])
    # Two people called Varga: a bare surname is ambiguous and stays on its own.
    assert mapping["Lena Varga (Speaker)"] == mapping["LENA VARGA"] == "Dr. Lena Varga"
    assert mapping["Dr. Varga"] == "Dr. Varga" and mapping["Moderator"] == "Moderator"
    assert normalise_speakers(["Dr. Varga", "Lena Varga", "LENA VARGA"]) == dict.fromkeys(["Dr. Varga", "Lena Varga", "LENA VARGA"], "Lena Varga")
    assert normalise_speakers(["AMARA OKAFOR"]) == {"AMARA OKAFOR": "Amara Okafor"}


HEARING = """The Chair (Hon. Maria Lund (Northshore—Bay, Lib.)): I call this meeting to order. Mr. Osei has the floor.

Mr. Kofi Osei (Lanark—Frontenac—Kingston, CPC): Thank you, Mr. Chair. My question is for the minister: when will the fund open?

Hon. Ruth Keller (Minister of Small Business): The fund opens on Monday.

The Chair: Thank you. Ms. Brandt, go ahead.

Ms. Ana Brandt (Victoria, NDP): Will it cover ferries?

Hon. Ruth Keller: It will cover ferries.

Right Hon. Paul Ames (Papineau, Lib.): Let me add that the provinces agreed.

Gwen Price AM: Diolch. A question from Wales, then.
"""


def test_parliamentary_labels_are_speakers_and_one_person_keeps_one_name(tmp_path):
    path = tmp_path / "hearing.txt"
    path.write_text(HEARING, encoding="utf-8")
    speakers = [s.speaker for s in read_source(path).segments]
    assert speakers == ["The Chair (Hon. Maria Lund)", "Mr. Kofi Osei", "Hon. Ruth Keller", "The Chair (Hon. Maria Lund)",
                        "Ms. Ana Brandt", "Hon. Ruth Keller", "Right Hon. Paul Ames", "Gwen Price AM"]


@pytest.mark.parametrize("label", ["Mr. Scott Reid (Lanark—Frontenac—Kingston, CPC)", "The Chair (Hon. Anthony Rota (Nipissing—Timiskaming, Lib.))",
                                   "Right Hon. Justin Trudeau", "Lynne Neagle AM", "The Acting Chair (Mr. Bruce Stanton)"])
def test_parliamentary_labels(label):
    assert looks_like_label(label)
    assert split_label(f"{label}: Thank you.") == (label, "Thank you.")


@pytest.mark.parametrize("line", ["In the end (as I said, twice): nothing changed.", "The answer (really?): no.", "So (1990, 2000): dates."])
def test_prose_with_parentheses_is_not_a_label(line):
    assert split_label(line) is None


def test_different_people_are_never_merged():
    # Two chairs in one sitting: the bare "The Chair" could be either, so it stays apart.
    mapping = normalise_speakers(["The Chair (Hon. Maria Lund)", "The Chair", "The Chair (Mr. Tom Ruiz)", "Suzy Davies AM", "Steve Davies",
                                  "Davies", "The Acting Chair (Mr. Bruce Stanton)"])
    assert mapping["The Chair"] == "The Chair"
    assert mapping["The Chair (Hon. Maria Lund)"] != mapping["The Chair (Mr. Tom Ruiz)"]
    assert mapping["Suzy Davies AM"] == "Suzy Davies AM" and mapping["Steve Davies"] == "Steve Davies" and mapping["Davies"] == "Davies"
    assert mapping["The Acting Chair (Mr. Bruce Stanton)"] == "The Acting Chair (Mr. Bruce Stanton)"
    # One person under two labels: a portfolio in parentheses, and post-nominal letters.
    assert normalise_speakers(["Hon. Bill Blair", "Hon. Bill Blair (Minister of Public Safety)"]) == dict.fromkeys(
        ["Hon. Bill Blair", "Hon. Bill Blair (Minister of Public Safety)"], "Hon. Bill Blair")
    assert normalise_speakers(["Kirsty Williams AM", "Kirsty Williams"])["Kirsty Williams"] == "Kirsty Williams AM"


def test_transcript_over_the_word_limit_is_refused_after_reading_only_its_start(tmp_path):
    from pipeline.ingest import ReadOptions, read_source

    path = tmp_path / "transcript.txt"
    line = b"Speaker: " + b"word " * 200 + b"\n"
    path.write_bytes(line * 20_000)  # about 20 MB, 4 million words
    with pytest.raises(SourceError) as info:
        read_source(path, ReadOptions(max_transcript_words=100_000))
    message = str(info.value)
    assert message.startswith(f"{path}: has more than 100,000 words")
    assert "(counted in its first 1,048,576 of 20,200,000 bytes)" in message  # refused at the first megabyte
    assert "setting max_transcript_words" in message


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
def test_word_count_is_exact_across_chunks_and_encodings(tmp_path, encoding):
    from pipeline.ingest.textfile import WordLimit, _read_words

    path = tmp_path / "t.txt"
    path.write_bytes("Speaker: aa bb\u00a0cc déjà\n vu".encode(encoding))  # 6 words (NBSP splits, as str.split does)
    for chunk in (1, 2, 3, 5, 1 << 20):
        with open(path, "rb") as handle:
            assert _read_words(handle, path, WordLimit(6, "max_transcript_words"), chunk) == path.read_bytes()
        with open(path, "rb") as handle, pytest.raises(SourceError, match="more than 5 words"):
            _read_words(handle, path, WordLimit(5, "max_transcript_words"), chunk)


REPORT = """Quarterly note on precursor seizures

Attendance: customs, police and two analysts from the ministry.
Note: figures are provisional.

Seizures rose in the second quarter, mostly at the port. The analysts expect the trend to hold
through the winter, because the brokers have not changed their routes.

Date: 3 March
"""


def test_a_report_with_field_lines_is_prose_and_keeps_every_line(tmp_path):
    path = tmp_path / "report.txt"
    path.write_text(REPORT, encoding="utf-8")
    source = read_source(path)
    assert not any(s.speaker for s in source.segments)
    text = "\n".join(s.text for s in source.segments)
    for line in REPORT.splitlines():
        assert " ".join(line.split()) in " ".join(text.split()), line  # no line is dropped
    assert "Attendance" not in {s.speaker for s in source.segments}


def test_field_labels_never_become_speakers_inside_a_transcript(tmp_path):
    path = tmp_path / "talk.txt"
    path.write_text("Panel on border chemistry\nNote: recorded on 2 May.\n\n"
                    "Moderator: Welcome, everyone.\nInsp. Daniel Roy: Thank you.\n"
                    "Note: the slide was not shown.\nModerator: A question?\n"
                    "Insp. Daniel Roy: Gladly.\n", encoding="utf-8")
    source = read_source(path)
    assert [s.speaker for s in source.segments] == ["Moderator", "Insp. Daniel Roy", "Moderator",
                                                     "Insp. Daniel Roy"]
    assert source.segments[1].text == "Thank you. Note: the slide was not shown."
    assert source.metadata["preamble"] == ["Panel on border chemistry", "Note: recorded on 2 May."]


@pytest.mark.parametrize("lines, expected", [
    (["Moderator: Hi.", "Ana Ruiz: Hello.", "Moderator: Go on.", "Ana Ruiz: Yes."], True),
    (["Ana Ruiz: One.", "Ana Ruiz: Two.", "Ana Ruiz: Three."], True),  # a monologue with labels
    (["[00:01] Ana Ruiz: One.", "[00:05] Ben Ode: Two.", "A continuation line."], True),  # timestamps
    (["Dr. Ada Quill: Containers reach Manzanillo."], True),  # every line a turn
    (["Ana Ruiz: a quote.", "Prose follows here.", "Ben Ode: another."], False),
    (["Summary: all well.", "Attendance: ten.", "Note: none."], False),  # fields, not speakers
    (["The report follows.", "Ana Ruiz: a quote.", "More prose here.", "And more prose.",
      "Ben Ode: another.", "Prose again."], False),  # a few labels in prose
    ([], False),
])
def test_looks_like_transcript(lines, expected):
    from pipeline.ingest.txt import looks_like_transcript

    assert looks_like_transcript(lines) is expected


def test_person_name_of_a_label_is_the_name_only():
    from pipeline.ingest.speakers import person_name

    assert person_name("Hon. Rosa Lindqvist (Kelowna—Lake Country, CPC)") == "Rosa Lindqvist"
    assert person_name("Owain Pritchard-Jones MS") == "Owain Pritchard-Jones"
    assert person_name("The Acting Chair (Mrs. Nadia Okoro (Red Deer, Lib.))") == "Nadia Okoro"
    assert person_name("Right Hon. Marc Tremblay") == "Marc Tremblay"
    assert person_name("Sir Alan Dobbs QC") == "Alan Dobbs"
    assert person_name("Priya Raman, PhD") == "Priya Raman"
    assert person_name("Dr. Kim AM") == "Kim AM"  # one word left: nothing is cut from it
