"""Tests of pipeline.extract.words: WordNet's words from the model's tables, chemical-looking words."""

from __future__ import annotations


def test_wordnet_read_from_the_package_equals_the_lemmatizers_tables():
    import spacy

    from pipeline.extract import EXCLUDE, _model_name
    from pipeline.extract.words import _wordnet

    nlp = spacy.load(_model_name(), exclude=[n for n in EXCLUDE + ["ner"] if n != "lemmatizer"])
    index = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index")
    words, not_nouns = _wordnet()
    assert words == frozenset(w for pos in ("noun", "verb", "adj", "adv") for w in index[pos])
    assert "determine" in not_nouns and "state" not in not_nouns and len(words) > 50_000


def test_may_be_chemical_follows_what_the_merge_keeps():
    from pipeline.extract.words import may_be_chemical

    lexicon = frozenset({"npp"})
    for word in ("aniline", "carfentanil", "flubromazolam", "npp", "potassium"):
        assert may_be_chemical(word, lexicon), word
    for word in ("within", "state", "someone", "patrol", "stablecoins", "the", "border"):
        assert not may_be_chemical(word, lexicon), word
