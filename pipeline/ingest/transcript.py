"""Transcript structure: cues merged into speaker turns; intro, talk and Q&A told apart; questions paired with answers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..models import Segment, Source
from .speakers import MODERATOR_WORDS, PRESENTER_WORDS, normalise_speakers

# Roles a turn can take.
INTRO, MODERATOR, TALK, QUESTION, ANSWER, REMARK = "intro", "moderator", "talk", "question", "answer", "remark"

# Labels that name a chair rather than a person ("Moderator", "Session chair", "Host 2").
_MODERATOR_LABEL = re.compile(rf"\b({MODERATOR_WORDS})\b", re.I)
# Labels that name the presenter by role when the transcript does not give the name.
_PRESENTER_LABEL = re.compile(rf"^\s*({PRESENTER_WORDS})\s*$", re.I)
# A chair handing the floor to the audience.
_HANDOVER = re.compile(
    r"\b(questions?|q\s*(?:&|and)\s*a|open (?:it|things) up|open the floor|floor is (?:now )?open|"
    r"microphones?|mics?|raise your hand|hands up)\b",
    re.I,
)
# ... unless the chair is saying there is no time for them.
_NO_QA = re.compile(r"\b(no|not|don't|won't|out of|any more|no more)\b[^.?!]{0,30}\b(time|questions?)\b", re.I)
# Question sentences from a chair that only manage the floor ("Who's next?", "Mr. Jordan, you had a follow-up?").
_FLOOR = re.compile(
    r"\b(any (?:other |more |further )?questions?|another question|more questions|who(?:'s| is| would| else)|anyone|"
    r"anybody|follow-?up|go ahead|over to you|would you like to|do you want to|can you hear|is (?:this|the) mic|"
    r"next question|one more|last one)\b",
    re.I,
)
# A chair relaying a question from elsewhere ("a question from the online audience", "Sam asks").
_RELAY = re.compile(
    r"\b(question (?:from|in|on) (?:the )?(?:online|chat|zoom|stream|slido|app|audience|someone|\w+ online)|"
    r"online (?:audience|participants?)|in the chat|(?:asks|wants to know|is asking|writes)\b|"
    r"let me (?:ask|start with)|i(?:'ll| will) (?:ask|start with)|my own question|a question of my own)",
    re.I,
)
_SENTENCE_END = re.compile(r"[.?!…]+[\"'”’)\]]*(?=\s+|$)")
# Abbreviations whose full stop does not end a sentence.
_ABBREVIATIONS = frozenset(
    "dr mr mrs ms prof st mt no vs etc e.g i.e u.s u.k u.n approx fig jr sr inc ltd co corp gen col capt lt sgt rev"
    " jan feb mar apr jun jul aug sep sept oct nov dec".split()
)


@dataclass(frozen=True)
class Cue:
    """One source segment inside a turn: its index in the source, times and place in the turn's text."""

    index: int
    start: float | None
    end: float | None
    char_start: int
    char_end: int


@dataclass(frozen=True)
class Turn:
    """Consecutive cues of one speaker, with the role the turn plays in the session."""

    speaker: str | None
    role: str
    """intro, moderator, talk, question, answer or remark."""
    text: str
    file: str
    cues: tuple[Cue, ...]

    @property
    def start(self) -> float | None:
        """Start time of the first cue that has one."""
        return next((c.start for c in self.cues if c.start is not None), None)

    @property
    def end(self) -> float | None:
        """End time of the last cue that has one."""
        return next((c.end for c in reversed(self.cues) if c.end is not None), None)

    def cues_between(self, char_start: int, char_end: int) -> tuple[Cue, ...]:
        """The cues a character range of the turn's text overlaps."""
        return tuple(c for c in self.cues if c.char_start < char_end and char_start < c.char_end)


@dataclass(frozen=True)
class Exchange:
    """One question of the Q&A (possibly asked in several turns) and the turns answering it."""

    questions: tuple[int, ...]
    answers: tuple[int, ...]
    """Indices into Transcript.turns."""


