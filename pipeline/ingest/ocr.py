"""OCR of PDF pages without a usable text layer: pypdfium2 renders the page, Debian's Tesseract reads it."""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from ..models import Ocr, Segment
from .textlayer import garbling_shown, unreadable_reason

LANGUAGE = "eng"
DEBIAN_PACKAGES = ("tesseract-ocr", "tesseract-ocr-eng")
MIN_CONFIDENCE = 70.0
"""Below this mean word confidence (0-100) an OCR reading is not trusted. Measured: clean slides read
at 95-96 and a blurred, noisy, tilted JPEG scan at 82-89, while noise and the English model on
Japanese slides read at 20-62 (README, OCR)."""
DPI = 300
MAX_PIXELS = 10_000_000
"""Largest image rendered for one page: a widescreen slide or an A4 scan at 300 dpi fits; larger
pages are rendered at a lower resolution, so a page of any declared size costs bounded memory and time."""
_PROBE_SECONDS = 20.0


@dataclass(frozen=True)
class Engine:
    """An installed Tesseract with the language data OCR uses."""

    command: str
    version: str
    data: Path
    """The language data file (eng.traineddata)."""

    @property
    def name(self) -> str:
        """Engine, version and language, as OCR'd segments record it."""
        return f"tesseract {self.version} {LANGUAGE}"


@dataclass(frozen=True)
class Reading:
    """What OCR made of one page: its text and mean word confidence, or why it could not run."""

    text: str = ""
    confidence: float = 0.0
    words: int = 0
    problem: str | None = None


def _environment() -> dict[str, str]:
    """The environment Tesseract runs in: no inherited settings but its data folder, one thread.

    OMP_THREAD_LIMIT=1: the build already runs one worker per core, and Tesseract's OpenMP threads
    on top of that slow every worker down rather than speeding one up.
    """
    env = {"PATH": os.environ.get("PATH", os.defpath), "LC_ALL": "C", "OMP_THREAD_LIMIT": "1"}
    if os.environ.get("TESSDATA_PREFIX"):
        env["TESSDATA_PREFIX"] = os.environ["TESSDATA_PREFIX"]
    return env


# Tesseract's command line rather than pytesseract: pytesseract writes the page image and Tesseract's
# output into the shared temporary folder (world-readable output of private slides), cannot give
# Tesseract an environment of its own per call (the thread limit above), and raises SystemExit on a
# version string it cannot parse. The command line with a TSV on stdout needs none of that.
def _run(args: list[str], timeout: float, cwd: str | None = None) -> subprocess.CompletedProcess:
    """Run a command (an argument list, never a shell) with no input, its output captured, within `timeout` seconds."""
    return subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, env=_environment(),
                          cwd=cwd, check=False)


def find_engine() -> Engine | None:
    """The installed Tesseract and its English data, or None when either is missing."""
    command = shutil.which("tesseract")
    if command is None:
        return None
    try:
        stat = os.stat(command)
    except OSError:
        return None
    return _probe(command, stat.st_size, stat.st_mtime_ns, os.environ.get("TESSDATA_PREFIX", ""))


@functools.lru_cache(maxsize=4)
def _probe(command: str, size: int, mtime_ns: int, prefix: str) -> Engine | None:
    """Ask a Tesseract binary its version and data folder; cached per binary (a build asks once, not per page)."""
    try:
        version = _run([command, "--version"], _PROBE_SECONDS)
        languages = _run([command, "--list-langs"], _PROBE_SECONDS)
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r"tesseract\s+v?(\S+)", version.stdout.decode("utf-8", "replace"))
    listing = languages.stdout.decode("utf-8", "replace")
    folder = re.search(r'languages in "([^"]+)"', listing)
    if not (found and folder) or LANGUAGE not in listing.split():
        return None
    data = Path(folder.group(1)) / f"{LANGUAGE}.traineddata"
    return Engine(command, found.group(1), data) if data.is_file() else None


