"""Tests for pipeline.limits: pathological inline markup flattened (text kept), long words refused or wrapped."""

from __future__ import annotations

import dataclasses
import re

import pytest

from conftest import pdf_pages
from pipeline.build import build
from pipeline.compose import render_inline
from pipeline.config import load_briefing, load_config
from pipeline.errors import PipelineError
from pipeline.limits import MAX_TAGS_PER_WORD, check_note, printed_text, render_bounded
from pipeline.models import Note, QuestionAnswer


def visible(html: str) -> str:
    """The characters an HTML fragment prints, tags removed."""
    return re.sub(r"<[^>]+>", "", html)


def test_ordinary_markup_is_untouched():
    html, flattened = render_bounded("a *b* **c** [d](https://x.org/) `e` ***f***", 4)
    assert flattened == 0
    assert html.strip() == ('a <em>b</em> <strong>c</strong> <a href="https://x.org/">d</a> <code>e</code> '
                            "<em><strong>f</strong></em>")


def test_emphasis_crowding_one_word_is_flattened_keeping_every_character():
    html, flattened = render_bounded("*a" * 8000, 4)
    assert flattened > 0 and "<em>" not in html
    assert visible(html).strip() == "a" * 8000  # 4,000 emphasised a's and 4,000 plain ones, all kept
    # A few emphasised letters in a word are fine ("*un*likely").
    assert render_bounded("*a" * (MAX_TAGS_PER_WORD // 2 * 2), 4)[1] == 0


def test_emphasis_nested_deeper_than_the_limit_is_flattened():
    text = "*a **b *c **d *e**f* x** y* z** q*"
    html, flattened = render_bounded(text, 2)
    assert flattened > 0
    assert max(_depths(html)) <= 2
    assert visible(html).split() == visible(render_bounded(text, 50)[0]).split()


def _depths(html: str) -> list[int]:
    depth, seen = 0, [0]
    for tag in re.findall(r"<(/?)(?:em|strong)>", html):
        depth += -1 if tag else 1
        seen.append(depth)
    return seen


def test_flattened_link_keeps_its_address():
    html, _ = render_bounded("[a](https://one.org/)" * 9, 4)
    assert "<a " not in html
    assert visible(html).count("&lt;https://one.org/&gt;") == 9


def test_render_inline_uses_the_limit_and_escapes_raw_html():
    assert str(render_inline("<b>x</b> *y*")) == "&lt;b&gt;x&lt;/b&gt; <em>y</em>"
    assert "<em>" not in str(render_inline("*a **b *c*** d*", max_depth=1)).replace("<em>a", "")


def test_printed_text_drops_markup_only():
    assert printed_text("a *b* [c d](https://x.org/) `e`\nf") == "a b c d e f"


def _note(status: str, paragraph: str) -> Note:
    return Note(key_events=("ok",), nature_of_discussion=(), presentation=(paragraph,),
                questions=(QuestionAnswer("Q?", ("an answer",)),), key_points=(), further_reading=(), status=status)


def test_long_word_refused_in_a_final_note_naming_file_section_and_setting(make_project):
    project = make_project("basic")
    briefing, _ = load_briefing(project / "inputs" / "alpha", load_config(project))
    with pytest.raises(PipelineError) as info:
        check_note(briefing, _note("final", "x " + "w" * 10_000), 200, 4, "note.md")
    message = str(info.value)
    assert message.startswith("note.md: section PRESENTATION: a word of 10,000 characters")
    assert "setting max_word_chars" in message
    warnings = check_note(briefing, _note("draft", "x " + "w" * 10_000), 200, 4, "note.md")
    assert len(warnings) == 1 and "10,000 characters" in warnings[0]
    assert check_note(briefing, _note("final", "short words only"), 200, 4, "note.md") == []


def test_long_title_word_is_checked_too(make_project):
    project = make_project("basic")
    briefing, _ = load_briefing(project / "inputs" / "alpha", load_config(project))
    briefing = dataclasses.replace(briefing, title="T" * 500)
    with pytest.raises(PipelineError, match="briefing.toml field 'title': a word of 500 characters"):
        check_note(briefing, _note("final", "fine"), 200, 4, "note.md")


def body_text(pdf) -> str:
    """The PDF's text without whitespace or page furniture (the running header, page numbers, the DRAFT
    mark), so that a word running over several pages reads back whole."""
    furniture = {"The Test Journal of Security", "Volume 4, Issue 2", "DRAFT"}
    lines = [line for page in pdf_pages(pdf) for line in page.splitlines()
             if line.strip() not in furniture and not line.strip().isdigit()]
    return "".join("".join(line.split()) for line in lines)


def _set_presentation(project, text: str, status: str) -> None:
    note = project / "inputs" / "alpha" / "note.md"
    body = note.read_text().replace("She then described risk scoring.", text)
    note.write_text(body.replace("status: final", f"status: {status}"))


def test_emphasis_bomb_builds_as_a_draft_with_all_its_text(make_project):
    project = make_project("basic")
    _set_presentation(project, "*a" * 8000, "draft")
    report = build(load_config(project), ["alpha"], jobs=1)
    outcome = report.outcomes[0]
    assert outcome.status == "built", outcome.error
    assert any("printed plain" in w for w in outcome.warnings)
    assert "a" * 8000 in body_text(project / "outputs" / "alpha" / "alpha.pdf")


def test_long_word_in_a_draft_is_printed_whole_and_refused_in_a_final_note(make_project):
    project = make_project("basic")
    word = "".join("abcdefghij"[n % 10] for n in range(10_000))
    _set_presentation(project, f"start {word} end", "draft")
    report = build(load_config(project), ["alpha"], jobs=1)
    assert report.outcomes[0].status == "built", report.outcomes[0].error
    assert word in body_text(project / "outputs" / "alpha" / "alpha.pdf")
    note = project / "inputs" / "alpha" / "note.md"
    note.write_text(note.read_text().replace("status: draft", "status: final"))
    failed = build(load_config(project), ["alpha"], jobs=1).outcomes[0]
    assert failed.status == "failed" and "a word of 10,000 characters" in failed.error
