"""spaCy components: context rules for the known traps (before `ner`) and the canonicaliser (after it)."""

from __future__ import annotations

import bisect
import re

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.tokens import Doc, Span

from ..ingest.speakers import HONORIFICS, TITLES, is_role_label
from .gazetteer import ACTOR, CHEMICAL, COUNTRY, IGNORE, REGION, load_gazetteer, slug
from .known import caps_lines

OUR_TYPES = {COUNTRY, REGION, ACTOR, CHEMICAL}
PERSON = "PERSON"  # preset by the context rules; turned into ACTOR/person by the canonicaliser

SPEECH_VERBS = {
    "said", "says", "say", "asked", "asks", "argued", "argues", "explained", "explains", "noted",
    "notes", "added", "adds", "told", "tells", "replied", "replies", "laughed", "thinks", "thought",
    "believes", "believed", "recalled", "raised", "raises", "stated", "states", "mentioned",
    "suggested", "warned", "answered", "presented", "described", "emphasized", "emphasised",
    "stressed", "concluded", "began", "opened", "closed", "agreed", "disagreed", "wrote",
}
# Words after "US" in a heading that make it the country ("US BORDER") rather than the pronoun.
PRONOUN_GOVERNORS = {
    "LET", "LETS", "JOIN", "TELL", "GIVE", "HELP", "SHOW", "ASK", "CALL", "CONTACT", "FOLLOW",
    "VISIT", "EMAIL", "WRITE", "SEND", "BRING", "TAKE", "MAKE", "LEAVE", "FOR", "WITH", "TO",
    "ABOUT", "OF", "AMONG", "BETWEEN", "BEHIND", "AROUND", "AGAINST", "BEFORE", "AFTER", "BY",
    "FROM", "INTO", "UPON", "ALL", "MANY", "SOME", "MOST", "FEW", "EACH", "BOTH", "HEAR", "SEE",
}
NUCLEAR = re.compile(r"nuclear|reactor|IAEA|atomic|power plant|Energoatom|Rosatom|radiat|uranium|"
                     r"power station|electricity|external power|\bplant\b", re.I)
PRECURSOR = re.compile(r"precursor|fentanyl|piperidon|ANPP|Table I\b|N-phenethyl|chemical|"
                       r"synthes|scheduled|controlled", re.I)
AMINOPYRIDINE = re.compile(r"aminopyridine|potassium[- ]channel|multiple sclerosis|fampridine|"
                           r"ampyra|avicide|avitrol|bird|repellent|neurolog", re.I)
ANILINOPIPERIDINE = re.compile(r"anilinopiperidine|phenylpiperidin", re.I)
STRONG_AMINO = re.compile(r"aminopyridine|fampridine", re.I)
GEORGIA_COUNTRY = re.compile(r"Tbilisi|Batumi|Kutaisi|Rustavi|Caucasus|Abkhazia|Ossetia|Armenia|Azerbaijan|Black Sea|"
                             r"Georgian|Russia|Turkey|\bcountry\b|Republic of Georgia", re.I)
US_CITIES = {"Atlanta", "Savannah", "Augusta", "Macon", "Athens", "Columbus"}
# U.S. federal agencies work in U.S. states: "a DEA case in Georgia" is the state.
US_AGENCIES = re.compile(r"\b(?:DEA|FBI|ATF|HSI|CBP|Drug Enforcement Administration|Federal Bureau of Investigation|"
                         r"Homeland Security|Customs and Border Protection|U\.S\. Attorney|federal (?:court|prosecutors?|agents?))\b")
NAME_PARTICLES = {"de", "del", "della", "der", "den", "di", "da", "dos", "du", "la", "le", "van",
                  "von", "al", "el", "bin", "ibn", "ben"}
_INITIAL = re.compile(r"[A-Z]\.")
SENT_END = re.compile(r"[.!?](?=\s)|\n")
# Capitalised title followed by a capitalised word: the cheap pre-check for _title_persons.
_TITLE_RE = re.compile(r"\b(?:" + "|".join(sorted({re.escape(t.rstrip(".").capitalize())
                                                   for t in TITLES}, key=len, reverse=True))
                       + r")\.?\s+[A-Z]")


def _token_at(doc: Doc, char: int) -> int | None:
    """Index of the token starting at a character offset (None if no token starts there)."""
    starts = doc.user_data.get("token_starts")
    if starts is None:
        starts = doc.user_data["token_starts"] = {t.idx: t.i for t in doc}
    return starts.get(char)


