"""Render stage: HTML becomes a PDF/A file with WeasyPrint, reading only allowed local files."""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence
from urllib.parse import unquote, urlsplit

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# Fonts come from pip-installed packages so that the PDF never depends on the host's fonts.
FONT_PACKAGES = ("font_source_serif_pro", "font_source_sans_pro")
LOGGER = logging.getLogger("pipeline.render")


def font_dirs() -> list[Path]:
    """Folders holding the font files of the pip-installed font packages."""
    dirs = []
    for name in FONT_PACKAGES:
        module = importlib.import_module(name)
        dirs.append(Path(module.__file__).resolve().parent / "files")
    return dirs


class RestrictedFetcher(URLFetcher):
    """A URL fetcher that reads only files under the allowed folders and `font:` files; no network."""

    def __init__(self, allowed: Sequence[Path]):
        super().__init__(allowed_protocols=("file", "font", "data"))
        self.allowed = [Path(p).resolve() for p in allowed]
        self.fonts = font_dirs()
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
            name = unquote(url.split(":", 1)[1])
            for folder in self.fonts:
                path = folder / name
                if "/" not in name and path.is_file():
                    return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": "font/ttf"})
            self._refuse(url, "no such file in the font packages")
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


@dataclass
class Rendered:
    """A rendered PDF and the warnings rendering produced."""

    pdf: bytes
    warnings: list[str] = field(default_factory=list)


def render_pdf(
    html: str,
    *,
    base_dir: Path,
    allowed_dirs: Sequence[Path],
    pdf_variant: str = "pdf/a-3b",
    attachments: Sequence[Attachment] = (),
) -> Rendered:
    """Render HTML to PDF/A bytes; relative URLs resolve against base_dir."""
    fetcher = RestrictedFetcher([base_dir, *allowed_dirs])
    document = HTML(string=html, base_url=str(Path(base_dir).resolve()) + "/", url_fetcher=fetcher)
    pdf = document.write_pdf(pdf_variant=pdf_variant, **_attachment_options(attachments))
    return Rendered(pdf=pdf, warnings=list(fetcher.refused))


def _attachment_options(attachments: Sequence[Attachment]) -> dict:
    """WeasyPrint's attachment options for the given attachments (none when empty)."""
    if not attachments:
        return {}
    from weasyprint import Attachment as WeasyAttachment

    return {
        "attachments": [
            WeasyAttachment(string=a.data, name=a.name, description=a.description, relationship=a.relationship)
            for a in attachments
        ]
    }
