"""Compose stage: a Note and its briefing become house-style HTML through Jinja templates."""

from __future__ import annotations

from functools import partial
from typing import Sequence

from jinja2 import Environment, StrictUndefined, select_autoescape
from markupsafe import Markup

from . import __version__
from .config import Config, template_dirs
from .limits import render_bounded
from .models import Briefing, Note
from .sandbox import FolderLoader, SandboxedEnvironment

TEMPLATE = "note.html"


def render_inline(text: str, max_depth: int = Config.max_inline_depth) -> Markup:
    """Markdown inline markup (emphasis, links, autolinks) as safe HTML; raw HTML is escaped.

    Markup nested deeper than `max_depth`, or crowding one word, is printed plain (see limits).
    """
    return Markup(render_bounded(text, max_depth)[0].strip())


def make_environment(config: Config) -> Environment:
    """A sandboxed Jinja environment over the style's template folders only, autoescaping HTML."""
    dirs = template_dirs(config)
    env = SandboxedEnvironment(
        loader=FolderLoader(dirs),
        autoescape=select_autoescape(["html", "htm", "xml", "css"], default_for_string=True),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["inline"] = partial(render_inline, max_depth=config.max_inline_depth)
    return env


def format_date(briefing: Briefing) -> str:
    """The talk's date in house style: `November 15, 2023`."""
    return f"{briefing.date:%B} {briefing.date.day}, {briefing.date.year}"


def licence_sentence(config: Config) -> str:
    """The licence statement as the note prints it (and as `check` and XMP dc:rights expect it)."""
    return f"This work is licensed under a {config.licence_name}."


def copyright_line(briefing: Briefing) -> str:
    """The © line as the house style prints it: `© (AUTHOR NAME, YEAR)`."""
    return f"© ({briefing.author.upper()}, {briefing.year})"


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
