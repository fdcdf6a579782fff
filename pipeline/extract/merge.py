"""Merging by span: gazetteer and rule entities, organisation cues, the chemical model and spaCy's NER.

Every recogniser proposes spans on its own: the gazetteer ruler and context rules (doc.ents), the
English model's NER (doc.spans["model"]) and the chemical recogniser (doc.spans["chem"]), both
run over the whole text. `entity_canonicalizer` maps the proposals to our types and ids and keeps
the longest well-formed span: a country or place inside a longer organisation or place name
("Syrian Democratic Forces", "University of Toronto", "Mexico City") is not emitted on its own.
"""

from __future__ import annotations

import re

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.tokens import Doc, Span

from ..ingest.speakers import HONORIFICS, is_postnominal, is_role_label
from .components import (PERSON, SPEECH_VERBS, TITLES, OUR_TYPES, _dedupe, _trim, doc_text, in_caps_line)
from .cues import (COMPASS, DETERMINERS, after_kin, after_kind, coordinated_person, district, portfolio,
                   relative_who, capitalised as _capitalised, districts, language_names)
from .recognise import CHEM_SPANS, MODEL_SPANS
from .words import CHEM_SUFFIX, LOOKALIKES, STRONG_SUFFIX, inflection_bases, english_compound, english_word, not_nouns
from .gazetteer import ACTOR, CHEMICAL, COUNTRY, REGION, chem_lexicon, load_gazetteer, place_names, slug

_PLAIN_WORD = re.compile(r"[A-Za-z][a-z]+")
NON_ACTOR_WORDS = re.compile(
    r"\b(Convention|Act|Treaty|Protocol|Programme|Program|Agreement|Table|Schedule|List|Annex|"
    r"Conference|Summit|Report|Strategy|Initiative|Q&A|Question|Answer|Presentation|Background|War|"
    r"Bill|Bills|Order|Orders|Motion|Regulations?|Directive|Code)\b")
GENERIC_PLACE_WORDS = {"east", "west", "north", "south", "the east", "the west", "the north",
                       "the south", "center", "centre", "midwest", "abroad", "overseas", "home"}
# Words that make a run of capitalised words an organisation, never a person or a place:
# institutions, forces and parties, companies, newspapers and football clubs.
ORG_CUES = frozenset(
    "University College Institute Academy School Ministry Department Agency Office Bureau "
    "Commission Committee Council Authority Board Service Services Police Constabulary Forces "
    "Force Army Navy Guard Brigade Brigades Militia Front Movement Party Regime Government Cartel "
    "Gang Network Company Corporation Corp Inc Ltd LLC Bank Generation Hydro Pharma "
    "Pharmaceuticals Laboratories Hospital Foundation Association Union Federation Alliance "
    "Coalition Sun Times Post Herald Tribune Journal Gazette Globe News Press Club FC AFC CF "
    "United Rovers Athletic Wanderers Hotspur Court Parliament Assembly Senate".split())
# A demonym before a state body names the state's own organ: "Japanese Cabinet Office" and
# "Mexican Navy" are mentions of Japan and Mexico (gold convention), unlike "Syrian Democratic Forces".
STATE_BODIES = frozenset(
    "Cabinet Office Ministry Government Embassy Consulate Navy Army Air Force Forces Armed Coast "
    "Guard Police Parliament Foreign Defence Defense Interior Justice Health Customs Border "
    "National Federal State Prime Minister President Senate Congress Military".split())
DIRECTIONS = frozenset("north south east west northern southern eastern western central north-east "
                       "north-west south-east south-west northeastern northwestern southeastern "
                       "southwestern upper lower".split())
# Cues only as the last word of a name: "Manchester United" (a club), not "United States".
TAIL_CUES = frozenset({"United", "Rovers", "Athletic", "Wanderers", "Hotspur", "Sun", "Times",
                       "Post", "Star", "Globe"})
