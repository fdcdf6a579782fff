"""Test helper for the archive tests: mini-projects copied from tests/roots/ and built by the real build."""

from __future__ import annotations

import shutil
from pathlib import Path

from pipeline.build import build
from pipeline.config import load_config

ROOTS = Path(__file__).resolve().parent / "roots"


def copy_root(name: str, target: Path) -> Path:
    """Copy tests/roots/<name> to target/<name> and return the copy."""
    dest = target / name
    shutil.copytree(ROOTS / name, dest)
    return dest


def build_outputs(project: Path) -> list[str]:
    """Build every briefing of the project (PDF, HTML, entities, meta.json); returns the slugs built."""
    report = build(load_config(project), jobs=1)
    assert report.ok, [o.error for o in report.outcomes if o.error]
    return report.slugs("built")


def copy_built(project: Path, target: Path) -> Path:
    """A copy of a built project (inputs and outputs, not the build state), to alter freely."""
    shutil.copytree(project, target, ignore=shutil.ignore_patterns(".state"))
    return target


def read_xml(path: Path):
    """The root element of an XML file, parsed without network access."""
    from lxml import etree

    return etree.parse(str(path), etree.XMLParser(no_network=True)).getroot()


def bundled_project(target: Path) -> Path:
    """A copy of the repository's bundled briefings (briefings.toml and inputs/) in target/project, built."""
    repo = ROOTS.parents[1]
    project = target / "project"
    project.mkdir()
    shutil.copy(repo / "briefings.toml", project)
    shutil.copytree(repo / "inputs", project / "inputs")
    build_outputs(project)
    return project
