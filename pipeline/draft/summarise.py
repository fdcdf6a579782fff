"""Drafting: a first version of the note from the transcript and slides, every sentence traced to its source."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Sequence

import numpy as np
import yaml

from ..errors import PipelineError
from ..ingest.textlayer import readable
from ..ingest.transcript import ANSWER, INTRO, TALK, Transcript, clean_spoken, split_sentences, structure_transcript
from ..models import Briefing, Entity, Note, QuestionAnswer, Source
from .references import further_reading, md_escape
from .reported import REPORTING_VERBS, Person, presenter_person, proper_words, report, third_person
from .salience import GENERIC, STOPWORDS, rank_sentences, similarity_matrix, stem, tokens, topic_terms
from .trace import Sentence, Span, Trace, TracedSentence, metadata_span


# ---- Reading the transcript ------------------------------------------------------------------

_PLEASANTRY = re.compile(
    r"^(?:thank(?:s| you)\b|(?:that's|it's|what) (?:a |an )?(?:really )?(?:great|good|excellent|fair|hard|tough|interesting|important) question|"
    r"good (?:morning|afternoon|evening)|welcome\b|great,? thanks|sure\b|you're welcome|my pleasure|hi\b|hello\b)",
    re.I,
)
_SIGNPOST = re.compile(
    r"^(?:let me|let's|I(?:'m| am) going to|I want to (?:start|talk|turn|end|close|mention|put|begin|be precise)|"
    r"I(?:'ll| will) (?:start|talk|turn|end|close|begin)|today I|in this talk|before I (?:start|begin)|to (?:start|begin) with|"
    r"as you can see|on this slide|next slide|I promise|you can see|"
    r"(?:and )?(?:first|second|third|fourth|fifth|finally|lastly|next),\s+(?:how|why|what|who|where|when|whether)\b)",
    re.I,
)
# Sentences that tell the audience to do something: never put "X said that" in front of them.
IMPERATIVE = re.compile(r"^(?:Look|Think|Consider|Imagine|Take|Remember|Note|See|Let|Keep|Picture|Compare|Ask|Go)\b")
_SELF_INTRO = re.compile(r"\b(?:my name is|I'm an?\b|I am an?\b|I work (?:at|for|in)|I(?:'m| am) (?:with|from)|I spent|I retired|I'm retired)", re.I)
_QUESTION_PREFIX = re.compile(
    r"^(?:(?:and |so )?my (?:question|follow-up) is(?:,|:| that)?\s+|the question is(?:,|:)?\s+|what I wanted to ask (?:is|was)(?:,|:)?\s+|"
    r"I guess my question is(?:,|:)?\s+|quick question(?:,|:)\s+)",
    re.I,
)
_RELAY_PREFIX = re.compile(r"^[^:?]{0,120}\b(?:question|asks|asking|writes|wants to know)\b[^:?]{0,60}:\s*", re.I)


def transcript_sentences(transcript: Transcript) -> list[Sentence]:
    """Every sentence of every turn, cleaned of fillers and artefacts, with the cues it spans."""
    result: list[Sentence] = []
    for t, turn in enumerate(transcript.turns):
        for a, b in split_sentences(turn.text):
            raw = turn.text[a:b]
            text = clean_spoken(raw)
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
    if sentence.role not in (TALK, ANSWER) or len(text.split()) < 6 or text.endswith("?"):
        return 0.0
    if _PLEASANTRY.match(text) or third_person(text, person) is None:
        return 0.0
    factor = 0.25 if _SIGNPOST.match(text) else 1.0
    if re.search(r"\b(you|your)\b", text, re.I):
        factor *= 0.6
    if re.search(r"\b(we|us|our)\b", text, re.I):
        factor *= 0.85
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
             sim: np.ndarray | None = None) -> np.ndarray:
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
    return rank_sentences(texts, boosts, sim)


def _select(candidates: Sequence[Sentence], scores: np.ndarray, sim: np.ndarray, budget: int, limit: int = 999,
            max_sim: float = 0.5) -> list[Sentence]:
    """Best-scoring sentences up to a word budget, skipping near-repeats; returned in transcript order."""
    chosen: list[Sentence] = []
    words = 0
    for s in sorted(candidates, key=lambda s: (-scores[s.index], s.index)):
        if scores[s.index] <= 0 or words >= budget or len(chosen) >= limit:
            break
        if any(sim[s.index, c.index] > max_sim for c in chosen):
            continue
        chosen.append(s)
        words += len(s.text.split())
    return sorted(chosen, key=lambda s: s.index)


def _paragraphs(chosen: list[Sentence], sim: np.ndarray, longest: int = 6) -> list[list[Sentence]]:
    """Split the chosen talk sentences into paragraphs at the largest topic shifts (2 to `longest` sentences each)."""
    n = len(chosen)
    gap = {}
    for i in range(n - 1):
        a, b = chosen[i], chosen[i + 1]
        skipped = b.index - a.index - 1
        gap[i + 1] = (1 - sim[a.index, b.index]) + 0.05 * min(skipped, 10) + (0.3 if a.turn != b.turn else 0.0)
    count = max(1, round(n / 4))
    cuts: list[int] = []
    for cut in sorted(gap, key=lambda c: -gap[c]):
        if len(cuts) >= count - 1:
            break
        bounds = [0, *sorted(cuts + [cut]), n]
        if all(bounds[k + 1] - bounds[k] >= 2 for k in range(len(bounds) - 1)):
            cuts.append(cut)
    bounds = [0, *sorted(cuts), n]
    # A paragraph still too long is split at its own largest shift.
    k = 0
    while k < len(bounds) - 1:
        lo, hi = bounds[k], bounds[k + 1]
        inner = [c for c in range(lo + 2, hi - 1) if c in gap]
        if hi - lo > longest and inner:
            bounds.insert(k + 1, max(inner, key=lambda c: gap[c]))
            continue
        k += 1
    return [chosen[bounds[k]:bounds[k + 1]] for k in range(len(bounds) - 1)]


# ---- The note's sections -----------------------------------------------------------------------

@dataclass
class DraftedSections:
    """Paragraphs of each section as drafted, and the trace of every sentence put in them."""

    paragraphs: dict[str, list[list[str]]] = field(default_factory=dict)
    traced: list[TracedSentence] = field(default_factory=list)

    def add(self, section: str, paragraph: int, plain: str, spans: Sequence[Span], markdown: str | None = None) -> None:
        """Append a sentence (plain text; Markdown form when it carries markup) to a paragraph of a section."""
        paras = self.paragraphs.setdefault(section, [])
        while len(paras) <= paragraph:
            paras.append([])
        paras[paragraph].append(markdown if markdown is not None else md_escape(plain))
        self.traced.append(TracedSentence(section, paragraph, plain, tuple(spans)))

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


def themes(talk: Sequence[Sentence], entities: Sequence[Entity], slides: Sequence[Source], proper: frozenset[str],
           limit: int = 4) -> list[tuple[str, list[Span]]]:
    """The talk's main themes: its most-mentioned entities and key phrases (raised when the slides use them)."""
    texts = [s.text for s in talk]
    slide_text = " ".join(seg.text for src in slides for seg in readable(src.segments)).lower()
    candidates: list[tuple[float, str]] = []
    joined = " ".join(texts)
    for entity in sorted(entities, key=lambda e: (-e.count, e.name)):
        if entity.subtype != "person" and entity.count >= 2 and entity.name in joined:
            candidates.append((1e6 + entity.count, entity.name))
    for phrase in topic_terms(texts, limit=12, boost=slide_text):
        candidates.append((phrase.score, phrase.text))
    chosen: list[tuple[str, list[Span]]] = []
    used: set[str] = set()
    for _, name in sorted(candidates, key=lambda c: -c[0]):
        words = set(tokens(name))
        if not words or words & used:
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
    """What a question was about: the content word of the question its answer repeats most
    (ties go to words that are also topic terms of the whole transcript)."""
    answer_terms = tokens(answer)
    best: tuple[float, str] | None = None
    for word in re.findall(r"[A-Za-z][\w'’\-]+", question):
        term = stem(word.lower())
        if word.lower() in STOPWORDS or len(word) < 4 or word.lower().endswith(("ing", "ed", "ly")) or term in GENERIC:
            continue
        hits = answer_terms.count(term) + 0.5 * (term in global_terms)
        if answer_terms.count(term) and (best is None or hits > best[0]):
            best = (hits, word)
    return best[1] if best else None


