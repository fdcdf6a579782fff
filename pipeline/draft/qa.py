"""Question and answer condensed: one question per questioner's turn (≤ 60 words), the answer's central sentences (≤ 150)."""

from __future__ import annotations

import re
from typing import Callable, Protocol, Sequence

from ..ingest.transcript import INDIRECT_QUESTION
from .salience import rank_sentences, similarity_matrix

QUESTION_WORDS = 60
ANSWER_WORDS = 150

PLEASANTRY = re.compile(
    r"^(?:thank(?:s| you)\b|(?:that's|it's|what) (?:a |an )?(?:really )?(?:great|good|excellent|fair|hard|tough|interesting|important) question|"
    r"good (?:morning|afternoon|evening)|welcome\b|great,? thanks|sure\b|you're welcome|my pleasure|hi\b|hello\b|diolch\b|okay\b|ok\b|"
    r"(?:yes|no|right|indeed|absolutely|certainly|of course)\s*[.!]?$)",
    re.I,
)
SELF_INTRO = re.compile(r"\b(?:my name is|I'm an?\b|I am an?\b|I work (?:at|for|in)|I(?:'m| am) (?:with|from)|I spent|I retired|I'm retired)", re.I)
_QUESTION_PREFIX = re.compile(
    r"^(?:(?:and |so )?my (?:first |second |next |last |final )?(?:question|follow-up) (?:is|would be)(?: this| simply)?"
    r"(?: (?:for|to) (?:the |Dr\.? |Mr\.? |Mrs\.? |Ms\.? |Prof\.? )?[A-Z][\w'’-]+(?: [A-Z][\w'’-]+)?)?(?:,|:| that)?\s+|"
    r"the question is(?:,|:)?\s+|what I wanted to ask (?:is|was)(?:,|:)?\s+|I guess my question is(?:,|:)?\s+|quick question(?:,|:)\s+|"
    r"(?:so |and )?I(?:'d| would) (?:just )?like to ask(?: you)?(?:,|:)?\s+(?=(?:what|why|how|when|where|who|which|whether|if)\b))",
    re.I,
)
RELAY_PREFIX = re.compile(r"^[^:?]{0,120}\b(?:question|asks|asking|writes|wants to know)\b[^:?]{0,60}:\s*", re.I)
# Words of address that open or close a question ("Mr. Chair, …", "…, Minister?").
_ADDRESS = (r"(?:(?:Mr|Mrs|Ms|Madam|Madame)\.?\s*(?:Chair(?:man|woman)?|Speaker|President|(?:Deputy )?(?:Prime )?Minister)|"
            r"(?:Deputy |Prime |Cabinet |First )*Minister|Chair|Sir|Madam|Cabinet Secretary|Secretary|"
            r"(?:Dr|Mr|Mrs|Ms|Prof|Professor|Minister)\.?\s+[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?)")
_VOCATIVE_HEAD = re.compile(rf"^(?:{_ADDRESS})\s*,(?!\s*(?:who|whose|which)\b)\s*")
_VOCATIVE_TAIL = re.compile(rf",\s*(?:{_ADDRESS})\s*(?=[?.!,])")
_FLOOR = re.compile(r"\b(?:can you hear|is (?:this|the) mic|are you there|can I come in|may I|go ahead)\b", re.I)
_ASKING = re.compile(r"(?i)^(?:what|why|how|when|where|who|whom|which|whether|is|are|was|were|do|does|did|can|could|would|will|"
                     r"should|shall|has|have|had|may|might|isn't|aren't|don't|doesn't|won't|wouldn't|couldn't)\b")


# A fragment: a sentence broken off or picked up mid-way ("—but what I would say", "No.", "… get themselves—.").
_FRAGMENT = re.compile(r"^[\W_]|^[a-z]|[—–-]\W*$|\.\.\.\W*$|…\W*$|^[^'‘’]*\w['’](?=\s)(?<!s')(?<!s’)|"
                       r"\b(?i:the|a|an|these|those|to|of|and|or|with|for|our|their|its|my|your|by|from|into|than)\W*$")
# Courtesies inside a sentence ("That's a very good question, Janet, because …", "First of all, thank you").
_COURTESY = re.compile(r"\b(?:thank(?:s|ing)?|grateful|(?:very |really )?(?:good|great|fair|important|excellent) questions?|diolch|"
                       r"good (?:morning|afternoon|evening)|(?:my|the|this) question (?:is|was) (?:for|to)|(?:happy|pleased|glad) to (?:answer|take) "
                       r"(?:any )?questions|answer (?:any|the) questions|(?:further|more) details|hand (?:it )?over|pass (?:it|you) (?:over|on))\b", re.I)


# Openings that lean on the sentence before ("But that's got …", "It helps …"): not for a sentence standing alone.
DANGLING = re.compile(r"(?:But|And|So|Also|Then|That|This|These|Those|It|They|He|She|There|Yes|No|Not|Well|Again|Frankly|One|Whether)\b")