class GazetteerRuler:
    """Phrase matcher over every gazetteer surface form; sets typed entities with canonical ids.

    Our own component rather than spaCy's entity_ruler: same patterns, but without the
    per-document pattern counting and warning filters that cost ~10% of the stage's time.
    """

    def __init__(self, nlp: Language, name: str = "gazetteer_ruler"):
        from spacy.matcher import PhraseMatcher

        self.name = name
        self.matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.keys: dict[int, tuple[str, str]] = {}
        by_key: dict[str, list[str]] = {}
        for form, (kind, rid) in load_gazetteer().surfaces.items():
            by_key.setdefault(f"{kind}|{rid}", []).append(form)
        for key, forms in sorted(by_key.items()):
            self.matcher.add(key, list(nlp.tokenizer.pipe(sorted(forms))))
            kind, rid = key.split("|", 1)
            self.keys[nlp.vocab.strings[key]] = (kind, rid)

    def __call__(self, doc: Doc) -> Doc:
        """Longest non-overlapping matches become entities (label = type, id = canonical id)."""
        matches = sorted(self.matcher(doc), key=lambda m: (m[1] - m[2], m[1]))
        used: set[int] = set()
        spans = []
        for key, start, end in matches:
            if used.isdisjoint(range(start, end)):
                kind, rid = self.keys[key]
                spans.append(Span(doc, start, end, label=kind, span_id=rid))
                used.update(range(start, end))
        doc.set_ents(sorted(spans, key=lambda s: s.start))
        return doc


@Language.factory("gazetteer_ruler")
def make_gazetteer_ruler(nlp: Language, name: str) -> GazetteerRuler:
    """Factory for the gazetteer phrase matcher (patterns from pipeline/data)."""
    return GazetteerRuler(nlp, name)


def doc_text(doc: Doc) -> str:
    """The doc's text, joined once: Doc.text rebuilds it from every token on each call, which
    made the per-mention rules cost grow with the square of a segment's length."""
    text = doc.user_data.get("text")
    if text is None:
        text = doc.user_data["text"] = doc.text
    return text


def in_caps_line(doc: Doc, start_char: int) -> bool:
    """Whether a character offset lies on an ALL-CAPS line of the doc (computed once per doc)."""
    lines = doc.user_data.get("caps_lines")
    if lines is None:
        lines = doc.user_data["caps_lines"] = caps_lines(doc_text(doc))
    i = bisect.bisect_right(lines, (start_char, float("inf"))) - 1
    return i >= 0 and lines[i][0] <= start_char < lines[i][1]


def sentence(doc: Doc, start_char: int, end_char: int) -> str:
    """The sentence-ish stretch of text around a span (no parser needed: punctuation and newlines)."""
    text = doc_text(doc)
    ends = doc.user_data.get("sentence_ends")
    if ends is None:  # (start, end) of every sentence break, found once per doc
        ends = doc.user_data["sentence_ends"] = [m.span() for m in SENT_END.finditer(text)]
    i = bisect.bisect_right(ends, (start_char, start_char)) - 1
    while i >= 0 and ends[i][1] > start_char:  # a break must end at or before the span
        i -= 1
    left = ends[i][1] if i >= 0 else 0
    j = bisect.bisect_left(ends, (end_char, end_char))
    return text[left:ends[j][0] if j < len(ends) else len(text)]


def _context(doc: Doc) -> str:
    """The whole segment the doc came from (the doc may be one sentence of it)."""
    return doc.user_data.get("context") or doc_text(doc)


def _once(doc: Doc, key: str, compute):
    """compute(whole segment text), once per doc: rules that weigh the whole segment would
    otherwise rescan it at every mention, a cost growing with the square of its length."""
    if key not in doc.user_data:
        doc.user_data[key] = compute(_context(doc))
    return doc.user_data[key]


def _is_name_like(tok) -> bool:
    """A capitalised word that could be part of a person's name (not a stop word or a title)."""
    return (tok.is_alpha and tok.is_title and tok.lower_ not in STOP_WORDS
            and tok.lower_ not in TITLES and len(tok) > 1)


