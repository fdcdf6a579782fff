"""XMP metadata of an archival PDF: rights, subjects, and the journal, volume and issue as dc:source."""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

DC = "http://purl.org/dc/elements/1.1/"
XMP_RIGHTS = "http://ns.adobe.com/xap/1.0/rights/"

# Only schemas PDF/A predefines are used. A PRISM extension schema (prism:publicationName,
# volume, number) would be valid PDF/A too, but the validator at hand (pikepdf.pdfa, an
# allowlist built from veraPDF's rules) rejects every extension schema, so the journal,
# volume and issue go into dc:source the way Open Journal Systems' OAI-DC export writes them:
# `Journal; Vol. 8 No. 1 (2027)`.


@dataclass(frozen=True)
class PdfMetadata:
    """Document metadata written to the PDF's Info dictionary and XMP packet."""

    title: str
    creators: tuple[str, ...]
    description: str
    keywords: tuple[str, ...]
    rights: str
    """The licence statement and © line, e.g. `This work is licensed under a ... License. © (NAME, 2027)`."""
    licence_url: str
    journal: str
    volume: int
    issue: int
    year: int
    publisher: str = ""
    date: str = ""
    """W3C date of the note (the briefing's date), used for every date in the file."""
    language: str = "en"

    @property
    def source(self) -> str:
        """The journal citation: `Journal; Vol. 8 No. 1 (2027)`."""
        return f"{self.journal}; Vol. {self.volume} No. {self.issue} ({self.year})"


def _alt(name: str, text: str) -> str:
    return f'<{name}><rdf:Alt><rdf:li xml:lang="x-default">{escape(text)}</rdf:li></rdf:Alt></{name}>'


def _list(name: str, kind: str, items: tuple[str, ...]) -> str:
    lis = "".join(f"<rdf:li>{escape(item)}</rdf:li>" for item in items)
    return f"<{name}><rdf:{kind}>{lis}</rdf:{kind}></{name}>"


def extra_descriptions(meta: PdfMetadata) -> bytes:
    """rdf:Description elements to add to WeasyPrint's packet (it already writes title, creators, description, dates).

    Each element declares its own namespaces so that it can be spliced into any rdf:RDF
    element whose `rdf` prefix is bound, without touching ElementTree's global prefix registry.
    """
    dc = [_alt("dc:rights", meta.rights), f"<dc:source>{escape(meta.source)}</dc:source>"]
    if meta.keywords:
        dc.append(_list("dc:subject", "Bag", meta.keywords))
    if meta.publisher:
        dc.append(_list("dc:publisher", "Bag", (meta.publisher,)))
    if meta.date:
        dc.append(_list("dc:date", "Seq", (meta.date,)))
    if meta.language:
        dc.append(_list("dc:language", "Bag", (meta.language,)))
    dc.append(_list("dc:type", "Bag", ("Text",)))
    rights = (
        "<xmpRights:Marked>True</xmpRights:Marked>"
        f"<xmpRights:WebStatement>{escape(meta.licence_url)}</xmpRights:WebStatement>"
        + _alt("xmpRights:UsageTerms", meta.rights)
    )
    return (
        f'<rdf:Description rdf:about="" xmlns:dc="{DC}">{"".join(dc)}</rdf:Description>'
        f'<rdf:Description rdf:about="" xmlns:xmpRights="{XMP_RIGHTS}">{rights}</rdf:Description>'
    ).encode("utf-8")


def splice_descriptions(rdf: bytes, extra: bytes) -> bytes:
    """Insert extra rdf:Description elements before the closing tag of an rdf:RDF element."""
    closing = b"</rdf:RDF>"
    if not rdf.rstrip().endswith(closing):
        raise ValueError(f"expected an rdf:RDF element ending in {closing!r}, found {rdf[-40:]!r}")
    head = rdf.rstrip()[: -len(closing)]
    return head + extra + closing
