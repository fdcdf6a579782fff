"""The manuscript's names looked up by what the briefing already knows (pipeline/extract/known.py): no model."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pipeline.extract.known import find_names, match_known, name_table, titled_persons
from pipeline.extract.resolve import Raw
from pipeline.models import Segment, Source

REPO = Path(__file__).resolve().parents[1]


def manuscript(*texts: str, role: str = "text") -> Source:
    return Source(path="note.md", kind="manuscript", segments=tuple(Segment(text=t, file="note.md", role=role) for t in texts))


def named(text: str, table) -> list[tuple[str, str, str]]:
    return [(text[a:b], kind, rid) for a, b, kind, rid in find_names(text, table)]


def test_curated_names_are_found_as_whole_words_longest_first():
    table = name_table([])
    text = "Mexico's ports and Chinatown shops; the United Arab Emirates and the OPCW; acetic anhydride."
    found = named(text, table)
    assert ("Mexico", "COUNTRY", "MEX") in found
    assert ("United Arab Emirates", "COUNTRY", "ARE") in found
    assert any(rid == "org:opcw" for _, _, rid in found)
    assert any(name == "acetic anhydride" and kind == "CHEMICAL" for name, kind, _ in found)
    assert not any(name == "China" for name, _, _ in found)  # not inside "Chinatown"
    assert not any(name == "Arab" for name, _, _ in found)  # inside a longer name


def test_names_read_by_context_are_taken_only_from_the_sources():
    """'Jordan' may be a person or a country: the manuscript reads it as the talk did, or not at all."""
    text = "Jordan spoke about Georgia and NPP."
    assert named(text, name_table([])) == []
    sources = [[Raw(0, 0, 0, 6, "Jordan", "COUNTRY", "JOR"), Raw(0, 1, 0, 7, "Georgia", "REGION", "region:georgia-us")]]
    found = named(text, name_table(sources))
    assert ("Jordan", "COUNTRY", "JOR") in found and ("Georgia", "REGION", "region:georgia-us") in found


def test_the_sources_reading_wins_over_the_lists():
    sources = [[Raw(0, 0, 0, 4, "Chad", "ACTOR", "person:chad-miller"), Raw(0, 0, 9, 20, "Chad Miller", "ACTOR", "person:chad-miller")]]
    assert named("Chad Miller and Chad agreed.", name_table(sources)) == [
        ("Chad Miller", "ACTOR", "person:chad-miller"), ("Chad", "ACTOR", "person:chad-miller")]


def test_a_one_word_person_needs_a_known_full_name():
    """The models' stray one-word persons ("what type of Bill") are not spread; part of a known full name is."""
    sources = [[Raw(0, 0, 0, 4, "Bill", "ACTOR", "person:bill"), Raw(0, 1, 0, 11, "Amara Okafor", "ACTOR", "person:amara-okafor"),
                Raw(0, 1, 20, 26, "Okafor", "ACTOR", "person:okafor")]]
    table = name_table(sources)
    assert named("The Bill passed; Okafor agreed.", table) == [("Okafor", "ACTOR", "person:okafor")]
    assert named("the Okafor report", table) == []  # one word after an article is no person


def test_speakers_are_known_in_full_by_surname_and_inside_a_sentence_by_first_name():
    table = name_table([], speakers=["Dr. Lena Varga", "Grant Ellis"])
    assert named("Lena Varga and Varga.", table) == [("Lena Varga", "ACTOR", "person:lena-varga"),
                                                    ("Varga", "ACTOR", "person:lena-varga")]
    assert named("Thanks, Lena. Grant funding fell; as Grant said.", table) == [
        ("Lena", "ACTOR", "person:lena-varga"), ("Grant", "ACTOR", "person:grant-ellis")]


def test_capitals_in_a_heading_line_are_not_organisations():
    table = name_table([])
    assert named("WHO WE ARE AND WHAT US FIRMS DO", table) == []
    assert ("WHO", "ACTOR", "org:who") in named("The WHO said so.", table)


