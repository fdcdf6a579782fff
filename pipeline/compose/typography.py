"""House typography for composed notes: curly quotes, dashes, unbreakable names, identifiers and URL heads."""

from __future__ import annotations

import functools
import re

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core.replacements import RARE_RE, replace_rare
from markdown_it.rules_core.state_core import StateCore
from markdown_it.token import Token
from markupsafe import Markup

from ..config import Config
from ..ingest.speakers import HONORIFICS
from ..limits import flatten_markup

NBSP = "\u00a0"
# The longest identifier or URL piece kept on one line. Anything longer may break anywhere
# (CSS overflow-wrap) rather than run off the page; 40 characters fit the narrowest column.
MAX_UNBROKEN = 40
# A word longer than this (a hash, a pasted blob, a 10,000-letter token) gets a break opportunity
# every CHUNK characters: it stays on the page, and WeasyPrint need not hyphenate or measure it
# letter by letter (which took minutes for 10,000 letters).
MAX_WORD, CHUNK = 120, 10
_LONG_WORD = re.compile(rf"\S{{{MAX_WORD + 1},}}")
# A URL's last piece shorter than this ("html", "pdf", "6132") stays with the piece before it.
MIN_LAST_PIECE = 6
# A title's last word up to this long is tied to the one before it (no one-word last line).
RUNT = 12

# A word and the single space after it: the candidates for a tie to the next word.
_WORD_SPACE = re.compile(r"(?<![\w.'’\-])([^\W\d_]+)(\.?) ")
# A number (with decimals, thousands or a range) and the unit after it: "5 kg", "20 %", "1,300 tonnes".
_UNITS = sorted(
    ["per cent", *"% ‰ percent kg g mg µg μg ng t kt Mt tonnes tonne tons ton kilograms kilogram grams gram "
    "milligrams micrograms lb lbs L l ml mL litres litre liters liter km m cm mm µm μm nm mi miles km² km2 m² "
    "m³ ha hectares °C °F h min ms Hz kHz MHz GHz kW MW GW kWh mol mmol ppm ppb bbl".split()],
    key=len, reverse=True,
)
_NUMBER_UNIT = re.compile(
    r"(?<![\w.,])(\d+(?:[.,]\d+)*(?:[–-]\d+(?:[.,]\d+)*)?) (?=(?:"
    + "|".join(re.escape(u) for u in _UNITS) + r")(?![\w²³]))"
)
# A hyphenated token: "4-ANPP", "1-boc-4-AP", "79099-07-3", "2,5-dimethoxy-4-methylamphetamine",
# "1-(2-phenylethyl)-4-piperidone". Trailing commas and unbalanced brackets are trimmed after matching.
_HYPHENATED = re.compile(r"(?<![\w\-])\w[\w,′()\[\]]*(?:-[\w(\[][\w,′()\[\]]*)+")
# The part of a URL that never breaks: scheme, "www." and host with the separator after it.
_URL_HEAD = re.compile(r"^((?:[a-z][a-z0-9+.\-]*://)?(?:www\d{0,3}\.)?)([^/?#]*[/?#]?)", re.I)
_URL_PIECE = re.compile(r"[^/.?\-]*[/.?\-]|[^/.?\-]+$")
_LOOKS_LIKE_URL = re.compile(r"^(?:[a-z][a-z0-9+.\-]*://|www\d{0,3}\.)\S+$", re.I)


def tie(text: str) -> str:
    """Text with no-break spaces after honorifics and initials ("Dr. Kessler", "V. Dittmar") and before units ("5 kg")."""
    text = _NUMBER_UNIT.sub(lambda m: m.group(1) + NBSP, text)
    return _WORD_SPACE.sub(_tie_word, text)


def _tie_word(match: re.Match[str]) -> str:
    """The word and its space, the space made a no-break one when the word is an honorific or an initial."""
    word, dot = match.group(1), match.group(2)
    following = match.string[match.end():match.end() + 1]
    capitalised = word[0].isupper()
    initial = len(word) == 1 and dot  # "V. Dittmar", "Okafor, A. (2025)"
    # An abbreviated honorific ties to whatever follows (it may end a text run: "Dr. *Kessler*");
    # a spelled-out one ("President", "General") only to a capitalised name.
    honorific = word.lower() in HONORIFICS and (dot or following[:1].isupper())
    if capitalised and (initial or honorific):
        return f"{word}{dot}{NBSP}"
    return match.group(0)


