"""Briefing-level resolution: abbreviations defined in the text, person names, and Entity records."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from typing import Sequence

from ..ingest.speakers import person_name
from ..models import Entity, Mention, Source
from .gazetteer import ACTOR, CHEMICAL, COUNTRY, REGION, load_gazetteer, slug

TYPE_ORDER = {ACTOR: 0, CHEMICAL: 1, COUNTRY: 2, REGION: 3}
_CAP = r"[A-Z][\w'’\-]*"
LONG_FORM = re.compile(rf"({_CAP}(?:\s+(?:(?:of|and|for|on|the|de|del|la|los|against|in)\s+)*{_CAP})+)$")
ABBREV_DEF = re.compile(r"\(\s*(?:the\s+)?([A-Z0-9][A-Za-z0-9&\-]{1,11})\s*\)")


@dataclass(frozen=True)
class Raw:
    """One mention before briefing-level merging: where it is and what the pipeline called it."""

    source: int
    segment: int
    start: int
    end: int
    text: str
    type: str
    id: str


def clean_name(name: str) -> str:
    """A person's name without honorifics ('Mr. Michael Jordan' -> 'Michael Jordan', 'Ambassador Lena
    Varga' -> 'Lena Varga'), nor what a speaker label adds in parentheses or after the name
    ('Hon. Ed Fast (Abbotsford, CPC)' -> 'Ed Fast', 'Julie Morgan AM' -> 'Julie Morgan')."""
    return person_name(name)


def _acronym_fits(abbr: str, long: str) -> bool:
    """Loose Schwartz-Hearst test: the short form's letters appear, in order, in the long form.

    Also accepts foreign-language acronyms (CJNG for 'Jalisco New Generation Cartel') when every
    letter of the short form starts a word of the long form, in any order.
    """
    letters = [c.lower() for c in abbr if c.isalnum()]
    text = long.lower()
    pos = 0
    for c in letters:
        pos = text.find(c, pos)
        if pos < 0:
            break
        pos += 1
    else:
        if text and letters and (text[0] == letters[0] or f" {letters[0]}" in text):
            return True
    initials = {w[0].lower() for w in re.findall(r"[A-Za-z0-9]+", long)}
    return all(c in initials for c in letters)


def link_abbreviations(raws: list[Raw], sources: Sequence[Source]) -> list[Raw]:
    """'United Nations Office on Drugs and Crime (UNODC)': every UNODC gets the long form's id."""
    by_seg: dict[tuple[int, int], list[Raw]] = defaultdict(list)
    for r in raws:
        by_seg[(r.source, r.segment)].append(r)
    defined: dict[str, tuple[str, str]] = {}
    for (si, gi), items in by_seg.items():
        text = sources[si].segments[gi].text
        for m in ABBREV_DEF.finditer(text):
            abbr = m.group(1)
            if sum(c.isupper() for c in abbr) < 2:
                continue
            gap_start = m.start()
            # Only a mention ending right before "(" can be the long form (a bounded gap keeps
            # this linear in the segment's length).
            long = [r for r in items if r.end <= gap_start and gap_start - r.end <= 3
                    and text[r.end:gap_start].strip() == ""
                    and r.text != abbr]
            if long and _acronym_fits(abbr, long[-1].text):
                defined.setdefault(abbr, (long[-1].type, long[-1].id))
                continue
            # Nothing tagged the long form: take the run of capitalised words before "(".
            run = LONG_FORM.search(text[:gap_start].rstrip())
            if run and not long and _acronym_fits(abbr, run.group(1)) and abbr not in defined:
                start = run.start(1)
                if any(r.start < gap_start and start < r.end for r in items):
                    continue
                new = Raw(si, gi, start, run.end(1), run.group(1), ACTOR, "org:" + slug(run.group(1)))
                raws.append(new)
                items.append(new)
                defined[abbr] = (ACTOR, new.id)
    if not defined:
        return raws
    out = [replace(r, type=defined[r.text][0], id=defined[r.text][1]) if r.text in defined else r
           for r in raws]
    # Occurrences of the short form that nothing tagged (unknown acronyms) become mentions too.
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, sorted(defined, key=len,
                                                                            reverse=True))) + r")(?![\w-])")
    taken = defaultdict(list)
    for r in out:
        taken[(r.source, r.segment)].append((r.start, r.end))
    for si, src in enumerate(sources):
        for gi, seg in enumerate(src.segments):
            if seg.role == "unreadable":
                continue
            for m in pattern.finditer(seg.text):
                spans = taken[(si, gi)]
                if any(a < m.end() and m.start() < b for a, b in spans):
                    continue
                kind, eid = defined[m.group(1)]
                out.append(Raw(si, gi, m.start(), m.end(), m.group(1), kind, eid))
                spans.append((m.start(), m.end()))
    return out


