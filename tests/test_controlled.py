"""The controlled lists (pipeline/data/controlled.json): sources, statuses, CAS numbers, stable ids, precision."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest

from pipeline.extract.gazetteer import CHEMICAL, DATA, load_gazetteer

LISTS = json.loads((DATA / "controlled.json").read_text("utf-8"))
BEFORE = Path(__file__).parent / "golden" / "chemical-ids-706498b.json"
SUBTYPES = {"drug", "precursor", "pre_precursor", "essential_chemical", "chemical_weapon", "toxic_chemical"}


def _by_list() -> dict[str, dict]:
    return {listed["list"]: listed for listed in LISTS["lists"]}


def _forms(entry: dict) -> list[str]:
    return [entry["name"], *entry.get("aliases", [])]


def test_every_list_names_its_instrument_source_and_version():
    lists = _by_list()
    assert len(lists) == len(LISTS["lists"])  # list names are the statuses: no two alike
    for name, listed in lists.items():
        assert listed["instrument"] and listed["part"] and listed["version"], name
        assert urlparse(listed["source"]).scheme == "https" and listed["subtype"] in SUBTYPES, name
        names = [e["name"] for e in listed["names"]]
        assert names and len(names) == len(set(names)), name
    assert len(lists["1961 Single Convention Schedule I"]["names"]) >= 120
    assert sum(len(lists[f"1971 Convention Schedule {s}"]["names"]) for s in ("I", "II", "III", "IV")) >= 150
    assert len(lists["CSA Schedule I"]["names"]) >= 200
    for required in ("1988 UN Convention Table I", "1988 UN Convention Table II", "CWC Schedule 1",
                     "CWC Schedule 2", "CWC Schedule 3", "CSA Schedule V", "CSA List I chemical",
                     "CSA List II chemical", "CDSA Schedule I", "CDSA Schedule VI Class A precursor"):
        assert lists[required]["names"], required


def test_ids_already_in_archived_entities_stay_stable():
    """Every name of chemicals.json and of the lists as they were before (commit 706498b) keeps its id."""
    before = json.loads(BEFORE.read_text("utf-8"))["ids"]
    gaz = load_gazetteer()
    changed = {form: (rid, gaz.surfaces.get(form)) for form, rid in before.items()
               if gaz.surfaces.get(form) != (CHEMICAL, rid)}
    assert not changed
    assert len(before) > 250


def _cas_ok(number: str) -> bool:
    """CAS Registry Number check digit: the digits before it, weighted 1, 2, 3 … from the right, mod 10."""
    m = re.fullmatch(r"(\d{2,7})-(\d\d)-(\d)", number)
    if not m:
        return False
    digits = (m.group(1) + m.group(2))[::-1]
    return sum(i * int(d) for i, d in enumerate(digits, 1)) % 10 == int(m.group(3))


def test_cas_check_digit_rule():
    assert _cas_ok("75-44-5") and _cas_ok("7719-09-7") and _cas_ok("50782-69-9")
    assert not _cas_ok("1609-66-5") and not _cas_ok("75-44-6") and not _cas_ok("7544-5")


def test_every_cas_number_has_a_valid_check_digit_and_two_independent_references():
    gaz = load_gazetteer()
    assert len(LISTS["cas"]) >= 10
    for rid, entry in LISTS["cas"].items():
        assert _cas_ok(entry["cas"]), (rid, entry["cas"])
        hosts = {urlparse(re.search(r"https?://\S+", ref).group()).hostname for ref in entry["refs"]}
        assert len(entry["refs"]) >= 2 and len(hosts) >= 2, rid
        assert gaz.records[rid].cas == entry["cas"], rid  # the number reaches the entity
    chems = json.loads((DATA / "chemicals.json").read_text("utf-8"))["chemicals"]
    # chemicals.json keeps precedence: the lists give no number to its ids
    assert not {c["id"] for c in chems} & set(LISTS["cas"])
    for number in [c["cas"] for c in chems if c.get("cas")]:
        assert _cas_ok(number), number


# One sentence per list, each naming names from it as they are written in running text.
SAMPLES = [
    ("1961 Single Convention Schedule I",
     "Seizures of Ketobemidone, dextromoramide and cyclopropylfentanyl rose; isotonitazene and butonitazene too.",
     {"chem:ketobemidone", "chem:dextromoramide", "chem:cyclopropylfentanyl", "chem:isotonitazene",
      "chem:butonitazene"}),
    ("1961 Single Convention Schedule II", "Pholcodine and dextropropoxyphene remain in use.",
     {"chem:pholcodine", "chem:dextropropoxyphene"}),
    ("1961 Single Convention Schedule IV", "Etorphine and desomorphine were found.",
     {"chem:etorphine", "chem:desomorphine"}),
    ("1971 Convention Schedule I", "Brolamfetamine, methcathinone and 25I-NBOMe were sold online.",
     {"chem:brolamfetamine", "chem:methcathinone", "chem:25i-nbome"}),
    ("1971 Convention Schedule II", "Tablets held α-PVP, 4-fluoroamphetamine, N-ethylpentylone and 5F-ADB.",
     {"chem:alpha-pvp", "chem:4-fluoroamphetamine", "chem:n-ethylnorpentylone", "chem:5f-mdmb-pinaca"}),
    ("1971 Convention Schedule III", "Flunitrazepam and glutethimide were diverted.",
     {"chem:flunitrazepam", "chem:glutethimide"}),
    ("1971 Convention Schedule IV", "Bromazepam, Etizolam and phenazepam were sold as alprazolam.",
     {"chem:bromazepam", "chem:etizolam", "chem:phenazepam", "chem:alprazolam"}),
    ("1988 UN Convention Table I", "Brokers offered APAAN, potassium permanganate and 4-piperidone.",
     {"chem:alpha-phenylacetoacetonitrile", "chem:potassium-permanganate", "chem:4-piperidone"}),
    ("1988 UN Convention Table II", "Drums of toluene and methyl ethyl ketone were stored.",
     {"chem:toluene", "chem:methyl-ethyl-ketone"}),
    ("CWC Schedule 1", "Stocks of sesquimustard, chlorosarin and HN3 were destroyed.",
     {"chem:sesquimustard", "chem:chlorosarin", "chem:hn3"}),
    ("CWC Schedule 2", "Exports of thiodiglycol and N,N-diisopropylaminoethanol were checked.",
     {"chem:thiodiglycol", "chem:n-n-diisopropylaminoethanol"}),
    ("CWC Schedule 3", "Phosphorus trichloride and triethanolamine are traded widely.",
     {"chem:phosphorus-trichloride", "chem:triethanolamine"}),
    ("CSA Schedule I", "Ibogaine, bufotenine and 2C-T-7 are listed there.",
     {"chem:ibogaine", "chem:bufotenine", "chem:2c-t-7"}),
    ("CSA Schedule II", "Tapentadol, lisdexamfetamine and meperidine were prescribed.",
     {"chem:tapentadol", "chem:lisdexamfetamine", "chem:pethidine"}),
    ("CSA Schedule III", "Tiletamine, stanozolol and perampanel were seized.",
     {"chem:tiletamine", "chem:stanozolol", "chem:perampanel"}),
    ("CSA Schedule IV", "Carisoprodol, suvorexant and modafinil were dispensed.",
     {"chem:carisoprodol", "chem:suvorexant", "chem:modafinil"}),
    ("CSA Schedule V", "Pregabalin and lacosamide are in the last schedule.",
     {"chem:pregabalin", "chem:lacosamide"}),
    ("CSA List I chemical", "Benzylfentanyl, nitroethane and red phosphorus were bought.",
     {"chem:benzylfentanyl", "chem:nitroethane", "chem:red-phosphorus"}),
    ("CSA List II chemical", "Methyl isobutyl ketone and benzyl chloride were bought.",
     {"chem:methyl-isobutyl-ketone", "chem:benzyl-chloride"}),
    ("CDSA Schedule I", "Tramadol, W-18 and tapentadol are in Schedule I in Canada.",
     {"chem:tramadol", "chem:w-18", "chem:tapentadol"}),
    ("CDSA Schedule III", "Harmaline and psilocybin were found.", {"chem:harmaline", "chem:psilocybine"}),
    ("CDSA Schedule IV", "Salvia divinorum and nandrolone were found.",
     {"chem:salvia-divinorum", "chem:nandrolone"}),
    ("CDSA Schedule VI Class A precursor", "Drums of GBL and 1,4-butanediol were seized.",
     {"chem:gamma-butyrolactone", "chem:1-4-butanediol"}),
]


def test_every_list_is_covered_by_a_sample():
    assert {name for name, _, _ in SAMPLES} == set(_by_list())


@pytest.mark.parametrize("status,text,ids", SAMPLES, ids=[s[0] for s in SAMPLES])
def test_names_from_each_list_get_their_ids_and_status(nlp, status, text, ids):
    from pipeline.extract import extract_text

    got = {e.id: e for e in extract_text(text, nlp=nlp) if e.type == CHEMICAL}
    assert ids <= set(got), (ids - set(got), sorted(got))
    for rid in ids:
        assert status in got[rid].controlled, (rid, got[rid].controlled)
        assert got[rid].control  # the first status (or chemicals.json's note)


def test_a_chemical_on_several_lists_carries_every_status(nlp):
    from pipeline.extract import entities_to_json, extract_text

    ents = {e["id"]: e for e in entities_to_json(extract_text(
        "Fentanyl, ketamine and phosgene were discussed; so were alpha-PVP and ephedrine.", nlp=nlp))["entities"]}
    assert ents["chem:fentanyl"]["controlled"] == [
        "1961 Single Convention Schedule I", "CSA Schedule II", "CDSA Schedule I"]
    assert ents["chem:fentanyl"]["control"] == "1961 Single Convention Schedule I"  # chemicals.json's own note
    assert ents["chem:ketamine"]["controlled"] == ["CSA Schedule III", "CDSA Schedule I"]
    assert ents["chem:alpha-pvp"]["controlled"] == ["1971 Convention Schedule II", "CSA Schedule I"]
    assert set(ents["chem:ephedrine"]["controlled"]) == {
        "1988 UN Convention Table I", "CSA List I chemical", "CDSA Schedule VI Class A precursor"}
    assert ents["chem:phosgene"]["cas"] == "75-44-5" and ents["chem:phosgene"]["controlled"] == ["CWC Schedule 3"]


@pytest.mark.parametrize("written,rid", [
    ("α-PVP", "chem:alpha-pvp"), ("Alpha-PVP", "chem:alpha-pvp"), ("ALPHA-PVP", "chem:alpha-pvp"),
    ("4-fluoroamphetamine", "chem:4-fluoroamphetamine"), ("4-Fluoroamphetamine", "chem:4-fluoroamphetamine"),
    ("4-FA", "chem:4-fluoroamphetamine"), ("N-ethylpentylone", "chem:n-ethylnorpentylone"),
    ("N-Ethylpentylone", "chem:n-ethylnorpentylone"), ("γ-butyrolactone", "chem:gamma-butyrolactone"),
    ("Acetyl fentanyl", "chem:acetylfentanyl"), ("ISOTONITAZENE", "chem:isotonitazene"),
    ("3,4-methylenedioxypyrovalerone", "chem:3-4-methylenedioxypyrovalerone"),
    ("MDPV", "chem:3-4-methylenedioxypyrovalerone"), ("Δ9-THC", "chem:dronabinol"),
])
def test_names_are_recognised_as_written_in_running_text(ex, written, rid):
    got = ex(f"Police said ({written}) was found in the van, with {written}.")
    assert got.get((CHEMICAL, rid)) == [written, written], got


def test_no_mention_in_ordinary_text_of_words_left_out(ex):
    """Street names and colliding abbreviations are not in the lists: nothing chemical in this text."""
    gaz = load_gazetteer()
    for word in ("ice", "speed", "crack", "glass", "spice", "DOB", "DOM", "DOC", "DET", "DMA", "TMA", "STP",
                 "PMA", "MDA", "BZ", "DF", "QL", "Molly"):
        assert word not in gaz.surfaces and word.lower() not in gaz.surfaces, word
    got = ex("The DOB field was blank. On ice, the speed of the crack grew; the DOC and the DET said STP. "
             "A QL form and the BZ code were sent to the DMA and TMA offices.")
    assert not [key for key in got if key[0] == CHEMICAL], got


# Names that are frequent English words (Zipf >= 3.5) but name only the drug: reviewed one by one.
FREQUENT_BUT_ONLY_THE_DRUG = {"cannabis", "cocaine", "heroin", "marijuana", "morphine", "opium", "nicotine",
                              "testosterone", "methadone", "codeine", "ketamine", "caffeine"}
# Letter-only abbreviations of three letters or fewer that are established and collide with nothing common.
SHORT_ABBREVIATIONS = {"LSD", "DMT", "PCP", "GHB", "GBL", "THC", "NPP", "PMK", "BZP", "VX"}


def test_no_list_name_is_a_common_english_word():
    from wordfreq import zipf_frequency
    from spacy.lang.en.stop_words import STOP_WORDS

    common, stop, short = [], [], []
    for listed in LISTS["lists"]:
        for entry in listed["names"]:
            for form in _forms(entry):
                # one-word names only: wordfreq splits "MT-45" or "coca leaf" and scores the pieces
                if re.fullmatch(r"[A-Za-z]+", form) and zipf_frequency(form.lower(), "en") >= 3.5 \
                        and form.lower() not in FREQUENT_BUT_ONLY_THE_DRUG:
                    common.append(form)
                # a stop word in a name would make every sentence look chemical to the recogniser
                stop += [form for w in re.findall(r"[A-Za-z]{2,}", form) if w.lower() in STOP_WORDS]
            for abbrev in entry.get("abbrevs", []):
                if re.fullmatch(r"[A-Za-z]{1,3}", abbrev) and abbrev not in SHORT_ABBREVIATIONS:
                    short.append(abbrev)
                if re.fullmatch(r"[A-Za-z]+", abbrev) and zipf_frequency(abbrev.lower(), "en") >= 3.5:
                    common.append(abbrev)
    assert not common and not stop and not short, (common, stop, short)


def test_list_names_fit_the_extractors_word_bounds():
    """quiet_noise blanks words too long or too punctuated to be names: no listed form may be one."""
    from pipeline.extract import quiet_noise

    for listed in LISTS["lists"]:
        for entry in listed["names"]:
            for form in [*_forms(entry), *entry.get("abbrevs", [])]:
                assert quiet_noise(form) == form, form
