"""PDF slide reader (pypdf): text per page (OCR where there is none), passwords, page and decompression limits, clean failures."""

from __future__ import annotations

import io
import logging
import re
import warnings as pywarnings
from contextlib import contextmanager
from pathlib import Path

from ..errors import SourceError
from ..models import Segment, Source
from . import ReadOptions, name_warnings, reader
from .ocr import PageReader, recover_page
from .textlayer import unreadable_reason
from .textfile import read_bytes


class _Collect(logging.Handler):
    """Collects pypdf's log messages so they become warnings instead of stderr noise."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message not in self.messages:
            self.messages.append(message)


@contextmanager
def _pypdf_limits(options: ReadOptions):
    """Run pypdf with tight limits on decompressed and declared stream sizes (no zip bombs)."""
    from pypdf import apply_configuration

    cap = options.max_stream_bytes
    with apply_configuration(
        maximum_declared_stream_length=options.max_bytes,
        array_based_stream_maximum_output_length=cap,
        zlib_maximum_output_length=cap,
        lzw_maximum_output_length=cap,
        run_length_maximum_output_length=cap,
        jbig2_maximum_output_length=cap,
        brotli_maximum_output_length=cap,
        image_maximum_buffer_size=cap,
        stream_decoding_work_maximum_length=4 * cap,
        xform_maximum_invocations_per_extraction=1000,
        jbig2dec_binary=None,  # never run an external decoder on untrusted input
    ) as config:
        yield config


def _describe(exc: BaseException) -> str:
    """A one-line reason for a pypdf failure, naming what was expected where pypdf says so."""
    from pypdf.errors import EmptyFileError, LimitReachedError

    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, LimitReachedError):
        return f"exceeds a safety limit ({text}); the file may be a decompression bomb"
    if isinstance(exc, EmptyFileError):
        return "the file is empty"
    if isinstance(exc, RecursionError):
        return "objects nest too deeply or refer to themselves (recursion limit reached)"
    if isinstance(exc, MemoryError):
        return "ran out of memory while decoding"
    return f"damaged or unsupported PDF ({type(exc).__name__}: {text[:200]})"


def _decrypt(pdf, path: Path, options: ReadOptions) -> str:
    """Open an encrypted PDF with the configured password (or the empty one); returns how it opened."""
    from pypdf import PasswordType

    password = options.password or ""
    try:
        result = pdf.decrypt(password)
    except NotImplementedError as exc:
        raise SourceError(path, f"encrypted with a method pypdf cannot decrypt ({exc})") from None
    except Exception as exc:  # pypdf raises DependencyError, ValueError... on odd encryption dictionaries
        raise SourceError(path, f"encrypted, and its encryption could not be processed: {_describe(exc)}") from None
    if result == PasswordType.NOT_DECRYPTED:
        if options.password:
            raise SourceError(path, "encrypted, and the password given for it is wrong")
        raise SourceError(path, "encrypted with a password; give it as `password = \"...\"` in this source's [[sources]] entry of briefing.toml (or --password)")
    return "owner password" if result == PasswordType.OWNER_PASSWORD else ("empty password" if not password else "user password")


def _tidy(text: str) -> str:
    """Page text with trailing spaces, NULs and runs of blank lines removed."""
    lines = [line.rstrip() for line in text.replace("\0", "").splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _metadata(pdf) -> dict:
    """Title and author from the document information, when readable."""
    try:
        info = pdf.metadata or {}
        return {k: str(info[f"/{k.title()}"]) for k in ("title", "author") if info.get(f"/{k.title()}")}
    except Exception:  # broken info dictionaries are common and harmless here
        return {}


def _open(data: bytes, path: Path, options: ReadOptions):
    """A pypdf reader over the bytes, decrypted if need be: (reader, how it opened, page count)."""
    from pypdf import PdfReader

    pdf = PdfReader(io.BytesIO(data), strict=False)
    opened = _decrypt(pdf, path, options) if pdf.is_encrypted else None
    return pdf, opened, len(pdf.pages)


def _repair(data: bytes, options: ReadOptions) -> bytes | None:
    """The file rewritten by qpdf (which rebuilds broken cross-reference tables), or None if it cannot.

    Streams are copied as they are (no decoding), so a repair never decompresses anything.
    """
    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(data), password=options.password or "") as pdf:
            out = io.BytesIO()
            pdf.save(out, stream_decode_level=pikepdf.StreamDecodeLevel.none, deterministic_id=True)
    except Exception:  # qpdf could not make sense of it either; the caller reports pypdf's reason
        return None
    return out.getvalue()


def read_pdf_bytes(data: bytes, path: Path, options: ReadOptions = ReadOptions()) -> Source:
    """Parse PDF bytes into one slide segment per page with text; warnings for pages without text."""
    from pypdf.errors import LimitReachedError

    start = data[:1024].find(b"%PDF-")
    if start < 0:
        head = data[:16].decode("latin-1").encode("unicode_escape").decode("ascii")
        raise SourceError(path, f"not a PDF: expected '%PDF-' at the start, found {head!r}")
    collected = _Collect()
    logger = logging.getLogger("pypdf")
    logger.addHandler(collected)
    propagate, logger.propagate = logger.propagate, False
    segments: list[Segment] = []
    warnings: list[str] = []
    notices: list[str] = []
    ocr = PageReader(data, options.password, options.ocr_seconds)  # opens nothing until a page needs OCR
    try:
        with _pypdf_limits(options), pywarnings.catch_warnings():
            pywarnings.simplefilter("ignore")
            try:
                pdf, opened, count = _open(data, path, options)
            except SourceError:
                raise
            except LimitReachedError as exc:
                raise SourceError(path, _describe(exc)) from None
            except Exception as exc:
                repaired = _repair(data, options)
                if repaired is None:
                    raise SourceError(path, _describe(exc)) from None
                try:
                    pdf, opened, count = _open(repaired, path, options)
                    ocr.data = repaired  # PDFium draws the pages from the rebuilt file too
                except SourceError:
                    raise
                except Exception:
                    raise SourceError(path, _describe(exc)) from None
                reason = " ".join(str(exc).split())[:120] or type(exc).__name__
                warnings.append(f"damaged file structure, rebuilt with qpdf before reading (pypdf: {reason})")
            if count > options.max_pages:
                raise SourceError(path, f"has {count} pages; the limit is {options.max_pages} (setting max_pages)")
            if count == 0:
                raise SourceError(path, "has no pages")
            failures = 0
            for number in range(1, count + 1):
                try:
                    text = _tidy(pdf.pages[number - 1].extract_text() or "")
                except LimitReachedError as exc:
                    raise SourceError(path, f"page {number}: {_describe(exc)}") from None
                except Exception as exc:
                    failures += 1
                    warnings.append(f"page {number}: text could not be extracted: {_describe(exc)}")
                    continue
                garbage = unreadable_reason(text) if text else None
                if text and not garbage:
                    segments.append(Segment(text, path.name, page=number, role="text"))
                    continue
                # No text layer, or mojibake that must not become entities: read the page's image instead.
                found, warned, noted = recover_page(ocr, number, text, garbage, path.name)
                segments += found
                warnings += warned
                notices += noted
            metadata = {"format": "pdf", "pages": count, "encrypted": opened is not None, **_metadata(pdf)}
            if ocr_pages := sorted({s.page for s in segments if s.ocr and s.role == "text"}):
                metadata["ocr_pages"] = ocr_pages
            if opened:
                metadata["opened_with"] = opened
    finally:
        ocr.close()  # the rendered pages' private folder goes, whatever happened
        logger.removeHandler(collected)
        logger.propagate = propagate
    if failures == count:
        raise SourceError(path, f"no page could be read; {warnings[0].split(': ', 1)[1]}")
    if collected.messages:
        shown = "; ".join(m[:120] for m in collected.messages[:3])
        more = f" (and {len(collected.messages) - 3} more)" if len(collected.messages) > 3 else ""
        warnings.append(f"damaged in places, repaired while reading: {shown}{more}")
    return Source(path=str(path), kind="slides", segments=tuple(segments), warnings=name_warnings(path, warnings),
                  metadata=metadata, notices=name_warnings(path, notices))


@reader(".pdf")
def read_pdf(path: Path, options: ReadOptions) -> Source:
    """Read a slides PDF: text per page in reading order, with the page number as provenance."""
    return read_pdf_bytes(read_bytes(path, options), path, options)
