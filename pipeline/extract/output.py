"""Serialisation of entities (JSON, CSV), attestation warnings and PDF keywords."""

from __future__ import annotations

import csv
import io
from typing import Iterable, Sequence

from ..models import Entity, Source

CSV_COLUMNS = ("type", "subtype", "id", "name", "count", "cas", "control", "text", "file", "page",
               "start", "end", "speaker", "segment", "start_char", "end_char")
ATTESTED_TYPES = ("COUNTRY", "ACTOR", "CHEMICAL")
# Weights for salience: chemicals and organisations say more about a talk than a country named once.
SALIENCE = {"CHEMICAL": 1.5, "ACTOR": 1.2, "COUNTRY": 1.0, "REGION": 0.8}


def mention_dict(m) -> dict:
    """One mention as a JSON-ready dict."""
    return {"text": m.text, "file": m.file, "page": m.page, "start": m.start, "end": m.end,
            "speaker": m.speaker, "segment": m.segment, "start_char": m.start_char,
            "end_char": m.end_char}


def entities_to_json(entities: Iterable[Entity]) -> dict:
    """{"entities": [{type, subtype, id, name, count, cas?, control?, controlled?, mentions: [...]}, ...]}."""
    out = []
    for e in entities:
        item = {"type": e.type, "subtype": e.subtype, "id": e.id, "name": e.name, "count": e.count}
        if e.cas:
            item["cas"] = e.cas
        if e.control:
            item["control"] = e.control
        if e.controlled:
            item["controlled"] = list(e.controlled)
        item["mentions"] = [mention_dict(m) for m in e.mentions]
        out.append(item)
    return {"entities": out}


def entities_to_csv(entities: Iterable[Entity]) -> str:
    """CSV text with one row per mention (entity columns repeated), header included."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e in entities:
        for m in e.mentions:
            writer.writerow([e.type, e.subtype, e.id, e.name, e.count, e.cas or "", e.control or "",
                             m.text, m.file, _blank(m.page), _blank(m.start), _blank(m.end),
                             m.speaker or "", m.segment, m.start_char, m.end_char])
    return buf.getvalue()


def _blank(value) -> str:
    return "" if value is None else str(value)


def salient_keywords(entities: Sequence[Entity], n: int = 8) -> list[str]:
    """Canonical names of the most salient non-person entities, for PDF keywords."""
    scored = [(e.count * SALIENCE.get(e.type, 1.0), e) for e in entities if e.subtype != "person"]
    scored.sort(key=lambda p: (-p[0], p[1].id))
    names, seen = [], set()
    for _, e in scored:
        if e.name.lower() not in seen:
            names.append(e.name)
            seen.add(e.name.lower())
        if len(names) == n:
            break
    return names


def _in_references(manuscript: Source, mention) -> bool:
    """True when the mention is in the manuscript's FURTHER READING section."""
    if mention.segment >= len(manuscript.segments):
        return False
    section = manuscript.segments[mention.segment].section
    return bool(section) and section[0].upper() == "FURTHER READING"


def unattested(manuscript: Source, others: Sequence[Source], entities: Sequence[Entity]) -> list[str]:
    """Warnings for countries, actors and chemicals named in the manuscript but in no other source."""
    if not others:
        return []  # nothing to attest against: every entity would be flagged
    ms_files = {s.file for s in manuscript.segments} | {manuscript.path}
    other_files = {s.file for src in others for s in src.segments} | {src.path for src in others}
    from .gazetteer import slug
    from .resolve import clean_name

    # A speaker of another source (a transcript's voice) attests that person, under any form of
    # the name with the same first and last word ("Amara Okafor" attests "Amara N. Okafor").
    names = [n for n in map(clean_name, {s.speaker for src in others for s in src.segments if s.speaker}) if n]
    speaker_ids = {"person:" + slug(n) for n in names}
    speakers = {(n.split()[0], n.split()[-1]) for n in names}
    warnings = []
    for e in entities:
        if e.type not in ATTESTED_TYPES or e.id in speaker_ids or (
                e.subtype == "person" and (e.name.split()[0], e.name.split()[-1]) in speakers):
            continue
        # A reference list names journals and publishers, not claims made in the talk.
        in_ms = [m for m in e.mentions if m.file in ms_files and not _in_references(manuscript, m)]
        if not in_ms or any(m.file in other_files for m in e.mentions):
            continue
        m = in_ms[0]
        seg = manuscript.segments[m.segment] if m.segment < len(manuscript.segments) else None
        where = f"section {'/'.join(seg.section)}: " if seg is not None and seg.section else ""
        warnings.append(f"{m.file}: {where}'{m.text}' ({e.type}) is not named in any other source")
    return warnings
