"""Tests of the recognisers: sentence splitting, which sentences each model reads, span mapping."""

from __future__ import annotations

from pipeline.extract.recognise import lowercase_words, needs_chemicals, needs_names, sentences


def _texts(text):
    return [text[a:b] for a, b in sentences(text)]


def test_sentences_split_at_ends_and_line_breaks_but_not_after_titles():
    text = "Dr. Okafor spoke first. Then U.S. officials asked why!\nJ. Smith answered?  Yes."
    assert _texts(text) == ["Dr. Okafor spoke first.", "Then U.S. officials asked why!",
                            "J. Smith answered?", "Yes."]
    assert sentences("") == [] and _texts("no end") == ["no end"]


def test_name_gate_skips_sentences_the_gazetteers_already_explain():
    known = frozenset({"Mexico", "Canada", "Okafor"})
    common = lowercase_words(["thanks for the thanks"])
    assert not needs_names("Mexico and Canada signed it.", 0, 28, known, common)
    assert not needs_names("Thanks, that was all.", 0, 21, known, common)  # sentence-initial word
    assert not needs_names("I asked Okafor.", 0, 15, frozenset(), common, frozenset({"Okafor"}))
    assert not needs_names("THE BORDER TODAY", 0, 16, known, common)  # a heading
    assert needs_names("Mexico and the Sinaloa Cartel signed it.", 0, 40, known, common)
    assert needs_names("We met Daniel Roy.", 0, 18, known, common)


def test_chemical_gate_reads_sentences_with_chemical_looking_words():
    lexicon = frozenset({"cocaine"})
    for text in ("They sold cocaine.", "4-ANPP arrived.", "It was N-phenethyl-4-piperidone.",
                 "Aniline drums.", "Some flubromazolam.", "NaCl solution"):
        assert needs_chemicals(text, 0, len(text), lexicon), text
    # Everyday words with chemical endings (-in, -ate, -one, -ol) and coinages open no sentence.
    for text in ("We talked about the border.", "Thanks, Elena.",
                 "Someone stated it again within the patrol plan.", "Payment in stablecoins."):
        assert not needs_chemicals(text, 0, len(text), lexicon), text


def test_model_spans_map_back_onto_the_whole_text(nlp):
    text = ("THE OPENING\nThanks, everyone. Our guest is Dr. Marta Quiroga.\n\n"
            "She studied aniline and benzene at the University of Lima. Then she moved.")
    doc = nlp(text)
    model = {s.text for s in doc.spans["model"]}
    chem = {s.text for s in doc.spans["chem"]}
    assert "Marta Quiroga" in model and "benzene" in chem
    for span in list(doc.spans["model"]) + list(doc.spans["chem"]):
        assert text[span.start_char:span.end_char] == span.text
