"""Tests of merging by span: organisation cues, places versus persons, the chemical model's names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BC5CDR_DEV = REPO.parent / "shared" / "corpus" / "ner" / "bc5cdr_chem_devel.jsonl"


def _entities(nlp, text):
    from pipeline.extract import extract_text

    return {e.id: e for e in extract_text(text, nlp=nlp)}


# ---------------------------------------------------------------- chemicals outside the lists

def test_chemicals_the_lists_do_not_know_get_slug_ids_and_no_control(nlp):
    got = _entities(nlp, "Officers found alprazolam tablets next to drums of aniline and two "
                         "litres of sodium borohydride in the garage.")
    for cid, text in (("chem:aniline", "aniline"), ("chem:sodium-borohydride", "sodium borohydride")):
        assert got[cid].type == "CHEMICAL" and [m.text for m in got[cid].mentions] == [text]
        assert got[cid].control is None and got[cid].cas is None
    # propionyl chloride is a Canadian Class A precursor (controlled.json): same slug id, with status.
    listed = _entities(nlp, "Two litres of propionyl chloride were in the garage.")["chem:propionyl-chloride"]
    assert listed.controlled == ("CDSA Schedule VI Class A precursor",)
    # alprazolam is on a list (controlled.json): same id, with its control status.
    assert got["chem:alprazolam"].control == "1971 Convention Schedule IV"
    # A listed chemical keeps its id and control status when the model also finds it.
    known = _entities(nlp, "The lab held acetic anhydride and fentanyl.")
    assert known["chem:fentanyl"].control and known["chem:acetic-anhydride"].cas == "108-24-7"


def test_ordinary_words_places_and_headings_are_not_chemicals(ex):
    got = ex("Everyone keeps asking how the trade continues. Lisbon and Jilin were quiet.\n"
             "BORDER SECURITY DISCUSSED")
    assert not [k for k in got if k[0] == "CHEMICAL"]


def test_everyday_words_and_undefined_acronyms_from_the_recogniser_are_dropped(nlp):
    from pipeline.extract.merge import canonical_chem_span

    def kept(text, i):
        doc = nlp.make_doc(text)
        return canonical_chem_span(doc, doc[i:i + 1]) is not None

    for word in ("airplane", "telephone", "bulletin", "update", "determines", "locate"):
        assert not kept(f"The {word} arrived.", 1), word
    for word in ("aniline", "caffeine", "benzene", "chlorides"):
        assert kept(f"The {word} arrived.", 1), word
    assert not kept("The MAX flew again.", 1)  # an acronym the text never defines
    assert kept("Butylated hydroxyanisole (BHA) was given; BHA works.", 8)


def test_ion_channel_is_not_a_chemical_mention(ex):
    got = ex("The toxin is a potassium channel blocker.")
    assert ("CHEMICAL", "chem:potassium") not in got


def test_recogniser_is_shipped_small_and_inside_the_package():
    from pipeline.extract import CHEM_MODEL

    files = [p for p in CHEM_MODEL.rglob("*") if p.is_file()]
    assert CHEM_MODEL.is_relative_to(REPO / "pipeline") and (CHEM_MODEL / "chem_ner" / "model") in files
    assert all(p.stat().st_size < 4 * 1024 * 1024 for p in files)
    meta = json.loads((CHEM_MODEL / "meta.json").read_text("utf-8"))
    assert meta["labels"]["chem_ner"] == ["CHEMICAL"] and meta["vectors"]["width"] == 0


@pytest.mark.skipif(not BC5CDR_DEV.is_file(), reason="../shared/corpus/ner not present")
def test_bc5cdr_development_split_chemical_f1(nlp):
    """Exact-span F1 on the first 60 development abstracts (the bench scores all 500)."""
    from pipeline.extract import extract_text

    tp = fp = fn = 0
    for line in BC5CDR_DEV.read_text("utf-8").splitlines()[:60]:
        rec = json.loads(line)
        gold = {(g["start"], g["end"]) for g in rec["gold"]}
        pred = {(m.start_char, m.end_char) for e in extract_text(rec["text"], nlp=nlp)
                if e.type == "CHEMICAL" for m in e.mentions}
        tp, fp, fn = tp + len(gold & pred), fp + len(pred - gold), fn + len(gold - pred)
    p, r = tp / (tp + fp), tp / (tp + fn)
    assert 2 * p * r / (p + r) >= 0.75


# ---------------------------------------------------------------- organisations, places, persons

def test_organisation_cues_win_over_places_and_persons(ex):
    got = ex("Researchers at the University of Toronto briefed Ontario Power Generation, "
             "and the Vancouver Sun reported it the next morning.")
    assert got[("ACTOR", "org:university-of-toronto")] == ["University of Toronto"]
    assert got[("ACTOR", "org:ontario-power-generation")] == ["Ontario Power Generation"]
    assert got[("ACTOR", "org:vancouver-sun")] == ["Vancouver Sun"]
    assert not [k for k in got if k[0] in {"REGION", "COUNTRY"} or k[1].startswith("person:")]


def test_gazetteer_hit_inside_a_longer_name_is_not_emitted(ex):
    got = ex("The Syrian Democratic Forces hold the north-east; the Asad regime holds Damascus. "
             "Syria's economy has collapsed.")
    assert got[("ACTOR", "org:syrian-democratic-forces")] == ["Syrian Democratic Forces"]
    assert got[("ACTOR", "org:asad-regime")] == ["Asad regime"]
    assert got[("COUNTRY", "SYR")] == ["Syria"]  # the country itself, once: not inside the SDF
    assert not [k for k in got if k[1] in {"org:asad", "person:asad"}]


def test_state_body_named_by_a_demonym_stays_the_country(ex):
    got = ex("Last year the Peruvian Army and the Japanese Cabinet Office signed it.")
    assert got[("COUNTRY", "PER")] == ["Peruvian"] and got[("COUNTRY", "JPN")] == ["Japanese"]


def test_football_clubs_are_organisations_not_persons(ex):
    got = ex("He played for Toronto FC before moving to Manchester United and then to FC Porto.")
    assert ("ACTOR", "org:toronto-fc") in got and ("ACTOR", "org:manchester-united") in got
    assert ("ACTOR", "org:fc-porto") in got
    assert not [k for k in got if k[1].startswith("person:")]


def test_a_town_is_not_a_person(ex):
    got = ex("Police in Pickering seized the shipment. Pickering is east of Toronto.")
    assert ("REGION", "region:pickering") in got
    assert not [k for k in got if k[1].startswith("person:") or k[1] == "org:pickering"]


def test_two_countries_run_together_by_the_model_stay_two(ex):
    got = ex("Talks between the United States of America and Mexico resumed in May.")
    assert ("COUNTRY", "USA") in got and ("COUNTRY", "MEX") in got
    assert not [k for k in got if k[0] == "ACTOR"]


def test_longest_span_merge_rules(nlp):
    from spacy.tokens import Span

    from pipeline.extract.merge import _merge_in

    doc = nlp.make_doc("The Syrian Democratic Forces met in Syria .")
    syr = Span(doc, 1, 2, label="COUNTRY", span_id="SYR")
    sdf = Span(doc, 1, 4, label="ACTOR", span_id="org:syrian-democratic-forces")
    crossing = Span(doc, 3, 6, label="ACTOR", span_id="org:x")
    shorter = Span(doc, 6, 7, label="REGION", span_id="region:syria")
    kept = _merge_in([syr, Span(doc, 6, 7, label="COUNTRY", span_id="SYR")], [sdf], lambda c, k: True)
    assert sorted((s.start, s.end) for s in kept) == [(1, 4), (6, 7)]  # the longer name wins
    kept = _merge_in(kept, [crossing, shorter], lambda c, k: True)
    assert sorted((s.start, s.end, s.id_) for s in kept) == [
        (1, 4, "org:syrian-democratic-forces"), (6, 7, "SYR")]  # crossing and equal spans yield
    assert _merge_in([syr], [sdf], lambda c, k: False) == [syr]  # not allowed to swallow


def test_named_misses_captagon_and_benzylfentanyl(ex):
    got = ex("Police seized captagon tablets, benzylfentanyl powder and some protonitazene.")
    assert got[("CHEMICAL", "chem:captagon")] == ["captagon"]
    assert got[("CHEMICAL", "chem:benzylfentanyl")] == ["benzylfentanyl"]
    assert got[("CHEMICAL", "chem:protonitazene")] == ["protonitazene"]


def test_function_words_are_trimmed_from_chemical_names(nlp):
    from pipeline.extract.merge import canonical_chem_span

    doc = nlp.make_doc("The analysts meanwhile nitazenes.")
    span = canonical_chem_span(doc, doc[2:4])
    assert span.text == "nitazenes" and span.id_ == "chem:nitazenes"


@pytest.mark.parametrize("text, present, absent", [
    ("See the Journal of Illicit Markets and Regulation.",
     {"org:journal-of-illicit-markets-and-regulation"}, {"org:journal-of-illicit-markets"}),
    ("Toronto Police and Ontario Provincial Police met.", {"org:toronto-police", "org:opp"},
     {"region:toronto"}),
    ("The maritime route\nEastern China and western India", {"CHN", "IND"}, {"region:eastern-china"}),
    ("Syria joins the Chemical Weapons\nConvention", {"SYR"}, {"org:chemical-weapons"}),
    ("Synthetic drugs in East and Southeast Asia, with patrols.", {"region:southeast-asia"},
     {"region:east", "chem:patrols"}),
    ("The United States of America and America agree.", {"USA"},
     {"org:united-states-of-america-and-america"}),
])
def test_merge_keeps_names_whole_and_apart(nlp, text, present, absent):
    got = set(_entities(nlp, text))
    assert present <= got and not absent & got, got


def test_coinages_of_two_english_words_are_not_chemicals(nlp):
    from pipeline.extract.merge import english_compound

    # The recogniser tags "stablecoins" (its -in ending); a word made of two English words is a
    # coinage, unless its first part is chemical itself (methyl-, acetyl-) or the lists know it.
    got = _entities(nlp, "Advertising on B2B marketplaces; payment in stablecoins.\n"
                         "Officers found caffeine in the lab.")
    assert "chem:stablecoins" not in got and "chem:caffeine" in got
    assert english_compound("stablecoins") and english_compound("blockchain")
    assert not english_compound("methylprednisolone") and not english_compound("acetylsalicylate")
    assert not english_compound("warfarin") and not english_compound("oxycodone")


@pytest.mark.parametrize("text, name, want", [
    ("Hi, I'm a graduate student at Simon Fraser. You mentioned India.", "Simon Fraser",
     "org:simon-fraser"),
    ("She studied at Oxford before joining the agency.", "Oxford", "org:oxford"),
    ("Dr. Amara Okafor met Simon Fraser at the port.", "Simon Fraser", "person:simon-fraser"),
])
def test_a_name_after_a_post_and_at_is_an_institution(nlp, text, name, want):
    got = _entities(nlp, text)
    ids = {i for i, e in got.items() if any(m.text == name for m in e.mentions)}
    assert ids == {want}, got


# ---------------------------------------------------------------- names in hearings and reports

def test_post_nominals_stay_outside_the_name(ex):
    got = ex("The panel welcomed Gwen Harries MS and Peter Oduya QC to the session.")
    assert got[("ACTOR", "person:gwen-harries")] == ["Gwen Harries"]
    assert not any(k[1].endswith(("-ms", "-qc")) for k in got)


def test_legislation_capitals_and_languages_are_no_actors(ex):
    got = ex("Many parents oppose the Bill. Supporters say this Bill protects children, and the "
             "Bill's aims are clear. The Housing (Tenancy Reform) (Scotland) Bill was debated. "
             "During the SARS outbreak masks ran short. Interpreting from Gaelic to English is offered.")
    assert not [k for k in got if k[0] == "ACTOR"], got


def test_portfolios_are_posts_not_organisations(ex):
    got = ex("She met the Minister of Rural Affairs and the Deputy Minister for Housing and Local "
             "Services, with Tomas Reyes, director of planning.")
    assert not [k for k in got if k[1].startswith("org:")], got
    assert ("ACTOR", "person:tomas-reyes") in got


def test_electoral_districts_after_member_for(ex):
    got = ex("The next question comes from the member for Burlington East. The MP for Kamloops agreed, "
             "as did the member for Oakvale-Thornbury, from the riding of Little Harrow.")
    assert got.get(("REGION", "region:burlington-east")) == ["Burlington East"]
    assert ("REGION", "region:kamloops") in got
    assert got.get(("REGION", "region:oakvale-thornbury")) == ["Oakvale-Thornbury"]
    assert got.get(("REGION", "region:little-harrow")) == ["Little Harrow"]
    # A compass word after a known town is part of the place's name.
    assert ex("We held the hearing in Kamloops North.") == {("REGION", "region:kamloops-north"): ["Kamloops North"]}


def test_a_state_named_by_its_demonym_and_regime_is_the_state(ex):
    got = ex("Officials keep working with the Iranian regime, unlike the Asad regime in the past.")
    assert got[("COUNTRY", "IRN")] == ["Iranian"]
    assert not any("iranian" in k[1] for k in got if k[0] == "ACTOR")


def test_a_name_after_a_kinship_word_is_a_person(ex):
    got = ex("Mr. Okafor's brother, Dominic, spoke. The baby was born to parents Dover and Alice Grant.")
    assert ("ACTOR", "person:dominic") in got
    assert ("ACTOR", "person:dover") in got and ("REGION", "region:dover") not in got


def test_long_organisation_names_are_kept_whole(ex):
    got = ex("The Health, Social Care and Sport Committee met. The World Health Organization "
             "Committee on the Safety of Medicines reported, and the Older People's Commissioner for "
             "Scotland wrote. Toronto Police and Ontario Provincial Police took part.")
    orgs = {k[1] for k in got if k[1].startswith("org:")}
    assert "org:health-social-care-and-sport-committee" in orgs, orgs
    assert "org:world-health-organization-committee-on-the-safety-of-medicines" in orgs, orgs
    assert "org:older-peoples-commissioner-for-scotland" in orgs, orgs
    assert {"org:toronto-police", "org:opp"} <= orgs, orgs  # two organisations, each with a cue


def test_a_person_the_english_model_reads_is_no_chemical(ex):
    got = ex("I think of Daniel Kevin Morrow, a young man who died in custody in Regina.")
    assert not [k for k in got if k[0] == "CHEMICAL"], got
    assert ("ACTOR", "person:daniel-kevin-morrow") in got
    kept = ex("Police seized benzylfentanyl and Ketamine from Sam Brown's car.")
    assert ("CHEMICAL", "chem:ketamine") in kept and ("CHEMICAL", "chem:benzylfentanyl") in kept


def test_who_after_a_name_and_a_kind_of_organisation_before_it(ex):
    got = ex("We also welcome Rhodri Evans, who is head of policy. Funds went to a national union, "
             "Unicorp, last year, and to a charity, Brightwater.")
    assert ("ACTOR", "person:rhodri-evans") in got
    for name in ("unicorp", "brightwater"):
        assert ("ACTOR", "person:" + name) not in got