@dataclass(frozen=True)
class Transcript:
    """A transcript read as a session: turns with roles, the presenter, and question–answer exchanges."""

    path: str
    presenter: str
    presenter_label: str | None
    moderators: tuple[str, ...]
    turns: tuple[Turn, ...]
    exchanges: tuple[Exchange, ...]
    qa_start: int | None
    """Index of the first turn of the Q&A, or None when there was no Q&A."""
    warnings: tuple[str, ...] = field(default=())

    def by_role(self, *roles: str) -> list[Turn]:
        """Turns with one of the given roles, in order."""
        return [t for t in self.turns if t.role in roles]

    def as_source(self) -> Source:
        """The structured transcript as a Source: one segment per turn, its role and speaker kept."""
        segments = tuple(
            Segment(t.text, t.file, start=t.start, end=t.end, speaker=t.speaker, role=t.role) for t in self.turns
        )
        meta = {"presenter": self.presenter_label, "qa_start": self.qa_start, "exchanges": len(self.exchanges)}
        return Source(path=self.path, kind="transcript", segments=segments, warnings=self.warnings, metadata=meta)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character ranges of the sentences of `text` (honorifics and initials do not end a sentence)."""
    ranges: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        if match.group(0).startswith(".") and len(match.group(0).rstrip("\"'”’)]")) == 1:
            word = re.search(r"([\w.]+)\.$", text[start:match.start() + 1])
            token = word.group(1).lower() if word else ""
            following = text[end:].lstrip()
            if token == "no" and not following[:1].isdigit():
                pass  # "No. Sorry, …" ends a sentence; only "No. 5" abbreviates "number"
            elif token in _ABBREVIATIONS or re.fullmatch(r"[a-z]", token) or re.fullmatch(r"(?:[a-z]\.)+[a-z]", token):
                continue
            if following[:1].islower() or following[:1].isdigit() and re.search(r"\d$", text[:match.start()]):
                continue
        while start < len(text) and text[start].isspace():
            start += 1
        if start < end:
            ranges.append((start, end))
        start = end
    while start < len(text) and text[start].isspace():
        start += 1
    if start < len(text):
        ranges.append((start, len(text.rstrip())))
    return ranges


def speaker_groups(source: Source, presenter: str) -> dict[str, str]:
    """Each speaker label of the source (and the presenter's name) mapped to one name per person."""
    labels = [s.speaker for s in source.segments if s.speaker]
    return normalise_speakers([presenter, *labels])


def _merge(source: Source, names: dict[str, str]) -> list[tuple[str | None, list[tuple[int, Segment]]]]:
    """Consecutive segments of one speaker as groups; an unlabelled cue continues the previous speaker
    (caption files tag the voice only on the first cue of a turn)."""
    groups: list[tuple[str | None, list[tuple[int, Segment]]]] = []
    for index, seg in enumerate(source.segments):
        if not seg.text.strip():
            continue
        speaker = names.get(seg.speaker, seg.speaker) if seg.speaker else None
        if groups and (speaker is None or speaker == groups[-1][0]):
            groups[-1][1].append((index, seg))
        else:
            groups.append((speaker, [(index, seg)]))
    return groups


def _make_turn(speaker: str | None, members: list[tuple[int, Segment]], role: str) -> Turn:
    """A turn of the given role from its segments, with each cue's place in the joined text."""
    parts, cues, pos = [], [], 0
    for index, seg in members:
        text = " ".join(seg.text.split())
        if parts:
            pos += 1
        cues.append(Cue(index, seg.start, seg.end, pos, pos + len(text)))
        parts.append(text)
        pos += len(text)
    return Turn(speaker, role, " ".join(parts), members[0][1].file, tuple(cues))


def _sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


def _is_handover(text: str) -> bool:
    """A chair's turn that opens the floor to questions."""
    return any(_HANDOVER.search(s) and not _NO_QA.search(s) for s in _sentences(text))


def relayed_question(text: str) -> bool:
    """A chair's turn that asks (or passes on) a real question rather than managing the floor."""
    for sentence in _sentences(text):
        if not sentence.rstrip("\"'”’)] ").endswith("?"):
            continue
        words = len(sentence.split())
        if _RELAY.search(text) and words >= 4:
            return True
        if words >= 8 and not _FLOOR.search(sentence):
            return True
    return False


# An indirect question ("what I wanted to ask is whether …", "I'd like to know how …").
INDIRECT_QUESTION = re.compile(
    r"(?i)\b(?:I|I'd|I would|I wanted to|I want to|I was going to)\s+(?:like to\s+|just\s+)?(?:ask|know|wonder)\b.{0,40}?"
    r"\b(?:whether|if|what|why|how|when|where|who|which)\b|\bmy question (?:is|was)\b|\bI wonder(?:ed)? (?:whether|if)\b")


def asks(text: str) -> bool:
    """Whether a turn asks something: one of its sentences is a question of four words or more, or an
    indirect question ("what I wanted to ask is whether …")."""
    return any((sentence.rstrip("\"'”’)] ").endswith("?") or INDIRECT_QUESTION.search(sentence)) and len(sentence.split()) >= 4
               for sentence in _sentences(text))


def audience_question(text: str) -> bool:
    """An audience turn that asks something (a comment without a question is a remark, not a question)."""
    return asks(text)


def _find_presenter(groups, names: dict[str, str], presenter: str) -> tuple[str | None, list[str]]:
    """The label of the briefing's presenter, falling back to a generic 'Speaker' label or the most words."""
    wanted = names.get(presenter, presenter)
    speakers = [s for s, _ in groups if s]
    if wanted in speakers:
        return wanted, []
    generic = [s for s in dict.fromkeys(speakers) if _PRESENTER_LABEL.match(s)]
    if generic:
        return generic[0], [f"presenter {presenter!r} not among the speakers; taking {generic[0]!r} as the presenter"]
    words: dict[str, int] = {}
    for speaker, members in groups:
        if speaker and not _MODERATOR_LABEL.search(speaker):
            words[speaker] = words.get(speaker, 0) + sum(len(s.text.split()) for _, s in members)
    if not words:
        return None, []
    best = max(words, key=words.get)
    return best, [f"presenter {presenter!r} not among the speakers {sorted(set(speakers))}; taking {best!r}, who speaks most"]


def structure_transcript(source: Source, presenter: str) -> Transcript:
    """Merge a transcript's cues into turns and label each: intro, talk, question, answer, moderator, remark.

    The presenter is the briefing's speaker (matched through the speaker-name normaliser, so
    "Dr. Amara Okafor" is the voice "Amara Okafor"). Speakers before the presenter's first turn, and
    labels such as "Moderator", are chairs. The Q&A starts at the first turn after the talk in which a
    chair opens the floor or relays a question, or an audience member speaks; a transcript where
    neither happens has no Q&A. Questions asked before any answer (a two-part question interrupted by
    the chair, or questions taken together) share one exchange.
    """
    names = speaker_groups(source, presenter)
    groups = _merge(source, names)
    warnings: list[str] = []
    if not groups:
        return Transcript(source.path, presenter, None, (), (), (), None, ("transcript has no text",))
    if all(s is None for s, _ in groups):
        warnings.append("no speaker labels: the whole transcript is read as the talk")
        turns = tuple(_make_turn(None, m, TALK) for _, m in groups)
        return Transcript(source.path, presenter, None, (), turns, (), None, tuple(warnings))
    label, notes = _find_presenter(groups, names, presenter)
    warnings += notes
    first_talk = next((i for i, (s, _) in enumerate(groups) if s == label), 0)
    before = {s for s, _ in groups[:first_talk] if s}
    # A talk's chair speaks before the presenter; in a hearing many speak before the witness, and only
    # whoever opens the meeting (and labels naming a chair) chairs it.
    openers = before if len(before) <= 2 else {groups[0][0]} - {None}
    chairs = openers | {s for s, _ in groups if s and s != label and _MODERATOR_LABEL.search(s)}
    roles: list[str] = []
    qa_start: int | None = None
    last: tuple[str | None, str] | None = None  # speaker and role of the last substantive turn
    answerers: set[str | None] = {label}
    asker: str | None = None  # who asked the question being answered: never one of its answerers
    chaired = False  # whether a chair has spoken since the last substantive turn
    for i, (speaker, members) in enumerate(groups):
        text = " ".join(s.text for _, s in members)
        if speaker in chairs:
            if i < first_talk and qa_start is None:
                role = INTRO
            elif relayed_question(text):
                role = QUESTION
                qa_start = i if qa_start is None else qa_start
            else:
                role = MODERATOR
                if qa_start is None and i > first_talk and _is_handover(text):
                    qa_start = i
        elif speaker == label and qa_start is None:
            role = TALK
        elif speaker != label and asks(text):
            qa_start = i if qa_start is None else qa_start
            role = QUESTION
            asker = speaker
        elif last is not None and speaker != asker and (last[1] == QUESTION or
                                                        last[1] == ANSWER and (not chaired or speaker in answerers)):
            # Whoever speaks right after a question answers it; after an answer, another witness of the panel
            # adds to it, but a member given the floor by the chair is not answering.
            role = ANSWER
            answerers.add(speaker)
        else:
            qa_start = i if qa_start is None and speaker != label else qa_start
            role = REMARK
        roles.append(role)
        chaired = role in (MODERATOR, INTRO) or (chaired and role in (MODERATOR, INTRO))
        if role not in (MODERATOR, INTRO):
            last = (speaker, role)
    exchanges = _pair(roles, [s for s, _ in groups])
    answered = {i for ex in exchanges for i in ex.answers}
    roles = [REMARK if r == ANSWER and i not in answered else r for i, r in enumerate(roles)]
    turns = tuple(_make_turn(s, m, r) for (s, m), r in zip(groups, roles))
    if qa_start is not None and not exchanges:
        warnings.append("the floor was opened for questions but no answered question was found")
    return Transcript(source.path, presenter, label, tuple(sorted(chairs)), turns, exchanges, qa_start, tuple(warnings))


def _pair(roles: list[str], speakers: list[str | None]) -> tuple[Exchange, ...]:
    """Each questioner's question turns with the answer turns that follow them; a question interrupted by
    the chair and resumed by the same questioner is one exchange, and a question nobody answered before
    someone else asked is dropped."""
    exchanges: list[tuple[list[int], list[int]]] = []
    for i, role in enumerate(roles):
        if role == QUESTION:
            if exchanges and not exchanges[-1][1] and speakers[exchanges[-1][0][-1]] == speakers[i]:
                exchanges[-1][0].append(i)
            else:
                exchanges.append(([i], []))
        elif role == ANSWER and exchanges:
            exchanges[-1][1].append(i)
    return tuple(Exchange(tuple(q), tuple(a)) for q, a in exchanges if a)


# Caption artefacts: sound descriptions, speaker-change chevrons, music notes.
_ARTEFACT = re.compile(
    r"\[[^\]\n]{0,40}\]|\((?:laughter|laughs|applause|music|inaudible|crosstalk|silence|coughs?|pause|unintelligible)\)"
    r"|(?:>>|&gt;&gt;)+|[♪♫]+",
    re.I,
)
# Hesitation sounds; "mm" after a number is millimetres, not a hum.
_HESITATION = re.compile(r"(?:,\s*)?(?<![\d.])(?<!\d\s)\b(?:u+m+|u+h+m*|e+r+m+|e+r+|a+h+|h+m+|m+h*m+|u+h-huh)\b(?:\s*[,…]+)?", re.I)
# Fillers that only ever pad speech when set off by commas ("fit in, you know, a corner").
_COMMA_FILLER = re.compile(
    r"(?:^|,)\s*(?:you know|i mean|i don't know|you see|if you will|like|so to speak|basically)\s*(?:,|(?=[.?!]|$))",
    re.I,
)
# "sort of"/"kind of" as hedges, not after a determiner ("a kind of cap" stays).
_HEDGE = re.compile(
    r"(?<!\ba )(?<!\ban )(?<!\bthe )(?<!\bthis )(?<!\bthat )(?<!\bwhat )(?<!\bsome )(?<!\bany )(?<!\bone )"
    r"(?<!\bsame )(?<!\bwhich )(?<!\bevery )(?<!\beach )(?<!\bno )\b(?:sort|kind) of\s+",
    re.I,
)
_LIKE = re.compile(r"\blike,\s+", re.I)
# Discourse markers that open a spoken sentence but add nothing to a written one.
_OPENER = re.compile(r"^(?:(?:so|and|okay|ok|alright|all right|oh)\b,?\s+|(?:right|well|now|yeah|anyway|sorry|um|uh)\s*[,.]\s*|"
                     r"if I (?:may|might|could|can) (?:just )?(?:add|say|come in|answer)(?: to that| that)?,\s*)+", re.I)
# Words that may legitimately be doubled ("that that", "had had").
_DOUBLE_OK = frozenset({"that", "had"})
_REPEAT = re.compile(r"\b(\w+(?:\s+\w+){0,3})(?:(?:\s*,\s*|\s*[-–—]+\s*|\s+)\1\b)+", re.I)
_STUTTER = re.compile(r"\b(\w{1,4})-\s+(?=(\w+))", re.I)
# A false start: a few words broken off by a dash, then the sentence begins again.
_FALSE_START = re.compile(r"^(?:\S+\s+){0,3}\S+\s*(?:—|–|--)\s*(?=\w)")


def _dedupe(match: re.Match) -> str:
    words = match.group(1)
    return match.group(0) if words.lower() in _DOUBLE_OK else words


def _stutter(match: re.Match) -> str:
    return "" if match.group(2).lower().startswith(match.group(1).lower()) else match.group(0)


def clean_spoken(text: str) -> str:
    """A spoken sentence made readable: caption artefacts, hesitations, fillers, repeats and false starts removed."""
    text = _ARTEFACT.sub(" ", text)
    text = _HESITATION.sub(" ", text)
    text = _COMMA_FILLER.sub(" ", text)
    text = _HEDGE.sub("", text)
    text = _LIKE.sub(" ", text)
    text = _STUTTER.sub(_stutter, text)
    text = _REPEAT.sub(_dedupe, text)
    text = " ".join(text.split())
    text = _FALSE_START.sub("", text)
    text = _OPENER.sub("", text)
    # Tidy the punctuation the removals leave behind.
    text = re.sub(r"\s+([,.?!;:])", r"\1", text)
    text = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", text)
    text = re.sub(r"[,;:]\s*([.?!])", r"\1", text)
    text = re.sub(r"^[\s,.;:…-]+", "", text).strip()
    return text[:1].upper() + text[1:] if text else text
