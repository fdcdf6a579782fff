"""Context around a name: kin and relative pronouns, kinds of organisation, posts and portfolios, electoral districts, languages."""

from __future__ import annotations

import functools
import re

from spacy.tokens import Doc, Span

from .components import doc_text
from .gazetteer import REGION, load_gazetteer, slug
from .recognise import MODEL_SPANS


def capitalised(tok) -> bool:
    """A word written with a capital: part of a proper name."""
    return tok.text[:1].isupper() and any(c.isalpha() for c in tok.text)


# Words for kin before a name ("Mr. Floyd's brother, Terrence", "born to parents Adam and …"):
# what follows is a person, whatever the model or a list of towns says.
KINSHIP = frozenset(
    "brother brothers sister sisters son sons daughter daughters father mother parents parent wife "
    "husband partner widow widower uncle aunt nephew niece cousin grandson granddaughter grandfather "
    "grandmother grandchild grandchildren children child".split())
# Determiners before a one-word name make it a thing ("the Bill", "this Bill"), not a person
# ("that" is left out: "… said that Okafor had").
DETERMINERS = frozenset("the this these those a an each every".split())
# Holders of a portfolio: "Minister of Digital Government", "Minister for Health and Social
# Services" name a post, and the portfolio after of/for is no organisation of its own.
PORTFOLIO_HOLDERS = frozenset("minister ministers secretary secretaries critic spokesperson "
                              "spokesman spokeswoman".split())
RANKS = frozenset("deputy assistant associate junior shadow acting parliamentary".split())
# Titles of a member of a legislature: "the member for Brampton North" names an electoral district.
MEMBER_WORDS = frozenset("member members mp mpp mla mna mha msp ms am td representative".split())


# Nouns for a kind of organisation: "an anti-Conservative organization, Unifor," names an organisation.
ORG_KINDS = frozenset("organization organisation organizations organisations union unions company companies "
                      "firm firms group groups agency agencies charity charities party parties bank banks "
                      "newspaper newspapers broadcaster broadcasters network networks nonprofit ngo".split())


def relative_who(doc: Doc, ent: Span) -> bool:
    """Whether "who" or "whose" follows the name, a comma between: people take "who", organisations "which"."""
    return ent.end + 1 < len(doc) and doc[ent.end].text == "," and doc[ent.end + 1].lower_ in {"who", "whose"}


def after_kind(doc: Doc, ent: Span) -> bool:
    """Whether the name stands in apposition to a noun for a kind of organisation, comma between."""
    return ent.start >= 2 and doc[ent.start - 1].text == "," and doc[ent.start - 2].lower_ in ORG_KINDS


def after_kin(doc: Doc, ent: Span) -> bool:
    """Whether a kinship word comes right before the name, a comma allowed between."""
    i = ent.start - 1
    if i >= 0 and doc[i].text == ",":
        i -= 1
    return i >= 0 and doc[i].lower_ in KINSHIP


def coordinated_person(doc: Doc, ent: Span) -> bool:
    """Whether the model read a multi-word person right beside the name, across "and" or a comma
    ("Adam and Carina Huby"): a name in a list of people is one of them."""
    for other in doc.spans.get(MODEL_SPANS, ()):
        if other.label_ == "PERSON" and len(other) > 1 and (
                other.start == ent.end + 1 and doc[ent.end].lower_ in {"and", ","}
                or other.end == ent.start - 1 and doc[other.end].lower_ in {"and", ","}):
            return True
    return False


def portfolio(doc: Doc, ent: Span) -> bool:
    """Whether a span is a post ("Minister of Digital Government") or the portfolio of one ("Minister
    for [Education]", "Minister for Health and [Social Services]")."""
    k = ent.start
    while k < ent.end - 1 and doc[k].lower_ in RANKS:
        k += 1  # "Deputy Minister for Health and Social Services"
    if doc[k].lower_ in PORTFOLIO_HOLDERS and ent.end - k > 2 and doc[k + 1].lower_ in {"of", "for"}:
        return True
    i = ent.start - 1
    while i > 0 and (capitalised(doc[i]) and doc[i].lower_ not in PORTFOLIO_HOLDERS
                     or doc[i].lower_ in {"and", "&"}) and ent.start - i < 8:
        i -= 1  # back over the portfolio's earlier words
    return i > 0 and doc[i].lower_ in {"of", "for"} and doc[i - 1].lower_ in PORTFOLIO_HOLDERS


def district(doc: Doc, ent: Span) -> bool:
    """Whether a span names an electoral district: "the member for X", "the MP for X", "the riding of X"."""
    if ent.start < 2:
        return False
    prep, word = doc[ent.start - 1].lower_, doc[ent.start - 2].lower_
    return prep == "for" and word in MEMBER_WORDS or prep == "of" and word in {"riding", "constituency"}


@functools.lru_cache(maxsize=1)
def language_names() -> frozenset[str]:
    """One-word names of the ISO 639-1 languages (pycountry): "from Welsh to English" names no actor."""
    import pycountry

    return frozenset(lang.name for lang in pycountry.languages
                     if hasattr(lang, "alpha_2") and " " not in lang.name)


_DISTRICT_CUE = re.compile(r"(?i:\b(?:member|MP|MPP|MLA|MNA|MHA|MSP) for|\b(?:riding|constituency) of)\s+[A-Z]")
COMPASS = frozenset({"North", "South", "East", "West", "Centre", "Center", "Central"})


def districts(doc: Doc) -> list[Span]:
    """Electoral districts named after "the member for", "the MP for", "the riding of": the
    capitalised words that follow, hyphenated parts and a compass word included ("Brampton North",
    "Chatham-Kent"), whether or not the model or the city list knows them."""
    out: list[Span] = []
    if not _DISTRICT_CUE.search(doc_text(doc)):
        return out
    for tok in doc[2:]:
        if not (capitalised(tok) and tok.is_alpha and district(doc, doc[tok.i:tok.i + 1])):
            continue
        j = tok.i + 1
        while j < len(doc) and j - tok.i < 6 and (
                capitalised(doc[j]) and doc[j].is_alpha
                or doc[j].text in {"-", "—", "–"} and not doc[j - 1].whitespace_
                and j + 1 < len(doc) and capitalised(doc[j + 1])):
            j += 1
        span = doc[tok.i:j]
        rec = load_gazetteer().resolve(span.text)
        if rec is None or rec.type == REGION:
            out.append(Span(doc, span.start, span.end, label=REGION,
                            span_id=rec.id if rec else "region:" + slug(span.text)))
    return out