def identifiers(text: str) -> list[tuple[str, bool]]:
    """Text cut into (piece, is_identifier): chemical names, CAS numbers and other hyphenated codes that must not break."""
    pieces: list[tuple[str, bool]] = []
    last = 0
    for match in _HYPHENATED.finditer(text):
        token = _trim(match.group(0))
        if not _is_identifier(token):
            continue
        start = match.start()
        pieces += [(text[last:start], False), (token, True)]
        last = start + len(token)
    pieces.append((text[last:], False))
    return [p for p in pieces if p[0]]


def _trim(token: str) -> str:
    """A hyphenated match without trailing commas or closing brackets it does not open."""
    while token and (token[-1] == ","
                     or token[-1] == ")" and token.count(")") > token.count("(")
                     or token[-1] == "]" and token.count("]") > token.count("[")):
        token = token[:-1]
    return token


def _is_identifier(token: str) -> bool:
    """A hyphenated token that is a code or chemical name, not an ordinary compound word ("well-funded")."""
    if not 2 < len(token) <= MAX_UNBROKEN or "-" not in token or token.endswith("-"):
        return False
    parts = token.split("-")
    return (any(c.isdigit() for c in token)
            or any(len(p.strip("()[]")) == 1 for p in parts)  # N-phenethyl, S-ketamine
            or any(len(p) > 1 and p.isupper() for p in parts))  # alpha-PVP, not NonCommercial


def url_html(url: str) -> str:
    """HTML for a URL's text that may break only after '/', '.', '-' or '?' past its host, never after the scheme or 'www.'."""
    head = _URL_HEAD.match(url)
    prefix, host = head.group(1), head.group(2)
    rest = url[head.end():]
    if len(prefix + host) <= MAX_UNBROKEN:
        pieces = [prefix + host]
    else:  # a very long host may break at its dots and hyphens, still not right after "https://www."
        pieces = _URL_PIECE.findall(host) or [""]
        pieces[0] = prefix + pieces[0]
    for piece in _URL_PIECE.findall(rest):
        # A number is not cut at its dot: "10.1080/", not "10." + "1080/" (a DOI's prefix).
        if pieces[-1][-2:-1].isdigit() and pieces[-1].endswith(".") and piece[:1].isdigit():
            pieces[-1] += piece
        else:
            pieces.append(piece)
    if len(pieces) > 1 and len(pieces[-1]) < MIN_LAST_PIECE:  # "…/story." + "html" would strand "html"
        pieces[-2:] = [pieces[-2] + pieces[-1]]
    out = []
    for piece in pieces:
        # Pieces too long for one line stay breakable, so overflow-wrap can keep them on the page.
        out.append(f'<span class="nowrap">{escapeHtml(piece)}</span>' if len(piece) <= MAX_UNBROKEN else _chunked(piece))
    return '<span class="url">' + "<wbr>".join(out) + "</span>"


def _chunked(word: str) -> str:
    """HTML for an overlong word with a break opportunity every CHUNK characters."""
    return "<wbr>".join(escapeHtml(word[i:i + CHUNK]) for i in range(0, len(word), CHUNK))


def _text_html(text: str) -> str:
    """HTML for a text run: identifiers in no-wrap spans, overlong words chunked, the rest escaped."""
    out = []
    for piece, is_identifier in identifiers(tie(text)):
        if is_identifier:
            out.append(f'<span class="nowrap">{escapeHtml(piece)}</span>')
            continue
        last = 0
        for match in _LONG_WORD.finditer(piece):
            out += [escapeHtml(piece[last:match.start()]), f'<span class="long">{_chunked(match.group(0))}</span>']
            last = match.end()
        out.append(escapeHtml(piece[last:]))
    return "".join(out)