# Offices with a proper name are organisations when named as offices (see _office).
OFFICE_CUES = frozenset({"Commissioner", "Ombudsman", "Ombudsperson", "Auditor", "Registrar"})
# Lower-case words that close an organisation named after a person or a place ("Asad regime").
ORG_TAILS = frozenset({"regime"})
CONNECTORS = frozenset({"of", "and", "for", "the", "on", "&", "de", "du", "des", "la", "le", "del",
                        "al", "el"})
# Country abbreviations written in front of an agency are a mention of their own ("U.S. Navy").
COUNTRY_PREFIXES = frozenset({"U.S.", "US", "U.K.", "UK", "EU", "UN", "U.N."})


def _is_connector(tok) -> bool:
    return tok.lower_ in CONNECTORS


def well_formed(span: Span) -> bool:
    """A name: capitalised words with only connectors between them, and no digits."""
    toks = list(span)
    if not toks or not _capitalised(toks[0]) and toks[0].lower_ not in {"al", "el"} \
            or _is_connector(toks[-1]) or any(c.isdigit() for c in span.text):
        return False
    return all(_capitalised(t) or _is_connector(t) or t.text in {"-", ".", "'s"} for t in toks)


def _cue_follows(doc: Doc, j: int) -> bool:
    """Whether the capitalised run from token j holds a cue of its own: then an "and" before it
    joins two organisations ("Toronto Police and Ontario Provincial Police"), not one name
    ("Journal of Illicit Markets and Regulation")."""
    while j < len(doc) and (_capitalised(doc[j]) or doc[j].lower_ in {"of", "for", "on"}):
        if doc[j].text in ORG_CUES:
            return True
        j += 1
    return False


def _list_name_follows(doc: Doc, j: int) -> bool:
    """Whether a comma at token j goes on with the rest of one name listing its fields before a
    cue: "Children, Young People and Education Committee" (capitalised words, "and", a cue)."""
    k, seen_and = j + 1, False
    while k < len(doc) and k - j < 12:
        tok = doc[k]
        if tok.text in ORG_CUES and seen_and:
            return True
        if tok.lower_ in {"and", "&"} and not seen_and and k + 1 < len(doc) and _capitalised(doc[k + 1]):
            seen_and = True
        elif not (_capitalised(tok) and not tok.ent_type_) and not (tok.text == "," and not seen_and):
            return False
        k += 1
    return False


def _joins(doc: Doc, i: int, j: int) -> bool:
    """Whether token j (after the run doc[i:j]) continues one capitalised name."""
    tok, n = doc[j], len(doc)
    if _capitalised(tok):
        return True
    nxt = doc[j + 1] if j + 1 < n else None
    if nxt is None:
        return False
    if tok.lower_ in {"'s", "’s"}:
        # "Children's Commissioner for Wales", but "Canada's Department of Justice" is two names.
        return _capitalised(nxt) and not doc[j - 1].ent_type_
    if tok.text == ",":
        return not any(t.text in ORG_CUES for t in doc[i:j]) and not any(t.ent_type_ for t in doc[i:j]) \
            and _list_name_follows(doc, j)
    if tok.lower_ == "the":
        return doc[j - 1].lower_ in {"of", "on", "for"} and _capitalised(nxt)
    if not _is_connector(tok):
        return False
    if tok.lower_ in {"of", "on", "for"} and nxt.lower_ == "the" and j + 2 < n and _capitalised(doc[j + 2]):
        return True  # "Committee on the Rights of the Child"
    if not _capitalised(nxt):
        return False
    if tok.lower_ in {"and", "&"} and _cue_follows(doc, j + 1):
        # Two organisations when each side holds a cue or the first is a known name.
        return not any(t.text in ORG_CUES for t in doc[i:j]) and not any(t.ent_type_ for t in doc[i:j])
    return True


_CUE_IN_TEXT = re.compile(r"\b(?:" + "|".join(sorted(ORG_CUES | OFFICE_CUES)) + r")\b|\bregime\b")


def _office(run: Span) -> bool:
    """A named office: a cue such as "Commissioner" after a capitalised word and last in the run or
    before of/for ("Children's Commissioner for Wales", "Privacy Commissioner"), not a title before
    a name ("Commissioner Lucki")."""
    for t in run:
        if t.text in OFFICE_CUES and t.i > run.start and (
                t.i == run.end - 1 or t.nbor().lower_ in {"of", "for"}):
            return True
    return False


