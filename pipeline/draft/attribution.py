"""Who said what: each speaker's name or role in the note, the chair's introduction, and who else spoke."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

from ..ingest.speakers import is_role_label, name_forms
from ..ingest.transcript import ANSWER, INTRO, Transcript
from .reported import Person, lower_first, presenter_person, third_person
from .verify import Speakers

CHAIR = Person("the chair", "the chair", None)
AUDIENCE = Person("an audience member", "an audience member", None)

# Chair's sentences that only run the meeting (microphones, declarations, interpretation, standing orders).
_PROCEDURE = re.compile(
    r"\b(?:microphones?|mikes?|mute|declarations? of interest|standing order|interpretation|translation|earpiece|channel|"
    r"video ?conference|broadcast|point of order|minutes|quorum|apologies|substitutions?|housekeeping|recognize you|"
    r"phones?|fire alarm|televised|petitions?|table the|tabling)\b",
    re.I,
)
_WELCOME = re.compile(
    r"^(?:[^.?!]*?,\s*)?(?:I'm|I am|we're|we are|I'd like to|I would like to|can I)\s+(?:very\s+|really\s+|so\s+)?"
    r"(?:(?:pleased|delighted|happy|glad)\s+to\s+)?(?:welcome|introduce)\s+(?P<rest>[A-Z].+)$"
)


@dataclass(frozen=True)
class Cast:
    """The people of a transcript as the note names them."""

    presenter: str | None
    person: Person
    """How the note names the presenter (from briefing.toml)."""
    chairs: frozenset[str]
    words: dict[str, int]
    others: tuple[str, ...]
    """Substantive speakers besides the presenter and the chairs, most words first."""
    speakers: Speakers

    multi: bool = False
    """Whether several people spoke substantively: a hearing or panel rather than one talk."""

    def subject(self, speaker: str | None) -> Person:
        """How the note attributes a speaker's words: the presenter by the briefing's name, a chair, an unnamed
        voice or (at a talk) the audience by role, and at a hearing or panel anyone else by the name the
        transcript gives them."""
        if speaker is not None and speaker == self.presenter:
            return self.person
        if speaker in self.chairs:
            return CHAIR
        if speaker is None or is_role_label(speaker) or not self.multi:
            return AUDIENCE  # at a talk, whoever is not presenter or chair speaks from the floor
        return presenter_person(speaker)


def cast_of(transcript: Transcript, person: Person) -> Cast:
    """The presenter, chairs and substantive speakers of a structured transcript."""
    words: Counter[str] = Counter()
    for turn in transcript.turns:
        if turn.speaker:
            words[turn.speaker] += len(turn.text.split())
    total = sum(words.values()) or 1
    chairs = frozenset(transcript.moderators)
    presenter = transcript.presenter_label
    # Substantive: a named speaker other than the presenter and the chairs who said more than a short question.
    others = tuple(s for s, n in words.most_common() if s != presenter and s not in chairs and not is_role_label(s) and n >= 60)
    # A hearing or panel: others answer questions too, or together they say a tenth of the words.
    panel = any(t.role == ANSWER and t.speaker != presenter for t in transcript.turns)
    multi = bool(others) and (panel or len(others) >= 2 and sum(words[s] for s in others) >= 0.1 * total)
    extra = {form: presenter for form in name_forms(person.full) + [person.short]} if presenter else {}
    speakers = Speakers.of(presenter, chairs, list(words), extra)
    return Cast(presenter, person, chairs, dict(words), others, speakers, multi)


def chair_introduction(transcript: Transcript, sentences: Sequence, cast: Cast, title: str, limit: int = 2) -> list[tuple[str, object]]:
    """The chair's introduction of the speaker and of the meeting, reported by role ("The chair welcomed …",
    "The chair noted that …"): sentences of the chair's opening turns that name the presenter or the subject,
    procedure left out; at most `limit`, as (text, sentence) pairs."""
    forms = [f.lower() for f in name_forms(cast.presenter or "") + [cast.person.short, cast.person.full] if len(f) > 3]
    subject_words = {w for w in re.findall(r"[a-z]{5,}", title.lower())}
    found: list[tuple[bool, str, object]] = []
    for s in sentences:
        if s.role != INTRO or s.span.speaker not in cast.chairs or _PROCEDURE.search(s.text) or s.text.endswith("?"):
            continue
        low = s.text.lower()
        names = any(f in low for f in forms)
        who = next((m for f in forms for m in [re.search(rf"(?i)\b({re.escape(f)}),\s+who\s+(?P<rest>\S.*)$", s.text)] if m), None)
        on_topic = len(subject_words & set(re.findall(r"[a-z]{5,}", low))) >= 2
        if who:
            found.append((True, f"The chair introduced {who.group(1)}, who {who['rest']}", s))
            continue
        if re.search(r"\b(?:talk|title|titled|called)\b", s.text, re.I) or not (names or on_topic) or len(s.text.split()) < 6:
            continue  # the title is in KEY EVENTS already
        welcome = _WELCOME.match(s.text)
        if welcome:
            text = f"The chair welcomed {welcome['rest']}"
        elif re.search(r"(?i)\bwelcome\b", s.text):
            text = f"The chair said: “{s.text}”"
        elif re.search(r"\b(?:I|I'm|I've|me|my|we|us|our|you|your)\b", s.text, re.I) or third_person(s.text, CHAIR) is None:
            continue
        else:
            text = f"The chair noted that {lower_first(s.text, frozenset(w.strip('.,') for w in cast.person.full.split()))}"
        found.append((names, text, s))
    # Sentences naming the speaker first, then those on the subject; kept in the order spoken.
    ranked = sorted(range(len(found)), key=lambda k: (not found[k][0], k))[:limit]
    return [(found[k][1], found[k][2]) for k in sorted(ranked)]


def also_spoke(cast: Cast, limit: int = 6) -> str | None:
    """KEY EVENTS' line on who else spoke ("Also speaking were A, B and 12 others."), or None for one talk."""
    if not cast.multi:
        return None
    named = list(cast.others[:limit])
    rest = len(cast.others) - len(named)
    if rest:
        return f"Also speaking were {', '.join(named)} and {rest} other{'s' if rest > 1 else ''}."
    return f"Also speaking were {', '.join(named[:-1])} and {named[-1]}." if len(named) > 1 else f"Also speaking was {named[0]}."


def multi_warning(cast: Cast) -> str | None:
    """The warning that a transcript is a hearing or panel, not one talk."""
    if not cast.multi:
        return None
    shown = ", ".join(cast.others[:5]) + (f" and {len(cast.others) - 5} more" if len(cast.others) > 5 else "")
    return (f"{len(cast.others)} substantive speakers besides {cast.presenter} ({shown}): a hearing or panel, not one talk; "
            f"the Presentation keeps {cast.presenter}'s own statements, the others are quoted by name in Question and Answer")
