"""Tests for pipeline.sandbox: templates only from the style's folders, rendered in Jinja's sandbox."""

from __future__ import annotations

import os

import pytest

from pipeline.errors import PipelineError
from pipeline.sandbox import FolderLoader, SandboxedEnvironment


@pytest.fixture
def env(tmp_path):
    project, builtin = tmp_path / "project", tmp_path / "builtin"
    project.mkdir()
    builtin.mkdir()
    (builtin / "note.html").write_text("built-in {{ x }}")
    (builtin / "part.html").write_text("part")
    (tmp_path / "secret.txt").write_text("outside")
    return SandboxedEnvironment(loader=FolderLoader([project, builtin])), project, tmp_path


def test_the_first_folder_holding_a_template_wins(env):
    environment, project, _ = env
    assert environment.get_template("note.html").render(x=1) == "built-in 1"
    (project / "note.html").write_text("override {% include 'part.html' %}")
    fresh = SandboxedEnvironment(loader=environment.loader)
    assert fresh.get_template("note.html").render() == "override part"


@pytest.mark.parametrize("include", ["../secret.txt", "/../secret.txt", "link.html", "fifo.html"])
def test_an_include_that_leads_out_or_is_no_regular_file_is_refused(env, include):
    environment, project, tmp_path = env
    (project / "link.html").symlink_to(tmp_path / "secret.txt")
    os.mkfifo(project / "fifo.html")
    (project / "note.html").write_text("{% include '" + include + "' %}")
    with pytest.raises(PipelineError, match="refused"):
        environment.get_template("note.html").render()


@pytest.mark.parametrize("code", [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ x.__init__.__globals__ }}",
    "{{ cycler.__init__.__globals__.os }}",
])
def test_templates_cannot_reach_python_internals(env, code):
    environment, project, _ = env
    (project / "note.html").write_text(code)
    with pytest.raises(PipelineError, match="refused"):
        environment.get_template("note.html").render(x=object())


def test_compose_uses_the_sandbox(tmp_path):
    from pipeline.compose import make_environment
    from pipeline.config import load_config

    assert isinstance(make_environment(load_config(tmp_path)), SandboxedEnvironment)
