"""The statistical recognisers (spaCy's NER and our chemical model), run sentence by sentence where they can find something.

Each recogniser reads whole sentences, so it sees the same context as over the whole text; a
sentence is skipped only when it cannot hold anything the recogniser would add. spaCy's NER
matters only for capitalised words the gazetteers and speaker names do not cover (its lower-case
spans are discarded anyway); the chemical model only where a word looks chemical. Skipping the
rest keeps the stage above 10,000 words/s: the English NER alone reads ~7,000 words per
CPU-second here. Results go to doc.spans["model"] and doc.spans["chem"] for the canonicaliser.
"""

from __future__ import annotations

import re
from typing import Iterable, Iterator

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.tokens import Doc, Span

from ..ingest.speakers import HONORIFICS
from .gazetteer import CHEMICAL, chem_lexicon, load_gazetteer
from .words import may_be_chemical

MODEL_SPANS, CHEM_SPANS = "model", "chem"
# A sentence ends after . ! ? (and closing quotes or brackets) before white space, or at a line break.
_BREAK = re.compile(r"(?<=[.!?])[\"'”’)\]]*[ \t]+(?=\S)|\n+")
# Words whose full stop does not end a sentence ("Dr. Okafor", "U.S. officials", "J. Smith").
_NO_BREAK = re.compile(r"(?:\b(?:[A-Z]|Dr|Mr|Mrs|Ms|Prof|St|Mt|Insp|Det|Supt|Sgt|Cst|Const|Gen|Col|"
                       r"Capt|Lt|Cmdr|Rev|Hon|Amb|Sen|Rep|Gov|Jr|Sr|Inc|Ltd|Co|Corp|No|vs|etc|"
                       r"e\.g|i\.e|U\.S|U\.K|U\.N|approx|Fig|fig|al)\.)$")
_CAP_WORD = re.compile(r"(?<![\w'’\-])[A-Z][\w'’\-.]*")
_INITIALS = re.compile(r"(?:[A-Z]\.)+")
_POSSESSIVE = re.compile(r"['’]s$")
_LOWER_WORD = re.compile(r"(?<![\w'’\-])[a-z][a-z'’\-]*(?![\w'’\-])")
_WORD = re.compile(r"[A-Za-z][A-Za-z]+")
# What a chemical name looks like beyond its ending: letters and digits mixed (4-ANPP, H2O, 5-HT),
# locants and hyphenated parts (N-phenethyl, alpha-methyl), formula-like capitals (NaCl), Greek
# letters, or a class word (acid, oxide, inhibitor). Endings are weighed word by word (words.py).
_CHEM_SHAPE = re.compile(
    r"\d[A-Za-z]|[A-Za-z]\d|\b[A-Za-z]{1,3}-[A-Za-z]|\b[A-Z][a-z]?[A-Z]|[α-ωΑ-Ω]|"
    r"(?i:\b(?:acids?|oxides?|contracepti\w*|inhibitors?|(?:alpha|beta|gamma|delta|epsilon|omega|"
    r"cis|trans)-))")


def sentences(text: str) -> list[tuple[int, int]]:
    """Character ranges of the sentences of a text (punctuation and line breaks; no parser)."""
    out, start = [], 0
    for m in _BREAK.finditer(text):
        # Only the last few characters can hold the abbreviation: a bounded look keeps this linear.
        if m.group().strip(" \t") == "" and _NO_BREAK.search(text, max(0, m.start() - 12), m.start()):
            continue  # "Dr. Okafor": an abbreviation, not the end of a sentence
        if text[start:m.start()].strip():
            out.append((start, m.start()))
        start = m.end()
    if text[start:].strip():
        out.append((start, len(text)))
    return out


def lowercase_words(texts: Iterable[str]) -> frozenset:
    """Words written in lower case somewhere in the texts: ordinary words, not names."""
    return frozenset(m.group() for t in texts for m in _LOWER_WORD.finditer(t))


def needs_names(text: str, a: int, b: int, known: frozenset, common: frozenset,
                speakers: frozenset = frozenset()) -> bool:
    """Whether a sentence has a capitalised word that no gazetteer or speaker name explains.

    A word capitalised only because it opens the sentence, and written in lower case elsewhere in
    the source (`common`), is an ordinary word.
    """
    heading = None
    for m in _CAP_WORD.finditer(text, a, b):
        w = m.group()
        core = w if _INITIALS.fullmatch(w) else _POSSESSIVE.sub("", w.rstrip("."))
        head = re.split(r"['’]", core)[0].lower()
        if head in STOP_WORDS or core in known or core in speakers or core.lower() in HONORIFICS \
                or core.lower() in common and not text[a:m.start()].strip(" \t\"'(“‘-•*"):
            continue
        if heading is None:
            heading = text[a:b].upper() == text[a:b]
        if not heading:  # in a heading in capitals the NER's guesses are noise (and dropped)
            return True
    return False


