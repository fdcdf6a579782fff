"""Judges whether extracted text is readable: a text layer of mojibake must not become entities."""

from __future__ import annotations

import re
import unicodedata

# Unicode categories no real prose is made of: unassigned, private use, surrogates, controls.
_BAD_CATEGORIES = {"Cn", "Co", "Cs", "Cc"}
# Too little text to judge: a page number or a lone symbol is not a broken text layer.
_MIN_CHARS = 20
# A page is unreadable when this share of its text is in garbled words...
_MAX_BAD_SHARE = 0.3
# ... or when so few of them are letters or digits (a font without a Unicode map gives symbol soup).
_MIN_WORD_SHARE = 0.4


def unreadable_reason(text: str) -> str | None:
    """Why the text looks like a broken text layer (replacement, private-use, mojibake characters), else None.

    A word holding one garbage character is a garbled word: the share is counted in the
    characters of such words, so a page of mojibake is caught while one stray symbol is not.
    """
    chars = sum(not c.isspace() for c in text)
    if chars < _MIN_CHARS:
        return None
    kinds = {"replacement": 0, "private-use or control": 0, "mojibake": 0}
    garbled = 0
    mojibake = _mojibake_spans(text)
    for match in re.finditer(r"\S+", text):
        word = match.group()
        replacement = word.count("\ufffd")
        odd = sum(unicodedata.category(c) in _BAD_CATEGORIES for c in word)
        broken = any(a < match.end() and match.start() < b for a, b in mojibake)
        if replacement or odd or broken:
            garbled += len(word)
            kinds["replacement"] += replacement
            kinds["private-use or control"] += odd
            kinds["mojibake"] += broken
    if garbled / chars >= _MAX_BAD_SHARE:
        found = ", ".join(f"{n} {label}" for label, n in kinds.items() if n)
        return f"{garbled / chars:.0%} of its text is in garbled words ({found})"
    words = sum(c.isalnum() for c in text)
    if words / chars < _MIN_WORD_SHARE:
        return f"only {words / chars:.0%} of its characters are letters or digits"
    return None


def _mojibake_spans(text: str) -> list[tuple[int, int]]:
    """Spans of sequences ftfy recognises as UTF-8 read in another encoding (Ã©, â€™, ...)."""
    from ftfy.badness import BADNESS_RE  # ftfy knows the mojibake patterns of every common encoding mix-up

    return [m.span() for m in BADNESS_RE.finditer(text)]


def garbling_shown(layer: str, reading: str) -> list[str]:
    """The characters of a mojibake text layer's garbling (those ftfy's repair removes) that OCR also read on the page.

    Where the layer is mojibake but the page looks right, OCR reads the repaired characters; where
    double-encoded text was typeset as it is, OCR reads the garbling back (it may misread `Ã` as `A`,
    but `€`, `™`, `©` survive), and no reading of the image can repair the page.
    """
    from ftfy import fix_text

    garbling = set(layer) - set(fix_text(layer))
    return sorted(c for c in garbling if c in reading and not c.isspace() and not (c.isascii() and c.isalnum()))


def readable(segments):
    """The segments whose text may be mined (drafting, entities): those not marked unreadable."""
    return [seg for seg in segments if seg.role != "unreadable"]
