"""Drafting: a first version of the note from the transcript and slides, every sentence traced to its source."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Sequence

import numpy as np
import yaml

from ..errors import PipelineError
from ..ingest.speakers import person_words
from ..ingest.textlayer import readable
from ..ingest.transcript import ANSWER, INTRO, TALK, Transcript, clean_spoken, split_sentences, structure_transcript
from ..models import Briefing, Entity, Note, QuestionAnswer, Source
from .attribution import Cast, also_spoke, cast_of, chair_introduction, multi_warning
from .exchanges import framed, plan_exchanges
from .qa import DANGLING, PLEASANTRY as _PLEASANTRY, fragment, strip_address
from .references import further_reading, md_escape
from .reported import REPORTING_VERBS, Person, lower_first, presenter_person, proper_words, report, third_person
from .salience import GENERIC, STOPWORDS, rank_sentences, similarity_matrix, stem, textrank, tokens, topic_terms
from .select import one_per_segment, select_covering, topic_segments
from .trace import Sentence, Span, Trace, TracedSentence, metadata_span
from .verify import Speakers, attribution_problems, out_of_source


# ---- Reading the transcript ------------------------------------------------------------------

_SIGNPOST = re.compile(
    r"^(?:let me|let's|I(?:'m| am) going to|I want to (?:start|talk|turn|end|close|mention|put|begin|be precise)|"
    r"I(?:'ll| will) (?:start|talk|turn|end|close|begin)|today I|in this talk|before I (?:start|begin)|to (?:start|begin) with|"
    r"as you can see|on this slide|next slide|I promise|you can see|"
    r"(?:and )?(?:first|second|third|fourth|fifth|finally|lastly|next),\s+(?:how|why|what|who|where|when|whether)\b)",
    re.I,
)
# Sentences that tell the audience to do something: never put "X said that" in front of them.
IMPERATIVE = re.compile(r"^(?:Look|Think|Consider|Imagine|Take|Remember|Note|See|Let|Keep|Picture|Compare|Ask|Go)\b")

def transcript_sentences(transcript: Transcript) -> list[Sentence]:
    """Every sentence of every turn, cleaned of fillers and artefacts, with the cues it spans; a speaker's
    first name said as an address at its start ("Suzy, what we're seeing …") is dropped."""
    result: list[Sentence] = []
    first_names = {w for n in {t.speaker for t in transcript.turns if t.speaker} for w in person_words(n)[:1]}
    for t, turn in enumerate(transcript.turns):
        for a, b in split_sentences(turn.text):
            raw = turn.text[a:b]
            text = clean_spoken(raw)
            text = strip_address(text)
            address = re.match(r"([A-Z][\w'’-]+),\s+(?=[a-z])", text)
            if address and address.group(1).lower() in first_names:
                text = text[address.end():]
                text = text[:1].upper() + text[1:]
            if not re.search(r"[A-Za-z]{2}", text):
                continue
            if text[-1] not in ".?!":
                text += "."
            cues = turn.cues_between(a, b) or turn.cues
            starts = [c.start for c in cues if c.start is not None]
            ends = [c.end for c in cues if c.end is not None]
            span = Span(turn.file, "transcript", min(starts) if starts else None, max(ends) if ends else None,
                        speaker=turn.speaker, segments=tuple(c.index for c in cues), quote=raw)
            result.append(Sentence(len(result), t, turn.role, text, span))
    return result


def _entity_weights(texts: Sequence[str], entities: Sequence[Entity]) -> np.ndarray:
    """Per sentence, the summed weight (log of mention count) of the entities it names, scaled to [0, 1]."""
    weights = np.zeros(len(texts))
    for entity in entities:
        forms = {m.text for m in entity.mentions if len(m.text) > 1} | {entity.name}
        pattern = re.compile(r"\b(?:" + "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)) + r")\b")
        weight = math.log1p(entity.count)
        for i, text in enumerate(texts):
            if pattern.search(text):
                weights[i] += weight
    top = weights.max() if len(weights) else 0
    return weights / top if top > 0 else weights


def _usability(sentence: Sentence, person: Person) -> float:
    """How fit a sentence is for the summary, as a factor on its salience (0 = never)."""
    text = sentence.text
    if sentence.role not in (TALK, ANSWER) or len(text.split()) < 6 or "?" in text or re.match(r"Whether\b", text):
        return 0.0
    if _PLEASANTRY.match(text) or fragment(text) or third_person(text, person) is None:
        return 0.0
    if _SIGNPOST.match(text):
        return 0.0  # "Let me start with …" announces content, it is not content
    factor = 1.0
    # "We" and "you" can only be quoted, never reported: a note of quotations reads badly.
    if re.search(r"\b(you|your)\b", text, re.I):
        factor *= 0.5
    if re.search(r"\b(we|us|our)\b", text, re.I):
        factor *= 0.6
    if re.match(r"(It|This|That|These|Those|They|He|She)\b", text):
        factor *= 0.8
    if IMPERATIVE.match(text):
        factor *= 0.5
    return factor


_AGENDA = re.compile(
    r"\b(?:going to|want to|will|I'll|I'm going to) (?:do|cover|talk about|discuss|make|look at|focus on|"
    r"organi[sz]e (?:this|the talk|my talk|it) around|structure (?:this|it) around) (?:\w+ )?"
    r"(?P<n>two|three|four|five|six|a few) (?:things|points|parts|questions|issues|themes|topics|areas|sections)\b",
    re.I,
)
_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "a few": 3}
_ORDINAL = re.compile(r"^(?:And )?(?:First|Second|Third|Fourth|Fifth|Sixth|Finally|Lastly|Next)\b")
# "Second theme, geography." — a spoken section heading.
_SECTION_HEAD = re.compile(r"^(?:And )?(?:First|Second|Third|Fourth|Fifth|Sixth|Last|Final|Next)(?: and (?:last|final))? "
                           r"(?:theme|point|part|thing|topic|issue|area|section)\b", re.I)


def agenda_items(sentences: Sequence[Sentence]) -> set[int]:
    """Indices of a spoken outline ("I'm going to do four things. First, ...") and of spoken section
    headings ("Second theme, geography.") — signposts, not content."""
    items = {s.index for s in sentences if _SECTION_HEAD.match(s.text)}
    for i, s in enumerate(sentences):
        match = _AGENDA.search(s.text)
        if not match:
            continue
        left = _NUMBERS[match["n"].lower()]
        for later in sentences[i + 1:i + 1 + left + 1]:
            if later.turn != s.turn or left == 0 or not (_ORDINAL.match(later.text) or len(later.text.split()) <= 15):
                break
            items.add(later.index)
            left -= 1
    return items


def salience(sentences: Sequence[Sentence], slides: Sequence[Source], entities: Sequence[Entity], person: Person,
             sim: np.ndarray | None = None, centrality: np.ndarray | None = None) -> np.ndarray:
    """Each sentence's salience: centrality in the transcript, raised by entity weight and by overlap with the slides."""
    texts = [s.text for s in sentences]
    agenda = agenda_items(sentences)
    slide_terms = set(tokens(" ".join(seg.text for src in slides for seg in readable(src.segments))))
    entity = _entity_weights(texts, entities)
    boosts = []
    for sentence, weight in zip(sentences, entity):
        terms = tokens(sentence.text)
        overlap = sum(1 for t in terms if t in slide_terms) / len(terms) if terms and slide_terms else 0.0
        factor = 0.1 if sentence.index in agenda else 1.0
        boosts.append((1 + 0.6 * weight + 0.4 * overlap) * _usability(sentence, person) * factor)
    return rank_sentences(texts, boosts, sim, centrality)


