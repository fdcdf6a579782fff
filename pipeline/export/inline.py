"""Markdown inline markup (emphasis, links, code) turned into XML inline elements: JATS or Crossref face markup."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from lxml import etree
from markdown_it import MarkdownIt

from ..errors import PipelineError

XLINK = "http://www.w3.org/1999/xlink"
# The note's own Markdown dialect: CommonMark with raw HTML off (as compose renders it).
_MARKDOWN = MarkdownIt("commonmark", {"html": False})
DOI_URL = re.compile(r"https?://(?:dx\.)?doi\.org/(10\.[0-9]{4,9}/\S+)", re.I)
# Characters XML 1.0 cannot carry at all (C0 controls other than tab, newline, return).
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class MarkupError(PipelineError):
    """Text that cannot be carried by XML (a control character)."""


@dataclass(frozen=True)
class InlineTags:
    """Element names for each Markdown inline construct; None keeps the text without an element."""

    em: str | None
    strong: str | None
    code: str | None
    link: Callable[[etree._Element, str], etree._Element] | None = None
    """Makes the element for a link (parent, href); None: the link's text only."""
    text: Callable[[etree._Element, str, int], None] | None = None
    """Adds plain text found at an offset of the Markdown source (-1: unknown), e.g. with entity mark-up; None: `add_text`."""
    namespace: str = field(default="")


def jats_link(parent: etree._Element, href: str) -> etree._Element:
    """A JATS `ext-link` to the URL."""
    return etree.SubElement(parent, "ext-link", {"ext-link-type": "uri", f"{{{XLINK}}}href": href})


JATS = InlineTags(em="italic", strong="bold", code="monospace", link=jats_link)
# Crossref titles and unstructured citations take "face markup" (b, i, tt) and no links.
CROSSREF = InlineTags(em="i", strong="b", code="tt")


def clean(text: str) -> str:
    """The text unchanged, or a MarkupError when it holds a character XML cannot carry."""
    bad = _NOT_XML.search(text)
    if bad:
        raise MarkupError(f"contains the control character U+{ord(bad.group()):04X}, which XML cannot carry")
    return text


def add_text(parent: etree._Element, text: str) -> None:
    """Append text at the end of an element's mixed content."""
    if not text:
        return
    text = clean(text)
    if len(parent):
        parent[-1].tail = (parent[-1].tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def link_targets(markdown: str) -> list[str]:
    """The URLs a Markdown inline string links to, in order (autolinks and [text](url) links)."""
    tokens = _MARKDOWN.parseInline(markdown)
    children = (tokens[0].children or []) if tokens else []
    return [str(t.attrGet("href")) for t in children if t.type == "link_open" and t.attrGet("href")]


def append_inline(parent: etree._Element, markdown: str, tags: InlineTags = JATS) -> etree._Element:
    """Append a Markdown inline string to `parent` as mixed content; returns `parent`."""
    tokens = _MARKDOWN.parseInline(markdown)
    children = (tokens[0].children or []) if tokens else []
    stack = [parent]
    ns = f"{{{tags.namespace}}}" if tags.namespace else ""
    cursor = 0

    def text(element: etree._Element, content: str) -> None:
        # Tokens carry no offsets: find each text in the source, in order, for mark-up by position.
        nonlocal cursor
        at = markdown.find(content, cursor) if content else -1
        if at >= 0:
            cursor = at + len(content)
        if tags.text is None:
            add_text(element, content)
        else:
            tags.text(element, content, at)

    def open_element(name: str | None) -> None:
        # A construct without an element still pushes its parent, so that closing pops evenly.
        stack.append(etree.SubElement(stack[-1], ns + name) if name else stack[-1])

    for token in children:
        kind = token.type
        if kind == "text":
            text(stack[-1], token.content)
        elif kind in ("softbreak", "hardbreak"):
            add_text(stack[-1], " ")  # a line break inside a paragraph reads as a space
        elif kind == "em_open":
            open_element(tags.em)
        elif kind == "strong_open":
            open_element(tags.strong)
        elif kind == "link_open":
            href = str(token.attrGet("href") or "")
            stack.append(tags.link(stack[-1], href) if tags.link and href else stack[-1])
        elif kind in ("em_close", "strong_close", "link_close"):
            if len(stack) > 1:
                stack.pop()
        elif kind == "code_inline":
            if tags.code:
                add_text(etree.SubElement(stack[-1], ns + tags.code), token.content)
            else:
                add_text(stack[-1], token.content)
        elif kind == "image":  # no picture can travel in the XML: keep its description as text
            text(stack[-1], token.content)
        else:  # html_inline with raw HTML off, entities already decoded: keep whatever text it has
            add_text(stack[-1], token.content)
    return parent
