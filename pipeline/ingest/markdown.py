"""Markdown manuscript reader: front matter, sections by heading, questions and bullets marked."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import yaml
from markdown_it import MarkdownIt

from ..config import Config
from ..errors import SourceError
from ..models import Segment, Source
from . import ReadOptions, reader
from .textfile import read_bytes

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
_EMPHASIS_ONLY = re.compile(r"\A(\*\*|__|\*|_)(?!\s)(.+?)(?<!\s)\1\Z", re.S)
# Characters that would start inline markup, and `&` when it would start a character reference.
_MD_SPECIAL = re.compile(r"[\\`*_\[\]<]|&(?=#?[0-9A-Za-z]+;)")
_CONTAINERS = {"bullet_list_open": 1, "ordered_list_open": 1, "blockquote_open": 1,
               "bullet_list_close": -1, "ordered_list_close": -1, "blockquote_close": -1}
# Blocks a note does not print as such; their text is kept as a paragraph (a 4-space indent makes a code block).
_LITERAL_BLOCKS = {"html_block": "raw HTML", "code_block": "indented code block", "fence": "code block"}


def split_front_matter(text: str, path: Path) -> tuple[dict, str, int]:
    """Split YAML front matter off a manuscript; returns (metadata, body, lines consumed)."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text, 0
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise SourceError(path, f"front matter is not valid YAML: {exc}") from None
    if not isinstance(meta, dict):
        raise SourceError(path, f"front matter: expected 'key: value' lines, found {type(meta).__name__}")
    return meta, text[match.end():], match.group(0).count("\n")


# Front-matter fields a manuscript may set: (check, what is expected). The draft writes all three.
FRONT_MATTER = {
    "status": (lambda v: v in ("draft", "final"), "draft or final"),
    "drafted_from": (lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v), "a list of file names"),
    "trace": (lambda v: isinstance(v, str), "a file name (text)"),
}


def check_front_matter(meta: dict, path: Path) -> tuple[dict, list[str]]:
    """The known front-matter fields, type-checked (all problems in one SourceError); unknown ones are notices."""
    problems = [f"field {k!r}: expected {what}, found {meta[k]!r}"[:200]
                for k, (ok, what) in FRONT_MATTER.items() if k in meta and not ok(meta[k])]
    if problems:
        raise SourceError(path, "front matter: " + "; ".join(problems))
    # Unknown fields are dropped, not kept: nothing reads them, and YAML aliases can make them huge.
    notices = [f"front matter: field {str(k)[:40]!r} is not used (known: {', '.join(FRONT_MATTER)})"
               for k in meta if k not in FRONT_MATTER]
    return {k: v for k, v in meta.items() if k in FRONT_MATTER}, notices


def enter_heading(section: list[str], level: int, title: str) -> list[str]:
    """The section path after a level-`level` heading: its parents kept (blank where skipped), then the title."""
    return (section + [""] * level)[: level - 1] + [title]


def question_text(paragraph: str) -> str | None:
    """The question inside a paragraph set off wholly in bold or italic, else None."""
    match = _EMPHASIS_ONLY.match(paragraph.strip())
    return match.group(2).strip() if match else None


def escape_markdown(text: str) -> str:
    """Text with Markdown's inline specials backslash-escaped, so that it prints as written."""
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), text)


def markdown_tokens(text: str, file: str, max_depth: int, first_line: int = 1) -> list:
    """The block tokens of a Markdown body; lists and block quotes nested deeper than `max_depth` are refused.

    markdown-it stops parsing at its `maxNesting` and silently drops the rest of the document, so
    maxNesting is set above what `max_depth` containers can reach (each adds at most two levels)
    and the depth is checked here: a deeper document fails with its line instead of losing text.
    """
    parser = MarkdownIt("commonmark", {"maxNesting": 2 * max_depth + 4})
    parser.disable("inline")  # only the blocks' text is kept here: compose parses the inline markup once
    tokens = parser.parse(text)
    depth = 0
    for token in tokens:
        depth += _CONTAINERS.get(token.type, 0)
        if depth > max_depth:
            line = first_line + (token.map[0] if token.map else 0)
            raise SourceError(file, f"line {line}: lists and block quotes nest more than {max_depth} deep; the limit "
                                    f"is {max_depth} (setting max_list_depth): flatten them")
    return tokens


def literal_segment(token, file: str, section: list[str], in_list: bool) -> Segment:
    """A raw HTML or code block as a paragraph that prints its source as text (escaped, never interpreted)."""
    text = escape_markdown(token.content.strip())
    return Segment(text, file, section=tuple(section), role="bullet" if in_list else "text")


def parse_markdown(text: str, file: str, max_depth: int = Config.max_list_depth,
                   notices: list[str] | None = None, first_line: int = 1) -> list[Segment]:
    """Segments of a Markdown body: headings, paragraphs, bullets, each with its section path and line.

    `first_line` is the file's line number of the body's first line (after any front matter). Raw
    HTML blocks become text segments showing their source; `notices` collects a warning for each.
    """
    tokens = markdown_tokens(text, file, max_depth, first_line)
    section: list[str] = []
    segments: list[Segment] = []
    in_list = 0
    for i, token in enumerate(tokens):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            in_list += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            in_list -= 1
        elif token.type == "heading_open":
            level = int(token.tag[1])
            title = tokens[i + 1].content.strip()
            section = enter_heading(section, level, title)
            segments.append(Segment(title, file, section=tuple(section), role="heading", line=_line(token, first_line)))
        elif token.type == "inline" and tokens[i - 1].type == "paragraph_open":
            content = token.content.strip()
            role = "bullet" if in_list else "text"
            if not in_list and question_text(content) is not None:
                role = "question"
            segments.append(Segment(content, file, section=tuple(section), role=role, line=_line(token, first_line)))
        elif token.type in _LITERAL_BLOCKS and token.content.strip():
            segments.append(replace(literal_segment(token, file, section, in_list > 0), line=_line(token, first_line)))
            if notices is not None:
                where = f"line {first_line + token.map[0]}: " if token.map else ""
                notices.append(f"{where}{_LITERAL_BLOCKS[token.type]} shown as text: {' '.join(token.content.split())[:60]!r}")
    return segments


def _line(token, first_line: int) -> int | None:
    """The file line a block token starts on (markdown-it counts the body's lines from 0)."""
    return token.map[0] + first_line if token.map else None


@reader(".md", ".markdown")
def read_markdown(path: Path, options: ReadOptions) -> Source:
    """Read an editor's Markdown manuscript."""
    try:
        text = read_bytes(path, options, options.word_limit("manuscript")).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(path, f"expected UTF-8 text, found an undecodable byte at offset {exc.start}") from None
    meta, body, consumed = split_front_matter(text, path)
    meta, notices = check_front_matter(meta, path)
    segments = parse_markdown(body, path.name, options.max_list_depth, notices, first_line=consumed + 1)
    warnings = tuple(f"{path.name}: {n}" for n in notices) + (() if segments else (f"{path.name}: no text found",))
    return Source(path=str(path), kind="manuscript", segments=tuple(segments), warnings=warnings, metadata=meta)