def missing_engine() -> str:
    """Why OCR cannot run here, naming the Debian packages that fix it."""
    if shutil.which("tesseract") is None:
        return f"Tesseract is not installed (Debian: apt-get install {' '.join(DEBIAN_PACKAGES)})"
    return f"Tesseract has no {LANGUAGE} language data (Debian: apt-get install {DEBIAN_PACKAGES[1]})"


@functools.lru_cache(maxsize=4)
def _data_digest(path: Path, size: int, mtime_ns: int) -> str:
    """SHA-256 of the language data; cached per file state, as every build asks for it."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def engine_fingerprint() -> str:
    """The OCR engine as an input of reading PDFs: Tesseract's version, the digest of its language data, PDFium's version.

    Part of each PDF's ingest fingerprint, so a new Tesseract, new language data or a new renderer
    re-reads the slides, while an unchanged deck is never OCR'd twice. Installing Tesseract changes it too.
    """
    engine = find_engine()
    if engine is None:
        return "tesseract: absent"
    try:
        renderer = metadata.version("pypdfium2")
    except metadata.PackageNotFoundError:
        renderer = "absent"
    try:
        stat = engine.data.stat()
        data = _data_digest(engine.data, stat.st_size, stat.st_mtime_ns)
    except OSError:
        data = "unreadable"
    return f"tesseract {engine.version} {LANGUAGE}:{data} pypdfium2 {renderer}"


def render_scale(width: float, height: float) -> float:
    """Pixels per PDF point: DPI, lowered so that the page stays within MAX_PIXELS."""
    return min(DPI / 72, (MAX_PIXELS / max(width * height, 1.0)) ** 0.5)


def parse_tsv(tsv: str) -> Reading:
    """Tesseract's TSV output as text (lines in reading order, a blank line between paragraphs) and mean word confidence."""
    lines: dict[tuple[str, str, str], list[str]] = {}
    confidences: list[float] = []
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t", 11)
        if len(cells) != 12 or cells[0] != "5" or not cells[11].strip():
            continue  # only level 5 rows are words; the others are pages, blocks, paragraphs and lines
        try:
            confidence = float(cells[10])
        except ValueError:
            continue
        lines.setdefault((cells[2], cells[3], cells[4]), []).append(cells[11].strip())
        if confidence >= 0:
            confidences.append(confidence)
    text, previous = [], None
    for (block, paragraph, _), words in lines.items():
        if previous is not None and previous != (block, paragraph):
            text.append("")
        text.append(" ".join(words))
        previous = (block, paragraph)
    mean = sum(confidences) / len(confidences) if confidences else 0.0
    return Reading("\n".join(text), round(mean, 1), sum(len(words) for words in lines.values()))


def read_image(engine: Engine, image: Path, timeout: float) -> Reading:
    """OCR one page image with Tesseract, killed after `timeout` seconds (then the reading says so)."""
    args = [engine.command, str(image), "stdout", "-l", LANGUAGE, "--psm", "3", "tsv"]
    try:
        done = _run(args, timeout, cwd=str(image.parent))
    except subprocess.TimeoutExpired:
        return Reading(problem=f"Tesseract did not finish within {timeout:g} s and was stopped")
    except OSError as exc:
        return Reading(problem=f"Tesseract could not be run ({exc.strerror or exc})")
    if done.returncode != 0:
        said = " ".join(done.stderr.decode("utf-8", "replace").split())[:160]
        return Reading(problem=f"Tesseract failed (exit status {done.returncode}: {said or 'no message'})")
    return parse_tsv(done.stdout.decode("utf-8", "replace"))


class DrawError(Exception):
    """A page PDFium cannot draw, with the reason."""


