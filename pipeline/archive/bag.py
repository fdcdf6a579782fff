"""`briefing archive`: a validated BagIt package of the final briefings' journal-ready outputs."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

from .. import __version__
from ..config import FIELD_RANGES, Config, find_briefings, source_date_epoch
from ..errors import PipelineError
from .catalog import CATALOG_FILE, CatalogEntry, build_catalog
from .embed import (
    ENTITIES_CSV,
    ENTITIES_FILE,
    META_FILE,
    meta_from_inputs,
    output_dir,
    read_meta,
)

# The files of a briefing's output folder that the package carries (when present).
PAYLOAD_SUFFIXES = (".pdf", ".html")
PAYLOAD_NAMES = (ENTITIES_FILE, ENTITIES_CSV, META_FILE)


@dataclass(frozen=True)
class Candidate:
    """A briefing considered for the package: its slug, outputs folder, meta record, and why it is left out (if it is)."""

    slug: str
    folder: Path
    meta: dict
    reason: str = ""


@dataclass(frozen=True)
class BagReport:
    """The package written: where, which briefings it holds and which were left out (with why)."""

    path: Path
    included: tuple[str, ...]
    left_out: tuple[tuple[str, str], ...]
    refused: tuple[str, ...] = ()
    """The final notes among those left out (warnings, failed checks, not built): the command fails on them."""


def parse_issue(text: str) -> tuple[int, int]:
    """`8:1` → (8, 1); a PipelineError says what was expected otherwise."""
    volume, sep, issue = text.partition(":")
    if not sep or not volume.strip().isdigit() or not issue.strip().isdigit():
        raise PipelineError(f"--issue: expected VOLUME:ISSUE such as 8:1, found {text[:40]!r}")
    numbers = []
    for name, digits in (("volume", volume.strip()), ("issue", issue.strip())):
        low, high = FIELD_RANGES[name]
        # Compare the digits' length first: int() of a 100,000-digit string is itself slow.
        if len(digits.lstrip("0")) > len(str(high)) or not low <= int(digits) <= high:
            raise PipelineError(f"--issue: the {name} must be from {low} to {high}, found {digits[:20]}{'…' if len(digits) > 20 else ''}")
        numbers.append(int(digits))
    return numbers[0], numbers[1]


def candidates(config: Config, issue: tuple[int, int] | None = None, check: bool = True,
               allow_warnings: bool = False) -> list[Candidate]:
    """Every briefing with its outputs and, for those that cannot go in the package, the reason."""
    from .check import check_briefing, stored_warnings

    found = []
    for folder in find_briefings(config):
        slug = folder.name
        out = output_dir(config, slug)
        meta = read_meta(out)
        if meta is None:
            try:
                meta = meta_from_inputs(folder, config)
            except PipelineError as exc:
                found.append(Candidate(slug, out, {}, f"inputs do not load: {str(exc).splitlines()[0]}"))
                continue
        if issue is not None and (meta.get("volume"), meta.get("issue")) != issue:
            continue  # another issue: not part of this package, not worth naming
        if meta.get("status") != "final":
            found.append(Candidate(slug, out, meta, f"status is {meta.get('status')!r}, not final"))
        elif not (out / f"{slug}.pdf").is_file():
            found.append(Candidate(slug, out, meta, "not built: no PDF (run `briefing build` first)"))
        elif not allow_warnings and (warnings := stored_warnings(slug, config)):
            listed = "; ".join(warnings[:5]) + (f"; and {len(warnings) - 5} more" if len(warnings) > 5 else "")
            found.append(Candidate(slug, out, meta, f"the final note's last build gave {len(warnings)} warning(s) "
                                   f"(--allow-warnings archives it anyway): {listed}"))
        elif check and (findings := [f for f in check_briefing(folder, config) if f.stage != "build"]):
            found.append(Candidate(slug, out, meta, f"fails `briefing check` ({len(findings)} finding(s), first: {findings[0]})"))
        else:
            found.append(Candidate(slug, out, meta))
    return found


def bag_info(config: Config, included: Sequence[Candidate], issue: tuple[int, int] | None) -> dict:
    """bag-info.txt fields: who, which journal, volume(s), issue(s) and dates."""
    pairs = sorted({(c.meta.get("volume"), c.meta.get("issue")) for c in included})
    epoch = source_date_epoch()
    bagging = epoch.date() if epoch else dt.date.today()
    dates = sorted(c.meta.get("date") for c in included if c.meta.get("date"))
    return {
        "Source-Organization": config.publisher,
        "Journal": config.journal,
        "Volume": sorted({str(v) for v, _ in pairs}) if len({v for v, _ in pairs}) > 1 else str(pairs[0][0]),
        "Issue": [f"{v}:{i}" for v, i in pairs] if len(pairs) > 1 else str(pairs[0][1]),
        "Bagging-Date": bagging.isoformat(),
        "Date": (dates[0] if dates[0] == dates[-1] else f"{dates[0]}/{dates[-1]}") if dates else bagging.isoformat(),
        "External-Description": f"Journal-ready briefing notes of {config.journal}"
        + (f", volume {issue[0]}, issue {issue[1]}" if issue else "")
        + ": PDF/A-3 with embedded sources, HTML, JATS XML, entity data and a catalog.sqlite index.",
        "Briefing-Count": str(len(included)),
        "Briefings": [c.slug for c in included],
        "Licence": config.licence_url,
        "Bag-Software-Agent": f"briefing-pipeline {__version__} (bagit-python)",
    }


def make_bag(config: Config, out: Path, issue: tuple[int, int] | None = None, check: bool = True,
             allow_warnings: bool = False) -> BagReport:
    """Package the final briefings' outputs as a BagIt bag at `out` (SHA-256), validate it, and report.

    Drafts, unbuilt and (with `check`) failing briefings are left out and named; it fails only
    when nothing final is left. The bag is assembled beside `out` and renamed into place.
    """
    import bagit

    out = Path(out).resolve()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise PipelineError(f"{out}: already exists and is not an empty folder; choose a new --out")
    found = candidates(config, issue, check, allow_warnings)
    jats = _jats_documents(config, found)
    included = [c for c in found if not c.reason]
    left_out = tuple((c.slug, c.reason) for c in found if c.reason)
    if not included:
        scope = f" in volume {issue[0]}, issue {issue[1]}" if issue else ""
        detail = "; ".join(f"{s}: {r}" for s, r in left_out) or "no briefings"
        raise PipelineError(f"nothing final to package{scope} ({detail})")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        entries = []
        for c in included:
            target = staging / c.slug
            target.mkdir()
            for path in sorted(c.folder.iterdir()):
                if path.is_file() and (path.suffix in PAYLOAD_SUFFIXES or path.name in PAYLOAD_NAMES):
                    shutil.copy2(path, target / path.name)
            (target / f"{c.slug}.jats.xml").write_bytes(jats[c.slug])
            entries.append(CatalogEntry(c.slug, target, c.meta))
        build_catalog(staging / CATALOG_FILE, entries)
        bagit.make_bag(str(staging), bag_info(config, included, issue), processes=1, checksums=["sha256"])
        problems = validate_bag(staging)
        if problems:
            raise PipelineError(f"{out}: the new bag does not validate: {'; '.join(problems)}")
        for folder in (staging, staging / "data"):
            folder.chmod(0o755)  # mkdtemp (here and in bagit) makes folders private; a deposit is shared
        if out.exists():
            out.rmdir()
        os.replace(staging, out)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    refused = tuple(c.slug for c in found if c.reason and c.meta.get("status") == "final")
    return BagReport(out, tuple(c.slug for c in included), left_out, refused)


def _jats_documents(config: Config, found: list[Candidate]) -> dict[str, bytes]:
    """Fresh JATS of every candidate going in (validated when the schemas are found); one that fails is left out."""
    from ..export.jats import jats_document

    documents = {}
    for n, c in enumerate(found):
        if not c.reason:
            try:
                documents[c.slug] = jats_document(config, config.root / config.inputs_dir / c.slug)
            except PipelineError as exc:
                found[n] = replace(c, reason=f"no valid JATS: {str(exc).removeprefix(f'{c.slug}: ')}")
    return documents


def validate_bag(path: Path) -> list[str]:
    """Problems found by a full BagIt validation (every checksum recomputed); empty when the bag is intact."""
    from .verify import verify_bag

    try:
        return [f"{name}: {problem}" for name, problem in verify_bag(path).problems]
    except PipelineError as exc:
        return [str(exc)]
