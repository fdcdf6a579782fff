"""What an archival PDF carries: its attachments, its XMP metadata and the `meta.json` record beside it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import __version__
from ..boundary import check_size, inside, read_inside
from ..compose import copyright_line, licence_sentence, note_subject
from ..config import Config
from ..errors import SourceError
from ..models import Briefing
from ..state import file_digest as sha256_file
from .xmp import PdfMetadata

META_FILE = "meta.json"
ENTITIES_FILE = "entities.json"
ENTITIES_CSV = "entities.csv"
META_FORMAT = 1
ENTITIES_DESCRIPTION = "Entities (countries, actors, chemicals) found in the sources, with every mention"
# Transcripts are embedded (they are the talk's record); slides are not: they are the
# speaker's work, often large, and the note does not reproduce them.
TRANSCRIPT_SUFFIXES = (".vtt", ".srt", ".txt")


@dataclass(frozen=True)
class EmbeddedFile:
    """A file the PDF/A-3 carries: its attachment name, where it comes from and its relationship."""

    name: str
    path: Path
    relationship: str
    """`Source` (the note was made from it) or `Data` (data the note's content rests on)."""
    description: str


def output_dir(config: Config, slug: str) -> Path:
    """The folder a briefing's outputs are written to: `outputs/<slug>/`."""
    return config.root / config.outputs_dir / slug


def embedded_files(briefing: Briefing, out_dir: Path, max_bytes: int, entities_pending: bool = False) -> list[EmbeddedFile]:
    """The files to embed, in a fixed order: briefing.toml, manuscript, transcripts, then entities.json.

    A source larger than `max_bytes` (the max_file_mb setting), which the readers refuse, is not
    embedded either: the PDF stays within the limits, and a cluster job, which never carries such
    a file, embeds the same files as a local build. `entities_pending`: entities.json is about to
    be written (the build records its checksum first).
    """
    folder = briefing.folder
    files = [EmbeddedFile("briefing.toml", folder / "briefing.toml", "Source", "Briefing metadata (briefing.toml)")]
    if briefing.manuscript is not None:
        name = briefing.manuscript.relative_to(folder).as_posix()
        files.append(EmbeddedFile(name, briefing.manuscript, "Source", "Editor's manuscript of the note"))
    from ..ingest import list_sources  # readers register on import; keep it off the module's import path

    for spec in list_sources(briefing):
        if spec.path.suffix.lower() in TRANSCRIPT_SUFFIXES:
            name = spec.path.relative_to(folder).as_posix()
            files.append(EmbeddedFile(name, spec.path, "Source", f"Transcript of the talk ({name})"))
    entities = out_dir / ENTITIES_FILE
    if entities_pending or entities.is_file():
        files.append(EmbeddedFile(ENTITIES_FILE, entities, "Data", ENTITIES_DESCRIPTION))
    # Only regular files inside the briefing folder travel in the PDF (a symlink out never does);
    # entities.json may be about to be written (the build records its checksum first).
    return [f for f in files if (entities_pending and f.path == entities) or (
        _embeddable(f.path, out_dir) if f.relationship == "Data" else _embeddable(f.path, folder, max_bytes))]


def _embeddable(path: Path, folder: Path, max_bytes: int | None = None) -> bool:
    """True when the file is a regular file inside `folder` (symlinks out, FIFOs and missing files are not),
    of at most `max_bytes` when given."""
    try:
        inside(path, folder)
        if max_bytes is not None:
            check_size(path, max_bytes)
    except SourceError:
        return False
    return True


def pdf_metadata(briefing: Briefing, config: Config) -> PdfMetadata:
    """The PDF's document metadata from the briefing and the journal's configuration."""
    subject = note_subject(briefing)
    return PdfMetadata(
        title=briefing.title,
        creators=(briefing.author,),
        description=subject,
        keywords=tuple(dict.fromkeys(briefing.keywords)),
        rights=f"{licence_sentence(config)} {copyright_line(briefing)}",
        licence_url=config.licence_url,
        journal=config.journal,
        volume=briefing.volume,
        issue=briefing.issue,
        year=briefing.year,
        publisher=config.publisher,
        date=briefing.date.isoformat(),
    )


def render_options(briefing: Briefing, config: Config, out_dir: Path | None = None,
                   entities_json: bytes | None = None) -> dict[str, Any]:
    """Keyword arguments for `render_pdf`: the attachments (read now) and the metadata.

    `entities_json`, when given, is embedded as entities.json in place of the file on disk: the
    build renders before it writes any output, so that a failed render leaves the previous ones.
    """
    from ..render import Attachment  # WeasyPrint is heavy: only when rendering

    out_dir = out_dir or output_dir(config, briefing.slug)
    files = [f for f in embedded_files(briefing, out_dir, config.max_file_bytes) if entities_json is None or f.name != ENTITIES_FILE]
    attachments = [
        Attachment(data=read_inside(f.path, briefing.folder if f.relationship == "Source" else out_dir), name=f.name, description=f.description, relationship=f.relationship)
        for f in files
    ]
    if entities_json is not None:
        attachments.append(Attachment(data=entities_json, name=ENTITIES_FILE, description=ENTITIES_DESCRIPTION,
                                      relationship="Data"))
    return {"attachments": attachments, "metadata": pdf_metadata(briefing, config)}


def meta_record(briefing: Briefing, config: Config, status: str, out_dir: Path | None = None,
                outputs: dict[str, str] | None = None) -> dict[str, Any]:
    """The `meta.json` record of a built briefing: metadata, status, outputs and checksums (no clock time).

    `outputs` (name -> SHA-256), when the caller already has them, spares hashing the files again.
    """
    out_dir = out_dir or output_dir(config, briefing.slug)
    slug = briefing.slug
    if outputs is None:
        outputs = {name: sha256_file(out_dir / name) for name in (f"{slug}.pdf", f"{slug}.html", ENTITIES_FILE, ENTITIES_CSV)
                   if (out_dir / name).is_file()}
    root = config.root.resolve()
    return {
        "format": META_FORMAT,
        "slug": slug,
        "status": status,
        "title": briefing.title,
        "speaker": briefing.speaker,
        "event": briefing.event,
        "date": briefing.date.isoformat(),
        "author": briefing.author,
        "year": briefing.year,
        "volume": briefing.volume,
        "issue": briefing.issue,
        "keywords": list(briefing.keywords),
        "subject": briefing.subject,
        "journal": config.journal,
        "publisher": config.publisher,
        "licence_name": config.licence_name,
        "licence_url": config.licence_url,
        "pipeline_version": __version__,
        "outputs": outputs,
        "attachments": [
            {
                "name": f.name,
                "source": _relative(f.path, root),
                "relationship": f.relationship,
                "sha256": outputs[f.name] if f.relationship == "Data" and f.name in outputs else sha256_file(f.path),
            }
            for f in embedded_files(briefing, out_dir, config.max_file_bytes, ENTITIES_FILE in outputs)
        ],
    }


def meta_from_inputs(folder: Path, config: Config) -> dict[str, Any]:
    """The meta record rebuilt from a briefing's inputs, for outputs built without a meta.json.

    The status is the manuscript's front-matter `status` when it has one, else briefing.toml's,
    as the draft stage decides it. Raises PipelineError when the inputs do not load.
    """
    from ..config import load_briefing
    from ..ingest import ReadOptions, read_source

    briefing, config = load_briefing(folder, config)
    status = briefing.status
    if briefing.manuscript is not None:
        status = str(read_source(briefing.manuscript, ReadOptions(folder=briefing.folder)).metadata.get("status", status))
    return meta_record(briefing, config, status)


def meta_json(record: dict[str, Any]) -> str:
    """A meta.json record as stable, sorted, indented JSON text."""
    return json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def read_meta(out_dir: Path) -> dict[str, Any] | None:
    """The meta.json of a briefing's output folder, or None when absent or unreadable."""
    path = out_dir / META_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _relative(path: Path, root: Path) -> str:
    """A path relative to the project when it is inside it (meta.json must not hold absolute paths)."""
    path = path.resolve()
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