class PageReader:
    """OCR of one PDF's pages: the document and a private temporary folder are opened on first use, removed on close."""

    def __init__(self, data: bytes, password: str | None, timeout: float):
        self.data, self.password, self.timeout = data, password, timeout
        self._pdf = None
        self._folder: str | None = None
        self._refused: str | None = None

    def __enter__(self) -> PageReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close the document and remove the temporary folder with any image left in it."""
        if self._pdf is not None:
            self._pdf.close()
            self._pdf = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def _render(self, number: int) -> Path:
        """The page as a grayscale image file in the private folder, at most MAX_PIXELS."""
        import pypdfium2 as pdfium  # PDFium draws what a reader sees, whatever the text layer says

        if self._refused:
            raise DrawError(self._refused)
        if self._pdf is None:
            try:
                self._pdf = pdfium.PdfDocument(self.data, password=self.password)
            except pdfium.PdfiumError as exc:  # said once for every page, not retried page after page
                self._refused = f"PDFium cannot open the file: {' '.join(str(exc).split())[:120]}"
                raise DrawError(self._refused) from None
        if self._folder is None:
            self._folder = tempfile.mkdtemp(prefix="briefing-ocr-")  # mode 0700: the slides stay private
        page = self._pdf[number - 1]
        try:
            width, height = page.get_size()
            if not (width > 0 and height > 0):
                raise DrawError(f"the page has no area ({width:g} × {height:g} points)")
            image = page.render(scale=render_scale(width, height), grayscale=True).to_pil()
        finally:
            page.close()
        path = Path(self._folder) / f"page-{number}.pgm"  # uncompressed: writing PNG would cost more than it saves
        image.convert("L").save(path)
        return path

    def read(self, number: int) -> tuple[Reading, Engine | None]:
        """OCR page `number` (1-based); the reading names the problem when the page could not be read."""
        engine = find_engine()
        if engine is None:
            return Reading(problem=missing_engine()), None
        try:
            image = self._render(number)
        except DrawError as exc:
            return Reading(problem=f"the page could not be drawn: {exc}"), engine
        except Exception as exc:  # PDFium refuses what it cannot draw: that page is a warning, not a crash
            return Reading(problem=f"the page could not be drawn ({type(exc).__name__}: {' '.join(str(exc).split())[:120]})"), engine
        try:
            return read_image(engine, image, self.timeout), engine
        finally:
            image.unlink(missing_ok=True)


def judge(reading: Reading, layer: str = "") -> str | None:
    """Why an OCR reading cannot be used (no text, low confidence, garbled, the page shows `layer`'s mojibake), else None."""
    if reading.problem:
        return reading.problem
    if not reading.words:
        return "it found no text"
    if reading.confidence < MIN_CONFIDENCE:
        return f"its mean word confidence is {reading.confidence:.0f}, below {MIN_CONFIDENCE:.0f}"
    if garbage := unreadable_reason(reading.text):
        return f"its text is unreadable ({garbage})"
    if len(shown := garbling_shown(layer, reading.text)) >= 2:
        return f"the page itself shows the garbled text (OCR read {' '.join(shown)} too)"
    return None


def recover_page(ocr: PageReader, number: int, layer: str, garbage: str | None,
                 file: str) -> tuple[list[Segment], list[str], list[str]]:
    """Segments, warnings and notices for a page whose text layer is empty or garbled, read by OCR where it can.

    A good reading replaces the page's text (a notice says so); otherwise the page is a warning as
    before, and whatever text there is (the garbled layer, a doubtful reading) is kept marked unreadable.
    """
    reading, engine = ocr.read(number)
    if layer:
        what = f"the text layer is unreadable ({garbage})"
    else:
        what = "no text layer (an image only?)"
    provenance = Ocr(engine.name, reading.confidence, reading.words) if engine and reading.words else None
    why = judge(reading, layer)
    if why is None:
        notice = f"page {number}: {what}; read by OCR ({engine.name}, {reading.words} words, mean word confidence {reading.confidence:.0f})"
        return [Segment(reading.text, file, page=number, role="text", ocr=provenance)], [], [notice]
    segments = [Segment(layer, file, page=number, role="unreadable")] if layer else []
    if provenance:
        segments.append(Segment(reading.text, file, page=number, role="unreadable", ocr=provenance))
    left = "not used for entities or drafting" if segments else "its content is left out"
    kept = "; the OCR text is kept, marked unreadable" if provenance else ""
    return segments, [f"page {number}: {what}; {left}: OCR could not read it: {why}{kept}"], []
