"""Word (.docx) manuscript reader: headings make sections, bold/italic paragraphs are questions, links kept.

Segments follow the Markdown reader's conventions (roles heading/text/question/bullet, text as
Markdown inline markup) so that the draft stage treats both manuscript formats alike.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import replace
from pathlib import Path

from ..errors import SourceError
from ..models import Segment, Source
from . import ReadOptions, name_warnings, reader
from .markdown import enter_heading, escape_markdown
from .textfile import read_bytes

_HEADING_STYLE = re.compile(r"^heading\s*([1-9])$", re.I)
_MAX_PARTS = 5000
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# Inline wrappers whose runs are part of the paragraph's text (tracked insertions, content controls,
# smart tags, simple fields, custom XML); python-docx's iter_inner_content skips their runs.
_INLINE_WRAPPERS = {f"{_W}{n}" for n in ("ins", "moveTo", "sdt", "sdtContent", "smartTag", "fldSimple", "customXml", "dir", "bdo")}
# Block wrappers whose paragraphs and tables are part of the body (content controls, custom XML).
_BLOCK_WRAPPERS = {f"{_W}{n}" for n in ("sdt", "sdtContent", "customXml")}


def _check_package(data: bytes, path: Path, options: ReadOptions) -> None:
    """Refuse files that are not .docx packages or would decompress beyond the limits (zip bombs)."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise SourceError(path, "is a Word 97-2003 .doc file (or an encrypted .docx); save it as .docx without a password")
    if not data.startswith(b"PK"):
        raise SourceError(path, f"not a Word .docx file: expected a ZIP package, found {data[:8]!r}")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            infos = package.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise SourceError(path, f"not a readable .docx package: {exc}") from None
    if len(infos) > _MAX_PARTS:
        raise SourceError(path, f"the package holds {len(infos)} parts; the limit is {_MAX_PARTS}")
    names = {info.filename for info in infos}
    if "word/document.xml" not in names:
        raise SourceError(path, "not a Word document: the package has no word/document.xml")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > options.max_stream_bytes or total > 4 * options.max_stream_bytes:
            raise SourceError(
                path,
                f"part {info.filename} decompresses to {info.file_size / 1e6:.1f} MB; the limit is "
                f"{options.max_stream_bytes / 1e6:.1f} MB per part (a decompression bomb?)",
            )


def _escape(text: str) -> str:
    """Text with Markdown's inline specials escaped, so Word text is never read as markup."""
    return escape_markdown(text)


def _flag(run, name: str) -> bool:
    """Whether a run is bold/italic, directly or through its character style."""
    value = getattr(run, name)
    if value is None and run.style is not None:
        value = getattr(run.style.font, name)
    return bool(value)


def _pieces(paragraph) -> list[tuple[str, bool, bool, str | None]]:
    """(text, bold, italic, link URL) for each run of a paragraph, hyperlinks included, in order."""
    from docx.text.hyperlink import Hyperlink

    from docx.text.run import Run

    def inner(element):
        """Runs and hyperlinks in document order, inside inline wrappers too; deleted text is left out."""
        for child in element:
            if child.tag == f"{_W}r":
                yield Run(child, paragraph)
            elif child.tag == f"{_W}hyperlink":
                yield Hyperlink(child, paragraph)
            elif child.tag in _INLINE_WRAPPERS:
                yield from inner(child)

    pieces = []
    for item in inner(paragraph._p):
        if isinstance(item, Hyperlink):
            url = item.address or None
            runs = item.runs
            bold = bool(runs) and all(_flag(r, "bold") for r in runs if r.text.strip())
            italic = bool(runs) and all(_flag(r, "italic") for r in runs if r.text.strip())
            pieces.append((item.text, bold, italic, url))
        else:
            pieces.append((item.text, _flag(item, "bold"), _flag(item, "italic"), None))
    return [p for p in pieces if p[0]]


def _wrap(text: str, marker: str) -> str:
    """Wrap text in an emphasis marker, keeping edge spaces outside (`** x**` is not emphasis)."""
    core = text.strip()
    if not core or not marker:
        return text
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()):]
    return f"{lead}{marker}{core}{marker}{trail}"


def render_inline(pieces, *, drop_bold: bool = False, drop_italic: bool = False) -> str:
    """Markdown inline text of a paragraph's pieces: **bold**, *italic*, [text](url)."""
    out: list[str] = []
    group: list[str] = []
    style = (False, False)

    def flush():
        marker = ("**" if style[0] else "") + ("*" if style[1] else "")
        out.append(_wrap("".join(group), marker))
        group.clear()

    for text, bold, italic, url in pieces:
        current = (bold and not drop_bold, italic and not drop_italic)
        if current != style:
            flush()
            style = current
        group.append(f"[{_escape(text)}]({url})" if url else _escape(text))
    flush()
    return " ".join("".join(out).split())


def paragraph_segment(paragraph, file: str, section: list[str], in_list: bool) -> Segment | None:
    """One body paragraph as a segment (question, bullet or text), or None when it is empty."""
    pieces = _pieces(paragraph)
    visible = [p for p in pieces if p[0].strip()]
    if not visible:
        return None
    if in_list:
        return Segment(render_inline(pieces), file, section=tuple(section), role="bullet")
    if all(p[1] for p in visible):
        return Segment(_wrap(render_inline(pieces, drop_bold=True), "**"), file, section=tuple(section), role="question")
    if all(p[2] for p in visible):
        return Segment(_wrap(render_inline(pieces, drop_italic=True), "*"), file, section=tuple(section), role="question")
    return Segment(render_inline(pieces), file, section=tuple(section), role="text")


