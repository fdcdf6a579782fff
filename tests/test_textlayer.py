"""Tests for pipeline.ingest.textlayer: mojibake and symbol soup are unreadable; real text in any script is not."""

from __future__ import annotations

import pytest

from pipeline.ingest import read_source
from pipeline.ingest.textlayer import unreadable_reason

READABLE = [
    "Fentanyl precursors such as 4-ANPP (CAS 21409-26-7) moved through Manzanillo in 2023.",
    "Сирийская программа химического оружия была уничтожена к 2014 году.",
    "الأسلحة الكيميائية محظورة بموجب الاتفاقية منذ عام ١٩٩٧",
    "化学兵器禁止条約は一九九七年に発効した。",
    "Café, naïve résumé — “quoted” text… and 5 % of 20 kg.",
    "One stray glyph \ufffd in a long line of otherwise perfectly readable slide text about Syria.",
    "1. 2. 3.",  # too short to judge
]
UNREADABLE = [
    "Ã©tÃ© trÃ¨s chaud â€” lâ€™Ã©quipe a dÃ©cidÃ© de partir trÃ¨s tÃ´t ce matin-lÃ ",
    "\ue000\ue001\ue002\ue003 \ue004\ue005\ue006 \ue007\ue008\ue009\ue00a\ue00b \ue00c\ue00d\ue00e\ue00f\ue010 \ue011\ue012\ue013\ue014\ue015",
    "\ufffd\ufffd\ufffd \ufffd\ufffd \ufffd\ufffd\ufffd\ufffd \ufffd\ufffd\ufffd Syria \ufffd\ufffd\ufffd\ufffd\ufffd",
    "!\"#$ %&'() *+,-./ :;<=>? @[\\]^_` {|}~!\" #$%&' ()*+",
]


@pytest.mark.parametrize("text", READABLE)
def test_real_text_in_any_script_is_readable(text):
    assert unreadable_reason(text) is None


@pytest.mark.parametrize("text", UNREADABLE)
def test_garbage_text_layers_are_unreadable(text):
    assert unreadable_reason(text)


def test_a_slide_deck_with_a_mojibake_page_warns_and_gives_no_entities(tmp_path):
    from weasyprint import HTML

    from pipeline.extract import extract_entities

    pages = ["<p>Mexico and the UNODC track fentanyl precursors.</p>",
             "<p>Ã‰tats-Unis: lâ€™Ã©quipe Ã  Washington a saisi du fentanyl â€” trÃ¨s tÃ´t en Syrie</p>"]
    html = "".join(f'<section style="page-break-after: always">{p}</section>' for p in pages)
    path = tmp_path / "slides.pdf"
    HTML(string=html).write_pdf(path)
    source = read_source(path)
    assert [s.role for s in source.segments if not s.ocr] == ["text", "unreadable"]
    # The page shows the mojibake itself: what OCR reads of it is kept, unreadable too (tests/test_ocr.py).
    assert all(s.role == "unreadable" and s.page == 2 for s in source.segments if s.ocr)
    assert any("slides.pdf: page 2: the text layer is unreadable" in w for w in source.warnings)
    entities = extract_entities([source])
    assert {m.page for e in entities for m in e.mentions} == {1}
    assert "USA" not in {e.id for e in entities}
