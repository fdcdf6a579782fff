"""Checks a drafted sentence must pass before it is written: attributed to the right speaker, worded from its source."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterable, Sequence

from ..ingest.speakers import name_forms
from .trace import Span

# The only words a drafted sentence may add to its source's wording: reporting verbs and frames,
# pronouns and the verb forms third-person agreement needs, and the role nouns attribution uses.
REPORTING_WORDS = frozenset(
    """explained noted observed pointed out stated said added argued believed suspected expected felt worried feared
    asked answered replied responded welcomed introduced opened the meeting that in view of a an and
    he she they his her their him them hers theirs himself herself themselves
    is has does doesn't hasn't isn't was were
    chair member members committee audience questioner witness witnesses another other others speakers speaking spoke also included
    question answer session with followed main themes were questions from concerned
    this presenter""".split()
)
_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")
# A role attribution the drafter writes ("The chair noted", "A committee member asked").
_CHAIR_ROLE = re.compile(r"\b[Tt]he chair\b")
_ASKER_ROLE = re.compile(r"\b(?:[Aa]n audience member|[Aa] committee member|[Aa] questioner|[Aa]nother member)\b")
_PRONOUN_SUBJECT = re.compile(r"(?:^|[,;]\s+|\bthat\s+|\band\s+)(?P<p>[Ss]he|[Hh]e|[Tt]hey)\b")


def words(text: str) -> list[str]:
    """Lower-cased word tokens (apostrophes kept, curly ones straightened)."""
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


# What a contraction becomes when its "I" is rewritten ("I'd say" → "she would say").
_EXPANDED = {"'d": {"would", "had"}, "'ll": {"will"}, "'ve": {"have", "has"}, "'m": {"is"}, "'re": {"are"}}


def _variants(word: str) -> set[str]:
    """Forms a source word may take after third-person agreement ("think" → "thinks", "try" → "tries")."""
    forms = {word, word + "s", word + "es"}
    if word.endswith("y"):
        forms.add(word[:-1] + "ies")
    if word.endswith("'s"):
        forms.add(word[:-2])
    return forms


@dataclass(frozen=True)
class Speakers:
    """Who spoke in a transcript: the presenter, the chairs, and every speaker's name forms."""

    presenter: str | None
    chairs: frozenset[str] = frozenset()
    names: tuple[str, ...] = ()
    forms: dict[str, frozenset[str]] = field(default_factory=dict)
    """Lower-cased name form ("dr. okafor", "amara okafor", "okafor") → the speakers it may name."""

    @classmethod
    def of(cls, presenter: str | None, chairs: Iterable[str], names: Iterable[str], extra: dict[str, str] | None = None) -> "Speakers":
        """Speakers with the name forms of each; `extra` maps additional forms (the briefing's name) to a speaker."""
        table: dict[str, set[str]] = {}
        everyone = tuple(dict.fromkeys(n for n in names if n))
        for name in everyone:
            for form in name_forms(name):
                table.setdefault(form.lower(), set()).add(name)
        for form, name in (extra or {}).items():
            table.setdefault(form.lower(), set()).add(name)
        return cls(presenter, frozenset(chairs), everyone, {k: frozenset(v) for k, v in table.items()})

    @cached_property
    def pattern(self) -> re.Pattern:
        """One expression finding every name form, longest first (built once per cast: hearings have dozens)."""
        forms = sorted(self.forms, key=len, reverse=True) or ["\x00"]
        return re.compile(r"(?<![\w.])(?:" + "|".join(re.escape(f) for f in forms) + r")(?!\w)")


def out_of_source(text: str, spans: Sequence[Span], speakers: Speakers | None = None) -> list[str]:
    """The words of a drafted sentence found neither in its source spans' wording, nor in the reporting list,
    nor in the name of a speaker the spans point at (empty for sentences built from briefing.toml)."""
    if not any(s.kind == "transcript" for s in spans):
        return []
    allowed: set[str] = set(REPORTING_WORDS)
    for span in spans:
        for w in words(span.quote):
            allowed |= _variants(w) | _EXPANDED.get(w[w.find("'"):] if "'" in w else "", set())
        if span.speaker:
            allowed.update(words(span.speaker))
    if speakers is not None and speakers.presenter:
        allowed.update(w for form, who in speakers.forms.items() if speakers.presenter in who for w in words(form))
    # A name may take the possessive the rewrite gives it ("my team" → "Dr. Park's team").
    return [w for w in words(text) if w not in allowed and not (w.endswith("'s") and w[:-2] in allowed)]


def attribution_problems(text: str, spans: Sequence[Span], speakers: Speakers, *, previous: str | None = None) -> list[str]:
    """Why a drafted sentence's attribution is wrong: it names (or, by pronoun, continues) a speaker other than
    the one whose turn it comes from, or says 'the chair' / 'a member' of someone who is not.

    `previous` is the speaker the preceding sentence of the paragraph was attributed to.
    """
    sources = {s.speaker for s in spans if s.kind == "transcript"}
    if not sources:
        return []
    quoted = " ".join(s.quote for s in spans).lower()
    problems: list[str] = []
    low = text.lower()
    named: set[str] = set()
    # One pass of the longest forms first, so "dr. amara okafor" is one mention, not three.
    for match in speakers.pattern.finditer(low):
        form = match.group(0)
        if " " not in form and not text[match.start()].isupper():
            continue  # a surname that is also a word ("said", "fast", "park") names someone only when capitalised
        if form in quoted:
            continue  # the source itself names this person: reported, not attributed
        who = speakers.forms[form]
        named |= who
        if not who & sources:
            problems.append(f"names {sorted(who)[0]!r} but comes from {sorted(filter(None, sources))!r}")
    if _CHAIR_ROLE.search(text) and "the chair" not in quoted and not sources & speakers.chairs:
        problems.append(f"says 'the chair' but comes from {sorted(filter(None, sources))!r}")
    if _ASKER_ROLE.search(text) and speakers.presenter in sources:
        problems.append("attributes the presenter's words to a questioner")
    pronoun = _PRONOUN_SUBJECT.search(text)
    if pronoun and not named and pronoun["p"].lower() not in words(quoted) and previous is not None and previous not in sources:
        problems.append(f"continues with {pronoun['p']!r} after {previous!r} but comes from {sorted(filter(None, sources))!r}")
    return problems
