"""FURTHER READING for a draft: references and links found in briefing.toml, the slides and the transcript."""

from __future__ import annotations

import re
from typing import Sequence

from ..models import Briefing, Source
from ..ingest.textlayer import readable
from .trace import Sentence, Span, metadata_span


_URL = re.compile(r"\bhttps?://[^\s<>\"')\]]+[^\s<>\"')\].,;:]|\bwww\.[A-Za-z0-9.-]+\.[a-z]{2,}(?:/[^\s<>\"')\]]*[^\s<>\"')\].,;:])?")
_DOI = re.compile(r"\b(?:doi:\s*|DOI:\s*)?(10\.\d{4,9}/[^\s<>\"')\]]+[^\s<>\"')\].,;:])")

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>&])")


def md_escape(text: str) -> str:
    """Plain text as Markdown inline text that renders as written (and cannot start a list or heading)."""
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return re.sub(r"^([-+#>]|\d+(?=[.)]\s))", r"\\\1", text)


def _normal_url(raw: str) -> str:
    if raw.lower().startswith("www."):
        return "https://" + raw
    if raw.startswith("10."):
        return "https://doi.org/" + raw
    return raw


def find_links(text: str) -> list[tuple[str, str]]:
    """(as written, normalised URL) for every URL and DOI in a text; a DOI inside a URL counts once."""
    links = [(m.group(0), _normal_url(m.group(0))) for m in _URL.finditer(text)]
    covered = [m.span() for m in _URL.finditer(text)]
    for m in _DOI.finditer(text):
        if not any(a <= m.start() < b for a, b in covered):
            links.append((m.group(0), _normal_url(m.group(1))))
    return links


_READING_HEADING = re.compile(r"^\s*(further reading|references|sources|bibliography|reading list|readings)\s*:?\s*$", re.I)
# Where an APA-style reference begins: "Kessler, N. (2024)." or "UNODC. (2025)."
_REFERENCE_START = re.compile(r"(?<=[.>\w)])\s+(?=[A-Z][^\s()]*(?:,? (?:[A-Z]\.|&|and|[A-Z][^\s()]*)){0,8}\.? \((?:19|20)\d{2}[a-z]?\))")


def slide_references(text: str) -> list[str]:
    """The references on a slide page: lines re-joined (a URL broken over two lines made whole),
    split where a new 'Author. (Year)' reference begins; only those holding a link, or all on a
    'Further reading' slide."""
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    if not lines:
        return []
    if not _READING_HEADING.match(lines[0]):
        return [line for line in lines if find_links(line)]
    lines = lines[1:]
    joined = ""
    for line in lines:
        broken_url = re.search(r"(?:https?://|www\.|10\.\d{4,9}/)\S*[/\-_=.]$", joined)
        joined += line if broken_url and re.match(r"[\w./\-?=&#%~]+(?:\s|$)", line) and " " not in line.split(" ")[0][:-1] else " " + line
    pieces = [p.strip() for p in _REFERENCE_START.split(joined.strip()) if p.strip()]
    return [p for p in pieces if re.search(r"\((?:19|20)\d{2}", p) or find_links(p)]


def further_reading(briefing: Briefing, slides: Sequence[Source], sentences: Sequence[Sentence]) -> list[tuple[str, str, Span]]:
    """FURTHER READING: the briefing's references, then those found in the slides, then any URL or DOI
    spoken in the transcript, as (Markdown, plain text, span); each link is given once."""
    items = [(ref, ref, metadata_span("further_reading")) for ref in briefing.further_reading]
    seen = {url.rstrip("/").lower() for ref in briefing.further_reading for _, url in find_links(ref)}
    found: list[tuple[str, Span]] = []
    for src in slides:
        for seg in readable(src.segments):
            found += [(ref, Span(seg.file, "slides", page=seg.page, quote=ref)) for ref in slide_references(seg.text)]
    found += [(s.span.quote, s.span) for s in sentences if find_links(s.span.quote)]
    for line, span in found:
        links = find_links(line)
        fresh = [(raw, url) for raw, url in links if url.rstrip("/").lower() not in seen]
        if links and not fresh or any(line == plain for _, plain, _ in items):
            continue
        seen |= {url.rstrip("/").lower() for _, url in links}
        if span.kind == "transcript":
            items += [(f"<{url}>", url, span) for _, url in fresh]
            continue
        markdown, pos = [], 0
        for raw, url in links:
            at = line.index(raw, pos)
            markdown += [md_escape(line[pos:at]), f"<{url}>"]
            pos = at + len(raw)
        markdown.append(md_escape(line[pos:]))
        items.append(("".join(markdown).strip(), line, span))
    return items
