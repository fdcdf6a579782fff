"""Tests for pipeline.ingest.markdown's bounds: raw HTML and code kept as text, nesting, front matter, word limit."""

from __future__ import annotations

import pytest

from pipeline.errors import SourceError
from pipeline.ingest import ReadOptions, read_source
from pipeline.ingest.markdown import escape_markdown, parse_markdown
from pipeline.limits import printed_text


@pytest.fixture
def write(tmp_path):
    def make(text: str, name: str = "note.md"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return make


def test_raw_html_block_is_kept_as_escaped_text_with_the_text_after_it(write):
    path = write("# KEY EVENTS\n\nBefore.\n\n<div class=x>\nhidden *x* &copy;\n</div>\nsame block\n\nAfter the block.\n\n"
                 "# NATURE OF DISCUSSION\n\nLast words.\n")
    source = read_source(path)
    texts = [s.text for s in source.segments]
    assert texts[-3:] == ["After the block.", "NATURE OF DISCUSSION", "Last words."]
    raw = texts[2]
    # The block prints as written: its tags, stars and entity are text, not markup.
    assert printed_text(raw) == "<div class=x>\nhidden *x* &copy;\n</div>\nsame block".replace("\n", " ")
    assert any("line 5: raw HTML shown as text" in w for w in source.warnings)


def test_unclosed_html_comment_keeps_the_rest_of_the_document(write):
    source = read_source(write("# KEY EVENTS\n\nOne.\n\n<!-- a comment never closed\n\nTwo.\n\n# KEY POINTS OF DISCUSSION\n\n- Three.\n"))
    everything = " ".join(printed_text(s.text) for s in source.segments)
    for word in ("One.", "Two.", "KEY POINTS OF DISCUSSION", "Three."):
        assert word in everything
    assert any("raw HTML shown as text" in w for w in source.warnings)


def test_inline_html_stays_in_the_text(write):
    source = read_source(write("# KEY EVENTS\n\nSome <b>bold</b> and <script>x()</script> text.\n"))
    assert source.segments[1].text == "Some <b>bold</b> and <script>x()</script> text."


def test_code_blocks_are_kept_as_text(write):
    source = read_source(write("# KEY EVENTS\n\n    indented by accident\n\n```\nfenced\n```\n\nAfter.\n"))
    texts = [printed_text(s.text) for s in source.segments]
    assert texts[1:] == ["indented by accident", "fenced", "After."]
    assert len(source.warnings) == 2


def test_escape_markdown_prints_as_written():
    text = r"a *b* _c_ `d` [e](f) <g> \h &amp; & i"
    assert printed_text(escape_markdown(text)) == text


def test_deep_list_is_refused_with_its_line_not_truncated(write):
    body = "# KEY EVENTS\n\n" + "".join("  " * i + f"- item {i}\n" for i in range(1000)) + "\nAfter the list.\n"
    with pytest.raises(SourceError) as info:
        read_source(write(body))
    message = str(info.value)
    assert "note.md: line 11: lists and block quotes nest more than 8 deep" in message
    assert "setting max_list_depth" in message


def test_deep_block_quote_is_refused(write):
    with pytest.raises(SourceError, match="line 4: lists and block quotes nest more than 3 deep"):
        read_source(write("---\nstatus: draft\n---\n" + ">" * 1000 + " deep\n\nafter\n"), ReadOptions(max_list_depth=3))


def test_list_at_the_limit_keeps_every_item_and_the_text_after_it(write):
    body = "# KEY EVENTS\n\n" + "".join("  " * i + f"- item {i}\n" for i in range(8)) + "\nAfter the list.\n"
    texts = [s.text for s in read_source(write(body)).segments]
    assert texts == ["KEY EVENTS", *(f"item {i}" for i in range(8)), "After the list."]


def test_parse_markdown_default_depth_is_the_setting_default():
    deep = "".join("  " * i + f"- {i}\n" for i in range(9))
    with pytest.raises(SourceError, match="more than 8 deep"):
        parse_markdown(deep, "n.md")


@pytest.mark.parametrize("front, expected", [
    ("status: [1, 2]", "field 'status': expected draft or final, found [1, 2]"),
    ("status: Final", "field 'status': expected draft or final, found 'Final'"),
    ("status: 1", "found 1"),
    ("trace: 3", "field 'trace': expected a file name (text), found 3"),
])
def test_front_matter_types_are_checked(write, front, expected):
    with pytest.raises(SourceError) as info:
        read_source(write(f"---\n{front}\n---\n# KEY EVENTS\n\nText.\n"))
    assert str(info.value).startswith(str(info.value).split(": front matter")[0])
    assert "note.md: front matter: " in str(info.value) and expected in str(info.value)


def test_all_front_matter_problems_reported_together(write):
    with pytest.raises(SourceError) as info:
        read_source(write("---\nstatus: [1, 2]\ndrafted_from: 7\n---\n# KEY EVENTS\n\nText.\n"))
    assert "'status'" in str(info.value) and "'drafted_from'" in str(info.value)


def test_unknown_front_matter_field_is_a_notice_and_dropped(write):
    source = read_source(write("---\nstatus: final\nbanana: [1, 2]\n---\n# KEY EVENTS\n\nText.\n"))
    assert source.metadata == {"status": "final"}
    assert any("front matter: field 'banana' is not used" in w for w in source.warnings)


def test_manuscript_over_the_word_limit_is_refused_at_once(write):
    path = write("# KEY EVENTS\n\n" + "word " * 300_000)
    with pytest.raises(SourceError) as info:
        read_source(path, ReadOptions(max_manuscript_words=20_000))
    message = str(info.value)
    assert "has more than 20,000 words" in message and "setting max_manuscript_words" in message
    assert str(path) in message


def test_manuscript_within_the_word_limit_reads(write):
    # Words are what spaces separate in the file, markup included: "#", "KEY", "EVENTS", "one", "two", "three".
    source = read_source(write("# KEY EVENTS\n\none two three\n"), ReadOptions(max_manuscript_words=6))
    assert source.segments[1].text == "one two three"
    with pytest.raises(SourceError, match="more than 5 words"):
        read_source(write("# KEY EVENTS\n\none two three\n"), ReadOptions(max_manuscript_words=5))
