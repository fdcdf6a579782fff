"""Bounds on what reaches the page: nesting of inline markup and length of words, checked before WeasyPrint."""

from __future__ import annotations

import functools
import re
from dataclasses import fields

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .errors import PipelineError
from .models import Briefing, Note

_MARKDOWN = MarkdownIt("commonmark", {"html": False})
# Markup tags one unbreakable word may hold. WeasyPrint's line breaking is quadratic in the inline
# boxes a word without break opportunities spans (`*a` × 8,000 takes 90 s); a real word needs few.
MAX_TAGS_PER_WORD = 8
_SPACES = re.compile(r"\s+")


def _pairs(tokens: list[Token]) -> list[tuple[int, int, int]]:
    """(open index, close index, depth) of each open/close pair of inline tokens."""
    stack: list[int] = []
    pairs = []
    for i, token in enumerate(tokens):
        if token.nesting == 1:
            stack.append(i)
        elif token.nesting == -1 and stack:
            opened = stack.pop()
            pairs.append((opened, i, len(stack) + 1))
    return pairs


def _word_ids(tokens: list[Token]) -> list[int]:
    """For each token, the number of the printed word it starts in (whitespace and line breaks end words)."""
    ids, word = [], 0
    for token in tokens:
        if token.type in ("softbreak", "hardbreak"):
            word += 1
        ids.append(word)
        if token.type in ("text", "code_inline"):
            word += len(_SPACES.findall(token.content))
    return ids


def flatten_markup(tokens: list[Token], max_depth: int) -> tuple[list[Token], int]:
    """Inline tokens with the markup nested deeper than `max_depth`, or crowding one word, printed plain.

    Every character of text is kept: emphasis loses its style, a link is printed as its text
    followed by its address, inline code as its text. Returns the tokens and how many were flattened.
    """
    words = _word_ids(tokens)
    per_word: dict[int, int] = {}
    for token, word in zip(tokens, words):
        if token.nesting != 0 or token.type == "code_inline":
            per_word[word] = per_word.get(word, 0) + 1
    crowded = {w for w, n in per_word.items() if n > MAX_TAGS_PER_WORD}
    drop: set[int] = set()
    opener: dict[int, int] = {}
    for opened, closed, depth in _pairs(tokens):
        opener[closed] = opened
        if depth > max_depth or words[opened] in crowded or words[closed] in crowded:
            drop.update((opened, closed))
    out: list[Token] = []
    for i, token in enumerate(tokens):
        if token.type == "code_inline" and words[i] in crowded:
            out.append(Token("text", "", 0, content=token.content))
            drop.add(i)
        elif i not in drop:
            out.append(token)
        elif token.type == "link_close":
            opened = opener[i]
            href = tokens[opened].attrGet("href") or ""
            text = "".join(t.content for t in tokens[opened + 1:i] if t.type in ("text", "code_inline"))
            if href and href not in (text, f"mailto:{text}"):
                out.append(Token("text", "", 0, content=f" <{href}>"))
    return out, len(drop)


@functools.lru_cache(maxsize=256)
def inline_markup(text: str, max_depth: int) -> tuple[str, int, str]:
    """One parse of Markdown inline text: (HTML with pathological markup flattened, count flattened, printed text).

    Cached: the compose stage checks a note's paragraphs and then renders the same ones, and a
    pathological paragraph (`[` × 100,000) costs markdown-it seconds per parse.
    """
    env: dict = {}
    blocks = _MARKDOWN.parseInline(text, env)
    flattened, printed = 0, []
    for block in blocks:
        if block.children:
            printed.append(_printed(block.children))
            block.children, count = flatten_markup(block.children, max_depth)
            flattened += count
    return _MARKDOWN.renderer.render(blocks, _MARKDOWN.options, env), flattened, "".join(printed)


def render_bounded(text: str, max_depth: int) -> tuple[str, int]:
    """Markdown inline text as HTML (raw HTML escaped) with pathological markup flattened; and the count flattened."""
    return inline_markup(text, max_depth)[:2]


def _printed(children: list[Token]) -> str:
    """The text inline tokens print (markup removed, words joined as they print)."""
    parts = []
    for token in children:
        if token.type in ("text", "code_inline"):
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def printed_text(text: str) -> str:
    """The text a Markdown inline paragraph prints (markup removed, words joined as they print)."""
    return inline_markup(text, 1)[2]


def note_paragraphs(briefing: Briefing, note: Note) -> list[tuple[str, str]]:
    """(where, Markdown inline text) of everything the note prints from the briefing and its sections."""
    found = [(f"briefing.toml field {name!r}", getattr(briefing, name)) for name in ("title", "speaker", "event", "author")]
    for f in fields(note):
        value = getattr(note, f.name)
        if not isinstance(value, tuple):
            continue
        label = f"section {f.name.replace('_', ' ').upper()}"
        for item in value:
            if isinstance(item, str):
                found.append((label, item))
            else:  # a QuestionAnswer
                found += [(label, item.question), *((label, a) for a in item.answer)]
    return found


def check_note(briefing: Briefing, note: Note, max_word_chars: int, max_depth: int, file: str) -> list[str]:
    """Warnings for words longer than the limit and flattened markup; in a final note long words are an error.

    A draft keeps its long words (the style sheet wraps them); a final note is refused, naming every
    place, because a word that long is almost always a paste gone wrong.
    """
    long_words, flattened = [], []
    for where, text in note_paragraphs(briefing, note):
        _, flattened_here, printed = inline_markup(text, max_depth)
        for word in printed.split():
            if len(word) > max_word_chars:
                long_words.append(f"{where}: a word of {len(word):,} characters ({word[:30]!r}…)")
        if flattened_here:
            flattened.append(f"{where}: emphasis nested deeper than {max_depth} (setting max_inline_depth) or crowding"
                             f" one word is printed plain: {text[:40]!r}")
    limit = f"the limit is {max_word_chars:,} characters (setting max_word_chars)"
    if long_words and note.status == "final":
        raise PipelineError(f"{file}: " + "; ".join(long_words[:5]) + (f" and {len(long_words) - 5} more" if len(long_words) > 5 else "")
                            + f"; {limit}: break them with spaces, or mark the note draft")
    return [f"{file}: {w}; {limit}" for w in long_words] + [f"{file}: {w}" for w in flattened]
