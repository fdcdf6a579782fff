"""Draft stage: the note's sections, from the editor's manuscript or drafted from the transcript and slides.

- `manuscript`: the house-style sections read from note.md / note.docx;
- `summarise`: a traced first draft from the transcript (with `salience` ranking sentences and
  `reported` turning the speaker's first person into attributed third person);
- `references`: FURTHER READING gathered from briefing.toml, slides and transcript;
- `trace`: where every drafted sentence came from (`note.draft.json`).
"""

import importlib

from .manuscript import REQUIRED, SECTIONS, note_from_manuscript
from .references import find_links, slide_references
from .trace import Span, Trace, TracedSentence

# Drafting needs numpy and YAML; a build from a manuscript (or `briefing check`) never loads them.
_SUMMARISE = frozenset({"DraftResult", "draft_note", "note_to_markdown", "transcript_sentences", "write_draft"})


def __getattr__(name: str):
    """The drafting functions, imported from `summarise` on first use."""
    if name in _SUMMARISE:
        return getattr(importlib.import_module(f"{__name__}.summarise"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "REQUIRED", "SECTIONS", "note_from_manuscript", "find_links", "slide_references", "DraftResult", "draft_note",
    "note_to_markdown", "transcript_sentences", "write_draft", "Span", "Trace", "TracedSentence",
]
