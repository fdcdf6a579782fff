"""Shared fixtures: mini-projects copied from tests/roots/, the shared corpus, PDF read-back helpers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOTS = Path(__file__).resolve().parent / "roots"
REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


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
