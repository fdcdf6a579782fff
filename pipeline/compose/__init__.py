"""Compose stage: a Note and its briefing become house-style HTML through Jinja templates."""

from __future__ import annotations

from functools import partial
from typing import Sequence

from jinja2 import Environment, StrictUndefined, select_autoescape

from .. import __version__
from ..config import Config, template_dirs
from ..models import Briefing, Note
from ..sandbox import FolderLoader, SandboxedEnvironment
from .typography import render_inline, typeset, typeset_text, url_text

__all__ = ["compose_html", "make_environment", "render_inline", "format_date", "licence_sentence",
           "copyright_line", "note_subject", "template_dirs"]

TEMPLATE = "note.html"


def make_environment(config: Config) -> Environment:
    """A sandboxed Jinja environment over the style's template folders only, autoescaping HTML."""
    dirs = template_dirs(config)
    env = SandboxedEnvironment(
        loader=FolderLoader(dirs),
        autoescape=select_autoescape(["html", "htm", "xml", "css"], default_for_string=True),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    # Markdown paragraphs, bullets, references; pathological markup printed plain (see limits).
    env.filters["inline"] = partial(render_inline, max_depth=config.max_inline_depth)
    env.filters["typeset"] = typeset  # plain-text fields: title, date, disclaimer, licence block
    env.filters["url"] = url_text  # a URL shown as the text of its link
    return env


def format_date(briefing: Briefing) -> str:
    """The talk's date in house style: `November 15, 2023`."""
    return f"{briefing.date:%B} {briefing.date.day}, {briefing.date.year}"


def licence_sentence(config: Config) -> str:
    """The licence statement as the note prints it (and as `check` and XMP dc:rights expect it)."""
    return typeset_text(f"This work is licensed under a {config.licence_name}.")


def copyright_line(briefing: Briefing) -> str:
    """The © line as the house style prints it: `© (AUTHOR NAME, YEAR)`."""
    return typeset_text(f"© ({briefing.author.upper()}, {briefing.year})")


def note_subject(briefing: Briefing) -> str:
    """The note's subject (PDF and XMP description): the briefing's own, else one made from its metadata."""
    return briefing.subject or f"Briefing note on {briefing.title}, presented by {briefing.speaker} at {briefing.event}"


def compose_html(briefing: Briefing, note: Note, config: Config, keywords: Sequence[str] = ()) -> str:
    """Render the note as one self-contained HTML document in the configured house style."""
    env = make_environment(config)
    template = env.get_template(TEMPLATE)
    return template.render(
        briefing=briefing,
        note=note,
        config=config,
        date=format_date(briefing),
        created=briefing.date.isoformat(),
        subject=note_subject(briefing),
        copyright=copyright_line(briefing),
        keywords=list(dict.fromkeys([*briefing.keywords, *keywords])),
        draft=note.status != "final",
        version=__version__,
    )
