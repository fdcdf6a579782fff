"""Fonts: the pip-installed font packages, the characters their files cover, and the glyph-coverage check."""

from __future__ import annotations

import functools
import importlib
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

# Fonts come from pip-installed packages so that the PDF never depends on the host's fonts:
# module -> the folder inside it that holds the font files. The house faces first, then the
# fallbacks for the scripts the house faces lack (Greek and Cyrillic are in the house faces):
# Amiri (Arabic, a Naskh serif beside Source Serif; its letters extract from the PDF intact,
# which Noto Sans Arabic's separately drawn dots do not), Frank Ruhl Libre (Hebrew, serif) and
# Noto Sans Devanagari. CJK and emoji fonts are left out on purpose (see the README).
FONT_PACKAGES = {
    "font_source_serif_pro": "files",
    "font_source_sans_pro": "files",
    "fontpkg_amiri": "files",
    "fontpkg_frank_ruhl_libre": "files",
    "fontpkg_noto_sans_devanagari": "files",
}
# The distributions behind FONT_PACKAGES, whose versions are part of every output's fingerprint.
FONT_DISTRIBUTIONS = ("font-source-serif-pro", "font-source-sans-pro", "fontpkg-amiri", "fontpkg-frank-ruhl-libre",
                      "fontpkg-noto-sans-devanagari")