# ---- The note's sections -----------------------------------------------------------------------

@dataclass
class DraftedSections:
    """Paragraphs of each section as drafted, and the trace of every sentence put in them.

    Every transcript-worded sentence is checked before it is written: its attribution must name the
    speaker of its source turn (or their role), and all its words must come from that source or the
    fixed reporting list. A sentence failing either is left out and counted in `refused`.
    """

    speakers: Speakers | None = None
    paragraphs: dict[str, list[list[str]]] = field(default_factory=dict)
    traced: list[TracedSentence] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    last: dict[tuple[str, int], str | None] = field(default_factory=dict)

    def add(self, section: str, paragraph: int, plain: str, spans: Sequence[Span], markdown: str | None = None,
            *, frame: bool = False) -> bool:
        """Append a sentence (plain text; Markdown form when it carries markup) to a paragraph of a section,
        if it passes the attribution and wording checks; whether it was added."""
        if self.speakers is not None and not frame:
            problems = attribution_problems(plain, spans, self.speakers, previous=self.last.get((section, paragraph)))
            stray = out_of_source(plain, spans, self.speakers)
            if problems or stray:
                self.refused.append(f"{section}: left out {plain[:60]!r}: " + "; ".join(problems + ([f"words not in its source: {stray}"] if stray else [])))
                return False
        paras = self.paragraphs.setdefault(section, [])
        while len(paras) <= paragraph:
            paras.append([])
        paras[paragraph].append(markdown if markdown is not None else md_escape(plain))
        self.traced.append(TracedSentence(section, paragraph, plain, tuple(spans), frame))
        speaker = next((sp.speaker for sp in spans if sp.kind == "transcript"), None)
        if speaker is not None:
            self.last[(section, paragraph)] = speaker
        return True

    def words(self) -> int:
        """Words drafted so far."""
        return sum(len(t.text.split()) for t in self.traced)

    def texts(self, section: str) -> tuple[str, ...]:
        """The section's paragraphs as Markdown-inline strings."""
        return tuple(" ".join(p) for p in self.paragraphs.get(section, []) if p)