def _key_events(out: DraftedSections, briefing: Briefing, transcript: Transcript, topics: list[tuple[str, list[Span]]]) -> None:
    """KEY EVENTS: the talk's date, speaker, title and event, that a Q&A followed, and its main themes."""
    from ..compose import format_date

    event = briefing.event if re.match(r"(?i)(the|a|an)\b", briefing.event) else f"the {briefing.event}"
    lead = f"On {format_date(briefing)}, {briefing.speaker} presented "
    out.add("key_events", 0, f"{lead}{briefing.title} at {event}.", [metadata_span("date", "speaker", "title", "event")],
            markdown=f"{md_escape(lead)}*{md_escape(briefing.title)}* at {md_escape(event)}.")
    if transcript.exchanges:
        spans = [_turn_span(transcript, ex.questions[0]) for ex in transcript.exchanges]
        out.add("key_events", 0, "A question-and-answer session with the audience followed.", spans)
    if len(topics) >= 2:
        out.add("key_events", 0, f"The main themes were {_join([t for t, _ in topics])}.", [s for _, spans in topics for s in spans])


def _biography(transcript: Transcript, sentences: Sequence[Sentence], person: Person) -> list[tuple[str, Span]]:
    """What the chair said about the presenter, turned into sentences about them (at most two)."""
    surname = person.short.split()[-1]
    found: list[tuple[str, Span]] = []
    for s in sentences:
        if s.role != INTRO or re.search(r"\b(talk|title|titled|called|questions?|welcome|over to you|please)\b", s.text, re.I):
            continue
        who = re.search(rf"\b{re.escape(surname)}\b,?\s+who\s+(?P<rest>\S.*)$", s.text)
        if who:
            found.append((f"{person.short} {who['rest']}", s.span))
        elif re.match(rf"(?:{re.escape(person.short)}|{re.escape(person.full)}|She|He)\s+(?:has |had |is |was |now )?"
                      r"(?:trained|spent|served|worked|leads|led|teaches|taught|studies|studied|directs|directed|holds|held|joined|is|was|has)\b", s.text):
            text = re.sub(r"^(She|He)\b", person.short, s.text)
            found.append((text, s.span))
        if len(found) == 2:
            break
    return found


