"""Ingest stage: a registry of source readers by file suffix, each yielding a Source with provenance."""

from __future__ import annotations

import importlib
from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..config import Config
from ..errors import SourceError
from ..models import Briefing, Source, SourceSpec
from .textfile import WordLimit


@dataclass(frozen=True)
class ReadOptions:
    """Limits and credentials a reader honours."""

    password: str | None = None
    max_bytes: int = 50 * 1024 * 1024
    max_pages: int = 500
    max_stream_bytes: int = 32 * 1024 * 1024
    """Largest size one compressed object (PDF stream, .docx part) may decompress to."""
    max_transcript_words: int = Config.max_transcript_words
    max_manuscript_words: int = Config.max_manuscript_words
    max_list_depth: int = Config.max_list_depth

    def word_limit(self, kind: str) -> WordLimit:
        """The word limit of a transcript or a manuscript, with the setting that sets it."""
        setting = f"max_{kind}_words"
        return WordLimit(getattr(self, setting), setting)


Reader = Callable[[Path, ReadOptions], Source]


class ReaderRegistry(MutableMapping):
    """Readers by file suffix; a reader's module (and its libraries) is imported on first use.

    Planning a build only needs to know which suffixes are readable, so a no-op rebuild never
    pays for importing pypdf, python-docx or the Markdown parser.
    """

    def __init__(self, modules: dict[str, str]):
        self._modules = dict(modules)
        self._loaded: dict[str, Reader] = {}

    def __getitem__(self, suffix: str) -> Reader:
        if suffix not in self._loaded:
            importlib.import_module(f"{__name__}.{self._modules[suffix]}")  # registers via @reader
        return self._loaded[suffix]

    def __setitem__(self, suffix: str, func: Reader) -> None:
        self._modules.setdefault(suffix, "")
        self._loaded[suffix] = func

    def __delitem__(self, suffix: str) -> None:
        del self._modules[suffix]
        self._loaded.pop(suffix, None)

    def __contains__(self, suffix: object) -> bool:
        return suffix in self._modules

    def __iter__(self):
        return iter(self._modules)

    def __len__(self) -> int:
        return len(self._modules)


READERS = ReaderRegistry({
    ".pdf": "pdf", ".vtt": "vtt", ".srt": "srt", ".txt": "txt", ".md": "markdown", ".markdown": "markdown",
    ".docx": "docx",
})


def reader(*suffixes: str) -> Callable[[Reader], Reader]:
    """Register a reader function for the given file suffixes."""

    def register(func: Reader) -> Reader:
        for suffix in suffixes:
            READERS[suffix] = func
        return func

    return register


def read_source(path: Path, options: ReadOptions = ReadOptions()) -> Source:
    """Parse one file with the reader its suffix selects; unreadable files raise SourceError."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in READERS:
        raise SourceError(path, f"unsupported file type {suffix or '(none)'!r}; expected one of {', '.join(sorted(READERS))}")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SourceError(path, f"cannot be read: {exc.strerror}") from None
    if size > options.max_bytes:
        raise SourceError(path, f"file is {size:,} bytes; the limit is {options.max_bytes:,} bytes (setting max_file_mb)")
    try:
        return READERS[suffix](path, options)
    except SourceError:
        raise
    except Exception as exc:  # a reader bug or an unforeseen library failure must not become a traceback
        raise SourceError(path, f"could not be read ({type(exc).__name__}: {' '.join(str(exc).split())[:200]})") from exc


def name_warnings(path: Path, warnings) -> tuple[str, ...]:
    """Warnings prefixed with the file's name, as the build prints them beside other files' warnings."""
    return tuple(f"{Path(path).name}: {w}" for w in warnings)


def list_sources(briefing: Briefing) -> tuple[SourceSpec, ...]:
    """The briefing's non-manuscript sources: those named in briefing.toml, else every readable file in its folder."""
    if briefing.sources:
        return tuple(s for s in briefing.sources if s.path != briefing.manuscript)
    found = [
        SourceSpec(path=p)
        for p in sorted(briefing.folder.iterdir())
        if p.is_file() and p.suffix.lower() in READERS and p != briefing.manuscript
        and not p.name.startswith(".") and not p.name.startswith("note.")
    ]
    return tuple(found)