def cue_organisations(doc: Doc) -> list[Span]:
    """Runs of capitalised words holding an organisation cue ("Ontario Power Generation",
    "University of Toronto", "the Vancouver Sun", "Toronto FC") and names closed by "regime"."""
    out, i, n = [], 0, len(doc)
    if not _CUE_IN_TEXT.search(doc_text(doc)):
        return out  # most segments name no organisation cue: skip the walk over the tokens
    while i < n:
        if not _capitalised(doc[i]) or _is_connector(doc[i]):
            i += 1
            continue
        j = i + 1
        while j < n and _joins(doc, i, j):
            j += 1
        while j > i + 1 and not _capitalised(doc[j - 1]):
            j -= 1  # a run ends on a word, not on "of the" or a comma
        run = doc[i:j]
        if j < n and doc[j].lower_ in ORG_TAILS and doc[j].text.islower():
            run = doc[i:j + 1]
        i = j
        words = [t for t in run if _capitalised(t) and not _is_connector(t)]
        if run[-1].lower_ in ORG_TAILS and all(t.ent_type_ == COUNTRY for t in words):
            continue  # "the Chinese regime" is the state's government: a mention of China
        cued = any(t.text in ORG_CUES and (t.text not in TAIL_CUES or t.i == run.end - 1)
                   for t in run) or run[-1].lower_ in ORG_TAILS or _office(run)
        if not cued or len(words) < 2 and run[-1].lower_ not in ORG_TAILS \
                or in_caps_line(doc, run.start_char):
            continue
        start = run.start
        while start < run.end - 1 and (doc[start].text in COUNTRY_PREFIXES or doc[start].lower_ == "the"):
            start += 1
        run = doc[start:run.end]
        if len(run) >= 2 and any(t.text not in ORG_CUES for t in run if _capitalised(t)) \
                and not portfolio(doc, run):
            out.append(Span(doc, run.start, run.end, label=ACTOR, span_id="org:" + slug(run.text)))
    return out


PLACE_PREPS = frozenset({"in", "near", "from", "outside", "across", "around"})


_PREP_CAPITAL = re.compile(r"(?i:\b(?:in|near|from|outside|across|around))\s+[A-Z]")


def place_after_preposition(doc: Doc) -> list[Span]:
    """A known city, state or province after "in", "near", "from" ...: a place ("in Pickering")."""
    names, out = place_names(), []
    if not _PREP_CAPITAL.search(doc_text(doc)):
        return out  # most segments: no capitalised word after a place preposition
    for tok in doc[1:]:
        if tok.text in names and doc[tok.i - 1].lower_ in PLACE_PREPS and _capitalised(tok) \
                and tok.lower_ not in GENERIC_PLACE_WORDS and tok.lower_ not in DIRECTIONS \
                and load_gazetteer().resolve(tok.text) is None:
            end = tok.i + 2 if tok.i + 1 < len(doc) and doc[tok.i + 1].text in COMPASS else tok.i + 1
            out.append(Span(doc, tok.i, end, label=REGION, span_id="region:" + slug(doc[tok.i:end].text)))
    return out


def _line_or_sentence_start(doc: Doc, ent: Span) -> bool:
    """Whether a span opens a line or a sentence (where every word is capitalised anyway)."""
    if ent.start == 0:
        return True
    prev = doc[ent.start - 1]
    # text_with_ws runs up to the span, so a line break before it is in there.
    return prev.text in {".", "!", "?", ":", "-", "•", "*"} or "\n" in prev.text_with_ws


def _strong_person_cue(doc: Doc, ent: Span) -> bool:
    """A title before the name or a speech verb after it: the name is a person."""
    prev = doc[ent.start - 1].lower_ if ent.start > 0 else ""
    nxt = doc[ent.end].lower_ if ent.end < len(doc) else ""
    return prev in TITLES or nxt in SPEECH_VERBS