def _question(sentences: Sequence[Sentence], chairs: Sequence[str]) -> list[Sentence]:
    """The asking part of a question turn: greetings, self-introductions and 'my question is' removed."""
    kept: list[Sentence] = []
    for s in sentences:
        text = s.text
        if s.span.speaker in chairs:
            text = _RELAY_PREFIX.sub("", text)
        direct = _QUESTION_PREFIX.sub("", text).strip()
        # "My question is, why ...?" loses its preface; "what I wanted to ask is whether ..." keeps it.
        if direct.endswith("?") and re.match(r"(?i)(what|why|how|when|where|who|which|is|are|do|does|did|can|could|would|will|should|has|have)\b", direct):
            text = direct
        if not text:
            continue
        text = text[:1].upper() + text[1:]
        asks = text.endswith("?")
        words = len(text.split())
        if not asks and (_PLEASANTRY.match(text) or _SELF_INTRO.search(text) or words < 4):
            continue
        if asks and _PLEASANTRY.match(text) and words <= 3:
            continue
        kept.append(replace(s, text=text))
    asking = [i for i, s in enumerate(kept) if s.text.endswith("?")]
    if not asking:
        return kept[-2:]
    first, last = asking[0], asking[-1]
    # One sentence of context before the question when it points back at the talk ("You mentioned India ...").
    if first > 0 and re.search(r"\b(you|your)\b", kept[first - 1].text, re.I):
        first -= 1
    return kept[first:last + 1]


