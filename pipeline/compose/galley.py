"""The HTML galley: the composed note made standalone for browsers (no `font:` fonts, nothing loaded from outside)."""

from __future__ import annotations

import re

import tinycss2

from ..errors import PipelineError
from ..fonts import css_urls

# The composed page's stylesheets. Every text a note supplies is HTML-escaped, so `</style>`
# only ever closes the template's own <style> element.
STYLE = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.DOTALL | re.IGNORECASE)
# Anything a browser would fetch from outside the file: a url() or @import in CSS, a src/href
# that loads (link rel=license is a relation, not a load, and <a href> waits for a click).
_CSS_FETCH = re.compile(r"url\(|@import", re.IGNORECASE)
_HTML_FETCH = re.compile(r"<(?:img|script|iframe|video|audio|source|embed|object|link(?![^>]*rel=\"license\"))\b[^>]*\b(?:src|href|data)=(?![\"']?data:)",
                         re.IGNORECASE)


def _font_face_rule(rule) -> bool:
    """True for an @font-face rule that loads a file through the render stage's `font:` scheme."""
    if rule.type != "at-rule" or rule.lower_at_keyword != "font-face" or rule.content is None:
        return False
    for decl in tinycss2.parse_blocks_contents(rule.content):
        if decl.type == "declaration" and decl.lower_name == "src" and any(u.startswith("font:") for u in css_urls(decl.value)):
            return True
    return False


def font_faces(css: str) -> str:
    """The stylesheet's `font:` @font-face rules alone (the live preview serves them beside the galley)."""
    return "\n".join(tinycss2.serialize([rule]) for rule in tinycss2.parse_stylesheet(css) if _font_face_rule(rule))


def _galley_css(css: str) -> str:
    """The stylesheet without its `font:` @font-face rules (and the blank line each leaves)."""
    rules = tinycss2.parse_stylesheet(css)
    kept, dropped = [], False
    for rule in rules:
        if _font_face_rule(rule):
            dropped = True
            continue
        if dropped and rule.type == "whitespace":
            dropped = False
            continue  # the newline after a dropped rule
        dropped = False
        kept.append(rule)
    return tinycss2.serialize(kept)


_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_SRC = re.compile(r"\ssrc=\"([^\"]*)\"", re.IGNORECASE)
_ALT = re.compile(r"\salt=\"([^\"]*)\"", re.IGNORECASE)


def _drop_image_sources(html: str, warnings: list[str]) -> str:
    """Images a note's Markdown names keep their alt text but lose a src that is not a data: URL (one warning each)."""

    def drop(match: re.Match) -> str:
        tag = match.group(0)
        src = _SRC.search(tag)
        if src is None or src.group(1).lower().startswith("data:"):
            return tag
        alt = _ALT.search(tag)
        warnings.append(f"image {src.group(1)!r} is left out of the HTML galley, which loads nothing from outside itself: "
                        f"it shows the alt text {alt.group(1) if alt else ''!r} instead")
        return tag[:src.start()] + tag[src.end():]

    return _IMG.sub(drop, html)


def galley_html(html: str, source: str = "the style's templates") -> tuple[str, list[str]]:
    """The composed note as the standalone HTML galley, and its warnings: the `font:` @font-face rules dropped.

    The PDF embeds the house fonts through the render stage's `font:` scheme, which no browser
    can load; embedding them as data: URLs would make a 17 KB galley about 4.9 MB, so the galley
    sets the house faces when the reader has them and the screen stylesheet's system fallbacks
    otherwise. An image from the briefing folder shows its alt text (with a warning); anything
    else the page would fetch from outside the file is an error, not a silently broken galley.
    """
    warnings: list[str] = []
    galley = _drop_image_sources(STYLE.sub(lambda m: m.group(1) + _galley_css(m.group(2)) + m.group(3), html), warnings)
    leftover = outside_loads(galley)
    if leftover:
        raise PipelineError(f"{source}: the HTML galley would load a file from outside itself: expected a standalone page "
                            f"(no url(), @import or external src), found {leftover[0]!r}")
    return galley, warnings


def outside_loads(html: str) -> list[str]:
    """What a browser would fetch from outside the page (CSS url() and @import, external src), each shortened; empty when standalone."""
    found = [css[max(0, m.start() - 40):m.end() + 60] for css in (s.group(2) for s in STYLE.finditer(html))
             for m in _CSS_FETCH.finditer(css)]
    found += [m.group(0) for m in _HTML_FETCH.finditer(html)]
    return [" ".join(text.split()) for text in found]
