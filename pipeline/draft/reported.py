"""Reported speech: the presenter's first-person sentences rewritten as attributed, third-person statements."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from ..ingest.speakers import HONORIFICS


@dataclass(frozen=True)
class Person:
    """How the note names the presenter: full name, short form ('Dr. Okafor') and pronoun when known."""

    full: str
    short: str
    pronoun: str | None = None

    @property
    def object(self) -> str | None:
        """Object pronoun (her/him/them)."""
        return {"she": "her", "he": "him", "they": "them"}.get(self.pronoun or "")

    @property
    def possessive(self) -> str | None:
        """Possessive determiner (her/his/their)."""
        return {"she": "her", "he": "his", "they": "their"}.get(self.pronoun or "")


# Titles come from the one list ingest uses for speaker labels ("Dr.", "Ambassador", "Gen.").
_HONORIFIC = re.compile(r"^((?:(?:the|right|rt)\.?\s+)*(?:" + "|".join(sorted(HONORIFICS, key=len, reverse=True)) + r"))\.?\s+", re.I)
_SUFFIX = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "phd", "ph.d.", "md", "qc", "kc"}
# Styles that are not used with a surname alone.
_STYLE_ONLY = {"hon", "honourable", "honorable", "right", "rt", "the"}


def presenter_person(speaker: str, intro: str = "") -> Person:
    """The briefing's speaker as the note names them; the pronoun comes from the honorific or the chair's introduction."""
    name = re.sub(r"\s*\([^)]*\)", "", speaker).strip()
    match = _HONORIFIC.match(name)
    honorific = match.group(0).strip() if match else ""
    rest = [w for w in name[len(match.group(0)) if match else 0:].replace(",", " ").split() if w.lower() not in _SUFFIX]
    surname = rest[-1] if rest else name
    # "Hon. Bill Blair" is "Bill Blair" in running text, never "Hon. Blair"; "Lynne Neagle AM" keeps her letters.
    if honorific.rstrip(".").lower() in _STYLE_ONLY or re.match(r"(?i)right\b", honorific):
        honorific = ""
        rest = [w for w in rest if w.rstrip(".").lower() not in _STYLE_ONLY]
    short = f"{honorific} {surname}" if honorific else (" ".join(rest) or name)
    pronoun = {"ms": "she", "mrs": "she", "miss": "she", "mr": "he", "sir": "he", "dame": "she"}.get(honorific.rstrip(".").lower())
    if pronoun is None and intro:
        she = len(re.findall(r"\b(she|her|hers|herself)\b", intro, re.I))
        he = len(re.findall(r"\b(he|him|his|himself)\b", intro, re.I))
        pronoun = "she" if she >= 1 and he == 0 else "he" if he >= 1 and she == 0 else None
    return Person(name, short, pronoun)


# ---- Turning the presenter's first person into reported speech -------------------------------

_OPINION_VERBS = {"think": "argued", "believe": "believed", "argue": "argued", "suspect": "suspected",
                  "expect": "expected", "feel": "felt", "worry": "worried", "say": "said", "fear": "feared"}
_OPINION = re.compile(
    r"^(?P<pre>(?:(?:First|Second|Third|Fourth|Finally|But|Now|Still|Also|Overall|In short|Frankly|Honestly),\s+)?)"
    r"I(?:\s+(?:really|also|still|do|would|'d|’d|personally))?\s+(?P<verb>think|believe|argue|suspect|expect|feel|worry|say|fear)\s+(?:that\s+)?(?P<rest>\S.*)$",
    re.S,
)
_PAREN_OPINION = re.compile(r",\s*I (?:think|believe|would argue|'d argue|’d argue|suspect|would say|'d say)\s*(?:,(?=\s)|(?=[.?!]))")
_FIRST_PERSON = re.compile(r"\b(?:I(?:['’](?:m|ve|d|ll))?|[Mm]e|[Mm]y|[Mm]ine|[Mm]yself)\b")
_UNCHANGED_AFTER_I = frozenset(
    "was could would should will can may might must did had didn't couldn't wouldn't won't can't cannot used "
    "spent went saw told said took made found got wrote began came gave knew left met ran sent thought heard led "
    "taught brought bought felt kept lost put read set became worked".split()
)
# Present-tense verbs whose he/she form the rewrite knows; after "I", any other word makes the sentence unsafe
# to rewrite ("I as minister …" must not become "She ases minister …").
_KNOWN_VERBS = frozenset(
    """think believe know want need see say mean hope expect feel agree disagree understand recognise recognize accept
    welcome suggest propose recommend support ask answer argue doubt fear worry wonder remember note find look take make
    give get go come work study teach lead run use hear read write call tell share join visit spend talk speak try plan
    intend wish prefer like love guess suspect assume consider regard confirm acknowledge appreciate commit mention add
    raise refer point continue keep stand remain represent chair serve sit live move thank apologise apologize admit
    insist doubt trust urge encourage hold owe sense notice realise realize imagine reckon reject oppose favour favor
    want wanted have am do don't haven't""".split()
)
_ADVERB = frozenset("just also always never still often really only even actually personally certainly usually".split())
_IRREGULAR = {"am": "is", "have": "has", "do": "does", "don't": "doesn't", "haven't": "hasn't", "go": "goes", "'m": "is"}
# Openings that read wrongly after "X explained that": answers, imperatives, exclamations.
_UNFRAMED = re.compile(r"^(?:Yes|No|Not|But|And|Or|Yet|Because|Quite|Look|Think|Consider|Imagine|Take|Remember|Note|See|Let|Keep|Picture|Compare|Ask|Go|Please)\b")
# Words that open sentences but are never names.
_FUNCTION_WORDS = frozenset(
    "a an the this that these those it its they there here what which who when where why how if so and but or "
    "because while although though since as at in on of for from by with to into after before until during "
    "most many some any all each every no not only even also yes one two three four five first second third "
    "roughly mostly about around nearly almost perhaps maybe within without under over across between despite through "
    "against among once today yesterday tomorrow".split()
)
_PLURAL_OR_YOU = re.compile(r"\b(we|us|our|ours|ourselves|you|your|yours)\b", re.I)


def _third_singular(verb: str) -> str:
    """The he/she form of a present-tense verb."""
    low = verb.lower()
    if low in _IRREGULAR:
        return _IRREGULAR[low]
    if low in _UNCHANGED_AFTER_I or low.endswith("ed"):
        return verb
    if re.search(r"(s|sh|ch|x|z|o)$", low):
        return verb + "es"
    if re.search(r"[^aeiou]y$", low):
        return verb[:-1] + "ies"
    return verb + "s"


def _known_verb(word: str) -> bool:
    """Whether the word after "I" is a verb form the rewrite handles (known present, modal, past)."""
    low = word.lower().replace("’", "'")
    return low in _KNOWN_VERBS or low in _UNCHANGED_AFTER_I or low in _IRREGULAR or (low.endswith("ed") and len(low) > 4)


def _roman_numeral(text: str, at: int) -> bool:
    """Whether the 'I' at `at` is a numeral ("Table I of the Convention", "Schedule I and II")."""
    before = re.search(r"(\S+)\s+(\S+)\s*$", text[:at])
    after = text[at + 1:].lstrip()
    return bool(before and before.group(2)[:1].isupper() and not before.group(1).endswith((".", "!", "?", ":"))
                or re.match(r"(of|and II|or II|to II)\b", after))


def third_person(text: str, person: Person) -> tuple[str, bool, bool] | None:
    """The presenter's sentence with 'I/my/me' rewritten about them, or None when that is not safe.

    Returns (text, named, opinion): whether the text now names the presenter, and whether a
    parenthetical 'I think' was removed (the caller then attributes the view).
    """
    named = False
    opinion = False
    match = _OPINION.match(text)
    if match:
        text = f"{match['pre']}{person.short} {_OPINION_VERBS[match['verb']]} that {match['rest']}"
        named = True
    if _PAREN_OPINION.search(text):
        text = _PAREN_OPINION.sub("", text)
        opinion = not named
    out: list[str] = []
    pos = 0
    for m in _FIRST_PERSON.finditer(text):
        word = m.group(0)
        low = word.lower().replace("’", "'")
        if word == "I" and _roman_numeral(text, m.start()):
            continue
        use_name = not named
        if not use_name and person.pronoun is None:
            return None
        out.append(text[pos:m.start()])
        pos = m.end()
        if low in ("i", "i'm", "i've", "i'd", "i'll"):
            subject = person.short if use_name else person.pronoun
            if m.start() == 0 or text[:m.start()].rstrip().endswith((".", ":")):
                subject = subject[:1].upper() + subject[1:]
            verbs = re.match(r"(\s+)([\w'’]+)(?:(\s+)([\w'’]+))?", text[pos:]) if low == "i" else None
            if verbs and verbs.group(2).lower() in _ADVERB and verbs.group(4):
                if not _known_verb(verbs.group(4)):
                    return None
                out.append(subject + verbs.group(1) + verbs.group(2) + verbs.group(3) + _third_singular(verbs.group(4)))
                pos += verbs.end()
            elif verbs:
                if not _known_verb(verbs.group(2)):
                    return None
                out.append(subject + verbs.group(1) + _third_singular(verbs.group(2)))
                pos += verbs.end(2)
            elif low == "i":
                out.append(subject)
            else:
                out.append(subject + {"i'm": " is", "i've": " has", "i'd": " would", "i'll": " will"}[low])
        elif low == "me":
            out.append(person.short if use_name else person.object)
        elif low == "my":
            form = f"{person.short}'s" if use_name else person.possessive
            out.append(form[:1].upper() + form[1:] if word[0].isupper() else form)
        elif low == "myself":
            if person.pronoun is None:
                return None
            out.append({"she": "herself", "he": "himself", "they": "themselves"}[person.pronoun])
        else:  # mine
            if person.pronoun is None:
                return None
            out.append({"she": "hers", "he": "his", "they": "theirs"}[person.pronoun])
        named = True
    out.append(text[pos:])
    return "".join(out), named, opinion


_CONNECTIVE = re.compile(
    r"^((?:Then|And then|Since then)\s+|(?:First|Second|Third|Fourth|Fifth|Finally|Then|Meanwhile|Instead|However|Today|Since then|By then|"
    r"In (?:the )?(?:\d{4}s?|[A-Z][a-z]+ \d{4})|Until (?:about )?\d{4}|After \d{4}|Before \d{4}|By \d{4}),\s+)"
)


def lower_first(text: str, proper: frozenset[str]) -> str:
    """Lower-case the first word unless it is a proper noun or an acronym."""
    match = re.match(r"([A-Za-z][\w'’\-]*)", text)
    if not match:
        return text
    word = match.group(1)
    if word.isupper() and len(word) > 1 or word in proper or any(c.isupper() for c in word[1:]):
        return text
    return word[:1].lower() + text[1:]


def attribute(text: str, person: Person, verb: str, proper: frozenset[str], *, subject: str | None = None) -> str:
    """'X explained that …': a reporting frame around a sentence, keeping an opening connective in front."""
    connective = _CONNECTIVE.match(text)
    prefix = connective.group(1) if connective else ""
    body = text[len(prefix):]
    who = subject or person.short
    if not prefix:
        who = who[:1].upper() + who[1:]
    return f"{prefix}{who} {verb} that {lower_first(body, proper)}".rstrip("!") if body else text


def proper_words(texts: Sequence[str], known: Sequence[str] | None = None) -> frozenset[str]:
    """Capitalised words (names, places) — those never written in lower case inside a sentence,
    or written capitalised there more often than not; sentence-initial words count only when
    the lower-case form never appears and, when `known` names are given (the entities' mentions),
    only when one of them contains the word ("Tighter monitoring …" is not a name)."""
    upper: dict[str, int] = {}
    lower: dict[str, int] = {}
    first: set[str] = set()
    for text in texts:
        for word in re.findall(r"(?<=[\w,;] )([A-Za-z][\w'’\-]*)", text):
            bucket = upper if word[0].isupper() else lower
            bucket[word.lower()] = bucket.get(word.lower(), 0) + 1
        opening = re.match(r"([A-Z][\w'’\-]*)", text)
        if opening:
            first.add(opening.group(1).lower())
    names = {w for w, n in upper.items() if n > lower.get(w, 0)}
    initial = {w for w in first if w not in lower and w not in _FUNCTION_WORDS}
    if known is not None:
        initial &= {word.lower() for name in known for word in re.findall(r"[\w'’\-]+", name)}
    names |= initial
    return frozenset(w[:1].upper() + w[1:] for w in names)


REPORTING_VERBS = ("explained", "noted", "observed", "pointed out", "stated", "said")
_PRESCRIPTIVE = re.compile(r"\b(should|must|need to|needs to|have to|has to|ought to)\b", re.I)


def report(sentence: str, person: Person, proper: frozenset[str], verb: str, *, frame: bool, first: bool = True,
           quote_plural: bool = False) -> str | None:
    """A speaker's sentence as reported speech: first person rewritten, framed by a reporting verb when asked;
    "we"/"you" sentences quoted when framed (or always, with `quote_plural`); None when no safe form exists."""
    rewritten = third_person(sentence, person)
    if rewritten is None:
        return None
    text, named, opinion = rewritten
    subject = person.short if first or not person.pronoun else person.pronoun
    if named and _PLURAL_OR_YOU.search(text) and (frame or quote_plural):
        return f"{subject[:1].upper()}{subject[1:]} said: “{sentence.rstrip()}”"
    if named:
        return text
    if opinion:
        return f"In {person.short}'s view, {lower_first(text, proper)}"
    if _PLURAL_OR_YOU.search(text) and (frame or quote_plural):
        # "We", "our", "you" cannot be reported safely (whose "we"?): the speaker's words are quoted.
        return f"{subject[:1].upper()}{subject[1:]} said: “{sentence.rstrip()}”"
    if not frame or _PLURAL_OR_YOU.search(text) or _UNFRAMED.match(text) or not text.endswith(".") or len(text.split()) < 6:
        return text
    if verb != "said" and _PRESCRIPTIVE.search(text):
        verb = "argued"
    return attribute(text, person, verb, proper, subject=subject)


