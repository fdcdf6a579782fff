"""Shared fixtures: mini-projects copied from tests/roots/, the shared corpus, PDF read-back helpers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOTS = Path(__file__).resolve().parent / "roots"
REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


GOLDEN = Path(__file__).resolve().parent / "golden"


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/ from the current outputs")


@pytest.fixture
def golden(request):
    """Compare a text output with tests/golden/<name>; `pytest --update-golden` rewrites the file instead."""

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if request.config.getoption("--update-golden"):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        assert path.exists(), f"no golden file {path}; run `python -m pytest --update-golden` to create it"
        assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file (refresh: python -m pytest --update-golden)"

    return check


@pytest.fixture
def make_project(tmp_path):
    """Copy tests/roots/<name> into a temporary folder and return its path."""

    def make(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(ROOTS / name, target)
        return target

    return make


@pytest.fixture
def shared_dir() -> Path:
    """The shared folder beside the repository; skips the test when it is absent."""
    if not SHARED.is_dir():
        pytest.skip("../shared is absent")
    return SHARED


def pdf_pages(path: Path) -> list[str]:
    """The text of every page of a PDF, read back with pypdf."""
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(str(path)).pages]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The archive test project (one final, one draft briefing), built once per test module."""
    from archive_support import build_outputs, copy_root

    project = copy_root("archive_project", tmp_path_factory.mktemp("built"))
    build_outputs(project)
    return project


@pytest.fixture(scope="session")
def schemas_folder() -> Path:
    """../shared/schemas (JATS and Crossref XSDs); skips the test when it is absent."""
    folder = SHARED / "schemas"
    if not folder.is_dir():
        pytest.skip("../shared/schemas is absent")
    return folder


@pytest.fixture(scope="session")
def jats_schema(schemas_folder):
    """The compiled JATS 1.3 schema (compiling takes seconds: once per session)."""
    from pipeline.export.schemas import load_schema

    return load_schema(schemas_folder, "jats")


@pytest.fixture(scope="session")
def crossref_schema(schemas_folder):
    """The compiled Crossref 5.3.1 schema."""
    from pipeline.export.schemas import load_schema

    return load_schema(schemas_folder, "crossref")


@pytest.fixture(scope="session")
def bundled_built(tmp_path_factory) -> Path:
    """A copy of the bundled project (briefings.toml and inputs/), built once per test session."""
    from archive_support import build_outputs

    project = tmp_path_factory.mktemp("bundled") / "project"
    shutil.copytree(REPO / "inputs", project / "inputs")
    shutil.copy(REPO / "briefings.toml", project / "briefings.toml")
    build_outputs(project)
    return project


@pytest.fixture
def fail_fsync(monkeypatch):
    """Make fsync fail with an errno for files whose path passes a test: a full or refusing disk, even as root."""
    import os

    real = os.fsync

    def install(error: int, when=lambda path: True) -> None:
        def fsync(fd):
            if when(os.readlink(f"/proc/self/fd/{fd}")):
                raise OSError(error, os.strerror(error))
            real(fd)

        monkeypatch.setattr(os, "fsync", fsync)

    return install


@pytest.fixture(scope="session")
def nlp():
    """The extraction pipeline (spaCy and our components), loaded once per test session."""
    from pipeline.extract import load_nlp

    return load_nlp()


@pytest.fixture(scope="session")
def ex(nlp):
    """extract_text bound to the shared pipeline: returns {(type, id): [mention texts]}."""
    from pipeline.extract import extract_text

    def run(text, speakers=()):
        return {(e.type, e.id): [m.text for m in e.mentions]
                for e in extract_text(text, speakers=speakers, nlp=nlp)}

    return run


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium (Debian's, driven by Playwright) for the module; skips when either is absent."""
    sync_api = pytest.importorskip("playwright.sync_api")
    from serve_support import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