def _is_list(paragraph) -> bool:
    """Whether a paragraph is a list item: a list style or Word numbering."""
    name = (paragraph.style.name if paragraph.style is not None else "") or ""
    if "list" in name.lower():
        return True
    ppr = paragraph._p.pPr  # python-docx has no public accessor for numbering
    return ppr is not None and ppr.numPr is not None


def _heading_level(paragraph) -> int | None:
    """The heading level of a paragraph from its style ("Heading 2") or its outline level."""
    name = (paragraph.style.name if paragraph.style is not None else "") or ""
    match = _HEADING_STYLE.match(name.strip())
    if match:
        return int(match.group(1))
    ppr = paragraph._p.pPr
    outline = ppr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}outlineLvl") if ppr is not None else None
    if outline is not None:
        value = outline.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}val", "")
        if value.isdigit() and int(value) < 9:
            return int(value) + 1
    return None


def _own_text(p) -> str:
    """The text of a w:p element's own w:t elements (not those of text boxes nested in it)."""
    return "".join(t.text or "" for t in p.iter(f"{_W}t")
                   if next(t.iterancestors(f"{_W}p"), None) is p)


def _body_paragraphs(element, parent, in_table: bool = False):
    """(paragraph, in_table) for each body paragraph in document order, inside content controls and nested tables too."""
    from docx.text.paragraph import Paragraph

    for child in element:
        if child.tag == f"{_W}p":
            yield Paragraph(child, parent), in_table
        elif child.tag in (f"{_W}tbl", f"{_W}tr", f"{_W}tc"):
            # Tables are rare in manuscripts; their paragraphs are kept as plain text.
            yield from _body_paragraphs(child, parent, True)
        elif child.tag in _BLOCK_WRAPPERS:
            yield from _body_paragraphs(child, parent, in_table)


def unread_paragraphs(body, read: set) -> list[str]:
    """A warning for body paragraphs the reader did not take in (text boxes, unknown containers): none is lost silently."""
    skipped = [t for t in (" ".join(_own_text(p).split()) for p in body.iter(f"{_W}p") if p not in read) if t]
    return [f"{len(skipped)} paragraph(s) not read (text boxes or other containers), e.g. {skipped[0][:60]!r}"] if skipped else []


def _visible(text: str) -> int:
    """Characters other than whitespace: what must survive reading a paragraph."""
    return len("".join(text.split()))


def parse_document(document, file: str, max_words: int | None = None) -> tuple[list[Segment], dict, list[str]]:
    """Segments of a python-docx Document, metadata (title, author, status) it declares, and warnings.

    More than `max_words` words raise SourceError (setting max_manuscript_words).
    """
    section: list[str] = []
    segments: list[Segment] = []
    metadata: dict = {}
    warnings: list[str] = []
    paragraphs = list(_body_paragraphs(document.element.body, document._body))
    words = 0
    for number, (paragraph, in_table) in enumerate(paragraphs, 1):
        own = _own_text(paragraph._p)
        words += len(own.split())
        if max_words is not None and words > max_words:
            raise SourceError(file, f"has more than {max_words:,} words; the limit is {max_words:,} (setting max_manuscript_words)")
        if _visible("".join(p[0] for p in _pieces(paragraph))) < _visible(own):
            warnings.append(f"paragraph {own.strip()[:60]!r}: part of its text is in a container the reader does not know")
        style = ((paragraph.style.name if paragraph.style is not None else "") or "").lower()
        if style == "title" and not in_table:
            metadata.setdefault("title", " ".join(paragraph.text.split()))
            continue
        level = None if in_table else _heading_level(paragraph)
        if level is not None:
            title = " ".join(paragraph.text.split())
            if not title:
                continue
            section = enter_heading(section, level, title)
            segments.append(Segment(title, file, section=tuple(section), role="heading", line=number))
            continue
        segment = paragraph_segment(paragraph, file, section, in_list=not in_table and _is_list(paragraph))
        if segment is not None:
            role = segment.role if not in_table else "text"
            # The paragraph's number stands in for a line: Word has no lines to point an editor at.
            segments.append(replace(segment, role=role, line=number))
    props = document.core_properties
    if props.title and "title" not in metadata:
        metadata["title"] = props.title
    if props.author:
        metadata["author"] = props.author
    if (props.content_status or "").strip().lower() in ("draft", "final"):
        metadata["status"] = props.content_status.strip().lower()
    return segments, metadata, warnings + unread_paragraphs(document.element.body, {p._p for p, _ in paragraphs})


@reader(".docx")
def read_docx(path: Path, options: ReadOptions) -> Source:
    """Read an editor's Word manuscript into sections, questions, bullets and text."""
    import docx as python_docx

    data = read_bytes(path, options)
    _check_package(data, path, options)
    try:
        document = python_docx.Document(io.BytesIO(data))
        segments, metadata, warnings = parse_document(document, path.name, options.max_manuscript_words)
    except SourceError as exc:
        raise SourceError(path, exc.reason) from None
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors... on damaged parts
        raise SourceError(path, f"damaged Word document ({type(exc).__name__}: {' '.join(str(exc).split())[:200]})") from None
    warnings += [] if segments else ["no text found"]
    return Source(path=str(path), kind="manuscript", segments=tuple(segments), warnings=name_warnings(path, warnings), metadata=metadata)