def test_titled_persons_keep_the_name_only():
    cases = {
        "Dr. Jane Doe said": ["Jane Doe"],
        "as Deputy Chief Insp. Daniel Roy noted": ["Daniel Roy"],
        "Ambassador Ana de la Cruz met Prof. Okafor": ["Ana de la Cruz", "Okafor"],
        "Secretary General Guterres": ["Guterres"],
        "Dr. Ivo Brandt for help": ["Ivo Brandt"],
        "Mr. Chair, thank you": [],
        "the minister said": [],
        "Minister Responsible for Trade": [],
    }
    for text, names in cases.items():
        assert [text[a:b] for a, b in titled_persons(text, [])] == names, text


def test_match_known_gives_offsets_into_each_segment_and_skips_unreadable_text():
    source = manuscript("Intro.", "Shipments from China reached Dr. Ivo Brandt in Canada.")
    raws = match_known(source, name_table([]))
    assert {(r.segment, r.text, r.type, r.id) for r in raws} == {
        (1, "China", "COUNTRY", "CHN"), (1, "Canada", "COUNTRY", "CAN"), (1, "Ivo Brandt", "ACTOR", "person:ivo-brandt")}
    assert all(source.segments[r.segment].text[r.start:r.end] == r.text for r in raws)
    assert match_known(manuscript("China and Canada", role="unreadable"), name_table([])) == ()


def test_extract_entities_looks_up_the_manuscript_and_flags_what_no_source_names():
    """With other sources, no model reads the manuscript: it gets the sources' ids, and a name only
    it holds (a country of the lists, a titled person) is still found, so the attestation check holds."""
    from pipeline.extract import extract_entities, find_unattested

    talk = Source(path="talk.txt", kind="transcript", segments=(
        Segment(text="Precursors from China reach the Sinaloa Cartel.", file="talk.txt", speaker="Dr. Amara Okafor"),))
    mentions = {"talk.txt": (Raw(0, 0, 16, 21, "China", "COUNTRY", "CHN"),
                             Raw(0, 0, 26, 46, "Sinaloa Cartel", "ACTOR", "org:sinaloa-cartel"))}

    def annotate(source, speakers):
        return mentions[source.path]

    note = manuscript("Okafor said the Sinaloa Cartel buys from China and Peru.", "Dr. Ivo Brandt disagreed.")
    entities = extract_entities([talk], manuscript=note, speakers=["Dr. Amara Okafor"], annotate=annotate)
    by_id = {e.id: e for e in entities}
    assert {"person:amara-okafor", "org:sinaloa-cartel", "CHN", "PER", "person:ivo-brandt"} <= set(by_id)
    assert {m.file for m in by_id["org:sinaloa-cartel"].mentions} == {"note.md", "talk.txt"}
    warnings = find_unattested(note, [talk], entities)
    assert any("'Peru'" in w for w in warnings) and any("'Ivo Brandt'" in w for w in warnings)
    assert not any("Okafor" in w or "China" in w or "Sinaloa" in w for w in warnings), warnings


def test_a_manuscript_alone_is_read_by_the_models(nlp):
    """Nothing else could name its actors: a briefing with only a manuscript keeps the model's reading."""
    from pipeline.extract import extract_entities

    note = manuscript("Officials met Lena Varga in Lisbon on Tuesday.")
    ids = {e.id for e in extract_entities([], manuscript=note, nlp=nlp)}
    assert "person:lena-varga" in ids, ids


def test_looking_up_imports_no_model():
    code = ("import sys; from pipeline.extract import extract_entities; from pipeline.extract.known import name_table, "
            "match_known; from pipeline.models import Source, Segment; "
            "s = Source(path='n.md', kind='manuscript', segments=(Segment(text='China', file='n.md'),)); "
            "match_known(s, name_table([])); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('spacy', 'thinc')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_long_paragraph_dense_with_names_is_matched_whole():
    """A manuscript paragraph at the word limit, every few words a name: every mention is found."""
    text = "Dr. Ada Quill met the Bill team in Mexico and Canada. " * 2000
    raws = match_known(manuscript(text), name_table([]))
    assert sum(r.id == "MEX" for r in raws) == 2000 and sum(r.id == "person:ada-quill" for r in raws) == 2000
    assert not any(r.text == "Bill" for r in raws)