def needs_chemicals(text: str, a: int, b: int, lexicon: frozenset) -> bool:
    """Whether a sentence has a word that looks like a chemical or is a known chemical name.

    A word with a chemical ending counts only where the merge could keep it (words.may_be_chemical):
    everyday words end in -in, -ate or -one too ("within", "state", "someone"), and a sentence
    holding nothing else is one the chemical model need not read.
    """
    if _CHEM_SHAPE.search(text, a, b):
        return True
    return any(may_be_chemical(m.group().lower(), lexicon) for m in _WORD.finditer(text, a, b))


def _chunks(doc: Doc, ranges: list[tuple[int, int]]) -> list[Span]:
    """Token spans for character ranges, neighbours joined (fewer, longer docs for the model)."""
    out: list[Span] = []
    for a, b in ranges:
        span = doc.char_span(a, b, alignment_mode="expand")
        if span is None or not len(span):
            continue
        if out and out[-1].end >= span.start:
            out[-1] = doc[out[-1].start:max(out[-1].end, span.end)]
        else:
            out.append(span)
    return out


class Recognisers:
    """spaCy's NER and the chemical model over the sentences that need them (a pipeline component)."""

    def __init__(self, tokenizer, ner=None, chem=None):
        self.tokenizer = tokenizer
        self.ner, self.chem = ner, chem  # set by load_nlp: components taken from their pipelines
        gaz = load_gazetteer()
        self.known = gaz.words
        self.chem_words = chem_lexicon() | {w.lower() for s, (kind, _) in gaz.surfaces.items()
                                            if kind == CHEMICAL for w in _WORD.findall(s)}

    def make_doc(self, text: str, chunk: Span) -> Doc:
        """A doc of one chunk's text, for the model."""
        return self.tokenizer(text[chunk.start_char:chunk.end_char])

    def __call__(self, doc: Doc) -> Doc:
        """Recognise in one doc."""
        return next(self.pipe([doc]))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 256) -> Iterator[Doc]:
        """Recognise in a batch of docs; the model runs once over all their selected sentences."""
        docs = list(docs)
        common = None
        jobs: dict[str, list[tuple[int, Span]]] = {MODEL_SPANS: [], CHEM_SPANS: []}
        for di, doc in enumerate(docs):
            text = doc.user_data.get("text") or doc.text
            speakers = doc.user_data.get("speaker_words", frozenset())
            if "common" in doc.user_data:  # computed over the whole source by annotate_source
                common = doc.user_data["common"]
            elif common is None:
                common = lowercase_words(d.user_data.get("text") or d.text for d in docs)
            sents = sentences(text)
            names = [s for s in sents if needs_names(text, *s, self.known, common, speakers)]
            chems = [s for s in sents if needs_chemicals(text, *s, self.chem_words)]
            jobs[MODEL_SPANS] += [(di, c) for c in _chunks(doc, names)]
            jobs[CHEM_SPANS] += [(di, c) for c in _chunks(doc, chems)]
            for key in jobs:
                doc.spans[key] = []
        for key, component in ((MODEL_SPANS, self.ner), (CHEM_SPANS, self.chem)):
            # Re-tokenising a sentence gives the doc's own tokens (it is cut at white space) and
            # costs a third of Span.as_doc.
            subdocs = (self.make_doc(docs[di].user_data.get("text") or docs[di].text, chunk)
                       for di, chunk in jobs[key])
            for (di, chunk), sub in zip(jobs[key], component.pipe(subdocs, batch_size=batch_size)):
                doc, offset = docs[di], chunk.start_char
                spans = (doc.char_span(offset + e.start_char, offset + e.end_char, label=e.label_)
                         for e in sub.ents)
                doc.spans[key].extend([s for s in spans if s is not None])
        yield from docs


@Language.factory("recognisers")
def make_recognisers(nlp: Language, name: str) -> Recognisers:
    """Factory for the recognisers component; load_nlp gives it the two models."""
    return Recognisers(nlp.tokenizer)