def _turn_span(transcript: Transcript, index: int) -> Span:
    turn = transcript.turns[index]
    return Span(turn.file, "transcript", turn.start, turn.end, speaker=turn.speaker,
                segments=tuple(c.index for c in turn.cues), quote=turn.text[:200])


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _display_phrase(phrase: str, proper: frozenset[str]) -> str:
    words = phrase.split()
    keep = [w.isupper() and len(w) > 1 or w in proper or any(c.isupper() for c in w[1:]) for w in words]
    return " ".join(w if k else w.lower() for w, k in zip(words, keep))


# Words that never name a theme alone or inside one: addresses, courtesies and the words of a meeting.
_NOT_THEMES = GENERIC | frozenset(
    "chair minister thank thanks mr mrs ms dr hon member members committee question questions answer meeting session "
    "colleague colleagues point points sure obviously certainly absolutely today yesterday tomorrow week weeks month months "
    "really important different good great little able clear course minute minutes hour hours issue issues work already "
    "again also actually perhaps obviously last next one two three four five six seven eight nine ten hundred thousand "
    "million billion per cent percent".split()
)


def themes(talk: Sequence[Sentence], entities: Sequence[Entity], slides: Sequence[Source], proper: frozenset[str],
           limit: int = 4, exclude: frozenset[str] = frozenset()) -> list[tuple[str, list[Span]]]:
    """The talk's main themes: noun phrases (runs of two content words) and its most-mentioned entities
    (raised when the slides use them); never single common words, courtesies or the speakers' names."""
    texts = [s.text for s in talk]
    slide_text = " ".join(seg.text for src in slides for seg in readable(src.segments)).lower()
    candidates: list[tuple[float, str]] = []
    joined = " ".join(texts)
    for entity in sorted(entities, key=lambda e: (-e.count, e.name)):
        if entity.subtype != "person" and entity.count >= 2 and entity.name in joined:
            candidates.append((1e6 + entity.count, entity.name))
    for phrase in topic_terms(texts, limit=12, boost=slide_text, sizes=(2,)):
        candidates.append((phrase.score, phrase.text))
    chosen: list[tuple[str, list[Span]]] = []
    used: set[str] = set()
    for _, name in sorted(candidates, key=lambda c: -c[0]):
        words = set(tokens(name))
        lowered = {w.lower().strip(".") for w in name.split()}
        if not words or words & used or lowered & (_NOT_THEMES | exclude):
            continue
        pattern = re.compile(r"\b" + re.escape(name) + r"\b", re.I)
        spans = [s.span for s in talk if pattern.search(s.text)][:2]
        if spans:
            chosen.append((_display_phrase(name, proper), spans))
            used |= words
        if len(chosen) == limit:
            break
    return chosen


