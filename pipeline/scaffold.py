"""`briefing new`: a new briefing folder with a commented briefing.toml and a house-style manuscript."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

from .config import BRIEFING_FILE, Config
from .draft.manuscript import PLACEHOLDER
from .errors import PipelineError

SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?")


@dataclass(frozen=True)
class NewBriefing:
    """What `briefing new` fills in; anything not given gets a placeholder the editor replaces."""

    slug: str
    title: str = ""
    speaker: str = "Dr. Firstname Lastname"
    event: str = "Name of the event"
    date: dt.date | None = None
    author: str = "Rapporteur Name"
    volume: int = 1
    issue: int = 1


def _toml_string(value: str) -> str:
    """A TOML basic string (JSON's escaping is valid TOML for these characters)."""
    return json.dumps(value, ensure_ascii=False)


def briefing_toml(new: NewBriefing, date: dt.date) -> str:
    """The commented briefing.toml of a new briefing."""
    title = new.title or new.slug.replace("-", " ").capitalize()
    return f"""# The talk's metadata. `briefing config` lists the journal-wide settings.

# Printed in capitals at the top of the note.
title = {_toml_string(title)}
# The speaker with honorific (Dr., Prof., Insp., ...).
speaker = {_toml_string(new.speaker)}
event = {_toml_string(new.event)}
# The talk's date, also the PDF's creation date.
date = {date.isoformat()}
# The rapporteur, named on the (c) line.
author = {_toml_string(new.author)}
volume = {new.volume}
issue = {new.issue}
# "final" when the note is ready for the journal (note.md's front matter overrides this).
status = "draft"

# Optional:
# subject = "One sentence describing the note (the PDF's subject)."
# keywords = ["fentanyl", "precursors"]
# further_reading = ["Author, A. (2024). *Title*. <https://doi.org/10.0000/example>"]
# Sources default to every readable file in this folder; name them to give a password:
# [[sources]]
# path = "slides.pdf"
# password = "..."
"""


def manuscript_md() -> str:
    """A manuscript holding every house-style heading, each with a placeholder paragraph."""
    return f"""---
status: draft
---
# KEY EVENTS

{PLACEHOLDER} who spoke, where and when, and the talk's main claims, in a few sentences.

# NATURE OF DISCUSSION

{PLACEHOLDER} what the presentation and the question period covered.

# BACKGROUND

## Presentation

{PLACEHOLDER} the presentation, paragraph by paragraph.

## Question and Answer

**{PLACEHOLDER} a question from the audience, set wholly in bold?**

{PLACEHOLDER} the speaker's answer.

# KEY POINTS OF DISCUSSION

- {PLACEHOLDER} one bullet per key point.

# FURTHER READING

- {PLACEHOLDER} references, links as <https://doi.org/...>
"""


def new_briefing(config: Config, new: NewBriefing, today: dt.date | None = None) -> Path:
    """Create inputs/<slug>/ with briefing.toml and note.md; refuses a bad slug or an existing folder."""
    if not SLUG.fullmatch(new.slug):
        raise PipelineError(f"slug {new.slug!r}: expected lower-case letters, digits and inner hyphens "
                            "(at most 80 characters), e.g. 'opcw-after-syria'")
    inputs = config.root / config.inputs_dir
    if not inputs.is_dir():
        raise PipelineError(f"{inputs}: no inputs folder; is {config.root} a project (with briefings.toml)?")
    folder = inputs / new.slug
    try:
        folder.mkdir()
    except FileExistsError:
        raise PipelineError(f"{folder}: already exists; choose another slug") from None
    date = new.date or today or dt.date.today()
    # "x": never overwrite, even if something appeared in the folder since it was made.
    with open(folder / BRIEFING_FILE, "x", encoding="utf-8") as handle:
        handle.write(briefing_toml(new, date))
    with open(folder / "note.md", "x", encoding="utf-8") as handle:
        handle.write(manuscript_md())
    return folder
