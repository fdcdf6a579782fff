"""Markdown manuscript reader: front matter, sections by heading, questions and bullets marked."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from markdown_it import MarkdownIt

from ..boundary import read_inside
from ..errors import SourceError
from ..models import Segment, Source
from . import ReadOptions, boundary_of, reader

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
_EMPHASIS_ONLY = re.compile(r"\A(\*\*|__|\*|_)(?!\s)(.+?)(?<!\s)\1\Z", re.S)


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


def enter_heading(section: list[str], level: int, title: str) -> list[str]:
    """The section path after a level-`level` heading: its parents kept (blank where skipped), then the title."""
    return (section + [""] * level)[: level - 1] + [title]


def question_text(paragraph: str) -> str | None:
    """The question inside a paragraph set off wholly in bold or italic, else None."""
    match = _EMPHASIS_ONLY.match(paragraph.strip())
    return match.group(2).strip() if match else None


def parse_markdown(text: str, file: str, first_line: int = 1) -> list[Segment]:
    """Segments of a Markdown body: headings, paragraphs, bullets, each with its section path and line.

    `first_line` is the file's line number of the body's first line (after any front matter).
    """
    tokens = MarkdownIt("commonmark").parse(text)
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
    return segments


def _line(token, first_line: int) -> int | None:
    """The file line a block token starts on (markdown-it counts the body's lines from 0)."""
    return token.map[0] + first_line if token.map else None


@reader(".md", ".markdown")
def read_markdown(path: Path, options: ReadOptions) -> Source:
    """Read an editor's Markdown manuscript."""
    try:
        text = read_inside(path, boundary_of(path, options)).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(path, f"expected UTF-8 text, found an undecodable byte at offset {exc.start}") from None
    except OSError as exc:
        raise SourceError(path, f"cannot be read: {exc.strerror}") from None
    meta, body, consumed = split_front_matter(text, path)
    segments = parse_markdown(body, path.name, first_line=consumed + 1)
    warnings = () if segments else (f"{path.name}: no text found",)
    return Source(path=str(path), kind="manuscript", segments=tuple(segments), warnings=warnings, metadata=meta)