def question_topic(question: str, answer: str, global_terms: frozenset[str] = frozenset()) -> str | None:
    """What a question was about: the two-word phrase of the question its answer repeats most, else the
    question's word that is also a topic term of the whole session and that the answer repeats."""
    answer_terms = tokens(answer)
    answer_pairs = Counter(zip(answer_terms, answer_terms[1:]))
    words = [w for w in re.findall(r"[A-Za-z][\w'’\-]+", question)]
    best: tuple[float, str] | None = None
    for a, b in zip(words, words[1:]):
        pair = (stem(a.lower()), stem(b.lower()))
        if {a.lower(), b.lower()} & (STOPWORDS | _NOT_THEMES) or len(a) < 3 or len(b) < 3:
            continue
        if answer_pairs[pair] and (best is None or answer_pairs[pair] > best[0]):
            best = (answer_pairs[pair], f"{a} {b}")
    if best:
        return best[1]
    for word in words:
        term = stem(word.lower())
        if word.lower() in STOPWORDS or word.lower() in _NOT_THEMES or len(word) < 4 or word.lower().endswith(("ing", "ed", "ly")):
            continue
        hits = answer_terms.count(term)
        if hits and term in global_terms and (best is None or hits > best[0]):
            best = (hits, word)
    return best[1] if best else None


def _key_events(out: DraftedSections, briefing: Briefing, transcript: Transcript, topics: list[tuple[str, list[Span]]],
                cast: Cast, answered: bool) -> None:
    """KEY EVENTS: the talk's date, speaker, title and event, who else spoke, that a Q&A followed, and its main themes."""
    from ..compose import format_date

    event = briefing.event if re.match(r"(?i)(the|a|an)\b", briefing.event) else f"the {briefing.event}"
    lead = f"On {format_date(briefing)}, {briefing.speaker} presented "
    out.add("key_events", 0, f"{lead}{briefing.title} at {event}.", [metadata_span("date", "speaker", "title", "event")],
            markdown=f"{md_escape(lead)}*{md_escape(briefing.title)}* at {md_escape(event)}.")
    others = also_spoke(cast)
    if others:
        first_turns = {}
        for i, turn in enumerate(transcript.turns):
            first_turns.setdefault(turn.speaker, i)
        out.add("key_events", 0, others, [_turn_span(transcript, first_turns[name]) for name in cast.others if name in first_turns], frame=True)
    if answered:
        spans = [_turn_span(transcript, ex.questions[0]) for ex in transcript.exchanges]
        who = "members and witnesses" if cast.multi else "the audience"
        out.add("key_events", 0, f"A question-and-answer session with {who} followed.", spans, frame=True)
    if len(topics) >= 2:
        out.add("key_events", 0, f"The main themes were {_join([t for t, _ in topics])}.", [s for _, spans in topics for s in spans], frame=True)