MAX_LISTED = 12
"""Distinct uncovered characters named per place; the rest are counted."""
_BLOCKS = {"p", "li", "dt", "dd", "td", "th", "blockquote", "figcaption", "pre"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_SKIPPED = {"head", "script", "template"}


@functools.lru_cache(maxsize=1)
def font_subsetter() -> str:
    """`harfbuzz` when the system's libharfbuzz-subset loads (WeasyPrint then subsets with it), else `fonttools`.

    The two embed different font subsets, so the subsetter is an input of the render stage; this
    probe answers without importing WeasyPrint (a no-op build never loads it). A test ties it to
    WeasyPrint's own decision (`pipeline.render.subsets_with_harfbuzz`).
    """
    import ctypes
    import ctypes.util

    for name in ("libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib", "libharfbuzz-subset-0.dll"):
        try:
            ctypes.CDLL(name)
            return "harfbuzz"
        except OSError:
            continue
    return "harfbuzz" if ctypes.util.find_library("harfbuzz-subset") else "fonttools"


@functools.lru_cache(maxsize=1)
def font_dirs() -> tuple[Path, ...]:
    """Folders holding the font files of the pip-installed font packages, in FONT_PACKAGES order."""
    dirs = []
    for name, folder in FONT_PACKAGES.items():
        module = importlib.import_module(name)
        dirs.append(Path(module.__file__).resolve().parent / folder)
    return tuple(dirs)


def font_file(name: str) -> Path | None:
    """The installed font file called `name` (a bare file name, as in `url("font:NAME")`), or None."""
    if not name or "/" in name or "\\" in name or name in (".", ".."):
        return None
    for folder in font_dirs():
        path = folder / name
        if path.is_file():
            return path
    return None


@functools.lru_cache(maxsize=None)
def covered_codepoints(name: str) -> frozenset[int]:
    """The code points the font file `name` has a glyph for, read from its cmap once per process."""
    from fontTools.ttLib import TTFont  # a WeasyPrint dependency; only needed when checking

    path = font_file(name)
    if path is None:
        return frozenset()
    with TTFont(path, lazy=True, fontNumber=0) as font:
        return frozenset(font.getBestCmap() or ())


def declared_fonts(css: str) -> list[tuple[str, str]]:
    """(family, file name) of every `font:` source in the stylesheet's @font-face rules, in order."""
    import tinycss2

    found = []
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type != "at-rule" or rule.lower_at_keyword != "font-face" or rule.content is None:
            continue
        family, files = "", []
        for decl in tinycss2.parse_blocks_contents(rule.content, skip_comments=True, skip_whitespace=True):
            if decl.type != "declaration":
                continue
            if decl.lower_name == "font-family":
                family = "".join(t.value if t.type in ("string", "ident") else " " for t in decl.value
                                 if t.type in ("string", "ident", "whitespace")).strip()
            elif decl.lower_name == "src":
                files += [url[len("font:"):] for url in css_urls(decl.value) if url.startswith("font:")]
        found += [(family, name) for name in files]
    return found


def css_urls(tokens) -> list[str]:
    """The URLs of `url(...)` tokens and functions in a declaration's value."""
    urls = []
    for token in tokens:
        if token.type == "url":
            urls.append(token.value)
        elif token.type == "function" and token.lower_name == "url":
            urls += [t.value for t in token.arguments if t.type == "string"]
    return urls


def _ignorable(char: str) -> bool:
    """Characters that need no glyph: controls, format characters (soft hyphen, joiners, bidi marks), variation selectors."""
    return unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") or 0xFE00 <= ord(char) <= 0xFE0F \
        or 0xE0100 <= ord(char) <= 0xE01EF


class _TextPlaces(HTMLParser):
    """Collects the body's text with its place: the heading path and the paragraph's number in that section."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.css: list[str] = []
        self.texts: list[tuple[str, str]] = []
        self.path: list[str] = []
        self.paragraph = 0
        self.skip = 0
        self.in_style = False
        self.heading: list[str] | None = None
        self.level = 0
        self.header = 0

    def handle_starttag(self, tag, attrs):
        if tag == "style":
            self.in_style = True
        elif tag in _SKIPPED:
            self.skip += 1
        elif tag in _HEADINGS:
            self.heading, self.level = [], int(tag[1])
        elif tag in _BLOCKS:
            self.paragraph += 1
        if self.header or "running-header" in (dict(attrs).get("class") or "").split():
            self.header += 1

    def handle_endtag(self, tag):
        if tag == "style":
            self.in_style = False
        elif tag in _SKIPPED:
            self.skip = max(0, self.skip - 1)
        elif tag in _HEADINGS and self.heading is not None:
            title = " ".join("".join(self.heading).split())
            if self.level >= 2:  # h1 is the note's title: the sections start at h2
                self.path = self.path[: self.level - 2] + [title]
                self.paragraph = 0
            self.heading = None
        if self.header:
            self.header -= 1

    def handle_data(self, data):
        if self.in_style:
            self.css.append(data)
            return
        if self.skip or not data.strip():
            return
        if self.heading is not None:
            self.heading.append(data)
            place = f"heading '{' '.join(''.join(self.heading).split())[:60]}'"
        elif self.header:
            place = "running header"
        elif not self.path:
            place = "title block" + (f", paragraph {self.paragraph}" if self.paragraph else "")
        else:
            place = f"section {' / '.join(self.path)}" + (f", paragraph {self.paragraph}" if self.paragraph else "")
        self.texts.append((place, data))


def glyph_warnings(html: str) -> list[str]:
    """Warnings for the characters of a composed note that none of its embedded fonts has, by place.

    The fonts are those the document's own stylesheet declares with `url("font:FILE")`; every
    such family is in the house style's font stacks, so a character one of them has is printed
    in it. Any other character would print as an empty box or in a font of the host machine.
    """
    parser = _TextPlaces()
    parser.feed(html)
    parser.close()
    fonts = declared_fonts("\n".join(parser.css))
    if not fonts:
        return ["the stylesheet embeds no font (no @font-face with a font: source): every character prints in this computer's fonts"]
    used = {ord(char) for _, text in parser.texts for char in text}
    covered: set[int] = set()
    for _, name in fonts:
        if used <= covered:
            break  # the body face usually has every character: the other faces' tables are not read
        covered |= covered_codepoints(name)
    missing: dict[str, dict[str, None]] = {}
    for place, text in parser.texts:
        for char in text:
            if ord(char) not in covered and char not in " \t\n\r\f\v" and not _ignorable(char):
                missing.setdefault(place, {})[char] = None
    warnings = []
    for place, chars in missing.items():
        listed = ", ".join(f"U+{ord(c):04X} {c}" for c in list(chars)[:MAX_LISTED])
        more = f" and {len(chars) - MAX_LISTED} more" if len(chars) > MAX_LISTED else ""
        warnings.append(f"{place}: {listed}{more} in none of the embedded fonts "
                        "(they print as empty boxes or in a font of this computer)")
    return warnings
