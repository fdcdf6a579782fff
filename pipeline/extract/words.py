"""Word tests shared by the recognisers and the merge: English words (WordNet) and chemical-looking words."""

from __future__ import annotations

import functools
import re

from spacy.lang.en.stop_words import STOP_WORDS

# Chemical morphology: endings of drug and chemical names (-ine, -ide, -ate, -ol, -one, -yl, ...),
# optionally plural. A single plain word from the recogniser needs one, or to be in the lexicon.
CHEM_SUFFIX = re.compile(r"(?:in|ine|ide|ate|ite|ol|ole|one|yl|al|ane|ene|yne|ium|ose|oid|am|an|en|"
                         r"il|ic|ib|ax|ex|ox|ir|er|ia|ous|gen|on|ast|ost|um|id|yde|or)s?$")
# Endings that mark a chemical even when the word is also in an English dictionary ("aniline",
# "caffeine", "benzene"); the weaker ones (-ane, -one, -in, -ate …) also end everyday words
# ("airplane", "telephone", "bulletin", "update"), which such a word must not be.
STRONG_SUFFIX = re.compile(r"(?:ine|ide|yl|ol|ole|ium|oid|[a-z]{3}ene)s?$")
# Everyday words with a chemical-looking ending, which the recogniser sometimes takes for names.
LOOKALIKES = frozenset(
    "inside outside beside aside side wide guide decide provide ride pride bride slide state late "
    "private climate debate estimate ultimate separate immediate online line mine fine define "
    "machine routine medicine magazine someone everyone anyone alone phone done gone none tone "
    "zone control patrol protein cousin origin domain certain captain again begin within "
    "violence evidence region religion opinion million billion union nation station position "
    "question action".split())


@functools.lru_cache(maxsize=1)
def _wordnet() -> tuple[frozenset[str], frozenset[str]]:
    """WordNet's English words (from the English model's lemmatizer tables): all of them, and
    those listed as verbs, adjectives or adverbs but never as nouns."""
    import spacy.util
    from spacy.lookups import Lookups

    from . import EXCLUDE, _model_name

    # The tables alone, read from the installed model package (12 ms), rather than a second
    # English pipeline loaded around them (340 ms of every process's first chemical span).
    package = spacy.util.get_package_path(_model_name())
    found = sorted(package.glob("*/lemmatizer/lookups/lookups.bin"))
    if found:
        index = Lookups().from_disk(found[0].parent).get_table("lemma_index")
    else:  # a model laid out otherwise: load it with its lemmatizer
        nlp = spacy.load(_model_name(), exclude=[n for n in EXCLUDE + ["ner"] if n != "lemmatizer"])
        index = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index")
    nouns = set(index["noun"])
    other = set(index["verb"]) | set(index["adj"]) | set(index["adv"])
    return frozenset(nouns | other), frozenset(other - nouns)


def not_nouns() -> frozenset[str]:
    """English words listed as verbs, adjectives or adverbs but never as nouns."""
    return _wordnet()[1]


def inflection_bases(low: str) -> tuple[str, ...]:
    """A lower-case word and the forms it may inflect ("determines" → determine, determin)."""
    return (low,) + tuple(low[:-len(end)] for end in ("s", "es", "d", "ed") if low.endswith(end))


def english_word(low: str) -> bool:
    """Whether a lower-case word (or its singular, or the verb it inflects) is in WordNet."""
    words = _wordnet()[0]
    return any(w in words for w in inflection_bases(low))


def english_compound(low: str) -> bool:
    """Whether a lower-case word is two English words run together, the first without a chemical
    ending ("stablecoins", "blockchain", "livestream"): a coinage, not a chemical name, even where
    its ending looks chemical. "methylprednisolone" (methyl-) and "acetylsalicylate" (acetyl-) are
    not: their first part is itself chemical."""
    return any(english_word(low[:i]) and english_word(low[i:]) and not CHEM_SUFFIX.search(low[:i])
               for i in range(3, len(low) - 2))


@functools.lru_cache(maxsize=65536)
def may_be_chemical(low: str, lexicon: frozenset) -> bool:
    """Whether one lower-case word could be (part of) a chemical name the merge keeps: a known
    chemical word, a strong chemical ending ("aniline"), or a weaker one ("-in", "-ate", "-one")
    on a word that is neither English nor two English words run together."""
    if low in lexicon:
        return True
    if low in STOP_WORDS or low in LOOKALIKES or low[:-1] in LOOKALIKES:
        return False
    if STRONG_SUFFIX.search(low):
        return True
    return bool(CHEM_SUFFIX.search(low)) and not english_word(low) and not english_compound(low)
