"""A manuscript's mentions, found by the names its briefing already knows: no statistical model.

The manuscript is the editor's account of a talk whose slides and transcript the models have
read. Its names are looked up rather than recognised: every name the models found in the
briefing's other sources (read as they read it there: "Jordan" stays the person the talk meant),
then every name of the curated lists (countries, regions, organisations, controlled chemicals),
then a person named after a title ("Dr. Jane Doe"). This is deterministic from the same inputs in
a fresh build and from the cache, gives the manuscript the same ids as the talk, and an edited
manuscript rebuilds without loading spaCy. What it cannot find is a new name of an organisation
or a chemical that neither the talk nor the lists know; a manuscript with no other source is
therefore still read by the models (extract_entities decides).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable, Sequence

from ..ingest.speakers import HONORIFICS, TITLES, is_role_label
from ..models import Source
from .gazetteer import ACTOR, IGNORE, load_gazetteer, slug
from .resolve import Raw, clean_name

# Names whose reading the models decide by context (a person or a country, a precursor or a power
# plant, the country or the pronoun): looked up only as the briefing's sources read them.
CONTEXT_FORMS = frozenset({"NPP", "4-AP", "4-ap"})
_WORD = re.compile(r"\w+")
_NAME_WORD = r"(?:[A-Z][\w'’\-]*|[A-Z]\.)"
_PARTICLE = r"(?:de|del|della|der|den|di|da|dos|du|la|le|van|von|al|el|bin|ibn|ben)"
# Titles of address and ranks as written before a name, case-sensitive: "the minister said" names nobody.
_TITLE_WORDS = "|".join(sorted({re.escape(t.rstrip(".").capitalize()) for t in TITLES}, key=len, reverse=True))
_TITLE = re.compile(rf"\b(?:{_TITLE_WORDS})\b\.?")
_MORE_TITLES = re.compile(rf"(?:[ \t]+(?:{_TITLE_WORDS})\b\.?)+")
# Up to four words of a name after the title ("Okafor", "Daniel Roy", "Ana de la Cruz").
_NAME = re.compile(rf"[ \t]+({_NAME_WORD}(?:[ \t]+(?:{_PARTICLE}[ \t]+)*{_NAME_WORD}){{0,3}})")
_POST = re.compile(r"[ \t]+(?:for|of|to)\b")
# Titles that only ever stand before a person's name, never name a post.
_PERSONAL = frozenset("mr ms mrs dr prof professor sir dame miss mister madam".split())
_ADDRESS = HONORIFICS | {t.rstrip(".") for t in TITLES}
_ARTICLE_BEFORE = re.compile(r"\b(?:the|a|an|this|that|The|A|An|This|That)[ \t]+$")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n\s*)$")
_CAPS_LINE_LETTERS = re.compile(r"[^A-Za-zÀ-ÿ]+")


@dataclass(frozen=True)
class NameTable:
    """Every surface form the briefing knows, with its (type, id), indexed by its first word."""

    forms: dict[str, tuple[str, str]]
    by_first_word: dict[str, tuple[tuple[int, str], ...]]
    """first word -> (characters before that word, form), longest form first."""
    first_names: frozenset[str] = frozenset()
    """Speakers' first names: a person only inside a sentence ("Thanks, Mei"; "Grant" may open one)."""


def name_table(source_mentions: Iterable[Sequence[Raw]], speakers: Sequence[str] = ()) -> NameTable:
    """The names of the curated lists, overridden by how the briefing's sources read the same text,
    and the speakers' names (in full, by surname, and by first name inside a sentence)."""
    gaz = load_gazetteer()
    context = set(gaz.ambiguous) | CONTEXT_FORMS
    forms = {form: hit for form, hit in gaz.surfaces.items()
             if form not in context and form.title() not in context}
    readings: dict[str, Counter] = defaultdict(Counter)
    for raws in source_mentions:
        for r in raws:
            text = r.text.strip()
            if len(text) >= 2 and any(c.isalpha() for c in text):
                readings[text][(r.type, r.id)] += 1
    first_names = set()
    for speaker in speakers:
        name = clean_name(speaker)
        parts = name.split()
        for form in {name, parts[-1], parts[0]} if len(parts) >= 2 else {name}:
            if len(form) > 2 and form[0].isupper() and form not in context:
                readings[form][(ACTOR, "person:" + slug(name))] += 1
        if len(parts) >= 2:
            first_names.add(parts[0])
    # A one-word name reads as a person only as part of a full name the briefing knows: the models'
    # stray one-word persons ("what type of Bill") are not spread into the manuscript.
    name_words = {word for text, counts in readings.items() if " " in text
                  and any(rid.startswith("person:") for _, rid in counts) for word in (text.split()[0], text.split()[-1])}
    for text, counts in readings.items():
        if " " not in text and text not in name_words:
            counts = Counter({hit: n for hit, n in counts.items() if not hit[1].startswith("person:")})
            if not counts:
                continue
        # The most frequent reading of that exact text in the sources (then the smaller id: deterministic).
        forms[text] = min(counts, key=lambda hit: (-counts[hit], hit))
    index: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for form in forms:
        first = _WORD.search(form)
        if first:
            index[first.group()].append((first.start(), form))
    first_names -= {text for text, counts in readings.items() if sum(counts.values()) > 1}  # the sources use it alone too
    return NameTable(forms, {word: tuple(sorted(items, key=lambda item: (-len(item[1]), item[1])))
                             for word, items in index.items()}, frozenset(first_names))