def _us_is_pronoun(doc: Doc, ent: Span) -> bool:
    """'US' read as the pronoun: in headings after a governing verb/preposition, or after 'Let'."""
    prev = doc[ent.start - 1].text.upper() if ent.start > 0 else ""
    if prev in {"LET", "LETS"}:
        return True
    if not in_caps_line(doc, ent.start_char):
        return False
    nxt = doc[ent.end] if ent.end < len(doc) else None
    modifies_noun = (nxt is not None and nxt.is_alpha and nxt.lower_ not in STOP_WORDS
                     and nxt.text != "\n")
    return prev in PRONOUN_GOVERNORS and not modifies_noun


def _npp_is_plant(doc: Doc, ent: Span) -> bool:
    """'NPP' read as a nuclear power plant (after a place name, or in nuclear context)."""
    if ent.start > 0 and doc[ent.start - 1].is_title and doc[ent.start - 1].is_alpha \
            and doc[ent.start - 1].lower_ not in STOP_WORDS:
        return True
    sent = sentence(doc, ent.start_char, ent.end_char)
    nuclear, chem = len(NUCLEAR.findall(sent)), len(PRECURSOR.findall(sent))
    if nuclear and not chem:
        return True
    if nuclear and chem:
        counts = _once(doc, "npp_counts", lambda text: (len(NUCLEAR.findall(text)),
                                                        len(PRECURSOR.findall(text))))
        return counts[0] > counts[1]
    return False


def _four_ap_is_aminopyridine(doc: Doc, ent: Span) -> bool:
    """'4-AP' read as 4-aminopyridine (a potassium-channel blocker), not the fentanyl precursor."""
    if _once(doc, "aminopyridine", lambda text: bool(STRONG_AMINO.search(text))
             and not ANILINOPIPERIDINE.search(text)):
        return True
    return bool(AMINOPYRIDINE.search(sentence(doc, ent.start_char, ent.end_char)))


def _georgia_is_us_state(doc: Doc, ent: Span) -> bool:
    """'Georgia' read as the U.S. state: 'Atlanta, Georgia', 'state of Georgia', U.S. context."""
    gaz = load_gazetteer()
    listed = _listed_with(doc, ent, gaz)  # "Jordan and Georgia", "Georgia, Alabama and Florida"
    if listed is not None:
        return listed
    if ent.start >= 2 and doc[ent.start - 1].text == "," and doc[ent.start - 2].is_title:
        return not GEORGIA_COUNTRY.fullmatch(doc[ent.start - 2].text)  # "Atlanta, Georgia" but "Batumi, Georgia"
    before = doc[max(0, ent.start - 3):ent.start].text.lower()
    if "state of" in before or (ent.end < len(doc) and doc[ent.end].lower_ == "state"):
        return True
    if "country" in before:
        return False
    sent = sentence(doc, ent.start_char, ent.end_char)
    us = any(w in US_CITIES or _us_state(gaz, w) for w in re.findall(r"[A-Z][a-z]+", sent)) \
        or bool(US_AGENCIES.search(sent))
    other = bool(GEORGIA_COUNTRY.search(sent))
    if us != other:
        return us
    # Both or neither in the sentence: the nearest cue in the segment decides, so one briefing
    # can speak of the state in one paragraph and of the country in the next.
    cues = _once(doc, "georgia_cues", lambda text: sorted(
        [(m.start(), True) for m in re.finditer(r"[A-Z][a-z]+", text)
         if m.group() in US_CITIES or _us_state(gaz, m.group())]
        + [(m.start(), True) for m in US_AGENCIES.finditer(text)]
        + [(m.start(), False) for m in GEORGIA_COUNTRY.finditer(text)]))
    if not cues:
        return False
    i = bisect.bisect_left(cues, (ent.start_char, False))
    near = cues[max(0, i - 1):i + 1]
    return min(near, key=lambda c: (abs(c[0] - ent.start_char), c[1]))[1]


def _listed_with(doc: Doc, ent: Span, gaz) -> bool | None:
    """In a list, Georgia is what its neighbours are: True beside a U.S. state, False beside a
    country, None when neither neighbour (one to three words across ',', 'and', 'or') is either."""
    links = {",", "and", "or", "&"}
    neighbours = []
    if ent.start >= 2 and doc[ent.start - 1].text in links:
        neighbours += [doc[max(0, ent.start - 1 - n):ent.start - 1].text for n in (1, 2, 3)]
    if ent.end + 1 < len(doc) and doc[ent.end].text in links:
        neighbours += [doc[ent.end + 1:ent.end + 1 + n].text for n in (1, 2, 3)]
    for text in neighbours:
        rec = gaz.resolve(text) if text != "Georgia" and text[:1].isupper() else None
        if rec is not None and rec.type == "COUNTRY":
            return False
        if rec is not None and rec.subtype == "us_state":
            return True
    return None