# Words for someone's post or studies: "<one of them> at X" names where they work or study.
AFFILIATIONS = frozenset(
    "student students professor professors lecturer researcher researchers scientist scientists "
    "fellow fellows faculty postdoc candidate alumnus alumna graduate undergraduate scholar "
    "academic teach teaches taught study studies studied studying work works worked working "
    "employed analyst analysts economist economists engineer engineers staff colleague "
    "colleagues chair director dean".split())


def _affiliation(doc: Doc, ent: Span) -> bool:
    """Whether a name follows "at" after a word for a post or studies ("a student at Simon
    Fraser", "I work at Johns Hopkins"): people work at institutions, not at other people."""
    if ent.start < 2 or doc[ent.start - 1].lower_ != "at" or _strong_person_cue(doc, ent):
        return False
    return any(t.lower_ in AFFILIATIONS for t in doc[max(0, ent.start - 4):ent.start - 1])


def _title_word_follows(doc: Doc, ent: Span) -> bool:
    """Whether the name goes on, past brackets and capitalised words, into a word for a law,
    treaty or event: "Children (Abolition of …) (Wales) Bill", "the Chemical Weapons Convention"."""
    for tok in doc[ent.end:ent.end + 6]:
        if NON_ACTOR_WORDS.fullmatch(tok.text):
            return True
        if not (tok.is_space or tok.is_punct or _capitalised(tok)):
            return False
    return False


def canonical_model_span(doc: Doc, ent: Span) -> Span | None:
    """Map one of the bare model's spans (PERSON/ORG/GPE/LOC/NORP) to our types and ids, or drop it."""
    gaz = load_gazetteer()
    label = ent.label_
    if label not in {"PERSON", "ORG", "GPE", "LOC", "NORP"}:
        return None
    ent = _trim(doc, ent)
    if ent is not None and len(ent) > 1 and ent[0].text in COUNTRY_PREFIXES:
        ent = Span(doc, ent.start + 1, ent.end, label=ent.label_)
    while ent is not None and ent.label_ in {"PERSON", "ORG"} and len(ent) > 2 and is_postnominal(ent[-1].text) \
            and all(t.is_title for t in ent[:-1]):
        # "Julie Morgan AM" is Julie Morgan, a person even where the model says ORG.
        ent = Span(doc, ent.start, ent.end - 1, label="PERSON")
        label = "PERSON"
    if ent is None:
        return None
    text = ent.text
    if not any(c.isupper() for c in text) or any(c.isdigit() for c in text) \
            or sum(c.isalpha() for c in text) < 2:
        return None  # lower-case, numeric or initial-only spans are not names in this domain
    if len(text) <= 2 or text.lower() in GENERIC_PLACE_WORDS:
        return None  # "AI", "East": too short or too generic to be a name the gazetteer lacks
    if len(ent) == 1 and label in {"PERSON", "ORG"} and _line_or_sentence_start(doc, ent) \
            and not (ent.end < len(doc) and doc[ent.end].lower_ in SPEECH_VERBS):
        return None  # a capitalised first word ("Bulk", "Chemical") is usually not a name
    if label == "PERSON" and (is_role_label(text) or all(t.lower_.rstrip(".") in HONORIFICS for t in ent)):
        return None  # "Mr. Chair": a role or a title, not a name
    if label in {"PERSON", "ORG", "GPE"} and district(doc, ent):
        return Span(doc, ent.start, ent.end, label=REGION, span_id="region:" + slug(text))
    if label in {"PERSON", "ORG"} and portfolio(doc, ent):
        return None
    if label in {"PERSON", "ORG"} and len(ent) == 1 and text in language_names() \
            and gaz.resolve(text) is None and not _strong_person_cue(doc, ent):
        return None  # "from Welsh to English": a language
    if label == "PERSON" and len(ent) == 1 and ent.start > 0 and doc[ent.start - 1].lower_ in DETERMINERS:
        return None  # "the Bill", "this Bill": a thing named with a capital, not a person
    if label == "PERSON" and len(ent) == 1 and NON_ACTOR_WORDS.fullmatch(text) and ent.start > 0 \
            and (doc[ent.start - 1].text == ")" or _capitalised(doc[ent.start - 1])):
        return None  # "(Wales) Bill", "Finance Bill": the end of a law's title
    if label == "PERSON" and all(t.text.isupper() for t in ent if t.is_alpha):
        return None  # "COVID": people's names are not written in capitals outside headings
    if label in {"ORG", "GPE"} and len(ent) == 1 and after_kin(doc, ent):
        label = "PERSON"  # "his brother, Terrence", "born to parents Adam and …"
    if label == "ORG" and relative_who(doc, ent) and not any(t.text in ORG_CUES for t in ent):
        label = "PERSON"  # "and Huw Morris, who is group director"
    if label == "PERSON" and after_kind(doc, ent):
        label = "ORG"  # "an anti-Conservative organization, Unifor,"
    if label == "PERSON" and any(t.text in ORG_CUES for t in ent) and len(ent) > 1:
        label = "ORG"  # "Ontario Power Generation", "Vancouver Sun": organisation cues win
    affiliated = label in {"PERSON", "ORG"} and _affiliation(doc, ent)
    if affiliated:
        label = "ORG"  # "a graduate student at Simon Fraser", "studied at Oxford": an institution
    rec = gaz.resolve(text)
    if label in {"PERSON", "ORG"} and rec is None and text in place_names() and not affiliated \
            and text.lower() not in DIRECTIONS and not after_kin(doc, ent) \
            and not (label == "PERSON" and coordinated_person(doc, ent)) \
            and not _strong_person_cue(doc, ent) and not any(t.text in ORG_CUES for t in ent):
        # "Pickering" is a town: a place name is not a person or a company unless the text says so.
        return Span(doc, ent.start, ent.end, label=REGION, span_id="region:" + slug(text))
    if label == "PERSON" and (rec is None or rec.type in {COUNTRY, REGION}
                              and (text in gaz.ambiguous or len(ent) > 1)):
        return Span(doc, ent.start, ent.end, label=ACTOR, span_id="person:" + slug(text))
    if rec is not None:
        return Span(doc, ent.start, ent.end, label=rec.type, span_id=rec.id)
    if label == "ORG":
        if NON_ACTOR_WORDS.search(text) or len(text) < 2 or _title_word_follows(doc, ent):
            return None  # "the Chemical Weapons" + line break + "Convention": a treaty
        return Span(doc, ent.start, ent.end, label=ACTOR, span_id="org:" + slug(text))
    if label in {"GPE", "LOC"}:
        return Span(doc, ent.start, ent.end, label=REGION, span_id="region:" + slug(text))
    return None  # NORP that is not a known demonym (religions, political groups)


