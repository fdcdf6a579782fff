"""Render stage: HTML becomes a PDF/A file with WeasyPrint, reading only allowed local files."""

from __future__ import annotations

import datetime as dt
import logging
import os
import types
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence
from urllib.parse import unquote, urlsplit

from fontTools import subset as fonttools_subset
from fontTools.ttLib import TTFont

with warnings.catch_warnings():
    # WeasyPrint warns at import when libharfbuzz-subset is missing; the build says it once instead.
    warnings.filterwarnings("ignore", message="HarfBuzz-Subset will be required", category=DeprecationWarning)
    from weasyprint import HTML
    from weasyprint.pdf import fonts as weasy_fonts
from weasyprint.pdf.metadata import DocumentMetadata
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .archive.xmp import PdfMetadata, extra_descriptions, splice_descriptions
from .config import source_date_epoch
from .fonts import FONT_PACKAGES, font_dirs, font_file  # noqa: F401  (FONT_PACKAGES: what `font:` serves)

LOGGER = logging.getLogger("pipeline.render")
SUBSET_PACKAGE = "libharfbuzz-subset0"
SLOW_SUBSET_NOTICE = (f"fonts were subset with fontTools, slower than HarfBuzz: "
                      f"install Debian's {SUBSET_PACKAGE} (apt-get install {SUBSET_PACKAGE}) to render faster")


class _TTFontKeepingTimestamp(TTFont):
    """fontTools' TTFont with its documented `recalcTimestamp` option off by default.

    Without libharfbuzz-subset, WeasyPrint subsets (and instantiates variable fonts) with
    fontTools, whose `TTFont.save()` stamps head.modified with the clock unless SOURCE_DATE_EPOCH
    is set: the same note gave different bytes a second later. Keeping the font file's own
    timestamp makes the subset depend on the font alone. The class replaces the name `TTFont`
    in WeasyPrint's PDF font module only, once at import and never undone, so it holds for every
    render of the process (and of each spawned worker, which imports this module) without
    touching os.environ or fontTools for anyone else.
    """

    def __init__(self, *args, recalcTimestamp: bool = False, **kwargs):
        super().__init__(*args, recalcTimestamp=recalcTimestamp, **kwargs)


if not (isinstance(weasy_fonts.TTFont, type) and issubclass(weasy_fonts.TTFont, TTFont)):
    # A WeasyPrint that no longer calls fontTools' TTFont here may stamp the clock elsewhere: fail loudly.
    raise ImportError("weasyprint.pdf.fonts.TTFont is not fontTools' TTFont: check the subset timestamp hook in pipeline/render.py")
weasy_fonts.TTFont = _TTFontKeepingTimestamp


class _SubsetterDroppingTablesFirst(fonttools_subset.Subsetter):
    """fontTools' Subsetter that deletes the tables it is told to drop before anything else.

    WeasyPrint drops GSUB and GPOS from every subset, and fontTools' own first step deletes them,
    but fontTools 4.68 wraps that step in `_compact_layout_tables`, which decompiles GSUB and GPOS
    in full first: two thirds of a note's rendering time went into reading the house faces'
    kerning only to throw it away. Deleting exactly what `_prune_pre_subset` would delete, in its
    order, before calling fontTools gives the same subset byte for byte (tests/test_render.py
    compares them) and renders a note about three times faster.
    """

    def subset(self, font):
        """Delete the dropped tables, then subset as fontTools does."""
        options = self.options
        # The same tables, tested in the same order and by the same rules as `_prune_pre_subset` (4.68).
        for tag in self._sort_tables(font):
            if (tag.strip() in options.drop_tables or (tag.strip() in options.hinting_tables and not options.hinting)
                    or (tag == "kern" and not options.legacy_kern and "GPOS" in font)):
                del font[tag]
        super().subset(font)


if getattr(weasy_fonts, "subset", None) is fonttools_subset:  # else WeasyPrint changed: keep its own subsetter
    # WeasyPrint reads `subset.Options` and `subset.Subsetter` from this name; everything else is fontTools'.
    weasy_fonts.subset = types.SimpleNamespace(**{**vars(fonttools_subset), "Subsetter": _SubsetterDroppingTablesFirst})


