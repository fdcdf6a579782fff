"""Build stage: runs ingest → extract → draft → compose → render for every briefing of a project."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from .compose import compose_html, template_dirs
from .config import Config, find_briefings, load_briefing
from .draft import note_from_manuscript
from .errors import PipelineError
from .ingest import ReadOptions, list_sources, read_source
from .models import Briefing, Note, Source


@dataclass(frozen=True)
class Outcome:
    """What happened to one briefing in a build."""

    slug: str
    status: str
    """built, unchanged or failed."""
    error: str | None = None
    warnings: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()


@dataclass(frozen=True)
class BuildReport:
    """The outcome of every briefing and the build's wall time."""

    outcomes: tuple[Outcome, ...]
    seconds: float

    def slugs(self, status: str) -> list[str]:
        """Slugs of the briefings with the given status."""
        return [o.slug for o in self.outcomes if o.status == status]

    @property
    def ok(self) -> bool:
        """True when no briefing failed."""
        return not self.slugs("failed")

    def summary(self) -> str:
        """One line: `Built 12 notes (3 unchanged, 1 failed) in 4.2 s`."""
        built, unchanged, failed = (len(self.slugs(s)) for s in ("built", "unchanged", "failed"))
        noun = "note" if built == 1 else "notes"
        return f"Built {built} {noun} ({unchanged} unchanged, {failed} failed) in {self.seconds:.1f} s"


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write a file through a temporary sibling and a rename, so a killed build never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with open(tmp, "wb") as handle:
        handle.write(payload)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def ingest_briefing(briefing: Briefing, config: Config) -> tuple[Source | None, list[Source], list[str]]:
    """Read the manuscript and every other source; a broken non-manuscript source becomes a warning."""
    options = ReadOptions(max_bytes=int(config.max_file_mb * 1024 * 1024), max_pages=config.max_pages)
    manuscript = read_source(briefing.manuscript, options) if briefing.manuscript else None
    sources, warnings = [], []
    for spec in list_sources(briefing):
        try:
            source = read_source(spec.path, ReadOptions(spec.password, options.max_bytes, options.max_pages))
        except PipelineError as exc:
            warnings.append(f"skipped source {exc}")
            continue
        sources.append(source)
        warnings += source.warnings
    if manuscript is not None:
        warnings += manuscript.warnings
    return manuscript, sources, warnings


def make_note(briefing: Briefing, manuscript: Source | None, sources: Sequence[Source]) -> tuple[Note, list[str]]:
    """The note from the editor's manuscript; without one, there is nothing to draft from yet."""
    if manuscript is None:
        raise PipelineError(f"{briefing.folder}: no manuscript (note.md or note.docx) to build the note from")
    return note_from_manuscript(manuscript, briefing)


def build_briefing(folder: Path, config: Config) -> Outcome:
    """Build one briefing's HTML and PDF; any PipelineError becomes a failed Outcome."""
    from .render import render_pdf  # WeasyPrint is heavy: import only when rendering

    slug = folder.name
    try:
        briefing, config = load_briefing(folder, config)
        manuscript, sources, warnings = ingest_briefing(briefing, config)
        note, note_warnings = make_note(briefing, manuscript, sources)
        html = compose_html(briefing, note, config)
        rendered = render_pdf(html, base_dir=briefing.folder, allowed_dirs=template_dirs(config), pdf_variant=config.pdf_variant)
    except PipelineError as exc:
        return Outcome(slug, "failed", error=str(exc))
    out_dir = config.root / config.outputs_dir / slug
    html_path, pdf_path = out_dir / f"{slug}.html", out_dir / f"{slug}.pdf"
    write_atomic(html_path, html)
    write_atomic(pdf_path, rendered.pdf)
    return Outcome(slug, "built", warnings=tuple(warnings + note_warnings + rendered.warnings), outputs=(str(html_path), str(pdf_path)))


def build(config: Config, slugs: Sequence[str] = ()) -> BuildReport:
    """Build the named briefings (all when none are named) and report each outcome."""
    started = time.perf_counter()
    folders = find_briefings(config)
    if slugs:
        known = {f.name: f for f in folders}
        missing = [s for s in slugs if s not in known]
        if missing:
            raise PipelineError(f"no such briefing: {', '.join(missing)} (in {config.root / config.inputs_dir})")
        folders = [known[s] for s in slugs]
    outcomes = tuple(build_briefing(folder, config) for folder in folders)
    return BuildReport(outcomes, time.perf_counter() - started)