def canonical_chem_span(doc: Doc, ent: Span) -> Span | None:
    """A chemical recogniser span with the gazetteer's id when it knows the name, else chem:<slug>."""
    start, end = ent.start, ent.end
    # "meanwhile nitazenes": lower-case function words are never part of the name.
    while start < end and doc[start].text.islower() and doc[start].lower_ in STOP_WORDS:
        start += 1
    while end > start and doc[end - 1].text.islower() and doc[end - 1].lower_ in STOP_WORDS:
        end -= 1
    if start == end:
        return None
    span = doc[start:end]
    text = span.text
    if sum(c.isalpha() for c in text) < 2 and not re.fullmatch(r"[A-Z][a-z]?", text):
        return None
    rec = load_gazetteer().resolve(text)
    if rec is not None:
        # A known country, place or organisation is not a chemical, whatever the model says.
        return Span(doc, start, end, label=CHEMICAL, span_id=rec.id) if rec.type == CHEMICAL else None
    if end < len(doc) and doc[end].lower_ in {"channel", "channels"}:
        return None  # "a potassium channel blocker" names a protein, not the element
    if in_caps_line(doc, span.start_char):
        return None  # headings: the gazetteer knows the chemicals written in capitals
    words = [t.text for t in span if t.is_alpha]
    if len(words) == len(span) and all(w.islower() for w in words) \
            and any(b in not_nouns() for w in words for b in inflection_bases(w)):
        return None  # "locate", "budget complicate": a verb or adjective is no chemical name
    low = text.lower()
    if len(span) == 1 and text.isalpha() and text.isupper() and low not in chem_lexicon() \
            and f"({text})" not in doc_text(doc):
        return None  # an acronym the text never defines ("MAX"): too often no chemical
    if _PLAIN_WORD.fullmatch(text):
        # One ordinary-looking word ("keeps", "Lisbon", "telephone") must be known as a
        # chemical or look like one without being an everyday English word.
        if low in STOP_WORDS or low in LOOKALIKES or low[:-1] in LOOKALIKES or text in place_names() \
                or low not in chem_lexicon() and not STRONG_SUFFIX.search(low) \
                and (not CHEM_SUFFIX.search(low) or english_word(low) or english_compound(low)):
            return None
    return Span(doc, start, end, label=CHEMICAL, span_id="chem:" + slug(text))


