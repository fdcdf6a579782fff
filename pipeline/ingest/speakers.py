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
# Titles and ranks written before a name in running text (lower case, with and without the full stop).
TITLES = frozenset({
    "mr", "mr.", "ms", "ms.", "mrs", "mrs.", "dr", "dr.", "prof", "prof.", "professor", "sir",
    "dame", "judge", "justice", "senator", "sen.", "rep.", "representative", "minister",
    "president", "secretary", "gen.", "colonel", "col.", "captain", "capt.", "inspector",
    "sergeant", "sgt.", "officer", "agent", "ambassador", "commissioner", "superintendent",
    "madam", "mister", "miss", "lt.", "lieutenant", "detective", "premier", "governor",
    "insp", "insp.", "det.", "supt.", "cst.", "const.", "constable", "cpl.", "corporal", "rev.",
    "reverend", "hon.", "amb.", "cmdr.", "commander", "sheriff",
})
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
_TOKEN = re.compile(r"[^\W\d_][\w'’.\-]*|\d+|&", re.U)
# A label: a name (no colon, no parentheses) then parenthesised groups, one level of nesting allowed, as
# parliamentary records write them: "The Chair (Hon. Anthony Rota (Nipissing—Timiskaming, Lib.))".
_GROUP = r"\((?:[^():\n]|\([^():\n]*\)){1,160}\)"
_LABEL = re.compile(rf"^\s*(?:>>\s*)?((?:[^:()\n]{{1,60}}?)(?:\s*{_GROUP}){{0,3}})\s*:(?:\s+|$)(.*)$", re.S)
_GROUPS = re.compile(rf"\s*{_GROUP}\s*")
_PARENS = _GROUPS
# Parenthesised text may carry ridings, parties and portfolios, but not sentence punctuation.
_GROUP_BAD = re.compile(r'[;!?"“”\[\]{}<>/\\|*=+#@]')
# Titles of address in labels only ("Right Hon. Justin Trudeau"): kept apart from HONORIFICS, which
# the extract stage also uses, because "right" is an ordinary word in running text.
_LABEL_TITLES = HONORIFICS | {"right", "rt", "very", "most"}
# Post-nominal letters after a name ("Lynne Neagle AM", "Jane Doe MP"): not part of who someone is.
_POSTNOMINALS = frozenset("am ms mp msp mla mpp mna mha td mep qc kc pc obe mbe cbe kbe dbe frs phd dphil md "
                          "llb llm msc bsc ma esq jr sr".split())
# A label naming an office ("The Chair", "The Acting Chair", "Deputy Speaker"), possibly with its holder in parentheses.
_OFFICE = re.compile(rf"^(?:the\s+)?(?:(?:acting|deputy|vice|co|assistant|joint)[\s-]+)?(?:{MODERATOR_WORDS}|{PRESENTER_WORDS}|"
                     r"chairman|chairwoman|clerk|president|speaker of the house)$", re.I)


def looks_like_label(label: str) -> bool:
    """Whether text before a colon reads as a speaker label ("Dr. Lena Varga", "Q", "Audience member 2",
    "Mr. Scott Reid (Lanark—Frontenac—Kingston, CPC)", "The Chair (Hon. Anthony Rota)")."""
    label = label.strip()
    groups = _GROUPS.findall(label)
    if any(_GROUP_BAD.search(g) for g in groups) or sum(len(g) for g in groups) > 200:
        return False
    label = _GROUPS.sub(" ", label).strip()
    if not label or len(label) > 60 or any(c in label for c in ',;!?"“”[]{}<>/\\|*=+#@()'):
        return False
    tokens = _TOKEN.findall(label)
    # Everything must be covered by tokens (no stray punctuation) and there are at most 6 words.
    if "".join(tokens).replace(" ", "") != re.sub(r"\s+", "", label) or not 1 <= len(tokens) <= 6:
        return False
    first = tokens[0]
    if not first[:1].isalpha() or not first[:1].isupper():
        return False
    # A riding-and-party group ("(Victoria, NDP)") follows a full name or an office, not one word ("So (1990, 2000)").
    if any("," in g for g in groups) and len(tokens) < 2 and not _OFFICE.match(label):
        return False
    for token in tokens[1:]:
        if token.isdigit() or token == "&":
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


def _holder(label: str) -> str | None:
    """The person named in an office label's parentheses: 'The Chair (Hon. Anthony Rota (Nipissing, Lib.))' →
    'Hon. Anthony Rota'; None when the label is not an office or names nobody."""
    if not _OFFICE.match(_base(label)):
        return None
    inner = re.search(r"\(([^(),]*)", label)
    name = " ".join(inner.group(1).split()) if inner else ""
    if not name or not looks_like_label(name) or len(person_words(name)) < 2:
        return None
    return name


def is_postnominal(word: str) -> bool:
    """Letters written after a name ("AM", "MP", "QC", "PhD", "Jr."): a degree, an honour or a
    seat, not part of who someone is. Capitalised as such letters are, never an ordinary word."""
    core = word.strip(".,’'-")
    return core.lower() in _POSTNOMINALS and (core.isupper() or core in {"PhD", "DPhil", "Jr", "Sr", "Esq", "LLM", "MSc", "BSc"})