def _us_state(gaz, word: str) -> bool:
    rec = gaz.resolve(word)
    return rec is not None and rec.subtype == "us_state" and word != "Georgia"


def _person_cue(doc: Doc, ent: Span) -> str:
    """'strong' (title before, speech verb after), 'weak' (next to a name-like word) or ''."""
    prev = doc[ent.start - 1] if ent.start > 0 else None
    nxt = doc[ent.end] if ent.end < len(doc) else None
    if prev is not None and prev.lower_ in TITLES:
        return "strong"
    if nxt is not None and nxt.lower_ in SPEECH_VERBS:
        return "strong"
    if (prev is not None and _is_name_like(prev) and not prev.ent_type_) or \
            (nxt is not None and _is_name_like(nxt) and not nxt.ent_type_):
        return "weak"
    return ""


PLACE_PREPS = {"in", "to", "from", "into", "across", "via", "through", "visited", "visiting",
               "of", "and", "near", "toward", "towards", "with"}


def _speaker_spans(doc: Doc) -> list[Span]:
    """Mentions of the briefing's speakers (full names, surnames, first names): persons.

    A speaker's name that is also a country ("Jordan") stays a country where the text says so
    ("in Jordan", "Jordan the country").
    """
    names = doc.user_data.get("speaker_names")
    if not names:
        return []
    pattern = doc.user_data.get("speaker_re")
    if pattern is None or not pattern.search(doc_text(doc)):
        return []
    gaz = load_gazetteer()
    out = []
    for m in pattern.finditer(doc_text(doc)):
        i = _token_at(doc, m.start())
        if i is None:
            continue
        for parts in names:
            n = len(parts)
            if tuple(t.text for t in doc[i:i + n]) != parts:
                continue
            if n == 1 and parts[0] in gaz.surfaces:
                prev = doc[i - 1].lower_ if i else ""
                after = doc[i + 1:i + 3].text.lower()
                if prev in PLACE_PREPS or after.startswith("the country"):
                    break
            out.append(doc[i:i + n])
            break
    return out


def _named_as(doc: Doc, ent: Span) -> bool:
    """'my middle name is Georgia': the word is a name being quoted, not a place or a person."""
    before = [t.lower_ for t in doc[max(0, ent.start - 3):ent.start]]
    return "name" in before[-3:] and before[-1:] in (["is"], ["was"]) or \
        (before[-1:] == ["named"])


def _name_end(doc: Doc, j: int) -> int:
    """End of the name starting at token j: capitalised words, initials ("N."), hyphenated parts
    ("Jean-Luc") and particles before a capitalised word ("van", "de", "al-"), up to five words."""
    start = j
    while j < len(doc) and j - start < 8:
        tok = doc[j]
        if _is_name_like(tok) or _INITIAL.fullmatch(tok.text) and j > start:
            j += 1
        elif tok.text in {"-", "'"} and j > start and j + 1 < len(doc) and _is_name_like(doc[j + 1]) \
                and not tok.whitespace_ and not doc[j - 1].whitespace_:
            j += 1
        elif tok.lower_ in NAME_PARTICLES and j > start:
            k = j
            while k < len(doc) and doc[k].lower_ in NAME_PARTICLES:
                k += 1  # "de la Cruz", "van der Berg"
            if k == len(doc) or not _is_name_like(doc[k]):
                break
            j = k
        else:
            break
    while j > start and (doc[j - 1].lower_ in NAME_PARTICLES or doc[j - 1].text in {"-", "'"}):
        j -= 1
    return j


def _title_persons(doc: Doc) -> list[Span]:
    """'Dr. Okafor', 'Insp. Daniel Roy', 'Staff Sgt. Ana de la Cruz': the name after the titles.

    Every title and rank before the name stays outside it, and the whole name is kept (initials,
    particles and hyphenated parts included), so the honorific never truncates it.
    """
    out = []
    for m in _TITLE_RE.finditer(doc_text(doc)):
        i = _token_at(doc, m.start())
        if i is None or in_caps_line(doc, m.start()):
            continue
        if doc[i].lower_ not in TITLES and i + 1 < len(doc) and doc[i + 1].text == ".":
            i += 1  # "Dr" "." tokenised apart
        elif doc[i].lower_ not in TITLES:
            continue
        j = i + 1
        while j < len(doc) and (doc[j].lower_ in TITLES or doc[j].text == "." and j == i + 1):
            j += 1  # "Deputy Chief Insp.": ranks in a row
        end = _name_end(doc, j)
        if end > j and not is_role_label(doc[j:end].text) \
                and not all(t.lower_.rstrip(".") in HONORIFICS for t in doc[j:end]):
            out.append(doc[j:end])  # "Mr. Chair", "Madam Speaker" address a role, not a name
    return out