# Stems of drug and precursor families: a word built on one names a chemical ("benzylfentanyl",
# "protonitazene", "flubromazolam"), whether or not the recogniser saw it; the bare family name
# ("cathinones") is a class, left to the lists and the recogniser.
DRUG_STEMS = re.compile(r"(?i)[a-z0-9\-]+(?:fentanyl|fentanil|nitazene|azepam|azolam|cathinone|"
                        r"amphetamine|amfetamine|piperidone|anilinopiperidine)s?")

_STEM_IN_TEXT = re.compile(r"(?i)fentan|nitazene|azepam|azolam|cathinone|amphetamine|amfetamine|piperid")


def morphology_chemicals(doc: Doc) -> list[Span]:
    """Chemical names recognised by their stem alone (the lowest-priority proposals)."""
    out: list[Span] = []
    if not _STEM_IN_TEXT.search(doc_text(doc)):
        return out
    for tok in doc:
        if len(tok) > 6 and DRUG_STEMS.fullmatch(tok.text) and not in_caps_line(doc, tok.idx):
            span = canonical_chem_span(doc, doc[tok.i:tok.i + 1])
            if span is not None:
                out.append(span)
    return out


def _person_not_chemical(doc: Doc, span: Span) -> bool:
    """Whether a chemical-model span is a person's name: capitalised words without a known chemical
    word or a strong chemical ending (a weak one such as -in also ends "Kevin"), inside a span the
    English model calls PERSON and longer than it ("Kevin Andrews" in "Stewart Kevin Andrews")."""
    words = [t for t in span if not t.is_punct]
    if not words or not all(t.is_alpha and t.is_title for t in words) \
            or load_gazetteer().resolve(span.text) is not None \
            or any(t.lower_ in chem_lexicon() or STRONG_SUFFIX.search(t.lower_) for t in words):
        return False
    # Only part of a longer name: a capitalised drug name alone ("Baclofen" opening a sentence)
    # is sometimes a PERSON to the English model too.
    return any(p.label_ == "PERSON" and p.start <= span.start and span.end <= p.end and len(p) > len(span)
               for p in doc.spans.get(MODEL_SPANS, ()))


def _merge_in(kept: list[Span], candidates: list[Span], swallows, limit: int = 99) -> list[Span]:
    """Add candidates, longest first: one that overlaps nothing is kept; one that strictly holds
    every span it overlaps (at most `limit` of them) replaces them when `swallows(candidate, span)`
    allows; else it yields. Spans are found by token (not by comparing every pair), so the cost
    stays linear in the number of entities of a long segment."""
    owner: dict[int, Span] = {i: k for k in kept for i in range(k.start, k.end)}
    for cand in sorted(candidates, key=lambda s: (s.start - s.end, s.start)):
        over = list({(k.start, k.end): k for i in range(cand.start, cand.end)
                     if (k := owner.get(i)) is not None}.values())
        if over and not (len(over) <= limit and all(
                cand.start <= k.start and k.end <= cand.end and len(k) < len(cand)
                and swallows(cand, k) for k in over)):
            continue
        for k in over:
            for i in range(k.start, k.end):
                del owner[i]
        owner.update((i, cand) for i in range(cand.start, cand.end))
    return sorted({(k.start, k.end): k for k in owner.values()}.values(), key=lambda s: s.start)