def caps_lines(text: str) -> list[tuple[int, int]]:
    """Character ranges of ALL-CAPS lines (headings, slide titles): "US" or "WHO" there may be a plain word."""
    out, pos = [], 0
    for line in text.split("\n"):
        letters = _CAPS_LINE_LETTERS.sub("", line)
        if len(letters) >= 4 and letters.isupper():
            out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def _bounded(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] stands as whole words (no letter or digit glued on either side)."""
    return (start == 0 or not text[start - 1].isalnum()) and (end == len(text) or not text[end].isalnum())


def find_names(text: str, table: NameTable) -> list[tuple[int, int, str, str]]:
    """(start, end, type, id) of the known names in a text: the longest first, never overlapping."""
    found = []
    for word in _WORD.finditer(text):
        for before, form in table.by_first_word.get(word.group(), ()):
            start = word.start() - before
            if start >= 0 and text.startswith(form, start) and _bounded(text, start, start + len(form)):
                found.append((start, start + len(form), *table.forms[form]))
    in_caps = bytearray(len(text))  # 1 for each character on an ALL-CAPS line
    for a, b in caps_lines(text):
        in_caps[a:b] = b"\x01" * (b - a)
    used = bytearray(len(text))  # 1 for each character a chosen name holds (linear, whatever the count of names)
    chosen: list[tuple[int, int, str, str]] = []
    for start, end, kind, rid in sorted(set(found), key=lambda m: (m[0] - m[1], m[0])):
        if any(used[start:end]):
            continue
        name = text[start:end]
        if name.isupper() and len(name) <= 3 and in_caps[start]:
            continue  # "WHO" or "US" in a heading typed in capitals is a plain word
        if rid.startswith("person:") and " " not in name and _ARTICLE_BEFORE.search(text, max(0, start - 8), start):
            continue  # "the Bill", "a Chair": one word after an article names no person
        if name in table.first_names and _SENTENCE_START.search(text, max(0, start - 4), start):
            continue  # a speaker's first name opening a sentence may be a plain word ("Grant funding...")
        used[start:end] = b"\x01" * (end - start)
        chosen.append((start, end, kind, rid))
    return sorted(chosen)


def titled_persons(text: str, taken: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """(start, end) of the names after a title ("Dr. Jane Doe" -> "Jane Doe") that no known name covers."""
    out = []
    used = bytearray(len(text))
    for a, b in taken:
        used[a:b] = b"\x01" * (b - a)
    for title in _TITLE.finditer(text):
        after = title.end()
        more = _MORE_TITLES.match(text, after)  # "Deputy Chief Insp. Daniel Roy": ranks in a row
        name = _NAME.match(text, more.end() if more else after)
        if not name:
            continue
        words = [w for w in re.finditer(r"\S+", name.group(1))]
        while words and words[0].group().rstrip(".").lower() in _ADDRESS:
            words.pop(0)  # "Secretary General Guterres": ranks the title list does not hold
        while words and words[-1].group().rstrip(".").lower() in _ADDRESS:
            words.pop()  # "Dr. Okafor Minister": the name ends before the next title
        if not words:
            continue
        start, end = name.start(1) + words[0].start(), name.start(1) + words[-1].end()
        if len(words) == 1 and title.group().rstrip(".").lower() not in _PERSONAL and _POST.match(text, end):
            continue  # "Minister Responsible for Trade": a post, not a name ("Dr. Brandt for help" is one)
        if is_role_label(text[start:end]) or any(used[start:end]):
            continue  # "Mr. Chair" addresses a role; a known name wins
        used[start:end] = b"\x01" * (end - start)
        out.append((start, end))
    return out


def match_known(source: Source, table: NameTable) -> tuple[Raw, ...]:
    """Every mention in one source (source index 0) found by the table's names and by titles of address."""
    raws = []
    for gi, segment in enumerate(source.segments):
        if segment.role == "unreadable":
            continue  # mojibake is never mined
        text = segment.text
        names = find_names(text, table)
        for start, end, kind, rid in names:
            if kind != IGNORE:  # a blocking phrase ("CAS number") is consumed, never a mention
                raws.append(Raw(0, gi, start, end, text[start:end], kind, rid))
        for start, end in titled_persons(text, [(s, e) for s, e, _, _ in names]):
            name = text[start:end]
            raws.append(Raw(0, gi, start, end, name, ACTOR, "person:" + slug(clean_name(name))))
    return tuple(raws)