def _answer(sentences: Sequence[Sentence], question: str, person: Person) -> list[Sentence]:
    """The answer condensed: its most central sentences (the opening one favoured), about half its words."""
    usable = [s for s in sentences if not _PLEASANTRY.match(s.text) and len(s.text.split()) >= 4
              and third_person(s.text, person) is not None]
    if not usable:
        return []
    texts = [s.text for s in usable] + [question]
    local = rank_sentences(texts)[:-1]
    local[0] += 0.3
    total = sum(len(s.text.split()) for s in usable)
    budget = max(30, int(0.55 * total))
    order = sorted(range(len(usable)), key=lambda i: -local[i])
    chosen, words = [], 0
    for i in order:
        if words >= budget or len(chosen) == 4:
            break
        chosen.append(i)
        words += len(usable[i].text.split())
    return [usable[i] for i in sorted(chosen)]


def _key_points(candidates: Sequence[Sentence], scores: np.ndarray, sim: np.ndarray, person: Person,
                count: int = 5) -> list[tuple[str, Sentence]]:
    """KEY POINTS: the most salient self-contained statements, diverse (MMR), in the order they were made."""
    pool = []
    for s in candidates:
        words = len(s.text.split())
        if scores[s.index] <= 0 or not 8 <= words <= 45 or re.search(r"\b(you|your|we|us|our)\b", s.text, re.I):
            continue
        if _SIGNPOST.match(s.text) or IMPERATIVE.match(s.text) or re.match(r"(It|This|That|These|Those|They|He|She|There)\b", s.text):
            continue
        rewritten = third_person(s.text, person)
        if rewritten is not None:
            pool.append((rewritten[0], s))
    chosen: list[tuple[str, Sentence]] = []
    while pool and len(chosen) < count:
        def mmr(item: tuple[str, Sentence]) -> float:
            redundancy = max((sim[item[1].index, c.index] for _, c in chosen), default=0.0)
            return 0.7 * scores[item[1].index] - 0.3 * redundancy
        best = max(pool, key=mmr)
        pool.remove(best)
        if all(sim[best[1].index, c.index] <= 0.5 for _, c in chosen):
            chosen.append(best)
    return sorted(chosen, key=lambda item: item[1].index)