def _biography(sentences: Sequence[Sentence], cast: Cast) -> list[tuple[str, Sentence]]:
    """What the chair said about the presenter ("Dr. X is a criminologist who …"), reported by role (at most two)."""
    person = cast.person
    surname = person.short.split()[-1]
    found: list[tuple[str, Sentence]] = []
    named = False
    for s in sentences:
        if s.role != INTRO or s.span.speaker not in cast.chairs:
            continue
        mentions = re.search(rf"\b{re.escape(surname)}\b", s.text)
        named = named or bool(mentions)
        if re.search(r"\b(talk|title|titled|called|questions?|welcome|over to you|please|I|I'm|my|we|our|you|your)\b", s.text, re.I):
            continue
        if re.match(rf"(?:{re.escape(person.short)}|{re.escape(person.full)}|{re.escape(surname)}\b|(?:She|He)\b)", s.text) and (mentions or named) \
                and re.search(r"\b(?:is|was|has|had|leads|led|teaches|taught|studies|studied|directs|directed|holds|held|joined|trained|spent|served|worked)\b", s.text):
            found.append((f"The chair noted that {lower_first(s.text, frozenset(w.strip('.') for w in person.full.split()))}", s))
        if len(found) == 2:
            break
    return found


def _key_points(candidates: Sequence[Sentence], scores: np.ndarray, segments: list[list[int]], cast: Cast,
                count: int = 5) -> list[tuple[str, Sentence]]:
    """KEY POINTS: one self-contained statement from each of the most salient parts of the talk, in talk order."""
    by_index = {s.index: s for s in candidates}

    def usable(i: int) -> bool:
        s = by_index.get(i)
        if s is None or not 8 <= len(s.text.split()) <= 45 or re.search(r"\b(you|your|we|us|our)\b", s.text, re.I):
            return False
        if _SIGNPOST.match(s.text) or IMPERATIVE.match(s.text) or DANGLING.match(s.text):
            return False
        return third_person(s.text, cast.subject(s.span.speaker)) is not None and not s.text.endswith("?")

    picked = one_per_segment(segments, scores, usable, count)
    if len(picked) < 4:
        # A short talk has few parts: its next-best statements, each far from those already picked.
        for i in sorted((i for seg in segments for i in seg if i not in picked and usable(i)), key=lambda i: -scores[i]):
            if len(picked) >= 4:
                break
            picked.append(i)
        picked.sort()
    return [(third_person(by_index[i].text, cast.subject(by_index[i].span.speaker))[0], by_index[i]) for i in picked]