def resolve_persons(raws: list[Raw], speakers: Sequence[str]) -> list[Raw]:
    """Collapse 'Dr. Okafor', 'Amara Okafor' and 'Okafor' to one person id per briefing.

    Also turns model-made places/organisations whose text is a known person's name into persons
    (the bare model tags surnames such as a speaker's as GPE).
    """
    gaz = load_gazetteer()
    full_names = {clean_name(s) for s in speakers if len(clean_name(s).split()) >= 2}
    full_names |= {r.text for r in raws if r.id.startswith("person:") and len(r.text.split()) >= 2
                   and r.text[0].isupper()}
    by_last: dict[str, set[str]] = defaultdict(set)
    by_first: dict[str, set[str]] = defaultdict(set)
    for name in full_names:
        parts = name.split()
        by_last[parts[-1]].add(name)
        by_first[parts[0]].add(name)
    # Prefer the longest full name when one contains another ("Amara N. Okafor" vs "Amara Okafor").

    def canonical(text: str) -> str:
        parts = text.split()
        if len(parts) >= 2:
            # Every form of the name, itself included, maps to the same (longest) one.
            same = [n for n in full_names if n.split()[-1] == parts[-1] and n.split()[0] == parts[0]]
            return max(same, key=lambda n: (len(n), n)) if same else text
        for index in (by_last, by_first):
            # "Okafor" beside "Amara Okafor" and "Amara N. Okafor" is still one person.
            cands = {canonical(n) for n in index.get(text, set())}
            if len(cands) == 1:
                return next(iter(cands))
        return text

    known_tokens = set(by_last) | set(by_first) | full_names
    known_tokens |= {r.text for r in raws if r.id.startswith("person:") and " " not in r.text}

    def model_made(r: Raw) -> bool:
        return r.type in {REGION, ACTOR} and r.id not in gaz.records \
            and not r.id.startswith("person:")

    # The model sometimes calls "Amara Okafor" a place when "Dr. Okafor" is known to be a person.
    for r in raws:
        parts = r.text.split()
        if model_made(r) and 2 <= len(parts) <= 4 and parts[-1] in known_tokens \
                and all(p[:1].isupper() for p in parts):
            full_names.add(r.text)
            by_last[parts[-1]].add(r.text)
            by_first[parts[0]].add(r.text)
    known_tokens |= full_names
    out = []
    for r in raws:
        if r.id.startswith("person:") or (model_made(r) and r.text in known_tokens):
            name = canonical(r.text)
            out.append(replace(r, type=ACTOR, id="person:" + slug(name)))
        else:
            out.append(r)
    return out


def build_entities(raws: list[Raw], sources: Sequence[Source], person_names: dict[str, str]
                   ) -> tuple[Entity, ...]:
    """Group mentions by canonical id into Entity records, sorted by type, count desc, id."""
    gaz = load_gazetteer()
    groups: dict[tuple[str, str], list[Raw]] = defaultdict(list)
    for r in sorted(set(raws), key=lambda r: (r.source, r.segment, r.start, r.end)):
        groups[(r.type, r.id)].append(r)
    entities = []
    for (kind, eid), items in groups.items():
        rec = gaz.records.get(eid)
        if rec is not None:
            name, subtype = rec.name, rec.subtype
        elif eid.startswith("person:"):
            name, subtype = person_names.get(eid) or _common(items), "person"
        else:
            name = _common(items)
            subtype = {ACTOR: "organization", COUNTRY: "country", CHEMICAL: "chemical"}.get(
                kind, "place")
        mentions = tuple(_mention(r, sources) for r in items)
        entities.append(Entity(type=kind, subtype=subtype, id=eid, name=name, mentions=mentions,
                               cas=rec.cas if rec else None, control=rec.control if rec else None,
                               controlled=rec.controlled if rec else ()))
    entities.sort(key=lambda e: (TYPE_ORDER.get(e.type, 9), -e.count, e.id))
    return tuple(entities)


def _common(items: list[Raw]) -> str:
    """The most frequent surface form (longest on ties), used as a display name."""
    counts = Counter(r.text for r in items)
    return max(counts, key=lambda t: (counts[t], len(t), t))


def _mention(r: Raw, sources: Sequence[Source]) -> Mention:
    """A Mention with provenance copied from the segment it was found in."""
    seg = sources[r.source].segments[r.segment]
    return Mention(text=r.text, file=seg.file, start_char=r.start, end_char=r.end, segment=r.segment,
                   page=seg.page, start=seg.start, end=seg.end, speaker=seg.speaker)


def person_display_names(raws: list[Raw]) -> dict[str, str]:
    """For each person id, the longest surface form seen (used as the entity's name)."""
    names: dict[str, str] = {}
    for r in raws:
        if r.id.startswith("person:") and len(r.text) > len(names.get(r.id, "")):
            names[r.id] = r.text
    return names
