"""Tests for pipeline.compose: house-style order, escaping, template overrides."""

from __future__ import annotations

from pipeline.compose import compose_html, render_inline, template_dirs
from pipeline.config import load_briefing, load_config
from pipeline.draft import note_from_manuscript
from pipeline.ingest import read_source

HOUSE_ORDER = [
    "Volume 4, Issue 2",
    "PORTS, CONTAINERS AND THE CHEMISTRY OF\u00a0SMUGGLING",  # the last two words tied
    "Date:",
    "Disclaimer:",
    "KEY EVENTS",
    "NATURE OF DISCUSSION",
    "BACKGROUND",
    "Presentation",
    "Question and Answer",
    "KEY POINTS OF DISCUSSION",
    "FURTHER READING",
    "This work is licensed under",
    "© (ADA QUILL, 2027)",
    "Published by the Test Journal and Test University",
    "Available from:",
]


def compose(project, slug="alpha"):
    config = load_config(project)
    briefing, config = load_briefing(project / "inputs" / slug, config)
    note, _ = note_from_manuscript(read_source(briefing.manuscript), briefing)
    return compose_html(briefing, note, config)


def test_house_style_sections_in_order(make_project):
    html = compose(make_project("basic"))
    positions = [html.find(marker) for marker in HOUSE_ORDER]
    assert -1 not in positions, [m for m, p in zip(HOUSE_ORDER, positions) if p == -1]
    assert positions == sorted(positions)
    assert '<p class="question">How are containers chosen for inspection?</p>' in html
    assert '<p class="question">Does training matter?</p>' in html
    assert '<a href="https://doi.org/10.0000/test.1">' in html
    assert "Test Association" in html  # organisation filled into the disclaimer


def test_text_is_escaped_and_raw_html_refused():
    assert str(render_inline("a <script>x</script> & b")) == "a &lt;script&gt;x&lt;/script&gt; &amp; b"
    assert str(render_inline("[x](javascript:alert(1))")) == "[x](javascript:alert(1))"
    assert str(render_inline("*T*")) == "<em>T</em>"


def test_project_template_overrides_builtin_file_by_file(make_project):
    project = make_project("basic")
    override = project / "templates" / "casis"
    override.mkdir(parents=True)
    (override / "note.css").write_text("/* project css */ body { color: black; }")
    html = compose(project)
    assert "/* project css */" in html
    assert "KEY EVENTS" in html  # note.html still comes from the built-in style
    assert template_dirs(load_config(project))[0] == override


def test_draft_status_adds_mark(make_project):
    project = make_project("basic")
    note = project / "inputs" / "alpha" / "note.md"
    note.write_text(note.read_text().replace("status: final", "status: draft"))
    assert 'class="draft-mark"' in compose(project)
    assert 'class="draft-mark"' not in compose(project, "beta")


def test_composed_html_matches_golden(make_project, golden):
    golden("basic-alpha.html", compose(make_project("basic")))