def _is_place(label: str) -> bool:
    return label in {COUNTRY, REGION}


def _state_body(cand: Span, k: Span) -> bool:
    """Whether cand is a demonym or country name followed only by state-body words, or a country
    with only a direction before it ("Eastern China" is China)."""
    rest = [t for t in cand if t.i >= k.end and _capitalised(t)]
    before = [t for t in cand if t.i < k.start]
    if before and not rest and all(t.lower_ in DIRECTIONS for t in before):
        return True
    return k.label_ == COUNTRY and k.start == cand.start and bool(rest) \
        and all(t.text in STATE_BODIES for t in rest)


def _org_swallows(cand: Span, k: Span) -> bool:
    """An organisation or place name may hold a country, demonym or place ("Syrian Democratic
    Forces"), but not when it is that country's state body ("Mexican Navy")."""
    return _is_place(k.label_) and not k.id_.startswith("person:") and not _state_body(cand, k)


def _sub_body(cand: Span, k: Span) -> bool:
    """A body of a known organisation named after it: "United Nations Committee on the Rights of
    the Child" holds the United Nations and is a committee of its own."""
    return k.label_ == ACTOR and k.start == cand.start and k.end < cand.end \
        and (cand.doc[k.end].text in ORG_CUES or cand.doc[k.end].text in OFFICE_CUES)


def _model_swallows(cand: Span, k: Span) -> bool:
    """A longer well-formed name from the model may hold a country or place, or a shorter chemical."""
    if k.label_ == CHEMICAL:
        return cand.label_ == CHEMICAL
    return cand.label_ in {ACTOR, REGION} and well_formed(cand) and _org_swallows(cand, k)


def _chem_swallows(cand: Span, k: Span) -> bool:
    """The longest chemical name wins ("propionyl chloride" over a listed "chloride")."""
    return k.label_ == CHEMICAL


@Language.component("entity_canonicalizer")
def entity_canonicalizer(doc: Doc) -> Doc:
    """Give every proposal one of our types and a canonical id, then merge them by span."""
    blocked = doc.user_data.get("blocked", ())
    forced = doc.user_data.get("forced_persons", set())

    def free(span: Span) -> bool:
        return not any(a < span.end_char and span.start_char < b for a, b in blocked)

    kept: list[Span] = []
    for ent in doc.ents:  # gazetteer and context rules
        if ent.label_ in OUR_TYPES:
            kept.append(ent)
        elif ent.label_ == PERSON and (ent.start_char, ent.end_char) in forced:
            kept.append(Span(doc, ent.start, ent.end, label=ACTOR, span_id="person:" + slug(ent.text)))
    persons = {(k.start, k.end) for k in kept if k.id_.startswith("person:")}
    kept = _merge_in(kept, [s for s in cue_organisations(doc) if free(s)],
                     lambda c, k: (k.start, k.end) not in persons and (_org_swallows(c, k) or _sub_body(c, k)),
                     limit=1)
    chems = (canonical_chem_span(doc, s) for s in doc.spans.get(CHEM_SPANS, ())
             if free(s) and not _person_not_chemical(doc, s))
    kept = _merge_in(kept, [s for s in chems if s is not None], _chem_swallows)
    models = (canonical_model_span(doc, s) for s in doc.spans.get(MODEL_SPANS, ())
              if free(s) and not in_caps_line(doc, s.start_char))
    # One model span holding two known names is two names run together ("the US and Mexico").
    kept = _merge_in(kept, [s for s in models if s is not None],
                     lambda c, k: (k.start, k.end) not in persons and _model_swallows(c, k), limit=1)
    kept = _merge_in(kept, districts(doc), lambda c, k: k.label_ == REGION)
    kept = _merge_in(kept, place_after_preposition(doc), lambda c, k: False)
    kept = _merge_in(kept, morphology_chemicals(doc), lambda c, k: False)
    doc.set_ents(_dedupe(kept))
    return doc