def draft_note(briefing: Briefing, sources: Sequence[Source], entities: Sequence[Entity] = ()) -> tuple[Note, Trace]:
    """Draft the note's sections from the briefing's transcript (and slides); every sentence is traced to its source,
    attributed to the speaker of its source turn and worded from it."""
    transcripts = [s for s in sources if s.kind == "transcript" and s.segments]
    if not transcripts:
        raise PipelineError(f"{briefing.folder}: nothing to draft from: no transcript with text among the sources (expected a .vtt, .srt or .txt transcript)")
    slides = [s for s in sources if s.kind == "slides"]
    structured = [structure_transcript(s, briefing.speaker) for s in transcripts]
    transcript = max(structured, key=lambda t: sum(len(turn.text.split()) for turn in t.turns if turn.speaker == t.presenter_label))
    warnings = [f"{Path(transcript.path).name}: {w}" for w in transcript.warnings]
    warnings += [f"{Path(t.path).name}: not used for the draft (one transcript is drafted from)" for t in structured if t is not transcript]
    sentences = transcript_sentences(transcript)
    person = presenter_person(briefing.speaker, _about(transcript, briefing.speaker))
    cast = cast_of(transcript, person)
    if multi_warning(cast):
        warnings.append(f"{Path(transcript.path).name}: {multi_warning(cast)}")
    known = [m.text for e in entities for m in e.mentions] + [e.name for e in entities] if entities else None
    proper = proper_words([s.text for s in sentences], known)
    sim = similarity_matrix([s.text for s in sentences]) if sentences else np.zeros((0, 0))
    centrality = textrank(sim)
    scores = salience(sentences, slides, entities, person, sim, centrality)
    own = [s for s in sentences if s.span.speaker == cast.presenter and s.role in (TALK, ANSWER)]
    out = DraftedSections(cast.speakers)
    name_words = frozenset(w.lower().strip(".") for n in cast.words for w in n.split())
    topics = themes([s for s in own if scores[s.index] > 0], entities, slides, proper, exclude=name_words)

    # Question and Answer first: what the answers use is not repeated in the Presentation.
    exchanges = plan_exchanges(transcript, sentences, scores, cast, proper, 700 if cast.multi else 900, warnings)
    in_answers = {s.index for _, reported in exchanges for _, s in reported}
    qa_words = sum(len(t.split()) for asked, reported in exchanges for t in [*(x for _, x in asked), *(x for x, _ in reported)])
    # The overview: the most central statement of each part of the session, whoever made it (by name).
    by_index = {s.index: s for s in sentences}
    # A hearing's overview covers everyone who spoke; a talk's is the presenter's own.
    spoken = [s for s in sentences if s.span.speaker not in cast.chairs and s.role != INTRO and (cast.multi or s.span.speaker == cast.presenter)]
    overview_rows = topic_segments([s.index for s in spoken], sim, 4 if cast.multi else 2)
    general = rank_sentences([s.text for s in sentences], [1.0 if 8 <= len(s.text.split()) <= 45 and not s.text.endswith("?")
                                                           and not _PLEASANTRY.match(s.text) and not fragment(s.text) else 0.0 for s in sentences], sim, centrality)
    overview = [i for i in one_per_segment(overview_rows, general, lambda i: i not in in_answers and not DANGLING.match(by_index[i].text)
                                           and not re.search(r"(?i)\b(?:we|us|our|you|your)\b", by_index[i].text) and third_person(
        by_index[i].text, cast.subject(by_index[i].span.speaker)) is not None, 3 if cast.multi else 1)]
    pool = [s for s in own if s.index not in in_answers and s.index not in overview]
    own_words = sum(len(s.text.split()) for s in pool)
    budget = max(400, min(900, int(0.4 * own_words), 1750 - 450 - qa_words))
    rows = [s.index for s in pool]
    segments = topic_segments(rows, sim, max(3, min(8, len(rows) // 20)))
    lengths = np.array([len(s.text.split()) for s in sentences])
    # Selected with a margin: a continuation in "we" or "you" is left out when it is written.
    chosen = set(select_covering(segments, scores, sim, lengths, int(budget * 1.3)))

    _key_events(out, briefing, transcript, topics, cast, bool(exchanges))

    intro = chair_introduction(transcript, sentences, cast, f"{briefing.title} {briefing.event}")
    intro += [pair for pair in _biography(sentences, cast) if pair[1] not in [s for _, s in intro]]
    for text, s in intro[:3]:
        out.add("nature_of_discussion", 0, text, [s.span])
    for k, i in enumerate(overview):
        s = by_index[i]
        text = framed(s, cast.subject(s.span.speaker), proper, "argued" if k == 0 else "noted")
        if text:
            out.add("nature_of_discussion", 0, text, [s.span])
    global_terms = frozenset(stem(p.text.lower()) for p in topic_terms([s.text for s in sentences], limit=30))
    asked_topics: list[tuple[str, Span]] = []
    for asked, reported in exchanges:
        topic = question_topic(" ".join(t for _, t in asked), " ".join(s.text for _, s in reported), global_terms)
        shown = [a.lower() for a, _ in asked_topics]
        if topic and not any(topic.lower() in a or a in topic.lower() for a in shown) and topic.lower() not in _NOT_THEMES:
            asked_topics.append((_display_phrase(topic, proper), asked[0][0].span))
    if asked_topics:
        who = "members" if cast.multi else "the audience"
        out.add("nature_of_discussion", 1, f"Questions from {who} concerned {_join([a for a, _ in asked_topics])}.",
                [s for _, s in asked_topics], frame=True)

    # House length: what KEY EVENTS and NATURE OF DISCUSSION took, the Q&A and room for the key points
    # (five sentences) come off the 1,800 words before the Presentation is written.
    budget = max(300, min(budget, 1800 - out.words() - qa_words - 225))
    written = 0
    for p, segment in enumerate(seg for seg in segments if chosen & set(seg)):
        first = True
        for k, i in enumerate(i for i in segment if i in chosen):
            if written >= budget:
                break
            s = by_index[i]
            if first:
                text = framed(s, person, proper, REPORTING_VERBS[p % len(REPORTING_VERBS)])
            else:
                text = report(s.text, person, proper, "added", frame=k % 3 == 0, first=False)
                if text is not None and re.search(r"\b(?:we|us|our|you|your)\b", text, re.I) and "“" not in text:
                    text = None  # whose "we"? a continuation is left out rather than quoted again and again
            if text is not None and out.add("presentation", p, text, [s.span]):
                first = False
                written += len(text.split())

    questions = []
    for n, (asked, reported) in enumerate(exchanges):
        added = [text for s, text in asked if out.add("question", n, text, [s.span])]
        answer = [text for text, s in reported if out.add("answer", n, text, [s.span])] if added else []
        if added and answer:
            questions.append(QuestionAnswer(" ".join(added), (" ".join(answer),)))

    points = _key_points(own, scores, topic_segments([s.index for s in own], sim, 6), cast)
    if len(points) < 4:
        more = topic_segments([s.index for s in spoken if s.index not in {x.index for _, x in points}], sim, 6)
        points += _key_points([s for s in spoken if s not in own], general, more, cast, 4 - len(points))
        points.sort(key=lambda item: item[1].index)
    for i, (text, s) in enumerate(points):
        if s.span.speaker != cast.presenter:
            text = framed(s, cast.subject(s.span.speaker), proper, "said") or ""
        if text:
            out.add("key_points", i, text, [s.span])
    for i, (markdown, plain, span) in enumerate(further_reading(briefing, slides, sentences)):
        out.add("further_reading", i, plain, [span], markdown=markdown, frame=True)

    note = Note(
        key_events=out.texts("key_events"),
        nature_of_discussion=out.texts("nature_of_discussion"),
        presentation=out.texts("presentation"),
        questions=tuple(questions),
        key_points=out.texts("key_points"),
        further_reading=out.texts("further_reading"),
        status="draft",
    )
    warnings += _house_warnings(note, out)
    trace = Trace(briefing.slug, tuple(Path(s.path).name for s in sources), tuple(out.traced), tuple(warnings))
    return note, trace


def _about(transcript: Transcript, speaker: str) -> str:
    """What the chair's introduction says about the speaker: the sentences naming them and the one after each
    (a hearing's opening speaks of many people; only these may tell the speaker's pronoun)."""
    surname = presenter_person(speaker).short.split()[-1]
    kept: list[str] = []
    for turn in transcript.by_role(INTRO):
        parts = [turn.text[a:b] for a, b in split_sentences(turn.text)]
        for k, sentence in enumerate(parts):
            if re.search(rf"\b{re.escape(surname)}\b", sentence):
                kept += parts[k:k + 2]
    return " ".join(kept)


def _house_warnings(note: Note, out: DraftedSections) -> list[str]:
    """What an editor must fix by hand to meet house style: empty sections, length, key points, refused sentences."""
    warnings = []
    for name, paragraphs in (("NATURE OF DISCUSSION", note.nature_of_discussion), ("Presentation", note.presentation),
                             ("KEY POINTS OF DISCUSSION", note.key_points)):
        if not paragraphs:
            warnings.append(f"{name}: nothing usable was found; the section is left out of the draft")
    presentation = sum(len(t.text.split()) for t in out.traced if t.section == "presentation")
    if note.presentation and not 400 <= presentation <= 900:
        warnings.append(f"the Presentation has {presentation} words (house style: 400–900); the presenter's own statements were too few")
    if not 4 <= len(note.key_points) <= 6:
        warnings.append(f"drafted {len(note.key_points)} key points (house style asks for 4–6); add more by hand")
    words = sum(len(t.text.split()) for t in out.traced if t.section != "further_reading")
    if not 900 <= words <= 1800:
        warnings.append(f"the draft has {words} words (house length is 900–1,800)")
    if out.refused:
        warnings.append(f"{len(out.refused)} drafted sentences failed the attribution or wording check and were left out; first: {out.refused[0]}")
    return warnings

# ---- Writing the draft for the editor --------------------------------------------------------


def note_to_markdown(note: Note, metadata: dict) -> str:
    """The note as a house-style Markdown manuscript (front matter, then one heading per section)."""
    lines = ["---", yaml.safe_dump(metadata, sort_keys=False, allow_unicode=True, width=1000).strip(), "---", ""]

    def block(heading: str, paragraphs: Sequence[str], bullet: bool = False) -> None:
        lines.extend([heading, ""])
        lines.extend(line for p in paragraphs for line in ((f"- {p}",) if bullet else (p, "")))
        if bullet:
            lines.append("")

    block("# KEY EVENTS", note.key_events)
    # An empty section is left out (the draft's warnings say so), never written as a bare heading.
    if note.nature_of_discussion:
        block("# NATURE OF DISCUSSION", note.nature_of_discussion)
    if note.presentation or note.questions:
        lines.extend(["# BACKGROUND", ""])
    if note.presentation:
        block("## Presentation", note.presentation)
    if note.questions:
        lines.extend(["## Question and Answer", ""])
        for qa in note.questions:
            lines.extend([f"**{qa.question}**", ""])
            lines.extend(line for p in qa.answer for line in (p, ""))
    if note.key_points:
        block("# KEY POINTS OF DISCUSSION", note.key_points, bullet=True)
    if note.further_reading:
        block("# FURTHER READING", note.further_reading, bullet=True)
    return "\n".join(lines).rstrip("\n") + "\n"


@dataclass(frozen=True)
class DraftResult:
    """What `write_draft` wrote: the manuscript, its trace sidecar, the note and any warnings."""

    manuscript: Path
    trace_file: Path
    note: Note
    trace: Trace
    warnings: tuple[str, ...] = ()


def write_draft(config, slug: str, force: bool = False, *, use_entities: bool = True) -> DraftResult:
    """Draft `inputs/<slug>/note.md` (status: draft) and `note.draft.json` from the briefing's sources.

    An existing manuscript is never overwritten unless `force` is given. With `use_entities`, the
    extract stage's entities weigh sentence salience (loads the spaCy model).
    """
    from ..config import find_briefings, load_briefing
    from ..ingest import ingest_briefing, list_sources
    from ..state import write_atomic

    [folder] = find_briefings(config, [slug])
    briefing, config = load_briefing(folder, config)
    target = briefing.folder / "note.md"
    warnings: list[str] = []
    if briefing.manuscript is not None:
        if not force:
            raise PipelineError(f"{briefing.manuscript}: a manuscript already exists; not overwriting it "
                                f"(`briefing draft {slug} --force` replaces it, losing the editor's changes)")
        if briefing.manuscript.suffix.lower() == ".md":
            target = briefing.manuscript
        else:
            warnings.append(f"{briefing.manuscript.name} is kept; the draft goes to note.md, which builds use only if briefing.toml does not name a manuscript")
    _, sources, source_warnings = ingest_briefing(briefing, None, list_sources(replace(briefing, manuscript=None)), config)
    warnings += source_warnings
    entities: Sequence[Entity] = ()
    if use_entities:
        from ..extract import extract_entities  # spaCy only where needed

        entities = extract_entities(sources, speakers=[briefing.speaker])
    note, trace = draft_note(briefing, sources, entities)
    trace_file = target.with_name(target.stem + ".draft.json")
    metadata = {"status": "draft", "drafted_from": [Path(s.path).name for s in sources], "trace": trace_file.name}
    write_atomic(target, note_to_markdown(note, metadata))
    write_atomic(trace_file, trace.to_json())
    return DraftResult(target, trace_file, note, trace, tuple(warnings + list(trace.warnings)))