# A quotation opened and never closed: the sentence was split inside it ("As part of our 'Stay Safe.").
_OPEN_QUOTE = re.compile(r"(?:^|\s)['‘“\"][A-Z][^'’”\"]*$")


def fragment(text: str) -> bool:
    """Whether a sentence is a fragment or a courtesy rather than a statement a note can report."""
    return bool(_FRAGMENT.search(text) or _COURTESY.search(text) or _OPEN_QUOTE.search(text)) or len(text.split()) < 4


class Said(Protocol):
    """A transcript sentence as the drafter holds it."""

    text: str


def strip_address(text: str) -> str:
    """A sentence without the words of address around it ("Mr. Chair, …", "…, Minister?")."""
    text = _VOCATIVE_HEAD.sub("", text.strip())
    text = _VOCATIVE_TAIL.sub("", text)
    return text[:1].upper() + text[1:] if text else text


def _asks(text: str) -> bool:
    """A question sentence (or an indirect one) of four words or more that does not just manage the floor."""
    question = text.rstrip("\"'”’) ").endswith("?") or INDIRECT_QUESTION.search(text) or re.match(r"(?i)whether\b", text)
    return bool(question) and len(text.split()) >= 4 and not _FLOOR.search(text)


def condense_question(sentences: Sequence[Said], relayed: Callable[[Said], bool] = lambda s: False,
                      limit: int = QUESTION_WORDS) -> list[tuple[Said, str]]:
    """The question a questioner's turn asks, as (sentence, cleaned text) pairs of at most `limit` words:
    greetings, thanks, addresses, self-introductions and 'my question is' removed; one question (the first
    that fits), with the sentence before it when that sets it up and the whole still fits. Empty when the
    turn asks nothing."""
    kept: list[tuple[Said, str]] = []
    for s in sentences:
        text = RELAY_PREFIX.sub("", s.text) if relayed(s) else s.text
        text = strip_address(text)
        direct = _QUESTION_PREFIX.sub("", text).strip()
        if direct != text and direct and (direct.endswith("?") or _ASKING.match(direct)):
            text = direct[:1].upper() + direct[1:]
        if not text or PLEASANTRY.match(text) or (SELF_INTRO.search(text) and not _asks(text)):
            continue
        kept.append((s, text))
    asking = [k for k, (_, text) in enumerate(kept) if _asks(text) and len(text.split()) <= limit]
    if not asking:
        return []
    # The first substantive question (five words or more), else the first.
    pick = next((k for k in asking if len(kept[k][1].split()) >= 5), asking[0])
    chosen = [kept[pick]]
    # A two-part question ("Which ports do this well? What would you fund first?") keeps its parts while it fits.
    for k in range(pick + 1, len(kept)):
        if not _asks(kept[k][1]) or sum(len(t.split()) for _, t in chosen) + len(kept[k][1].split()) > limit:
            break
        chosen.append(kept[k])
    if pick > 0:
        before = kept[pick - 1][1]
        # A sentence sets a question up when it points at the speaker's words ("You said … . Why?") or the
        # question points back at it ("Is that a concern for you?").
        leans = len(kept[pick][1].split()) < 10 or re.match(r"(?i)\w+\s+(?:that|this|it|they|those|these)\b", kept[pick][1])
        about_self = re.search(r"\b(?:I|I'm|I've|my|me)\b", before)
        if not _asks(before) and (re.search(r"(?i)\b(?:you|your)\b", before) or leans and not about_self) and len(before.split()) >= 5 and len(before.split()) + sum(len(t.split()) for _, t in chosen) <= limit:
            chosen.insert(0, kept[pick - 1])
    return chosen


def condense_answer(sentences: Sequence[Said], question: str, usable: Callable[[Said], bool],
                    limit: int = ANSWER_WORDS) -> list[Said]:
    """The answer's most central sentences, the opening one and those echoing the question favoured,
    at most `limit` words, in the order spoken."""
    pool = [s for s in sentences if usable(s) and not PLEASANTRY.match(s.text) and not s.text.endswith("?") and len(s.text.split()) >= 5]
    if not pool:
        return []
    texts = [s.text for s in pool] + [question]
    sim = similarity_matrix(texts)
    central = rank_sentences(texts, sim=sim)[:-1]
    score = central + 0.5 * sim[-1, :-1]
    score[0] += 0.3
    chosen: list[int] = []
    words = 0
    for i in sorted(range(len(pool)), key=lambda i: -score[i]):
        n = len(pool[i].text.split())
        if words + n > limit:
            continue
        if any(sim[i, c] > 0.6 for c in chosen):
            continue
        chosen.append(i)
        words += n
        if words >= 0.8 * limit:
            break
    return [pool[i] for i in sorted(chosen)]