@Language.component("entity_context")
def entity_context(doc: Doc) -> Doc:
    """Apply context rules to the gazetteer matches before `ner` sees the doc."""
    keep: list[Span] = []
    blocked: list[tuple[int, int]] = doc.user_data.setdefault("blocked", [])
    forced: set[tuple[int, int]] = doc.user_data.setdefault("forced_persons", set())
    gaz = load_gazetteer()
    for ent in doc.ents:
        text, eid = ent.text, ent.ent_id_
        if ent.label_ == IGNORE:
            blocked.append((ent.start_char, ent.end_char))
            continue
        if eid == "USA" and text == "US" and _us_is_pronoun(doc, ent):
            continue
        if eid == "chem:npp" and text == "NPP" and _npp_is_plant(doc, ent):
            start = ent.start - 1 if ent.start > 0 and doc[ent.start - 1].is_title else ent.start
            blocked.append((doc[start].idx, ent.end_char))
            continue
        if eid == "chem:4-ap" and text.upper() == "4-AP" and _four_ap_is_aminopyridine(doc, ent):
            ent = Span(doc, ent.start, ent.end, label=CHEMICAL, span_id="chem:4-aminopyridine")
        if len(ent) == 1 and eid != "USA" and ent.text.lower() in STOP_WORDS \
                and in_caps_line(doc, ent.start_char):
            continue  # "WHO" in a heading is a question word, not the organisation
        if text in gaz.ambiguous or text.title() in gaz.ambiguous and not text.isupper():
            if _named_as(doc, ent):
                blocked.append((ent.start_char, ent.end_char))
                continue
            cue = _person_cue(doc, ent)
            if cue == "strong":
                forced.add((ent.start_char, ent.end_char))
                keep.append(Span(doc, ent.start, ent.end, label=PERSON))
                continue
            if cue == "weak":
                continue  # leave it to the statistical model (Michael Jordan vs visiting Jordan)
            if text == "Georgia" and _georgia_is_us_state(doc, ent):
                ent = Span(doc, ent.start, ent.end, label=REGION, span_id="region:georgia-us")
        keep.append(ent)
    forced_spans = _speaker_spans(doc) + _title_persons(doc)
    if forced_spans:
        taken = {i for s in forced_spans for i in range(s.start, s.end)}
        keep = [e for e in keep if not any(i in taken for i in range(e.start, e.end))]
        keep += [Span(doc, s.start, s.end, label=PERSON) for s in forced_spans]
        forced.update((s.start_char, s.end_char) for s in forced_spans)
        keep = _dedupe(keep)
    if blocked:  # e.g. the place name in "Zaporizhzhia NPP" (a facility, not a mention of a place)
        keep = [e for e in keep if not any(a < e.end_char and e.start_char < b for a, b in blocked)]
    doc.set_ents(sorted(keep, key=lambda s: s.start))
    return doc


def _dedupe(spans: list[Span]) -> list[Span]:
    """Drop overlapping spans, keeping the longer (then earlier) one."""
    out, used = [], set()
    for s in sorted(spans, key=lambda s: (-(s.end - s.start), s.start)):
        if not any(i in used for i in range(s.start, s.end)):
            out.append(s)
            used.update(range(s.start, s.end))
    return out


def _trim(doc: Doc, span: Span) -> Span | None:
    """Strip leading articles, titles and trailing possessives/punctuation from a model span."""
    start, end = span.start, span.end
    while start < end and (doc[start].lower_ in {"the", "a", "an"} or doc[start].lower_ in TITLES
                           or doc[start].is_punct):
        start += 1
    while end > start and (doc[end - 1].lower_ in {"'s", "’s"} or doc[end - 1].is_punct
                           and doc[end - 1].text not in {".", ")"}):
        end -= 1
    return Span(doc, start, end, label=span.label_) if end > start else None