class _QuietFontToolsFallback(logging.Filter):
    """Drops WeasyPrint's per-font 'Using fontTools instead of HarfBuzz-Subset' warning.

    The build reports it once, as a notice (`subset_notice`), rather than once per font and note.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Using fontTools instead of HarfBuzz-Subset")


logging.getLogger("weasyprint").addFilter(_QuietFontToolsFallback())


def subsets_with_harfbuzz() -> bool:
    """True when WeasyPrint subsets fonts with libharfbuzz-subset (the fast path), False for fontTools."""
    # The same test WeasyPrint's Font.subset makes, on the names it reads at call time.
    return bool(weasy_fonts.harfbuzz_subset) and bool(weasy_fonts.harfbuzz.hb_version_atleast(4, 1, 0))


def subset_notice() -> str | None:
    """A one-line notice when fonts are subset the slow way, naming the package that fixes it; else None."""
    return None if subsets_with_harfbuzz() else SLOW_SUBSET_NOTICE


class RestrictedFetcher(URLFetcher):
    """A URL fetcher that reads only files under the allowed folders and `font:` files; no network."""

    def __init__(self, allowed: Sequence[Path]):
        super().__init__(allowed_protocols=("file", "font", "data"))
        self.allowed = [Path(p).resolve() for p in allowed]
        self.refused: list[str] = []

    def _refuse(self, url: str, why: str):
        message = f"refused to fetch {url}: {why}"
        self.refused.append(message)
        LOGGER.warning(message)
        raise ValueError(message)

    def fetch(self, url, headers=None):
        """Serve `font:NAME` from the font packages and `file:` URLs inside the allowed folders only."""
        scheme = urlsplit(url).scheme.lower()
        if scheme == "font":
            path = font_file(unquote(url.split(":", 1)[1]))
            if path is None:
                self._refuse(url, "no such file in the font packages")
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": "font/ttf"})
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            self._refuse(url, "only local files inside the briefing folder and the templates may be read")
        path = Path(unquote(urlsplit(url).path)).resolve()
        if not any(path.is_relative_to(root) for root in self.allowed):
            self._refuse(url, "outside the briefing folder and the templates")
        if not path.is_file():
            self._refuse(url, "no such file")
        return URLFetcherResponse(url, path.read_bytes())


@dataclass(frozen=True)
class Attachment:
    """A file embedded in the PDF/A-3 with its relationship (Source, Data, ...)."""

    data: bytes
    name: str
    description: str
    relationship: str = "Source"
    media_type: str = ""
    """MIME type; guessed from the name's suffix by a fixed table when empty (never from the host's)."""


# A fixed table, so that the embedded MIME type does not depend on the host's mime.types.
MEDIA_TYPES = {
    ".md": "text/markdown", ".txt": "text/plain", ".vtt": "text/vtt", ".srt": "application/x-subrip",
    ".json": "application/json", ".csv": "text/csv", ".pdf": "application/pdf", ".toml": "application/toml",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@dataclass
class Rendered:
    """A rendered PDF and the warnings rendering produced."""

    pdf: bytes
    warnings: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    """Facts about the host, not the note (e.g. the slow font subsetter): said once per build, never --strict."""


def render_pdf(
    html: str,
    *,
    base_dir: Path,
    allowed_dirs: Sequence[Path],
    pdf_variant: str = "pdf/a-3a",
    attachments: Sequence[Attachment] = (),
    metadata: PdfMetadata | None = None,
) -> Rendered:
    """Render HTML to PDF/A bytes; relative URLs resolve against base_dir.

    The bytes depend only on the HTML, the files it reads, the attachments and metadata:
    every date comes from `metadata.date`, else the HTML's `dcterms.created`, else
    SOURCE_DATE_EPOCH; the file identifier is a hash of the content.
    """
    fetcher = RestrictedFetcher([base_dir, *allowed_dirs])
    options = {"pdf_variant": pdf_variant}
    document = HTML(string=html, base_url=str(Path(base_dir).resolve()) + "/", url_fetcher=fetcher).render(**options)
    if metadata is not None:
        document.metadata = _archival_metadata(document.metadata, metadata)
    date, warnings = document_date(document.metadata.created, os.environ.get("SOURCE_DATE_EPOCH"))
    pdf = document.write_pdf(finisher=_dedupe_associated_files, **options, **_attachment_options(attachments, date))
    notice = subset_notice()
    return Rendered(pdf=pdf, warnings=list(fetcher.refused) + warnings, notices=[notice] if notice else [])


def document_date(created: str | None, epoch_value: str | None) -> tuple[dt.datetime, list[str]]:
    """The date stamped on attachments: the document's W3C date, else SOURCE_DATE_EPOCH, else now (with a warning)."""
    if created:
        try:
            day = dt.date.fromisoformat(created[:10])
            return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc), []
        except ValueError:
            pass
    epoch = source_date_epoch(epoch_value or "")
    if epoch is not None:
        return epoch, []
    warning = "no dcterms.created date in the HTML and no SOURCE_DATE_EPOCH: attachment dates come from the clock, so the PDF is not reproducible"
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0), [warning]


