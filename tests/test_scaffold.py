"""`briefing new` (pipeline.scaffold): a new briefing that builds at once as a draft, and refuses bad slugs."""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest

from pipeline.build import build
from pipeline.cli import main
from pipeline.config import load_config
from pipeline.errors import PipelineError
from pipeline.scaffold import NewBriefing, new_briefing


def test_new_briefing_builds_at_once_as_a_draft(make_project, capsys):
    project = make_project("basic")
    assert main(["--project", str(project), "new", "port-of-call", "--title", 'A "quoted" talk',
                 "--speaker", "Insp. Daniel Roy", "--date", "2026-11-14", "--volume", "9", "--issue", "2"]) == 0
    folder = project / "inputs" / "port-of-call"
    data = tomllib.loads((folder / "briefing.toml").read_text(encoding="utf-8"))
    assert data["title"] == 'A "quoted" talk' and data["speaker"] == "Insp. Daniel Roy"
    assert data["date"] == dt.date(2026, 11, 14) and (data["volume"], data["issue"]) == (9, 2)
    assert "# KEY EVENTS" in (folder / "note.md").read_text(encoding="utf-8")
    report = build(load_config(project), ["port-of-call"], jobs=1)
    assert report.slugs("built") == ["port-of-call"], report.outcomes
    html = (project / "outputs" / "port-of-call" / "port-of-call.html").read_text(encoding="utf-8")
    for heading in ("KEY EVENTS", "NATURE OF DISCUSSION", "BACKGROUND", "Presentation", "Question and Answer",
                    "KEY POINTS OF DISCUSSION", "FURTHER READING"):
        assert f">{heading}</h" in html
    assert 'class="draft-mark"' in html


def test_a_new_briefing_cannot_go_final_with_its_placeholders(make_project):
    project = make_project("basic")
    folder = new_briefing(load_config(project), NewBriefing("placeholders"), today=dt.date(2026, 1, 2))
    note = folder / "note.md"
    note.write_text(note.read_text(encoding="utf-8").replace("status: draft", "status: final"), encoding="utf-8")
    report = build(load_config(project), ["placeholders"], jobs=1)
    assert report.slugs("failed") == ["placeholders"]
    assert "placeholder text left from `briefing new`" in report.outcomes[0].error


@pytest.mark.parametrize("slug", ["../escape", "Upper", "-lead", "trail-", "a/b", "", "x" * 81, "nul\0"])
def test_bad_slugs_are_refused(make_project, slug):
    project = make_project("basic")
    with pytest.raises(PipelineError, match="expected lower-case letters, digits and inner hyphens"):
        new_briefing(load_config(project), NewBriefing(slug))


def test_an_existing_folder_is_never_overwritten(make_project):
    project = make_project("basic")
    before = (project / "inputs" / "alpha" / "note.md").read_bytes()
    with pytest.raises(PipelineError, match="already exists"):
        new_briefing(load_config(project), NewBriefing("alpha"))
    assert (project / "inputs" / "alpha" / "note.md").read_bytes() == before
