"""`briefing check`: validates each briefing's inputs and its built, journal-ready outputs, returning typed findings."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence
from urllib.parse import urlsplit

from ..compose import copyright_line, licence_sentence
from ..config import BRIEFING_FILE, Config, find_briefings, load_briefing
from ..errors import ConfigError, PipelineError
from ..models import Briefing
from .embed import EmbeddedFile, embedded_files, output_dir, sha256_file

LINK_SCHEMES = ("http", "https", "mailto")
# PDF/A violations past this many are summarised, not listed: one broken construct repeats per page.
MAX_PDFA_FINDINGS = 10


@dataclass(frozen=True)
class Finding:
    """One problem found by `briefing check`: which briefing, which file, what is wrong."""

    slug: str
    file: str
    problem: str
    stage: str = "output"
    """input (briefing.toml, manuscript, configuration), build (a warning the last build stored) or output (the built PDF)."""

    def __str__(self) -> str:
        return f"{self.file}: {self.problem}"


@dataclass(frozen=True)
class CheckReport:
    """Every finding of a check run and the briefings it looked at."""

    checked: tuple[str, ...]
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.findings

    def as_dict(self) -> dict:
        """A JSON-ready dictionary: ok, checked slugs and findings."""
        return {"ok": self.ok, "checked": list(self.checked), "findings": [asdict(f) for f in self.findings]}

    def summary(self) -> str:
        """One line: `Checked 3 briefings: 2 findings in 1 briefing`."""
        bad = len({f.slug for f in self.findings})
        noun = "briefing" if len(self.checked) == 1 else "briefings"
        if self.ok:
            return f"Checked {len(self.checked)} {noun}: all good"
        return f"Checked {len(self.checked)} {noun}: {len(self.findings)} finding(s) in {bad} briefing(s)"


def check_project(config: Config, slugs: Sequence[str] = ()) -> CheckReport:
    """Check the named briefings (all when none are named): inputs, then outputs."""
    folders = find_briefings(config, slugs)
    findings: list[Finding] = []
    for folder in folders:
        findings += check_briefing(folder, config)
    return CheckReport(tuple(f.name for f in folders), tuple(findings))


def check_briefing(folder: Path, config: Config) -> list[Finding]:
    """Every finding for one briefing folder: its inputs, then its PDF when inputs load."""
    briefing, config, findings = check_inputs(folder, config)
    if briefing is None:
        return findings
    pdf_path = output_dir(config, briefing.slug) / f"{briefing.slug}.pdf"
    # A stored warning the re-validated manuscript already reported is named once.
    reported = {f.problem for f in findings}
    pdf_file = _rel(pdf_path, config.root)
    findings += [Finding(briefing.slug, pdf_file, f"build warning: {w}", "build")
                 for w in stored_warnings(briefing.slug, config) if w not in reported]
    return findings + check_pdf(
        pdf_path,
        slug=briefing.slug,
        root=config.root,
        expected_text=(licence_sentence(config), copyright_line(briefing)),
        expected_attachments=embedded_files(briefing, pdf_path.parent, config.max_file_bytes),
        variant=config.pdf_variant,
    ) + _galley_findings(pdf_path.with_suffix(".html"), briefing.slug, config.root) + _jats_findings(briefing, config)


def _galley_findings(path: Path, slug: str, root: Path) -> list[Finding]:
    """The HTML galley (built with the PDF) is there and standalone: `briefing archive` bags it as it is."""
    from ..compose.galley import outside_loads

    if not path.with_suffix(".pdf").is_file():
        return []  # the PDF's own finding says the note is not built
    file = _rel(path, root)
    if not path.is_file():
        return [Finding(slug, file, "no HTML galley beside the PDF (run `briefing build`)")]
    loads = outside_loads(path.read_text(encoding="utf-8", errors="replace"))
    return [Finding(slug, file, f"the HTML galley loads a file from outside itself ({len(loads)} place(s)), first {loads[0]!r}: "
                                "rebuild it with `briefing build`")] if loads else []


def _jats_findings(briefing: Briefing, config: Config) -> list[Finding]:
    """The note's JATS file, when exported: valid against the schema (when found) and made from today's note."""
    from ..export.jats import jats_file_problems, jats_path

    path = jats_path(config, briefing.slug)
    return [Finding(briefing.slug, _rel(path, config.root), p) for p in jats_file_problems(path, briefing.folder, config)]


def _rel(path: Path, root: Path) -> str:
    """A path relative to the project when inside it, for short findings."""
    path = Path(path).resolve()
    root = Path(root).resolve()
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def check_inputs(folder: Path, config: Config) -> tuple[Briefing | None, Config, list[Finding]]:
    """Required briefing.toml fields, house-style sections in the manuscript and a configured licence."""
    slug = folder.name
    toml = _rel(folder / BRIEFING_FILE, config.root)
    try:
        briefing, config = load_briefing(folder, config)
    except ConfigError as exc:
        return None, config, [Finding(slug, toml, p, "input") for p in exc.problems]
    findings = [Finding(slug, toml, p, "input") for p in _licence_problems(config)]
    findings += _manuscript_findings(briefing, config)
    return briefing, config, findings


def _licence_problems(config: Config) -> list[str]:
    """What is missing or malformed in the licence settings."""
    problems = []
    for name in ("licence_name", "licence_url", "publisher", "available_from"):
        if not getattr(config, name).strip():
            problems.append(f"setting {name!r} is empty: the licence block needs it")
    for name in ("licence_url", "available_from"):
        value = getattr(config, name).strip()
        if value and not _url_ok(value, ("http", "https")):
            problems.append(f"setting {name!r}: expected an http(s) URL, found {value!r}")
    return problems


def _manuscript_findings(briefing: Briefing, config: Config) -> list[Finding]:
    """The manuscript follows the house style: every problem a build would refuse or warn about."""
    from ..draft import note_from_manuscript
    from ..ingest import ReadOptions, list_sources, read_source

    slug = briefing.slug
    if briefing.manuscript is None:  # the draft stage writes the note from the sources
        if list_sources(briefing):
            return []
        return [Finding(slug, _rel(briefing.folder, config.root), "no manuscript (note.md or note.docx) and no sources to draft the note from", "input")]
    file = _rel(briefing.manuscript, config.root)
    try:
        _note, warnings = note_from_manuscript(read_source(briefing.manuscript, ReadOptions(folder=briefing.folder)), briefing)
    except PipelineError as exc:
        return [Finding(slug, file, str(exc).removeprefix(f"{briefing.manuscript}: "), "input")]
    return [Finding(slug, file, warning, "input") for warning in warnings]


def stored_warnings(slug: str, config: Config) -> list[str]:
    """The warnings the last build of a briefing produced, as the build state keeps them."""
    from ..state import load_state

    previous = load_state(config.root / config.outputs_dir / ".state").briefings.get(slug)
    return list(previous.warnings) if previous else []


def check_pdf(
    path: Path,
    *,
    slug: str,
    root: Path,
    expected_text: Sequence[str] = (),
    expected_attachments: Sequence[EmbeddedFile] = (),
    variant: str | None = None,
) -> list[Finding]:
    """Check one built PDF: parses cleanly, fonts embedded, PDF/A (or UA), tagging when claimed, text, links, attachments."""
    import pikepdf

    from .tagged import claims_tagged, tagged_problems, variant_problems

    file = _rel(path, root)
    if not path.is_file():
        return [Finding(slug, file, "not built: no PDF (run `briefing build` first)")]
    data = path.read_bytes()
    out = [Finding(slug, file, p) for p in _structure_problems(data)]
    try:
        pdf = pikepdf.open(path)
    except pikepdf.PdfError as exc:
        return out + [Finding(slug, file, f"cannot be opened as a PDF: {exc}")]
    with pdf:
        qpdf = [f"qpdf: {w}" for w in pdf.get_warnings()] + [f"qpdf syntax check: {p}" for p in pdf.check_pdf_syntax()]
        problems = [p.replace(f"{path}: ", "").replace(str(path), file) for p in qpdf]
        problems += _font_problems(pdf)
        # pdf/ua-1 is tagged but not PDF/A: no output intent, no AFRelationship. No variant given: expect PDF/A.
        is_pdfa = variant is None or variant.startswith("pdf/a")
        problems += _pdfa_problems(pdf) if is_pdfa else []
        problems += variant_problems(pdf, variant) if variant else []
        problems += tagged_problems(pdf) if claims_tagged(pdf) else []
        problems += _link_problems(pdf)
        problems += _attachment_problems(pdf, expected_attachments, root, relationships=is_pdfa)
    if not any(p.startswith("qpdf") for p in problems):
        problems += _pdfa_validator_problems(path)
    problems += _text_problems(path, expected_text)
    return out + [Finding(slug, file, p) for p in dict.fromkeys(problems)]


def _structure_problems(data: bytes) -> list[str]:
    """Header and trailer: a truncated file loses its final `%%EOF`."""
    problems = []
    if not data.startswith(b"%PDF-"):
        problems.append(f"does not start with a PDF header (found {data[:8]!r})")
    if not data.rstrip().endswith(b"%%EOF"):
        problems.append(f"truncated: does not end with %%EOF ({len(data)} bytes)")
    return problems


def _fonts_in(resources, seen: set) -> list:
    """Every font dictionary reachable from a resource dictionary, through form XObjects."""
    fonts = []
    if resources is None:
        return fonts
    for font in (resources.get("/Font") or {}).values():
        key = font.objgen if font.is_indirect else id(font)
        if key not in seen:
            seen.add(key)
            fonts.append(font)
    for xobject in (resources.get("/XObject") or {}).values():
        key = ("x", xobject.objgen)
        if xobject.get("/Subtype") == "/Form" and key not in seen:
            seen.add(key)
            fonts += _fonts_in(xobject.get("/Resources"), seen)
    return fonts


def _font_problems(pdf) -> list[str]:
    """A finding for every font whose program is not embedded."""
    seen: set = set()
    problems = []
    for number, page in enumerate(pdf.pages, 1):
        for font in _fonts_in(page.obj.get("/Resources"), seen):
            if font.get("/Subtype") == "/Type3":
                continue  # glyphs are content streams in the file itself
            descriptor_owner = font.DescendantFonts[0] if font.get("/Subtype") == "/Type0" else font
            descriptor = descriptor_owner.get("/FontDescriptor")
            name = str(font.get("/BaseFont", "?"))
            if descriptor is None:
                problems.append(f"font {name} (page {number}) has no font descriptor, so it is not embedded")
            elif not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                problems.append(f"font {name} (page {number}) is not embedded: its descriptor has no FontFile")
    return problems


def _pdfa_problems(pdf) -> list[str]:
    """PDF/A identification in the XMP and an sRGB/ICC output intent in the catalog."""
    problems = []
    if "/Metadata" not in pdf.Root:
        problems.append("no XMP metadata stream, so no PDF/A identification")
    else:
        meta = pdf.open_metadata()
        part, conformance = meta.get("pdfaid:part"), meta.get("pdfaid:conformance")
        if not part or not conformance:
            problems.append(f"XMP lacks the PDF/A identification (pdfaid:part={part!r}, pdfaid:conformance={conformance!r})")
    intents = pdf.Root.get("/OutputIntents")
    pdfa_intents = [i for i in (intents or []) if i.get("/S") == "/GTS_PDFA1"]
    if not pdfa_intents:
        problems.append("no PDF/A output intent (/OutputIntents with /S /GTS_PDFA1) in the catalog")
    elif not all("/DestOutputProfile" in i for i in pdfa_intents):
        problems.append("the PDF/A output intent has no ICC profile (/DestOutputProfile)")
    return problems


def _pdfa_validator_problems(path: Path) -> list[str]:
    """Violations pikepdf's PDF/A validator (built from veraPDF's rules) reports; constructs it cannot judge are ignored."""
    try:
        import pikepdf
        from pikepdf import pdfa
    except ImportError:  # the validator needs pikepdf[pdfa]; the other checks still run
        logging.getLogger("pipeline.archive").warning("pikepdf.pdfa unavailable: PDF/A rules not checked")
        return []
    with pikepdf.open(path) as pdf:
        meta = pdf.open_metadata()
        part, conformance = meta.get("pdfaid:part"), (meta.get("pdfaid:conformance") or "").lower()
    if part not in ("1", "2", "3") or conformance not in ("a", "b", "u"):
        return []
    # Levels a and u add requirements to b; the validator judges the b level they include.
    report = pdfa.validate_written(path, f"{part}b")
    # Judged at level b, the file's own letter (a or u) is itself reported: that rule is not broken.
    violations = [f for f in report.findings if f.kind == "violation"
                  and not (conformance != "b" and "pdfaid:conformance" in f.message)]
    problems = [f"PDF/A-{part}{conformance} rule {f.rule} at {f.where}: {f.message}" for f in violations[:MAX_PDFA_FINDINGS]]
    if len(violations) > MAX_PDFA_FINDINGS:
        problems.append(f"... and {len(violations) - MAX_PDFA_FINDINGS} more PDF/A violations")
    return problems


def _url_ok(url: str, schemes: Sequence[str] = LINK_SCHEMES) -> bool:
    """True for a well-formed absolute URL with an allowed scheme (and a host, for http/https)."""
    if not url or any(c.isspace() for c in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme.lower() not in schemes:
        return False
    if parts.scheme.lower() in ("http", "https"):
        host = parts.hostname or ""
        return bool(re.fullmatch(r"[A-Za-z0-9.-]+\.[A-Za-z]{2,}|localhost", host))
    return bool(parts.path)


def _link_problems(pdf) -> list[str]:
    """Every URI action of a link annotation parses as an absolute URL."""
    problems = []
    for number, page in enumerate(pdf.pages, 1):
        for annot in page.obj.get("/Annots") or []:
            if annot.get("/Subtype") != "/Link":
                continue
            action = annot.get("/A")
            if action is None or action.get("/S") != "/URI":
                continue
            uri = bytes(action.get("/URI", b"")).decode("latin-1")
            if not _url_ok(uri):
                problems.append(f"page {number}: malformed link URL {uri!r}")
    return problems


def _attachment_problems(pdf, expected: Sequence[EmbeddedFile], root: Path, relationships: bool = True) -> list[str]:
    """Each expected attachment is embedded, declares its relationship and matches its source's checksum."""
    problems = []
    attached = dict(pdf.attachments.items())
    for spec in expected:
        source = _rel(spec.path, root)
        if spec.name not in attached:
            problems.append(f"attachment {spec.name!r} (from {source}) is missing")
            continue
        filespec = attached.pop(spec.name)
        relationship = str(filespec.obj.get("/AFRelationship", "")).lstrip("/")
        if relationships and relationship != spec.relationship:
            problems.append(f"attachment {spec.name!r}: expected relationship {spec.relationship}, found {relationship or 'none'}")
        embedded = hashlib.sha256(filespec.get_file().read_bytes()).hexdigest()
        if embedded != sha256_file(spec.path):
            problems.append(f"attachment {spec.name!r} differs from its source {source} (rebuild the note)")
    for name in sorted(attached):
        problems.append(f"unexpected attachment {name!r}: no such source file any more")
    return problems


def normalise_text(text: str) -> str:
    """Text with runs of whitespace made one space, for matching phrases across line breaks.

    A line may also break after the hyphen of a compound ("Attribution-" / "NonCommercial"), which
    the extracted text shows as "Attribution- NonCommercial": that space goes too.
    """
    return re.sub(r"(?<=\w)- (?=\w)", "-", " ".join(text.split()))


def _text_problems(path: Path, expected: Sequence[str]) -> list[str]:
    """Each expected phrase (licence sentence, © line) appears in the PDF's extracted text."""
    if not expected:
        return []
    import pypdf

    try:
        reader = pypdf.PdfReader(path)
        text = normalise_text(" ".join(page.extract_text() or "" for page in reader.pages))
    except Exception as exc:  # pypdf raises many types on damaged files; any of them is a finding
        return [f"text cannot be extracted ({type(exc).__name__}: {exc})"]
    return [f"text lacks {phrase!r}" for phrase in expected if normalise_text(phrase) not in text]
