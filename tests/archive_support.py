"""Test helper for the archive tests: builds a project's outputs the way build.py is meant to call the archive.

It stands in for `build` (owned elsewhere) so the archive can be tested on its own: manuscript
→ note → HTML → PDF with attachments and metadata, then `meta.json`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from pipeline.archive.embed import meta_json, meta_record, output_dir, render_options
from pipeline.compose import compose_html, template_dirs
from pipeline.config import find_briefings, load_briefing, load_config
from pipeline.draft import note_from_manuscript
from pipeline.ingest import read_source

ROOTS = Path(__file__).resolve().parent / "roots"


def copy_root(name: str, target: Path) -> Path:
    """Copy tests/roots/<name> to target/<name> and return the copy."""
    dest = target / name
    shutil.copytree(ROOTS / name, dest)
    return dest


def build_outputs(project: Path, entities: Path | None = None) -> list[str]:
    """Render every briefing of the project into outputs/<slug>/ (PDF, HTML, entities.json, meta.json).

    `entities` is a folder of hand-made `<slug>.json` files standing in for the extract stage.
    Returns the slugs built.
    """
    config = load_config(project)
    from pipeline.render import render_pdf

    built = []
    for folder in find_briefings(config):
        briefing, bconfig = load_briefing(folder, config)
        out = output_dir(bconfig, briefing.slug)
        out.mkdir(parents=True, exist_ok=True)
        if entities is not None and (entities / f"{briefing.slug}.json").is_file():
            shutil.copyfile(entities / f"{briefing.slug}.json", out / "entities.json")
        note, _ = note_from_manuscript(read_source(briefing.manuscript), briefing)
        html = compose_html(briefing, note, bconfig)
        rendered = render_pdf(
            html, base_dir=briefing.folder, allowed_dirs=template_dirs(bconfig), pdf_variant=bconfig.pdf_variant,
            **render_options(briefing, bconfig, out),
        )
        (out / f"{briefing.slug}.html").write_text(html, encoding="utf-8")
        (out / f"{briefing.slug}.pdf").write_bytes(rendered.pdf)
        (out / "meta.json").write_text(meta_json(meta_record(briefing, bconfig, note.status, out)), encoding="utf-8")
        built.append(briefing.slug)
    return built