def draft_note(briefing: Briefing, sources: Sequence[Source], entities: Sequence[Entity] = ()) -> tuple[Note, Trace]:
    """Draft the note's sections from the briefing's transcript (and slides); every sentence is traced to its source."""
    transcripts = [s for s in sources if s.kind == "transcript" and s.segments]
    if not transcripts:
        raise PipelineError(f"{briefing.folder}: nothing to draft from: no transcript with text among the sources (expected a .vtt, .srt or .txt transcript)")
    slides = [s for s in sources if s.kind == "slides"]
    structured = [structure_transcript(s, briefing.speaker) for s in transcripts]
    transcript = max(structured, key=lambda t: sum(len(turn.text.split()) for turn in t.by_role(TALK)))
    warnings = [f"{Path(transcript.path).name}: {w}" for w in transcript.warnings]
    warnings += [f"{Path(t.path).name}: not used for the draft (one transcript is drafted from)" for t in structured if t is not transcript]
    sentences = transcript_sentences(transcript)
    person = presenter_person(briefing.speaker, " ".join(t.text for t in transcript.by_role(INTRO)))
    known = [m.text for e in entities for m in e.mentions] + [e.name for e in entities] if entities else None
    proper = proper_words([s.text for s in sentences], known)
    sim = similarity_matrix([s.text for s in sentences]) if sentences else np.zeros((0, 0))
    scores = salience(sentences, slides, entities, person, sim)
    talk = [s for s in sentences if s.role == TALK]
    out = DraftedSections()

    topics = themes([s for s in talk if scores[s.index] > 0], entities, slides, proper)
    _key_events(out, briefing, transcript, topics)

    for text, span in _biography(transcript, sentences, person):
        out.add("nature_of_discussion", 0, text, [span])
    overview = _select(talk, scores, sim, budget=1, limit=1)
    for s in overview:
        out.add("nature_of_discussion", 0, report(s.text, person, proper, "argued", frame=True), [s.span])
    asked = []
    global_terms = frozenset(stem(p.text.lower()) for p in topic_terms([s.text for s in sentences], limit=30))
    for ex in transcript.exchanges:
        question = " ".join(s.text for s in _question([s for s in sentences if s.turn in ex.questions], transcript.moderators))
        topic = question_topic(question, " ".join(s.text for s in sentences if s.turn in ex.answers), global_terms)
        if topic and _display_phrase(topic, proper) not in [a for a, _ in asked]:
            asked.append((_display_phrase(topic, proper), _turn_span(transcript, ex.questions[0])))
    if asked:
        out.add("nature_of_discussion", 1, f"Questions from the audience concerned {_join([a for a, _ in asked])}.", [s for _, s in asked])

    talk_words = sum(len(s.text.split()) for s in talk)
    # About 40% of the talk; a short talk keeps a larger share (an editor condenses it less).
    chosen = _select(talk, scores, sim, budget=min(int(0.7 * talk_words), max(220, min(900, int(0.4 * talk_words)))))
    for p, paragraph in enumerate(_paragraphs(chosen, sim)):
        for k, s in enumerate(paragraph):
            verb = REPORTING_VERBS[p % len(REPORTING_VERBS)] if k == 0 else "added"
            text = report(s.text, person, proper, verb, frame=k % 3 == 0, first=k == 0)
            out.add("presentation", p, text, [s.span])

    questions = []
    for n, ex in enumerate(transcript.exchanges):
        asked_sentences = _question([s for s in sentences if s.turn in ex.questions], transcript.moderators)
        if not asked_sentences:
            warnings.append(f"question at {_turn_span(transcript, ex.questions[0]).start}: nothing left after clean-up; left out")
            continue
        for s in asked_sentences:
            out.add("question", n, s.text, [s.span])
        answer = _answer([s for s in sentences if s.turn in ex.answers], " ".join(s.text for s in asked_sentences), person)
        framed = False
        for s in answer:
            text = report(s.text, person, proper, "said", frame=not framed)
            framed = framed or text != s.text
            out.add("answer", n, text, [s.span])
        q = " ".join(out.paragraphs["question"][n])
        a = (" ".join(out.paragraphs["answer"][n]),) if answer else ()
        questions.append(QuestionAnswer(q, a))
        if not answer:
            warnings.append(f"question {q[:50]!r}: the answer had no usable sentence")

    points = _key_points([s for s in sentences if s.role in (TALK, ANSWER)], scores, sim, person)
    for i, (text, s) in enumerate(points):
        out.add("key_points", i, text, [s.span])
    if not 4 <= len(points) <= 6:
        warnings.append(f"drafted {len(points)} key points (house style asks for 4–6); add more by hand")
    for i, (markdown, plain, span) in enumerate(further_reading(briefing, slides, sentences)):
        out.add("further_reading", i, plain, [span], markdown=markdown)

    note = Note(
        key_events=out.texts("key_events"),
        nature_of_discussion=out.texts("nature_of_discussion"),
        presentation=out.texts("presentation"),
        questions=tuple(questions),
        key_points=out.texts("key_points"),
        further_reading=out.texts("further_reading"),
        status="draft",
    )
    trace = Trace(briefing.slug, tuple(Path(s.path).name for s in sources), tuple(out.traced), tuple(warnings))
    return note, trace


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
    block("# NATURE OF DISCUSSION", note.nature_of_discussion)
    lines.extend(["# BACKGROUND", ""])
    block("## Presentation", note.presentation)
    if note.questions:
        lines.extend(["## Question and Answer", ""])
        for qa in note.questions:
            lines.extend([f"**{qa.question}**", ""])
            lines.extend(line for p in qa.answer for line in (p, ""))
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