def _replacements(state: StateCore) -> None:
    """markdown-it's typographic replacements (dashes, ellipsis) without (c)/(r)/(tm), which would eat list labels."""
    if not state.md.options.typographer:
        return
    for token in state.tokens:
        if token.type == "inline" and token.children and RARE_RE.search(token.content):
            replace_rare(token.children)


def _urls(state: StateCore) -> None:
    """Set each link whose text is a URL as breakable pieces (before the typographer can touch it).

    Links linkify found without a scheme or "www." ("note.md", "unodc.org") go back to plain text.
    """
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children, out, i = block.children, [], 0
        while i < len(children):
            token = children[i]
            if token.type != "link_open":
                out.append(token)
                i += 1
                continue
            end = next(j for j in range(i + 1, len(children))
                       if children[j].type == "link_close" and children[j].level == token.level)
            inner = children[i + 1:end]
            text = inner[0].content if len(inner) == 1 and inner[0].type == "text" else None
            href = str(token.attrGet("href") or "")
            if token.markup == "linkify" and text is not None and not _LOOKS_LIKE_URL.match(text) \
                    and not href.lower().startswith("mailto:"):
                out += inner
            elif text is not None and _LOOKS_LIKE_URL.match(text):
                html = Token("html_inline", "", 0)
                html.content = url_html(text)
                out += [token, html, children[end]]
            else:
                out += [token, *inner, children[end]]
            i = end + 1
        block.children = out


def _ties(state: StateCore) -> None:
    """Tie honorifics, initials and units to what follows, keep identifiers whole and chunk overlong words."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        # A manuscript's line ends are spaces ("Dr.⏎Kessler" must tie as well): join them into the text.
        children: list[Token] = []
        for token in block.children:
            if token.type == "softbreak":
                token.type, token.content = "text", " "
            if token.type == "text" and children and children[-1].type == "text":
                children[-1].content += token.content
            else:
                children.append(token)
        for token in children:
            if token.type == "text":
                token.type, token.content = "html_inline", _text_html(token.content)
        block.children = children


def _typographer(preset: str) -> MarkdownIt:
    """A markdown-it parser with the house typography: quotes, replacements, links, ties."""
    md = MarkdownIt(preset, {"html": False, "typographer": True, "linkify": True})
    md.enable(["linkify", "replacements", "smartquotes"])
    md.core.ruler.at("replacements", _replacements)
    md.core.ruler.after("linkify", "house_urls", _urls)
    md.core.ruler.push("house_ties", _ties)
    return md


# Markdown (emphasis, links, autolinks, code) for the note's paragraphs, bullets and references;
# the zero preset for fields that are plain text (title, disclaimer, licence), where "*" is a star.
_MARKDOWN = _typographer("commonmark")
_PLAIN = _typographer("zero")


@functools.lru_cache(maxsize=512)
def render_inline(text: str, max_depth: int = Config.max_inline_depth) -> Markup:
    """Markdown inline markup as safe HTML in house typography; raw HTML is escaped.

    Markup nested deeper than `max_depth`, or crowding one word, is printed plain (see limits):
    WeasyPrint's inline layout is quadratic in nested boxes. Cached, since a pathological
    paragraph costs markdown-it seconds per parse.
    """
    env: dict = {}
    blocks = _MARKDOWN.parseInline(text, env)
    for block in blocks:
        if block.children:
            block.children, _ = flatten_markup(block.children, max_depth)
    return Markup(_MARKDOWN.renderer.render(blocks, _MARKDOWN.options, env).strip())


def typeset(text: str, *, no_runt: bool = False) -> Markup:
    """Plain text (no Markdown) as safe HTML in house typography.

    no_runt: the last two words stay together, so a heading never ends on a lone short word.
    """
    text = str(text).strip()
    if no_runt:
        head, space, last = text.rpartition(" ")
        if space and len(last) <= RUNT:
            text = head + NBSP + last
    return Markup(_PLAIN.renderInline(text).strip())


def typeset_text(text: str) -> str:
    """Plain text in house typography as the reader sees it: curly quotes and dashes, no markup."""
    return Markup(typeset(text)).striptags()


def url_text(url: str) -> Markup:
    """A URL as link text that breaks only at the house style's places; the characters stay exactly as given."""
    return Markup(url_html(str(url)))