def strip_postnominals(words: list[str], keep: int = 2) -> list[str]:
    """Words of a name without the post-nominal letters that end it, keeping at least `keep` words
    ("Julie Morgan AM" → "Julie Morgan"; "Morgan AM" stays, as one word is no name to keep)."""
    words = list(words)
    while len(words) > keep and is_postnominal(words[-1]):
        words.pop()
    return words


def person_words(name: str) -> list[str]:
    """The words naming a person: lower-cased, without titles, punctuation or post-nominal letters."""
    words = [w.strip(".’'-,") for w in name.split()]
    words = strip_postnominals([w for w in words if w])
    return [w.lower() for w in words if w.lower() not in _LABEL_TITLES]


def person_name(label: str) -> str:
    """The name of the person a speaker label names, as written, and nothing else: no parenthesised
    riding, party or role, no title, no post-nominal letters ('Hon. Ed Fast (Abbotsford, CPC)' →
    'Ed Fast', 'Julie Morgan AM' → 'Julie Morgan'); an office label gives its holder ('The Chair
    (Hon. Anthony Rota (Nipissing, Lib.))' → 'Anthony Rota')."""
    words = (_holder(label) or _base(label) or label.strip()).split()
    while len(words) > 1 and words[0].rstrip(".").lower() in _LABEL_TITLES:
        words.pop(0)
    words = strip_postnominals(words)
    words[-1:] = [w.rstrip(",") for w in words[-1:]]
    return " ".join(words)


def _name_key(label: str) -> tuple[str, ...]:
    """The words that identify a person: lower-cased, without honorifics or punctuation; an office holds
    the key of its named holder, and an unnamed office ("The Chair") a key of its own."""
    holder = _holder(label)
    if holder:
        return tuple(person_words(holder))
    base = _base(label)
    if _OFFICE.match(base) and base.lower().startswith("the "):
        return ("office", " ".join(base.lower().split()))
    key = tuple(person_words(base))
    return key or tuple(w.strip(".’'-").lower() for w in base.split() if w.strip(".’'-"))


def _display(label: str) -> str:
    """How a label is shown: ridings, parties and roles in parentheses dropped, ALL-CAPS names title-cased;
    a chair keeps the office and its holder ('The Chair (Hon. Anthony Rota)')."""
    holder = _holder(label)
    base = _base(label) or label.strip()
    if holder:
        return f"{base} ({holder})" if re.search(rf"\b(?:{MODERATOR_WORDS})\b", base, re.I) else holder
    if base.isupper() and len(base) > 3:
        base = " ".join(w if len(w) <= 1 else w[0] + w[1:].lower() for w in base.split())
        base = re.sub(r"\b(Dr|Mr|Mrs|Ms|Prof)\b(?!\.)", r"\1.", base)
    return base


def name_forms(name: str) -> list[str]:
    """The ways a note may name a speaker: as shown, without titles, title and surname, surname alone
    ('Dr. Amara Okafor', 'Amara Okafor', 'Dr. Okafor', 'Okafor'); a chair also by its holder's forms."""
    holder = re.search(r"\(([^()]*)\)", name)
    base = _base(name)
    forms = [name.strip(), base]
    person = holder.group(1) if holder and _OFFICE.match(base) else base
    words = [w.strip(".,") for w in person.split() if w.strip(".,")]
    bare = [w for w in words if w.lower().strip(".") not in _LABEL_TITLES]
    titles = [w for w in words if w.lower().strip(".") in _LABEL_TITLES]
    bare = strip_postnominals(bare)
    if bare:
        forms += [person, " ".join(bare), bare[-1]]
        if titles:
            forms.append(f"{titles[-1]}. {bare[-1]}".replace("..", "."))
            forms.append(f"{titles[-1]} {bare[-1]}")
    return [f for f in dict.fromkeys(forms) if f and not _OFFICE.match(f)]


def normalise_speakers(labels) -> dict[str, str]:
    """Map each raw speaker label to one canonical name per person.

    Labels naming the same words (ignoring case, titles, post-nominal letters and parenthesised
    ridings, parties or roles) are one person; a one-word label ("Dr. Varga", "Varga") joins the single
    multi-word name ending in that word; an unnamed office ("The Chair") joins the one person the
    transcript names as holding it ("The Chair (Hon. Anthony Rota)"), and stays apart when several did.
    The canonical name is the longest form seen, preferring mixed case over ALL CAPS.
    """
    unique = list(dict.fromkeys(l for l in labels if l and l.strip()))
    groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
    holders: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    for label in unique:
        key = _name_key(label)
        groups[key].append(label)
        if _holder(label):
            holders[" ".join(_base(label).lower().split())].add(key)
    for key in [k for k in groups if len(k) == 2 and k[0] == "office"]:
        held = holders.get(key[1], set())
        if len(held) == 1:
            groups[next(iter(held))].extend(groups.pop(key))
    # Fold one-word keys into the unique longer key that ends (or begins) with the same word.
    for key in [k for k in groups if len(k) == 1]:
        word = key[0]
        people = [k for k in groups if len(k) > 1 and k[0] != "office"]
        by_last = [k for k in people if k[-1] == word]
        candidates = by_last or [k for k in people if k[0] == word]
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
