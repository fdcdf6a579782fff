"""Speaker labels: recognising `Name:` prefixes and folding variants of one person's name together."""

from __future__ import annotations

import re
from collections import defaultdict

# Titles and honorifics that do not distinguish people ("Dr. Varga" is "Varga").
HONORIFICS = frozenset(
    "dr doctor prof professor mr mrs ms miss mx sir dame lord lady rev reverend hon honourable honorable "
    "amb ambassador gen general col colonel maj major capt captain lt cmdr commander adm admiral sgt "
    "insp inspector det detective supt superintendent judge justice senator sen rep mp minister "
    "president chair chairman chairwoman st madam staff cst const constable cpl corporal pc officer "
    "sheriff deputy chief agent special".split()
)
# Labels naming a role, not a person ("Moderator", "Audience member 3", "Presenter").
MODERATOR_WORDS = r"moderator|chair|chairperson|host|facilitator|emcee|mc|convenor|organi[sz]er"
PRESENTER_WORDS = r"speaker|presenter|lecturer|panelist|panellist|guest"
_ROLE_LABEL = re.compile(rf"^(?:{MODERATOR_WORDS}|{PRESENTER_WORDS}|audience(?: member)?|participant|"
                         r"question(?:er)?|answer|unknown|interviewer|q|a)\b[\s\d.:]*$", re.I)


def is_role_label(label: str) -> bool:
    """True when a speaker label names a role rather than a person."""
    return bool(_ROLE_LABEL.match(label.strip()))
# Lower-case words a label may contain: name particles and generic role words ("Audience member 2").
_LOWER_OK = frozenset(
    "de del della der den di da das do dos du la le van von y al el bin ibn ben of the and "
    "member speaker participant question questioner answer".split()
)
_TOKEN = re.compile(r"[^\W\d_][\w'’.\-]*|\d+|\([^()]*\)|&", re.U)
_LABEL = re.compile(r"^\s*(?:>>\s*)?([^:]{1,60}?)\s*:(?:\s+|$)(.*)$", re.S)
_PARENS = re.compile(r"\s*\([^()]*\)\s*")


def looks_like_label(label: str) -> bool:
    """Whether text before a colon reads as a speaker label ("Dr. Lena Varga", "Q", "Audience member 2")."""
    label = label.strip()
    if not label or len(label) > 60 or any(c in label for c in ',;!?"“”[]{}<>/\\|*=+#@'):
        return False
    tokens = _TOKEN.findall(label)
    # Everything must be covered by tokens (no stray punctuation) and there are at most 6 words.
    if "".join(tokens).replace(" ", "") != re.sub(r"\s+", "", label) or not 1 <= len(tokens) <= 6:
        return False
    first = tokens[0]
    if not first[:1].isalpha() or not first[:1].isupper():
        return False
    for token in tokens[1:]:
        if token.startswith("(") or token.isdigit() or token == "&":
            continue
        # "deGrasse", "al-Assad": a lower-case particle glued to a capitalised name is a name.
        if not (token[:1].isupper() or token.lower() in _LOWER_OK or token[:1] in "’'" or any(c.isupper() for c in token)):
            return False
    return True


def split_label(line: str) -> tuple[str, str] | None:
    """Split `Label: text` into (label, text) when the prefix reads as a speaker label, else None."""
    match = _LABEL.match(line)
    if not match or not looks_like_label(match.group(1)):
        return None
    return match.group(1).strip(), match.group(2).strip()


def _base(label: str) -> str:
    """A label without parenthesised roles and surplus spaces: 'Lena Varga (Speaker)' → 'Lena Varga'."""
    base = _PARENS.sub(" ", label)
    return " ".join(base.split()).strip(" .-–—")


def _name_key(label: str) -> tuple[str, ...]:
    """The words that identify a person: lower-cased, without honorifics or punctuation."""
    words = [w.strip(".’'-").lower() for w in _base(label).split()]
    key = tuple(w for w in words if w and w not in HONORIFICS)
    return key or tuple(w for w in words if w)


def _display(label: str) -> str:
    """How a label is shown: parenthesised roles dropped; ALL-CAPS names title-cased."""
    base = _base(label) or label.strip()
    if base.isupper() and len(base) > 3:
        base = " ".join(w if len(w) <= 1 else w[0] + w[1:].lower() for w in base.split())
        base = re.sub(r"\b(Dr|Mr|Mrs|Ms|Prof)\b(?!\.)", r"\1.", base)
    return base


def normalise_speakers(labels) -> dict[str, str]:
    """Map each raw speaker label to one canonical name per person.

    Labels naming the same words (ignoring case, titles and parenthesised roles) are one person;
    a one-word label ("Dr. Varga", "Varga") joins the single multi-word name ending in that word.
    The canonical name is the longest form seen, preferring mixed case over ALL CAPS.
    """
    unique = list(dict.fromkeys(l for l in labels if l and l.strip()))
    groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for label in unique:
        groups[_name_key(label)].append(label)
    # Fold one-word keys into the unique longer key that ends (or begins) with the same word.
    for key in [k for k in groups if len(k) == 1]:
        word = key[0]
        by_last = [k for k in groups if len(k) > 1 and k[-1] == word]
        candidates = by_last or [k for k in groups if len(k) > 1 and k[0] == word]
        if len(candidates) == 1:
            groups[candidates[0]].extend(groups.pop(key))
    mapping: dict[str, str] = {}
    for members in groups.values():
        mixed = [m for m in members if not _base(m).isupper()] or members
        canonical = max((_display(m) for m in mixed), key=lambda s: (len(s), s))
        for member in members:
            mapping[member] = canonical
    return mapping


def merge_notes(mapping: dict[str, str]) -> list[str]:
    """Notices naming the labels normalise_speakers read as one speaker, so an editor can check them."""
    notes = []
    for name in sorted(set(mapping.values())):
        variants = sorted(k for k, v in mapping.items() if v == name)
        if len(variants) > 1:
            notes.append(f"speaker labels {variants} read as one speaker {name!r}")
    return notes