def _dedupe_associated_files(document, pdf) -> None:
    """WeasyPrint's finisher hook: drop the duplicates WeasyPrint 70 puts in the catalog's /AF.

    Its PDF/A step lists every attachment twice (once from the EmbeddedFiles names, once from
    the Filespec objects), which validators reject.
    """
    if "AF" in pdf.catalog:
        pdf.catalog["AF"][:] = list(dict.fromkeys(pdf.catalog["AF"]))


class _ArchivalMetadata(DocumentMetadata):
    """WeasyPrint's document metadata with extra rdf:Description elements in its XMP packet."""

    extra: bytes = b""

    def generate_rdf_metadata(self, *args, **kwargs):
        """WeasyPrint's RDF with the extra descriptions spliced in before </rdf:RDF>."""
        return splice_descriptions(super().generate_rdf_metadata(*args, **kwargs), self.extra)



def _archival_metadata(base: DocumentMetadata, meta: PdfMetadata) -> DocumentMetadata:
    """Copy WeasyPrint's metadata, override it from `meta` and add rights, subjects and PRISM to the XMP."""
    new = _ArchivalMetadata.__new__(_ArchivalMetadata)
    new.__dict__.update(vars(base))
    new.title, new.authors, new.description = meta.title, list(meta.creators), meta.description
    new.keywords = list(meta.keywords)
    if meta.date:
        new.created = new.modified = meta.date
    new.lang = meta.language or base.lang
    new.extra = extra_descriptions(meta)
    return new


class _MemoryFetcher(URLFetcher):
    """Serves one in-memory attachment with a fixed MIME type, so WeasyPrint never guesses it from the host."""

    def __init__(self, attachment: Attachment):
        super().__init__(allowed_protocols=("attachment",))
        self.attachment = attachment

    def fetch(self, url, headers=None):
        """The attachment's bytes, whatever the URL."""
        a = self.attachment
        media_type = a.media_type or MEDIA_TYPES.get(Path(a.name).suffix.lower(), "application/octet-stream")
        return URLFetcherResponse(url, a.data, {"Content-Type": media_type})


def _attachment_options(attachments: Sequence[Attachment], date: dt.datetime) -> dict:
    """WeasyPrint's attachment options for the given attachments (none when empty), all dated `date`."""
    if not attachments:
        return {}
    from weasyprint import Attachment as WeasyAttachment

    naive = date.astimezone(dt.timezone.utc).replace(tzinfo=None)  # WeasyPrint writes the date with a Z suffix
    return {
        "attachments": [
            WeasyAttachment(
                url=f"attachment:{n}", url_fetcher=_MemoryFetcher(a), name=a.name, description=a.description,
                relationship=a.relationship, created=naive, modified=naive,
            )
            # The EmbeddedFiles name tree WeasyPrint writes keeps this order; PDF requires sorted keys.
            for n, a in enumerate(sorted(attachments, key=lambda a: a.name.encode("utf-8")))
        ]
    }
