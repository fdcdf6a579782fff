"""Ingest stage: a registry of source readers by file suffix, each yielding a Source with provenance."""

from __future__ import annotations

import importlib
from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from ..boundary import check_size, inside
from ..config import Config
from ..errors import PipelineError, SourceError
from ..models import Briefing, Source, SourceSpec


@dataclass(frozen=True)
class WordLimit:
    """At most `words` words may be read from a file; `setting` names the setting that says so."""

    words: int
    setting: str


@dataclass(frozen=True)
class ReadOptions:
    """Limits and credentials a reader honours."""

    password: str | None = None
    max_bytes: int = 50 * 1024 * 1024
    max_pages: int = 500
    max_stream_bytes: int = 32 * 1024 * 1024
    """Largest size one compressed object (PDF stream, .docx part) may decompress to."""
    folder: Path | None = None
    """The boundary: only regular files resolving inside it are read (default: the file's own folder)."""
    max_transcript_words: int = Config.max_transcript_words
    max_manuscript_words: int = Config.max_manuscript_words
    max_list_depth: int = Config.max_list_depth
    ocr_seconds: float = 60.0
    """Wall-time limit of OCR (Tesseract) on one PDF page; past it the page is a warning (a slide takes under 1 s of CPU)."""

    def word_limit(self, kind: str) -> WordLimit:
        """The word limit of a transcript or a manuscript, with the setting that sets it."""
        setting = f"max_{kind}_words"
        return WordLimit(getattr(self, setting), setting)


def boundary_of(path: Path, options: ReadOptions) -> Path:
    """The folder a file must resolve inside: the briefing's, else the folder the path names."""
    return options.folder if options.folder is not None else Path(path).absolute().parent


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
    inside(path, boundary_of(path, options))  # a symlink out, a FIFO or a device is refused before any open
    check_size(path, options.max_bytes)
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
    """The briefing's non-manuscript sources: those named in briefing.toml, else every file in its folder a reader takes.

    Symlinks, FIFOs and devices with a reader's suffix are listed too, so that reading them is
    refused with a warning naming them rather than skipped in silence.
    """
    if briefing.sources:
        return tuple(s for s in briefing.sources if s.path != briefing.manuscript)
    found = [
        SourceSpec(path=p)
        for p in sorted(briefing.folder.iterdir())
        if not p.is_dir() and p.suffix.lower() in READERS and p != briefing.manuscript
        and not p.name.startswith(".") and not p.name.startswith("note.")
    ]
    return tuple(found)


def read_options(config: Config, password: str | None = None, folder: Path | None = None) -> ReadOptions:
    """The reader limits the config sets, and the briefing folder files must resolve inside."""
    return ReadOptions(password, config.max_file_bytes, config.max_pages, folder=folder,
                       max_transcript_words=config.max_transcript_words,
                       max_manuscript_words=config.max_manuscript_words, max_list_depth=config.max_list_depth)


def ingest_briefing(briefing: Briefing, manuscript: SourceSpec | None, specs: Sequence[SourceSpec], config: Config,
                    read: Callable[[Path, ReadOptions], Source] = read_source) -> tuple[Source | None, list[Source], list[str]]:
    """Read the manuscript (its errors fail the briefing) and every other source (its errors are warnings)."""
    warnings: list[str] = []
    parsed = read(manuscript.path, read_options(config, folder=briefing.folder)) if manuscript else None
    sources = []
    for spec in specs:
        try:
            source = read(spec.path, read_options(config, spec.password, briefing.folder))
        except PipelineError as exc:
            warnings.append(f"skipped source {exc}")
            continue
        sources.append(source)
        warnings += source.warnings
    if parsed is not None:
        warnings += parsed.warnings
    return parsed, sources, warnings

