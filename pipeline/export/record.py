"""One final note's publication record — metadata, DOI, names, sections, entities — read from the inputs and the build's outputs."""

from __future__ import annotations

import json
import re
import string
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

from ..config import Config, load_briefing
from ..errors import PipelineError
from ..models import Briefing, Entity, Mention, Note, Source
from ..state import file_digest

DOI = re.compile(r"10\.[0-9]{4,9}/.{1,200}")  # Crossref's doi_t pattern
URL = re.compile(r"https?://[^\s/?#]+\.[^\s/?#]+\S*", re.I)
# Crossref's person-name pattern (given_name, surname), at most 60 characters.
CROSSREF_NAME = re.compile(r"[^\d?]*[^?\s]+[^\d]*")
MAX_NAME = 60
YEARS = (1400, 2200)  # Crossref's xrefYear range
MAX_ENTITIES_BYTES = 64 * 1024 * 1024
# Several authors on the © line: "A. One; B. Two", "A. One & B. Two", "A. One and B. Two".
AUTHOR_SEPARATOR = re.compile(r"\s*;\s*|\s+(?:&|and)\s+")


class ExportError(PipelineError):
    """A briefing whose metadata cannot produce a valid record: names the briefing, the field and what is expected."""

    def __init__(self, slug: str, field: str, problem: str):
        self.slug, self.field, self.problem = slug, field, problem
        super().__init__(f"{slug}: {field}: {problem}")


@dataclass(frozen=True)
class PersonName:
    """A person's name split the way JATS and Crossref want it."""

    full: str
    surname: str
    given: str = ""
    prefix: str = ""
    suffix: str = ""


@dataclass(frozen=True)
class ArticleRecord:
    """Everything the JATS and Crossref exports say about one note."""

    briefing: Briefing
    config: Config
    note: Note
    authors: tuple[PersonName, ...]
    """The note's authors (briefing.toml `author`, several separated by ';', '&' or 'and')."""
    speaker: PersonName
    speaker_index: int | None
    """Which author is the speaker (the house style's usual case), or None when the speaker is not an author."""
    doi: str | None
    url: str | None
    keywords: tuple[str, ...]
    entities: tuple[Entity, ...]
    """Entities named in the manuscript."""
    manuscript_name: str
    spans: dict[str, tuple[tuple[int, int, Entity], ...]]
    """For each paragraph of the note (its Markdown text): where the extractor found entities in it."""

    @property
    def slug(self) -> str:
        """The briefing's slug."""
        return self.briefing.slug

    @property
    def publisher_name(self) -> str:
        """The publisher's name: the setting, else the publisher line without its leading 'Published by'."""
        return publisher_name(self.config)


def publisher_name(config: Config) -> str:
    """The publisher's name for metadata: `publisher_name`, else the publisher line without 'Published by'."""
    name = config.publisher_name.strip() or re.sub(r"^\s*published by\s+(the\s+)?", "", config.publisher, flags=re.I)
    return name.strip()


def parse_name(text: str, slug: str, field: str) -> PersonName:
    """A name split into surname, given names, honorific and suffix (nameparser), or an ExportError."""
    from nameparser import HumanName

    from ..ingest.speakers import HONORIFICS

    text = " ".join(text.split())
    name = HumanName(text)
    title = name.title
    # nameparser keeps unknown leading honorifics as given names; ours are listed in one place.
    while name.first and name.first.rstrip(".").lower() in HONORIFICS and (name.last or name.middle):
        title = f"{title} {name.first}".strip()
        name = HumanName(text.replace(name.first, "", 1))
    given = " ".join(p for p in (name.first, name.middle) if p)
    surname = name.last or given  # a single name (mononym) goes in the surname, as Crossref asks
    if surname == given:
        given = ""
    if not surname or not any(c.isalpha() for c in surname):
        raise ExportError(slug, field, f"expected a person's name with a surname (JATS contrib/name/surname, "
                                       f"Crossref person_name/surname), found {text!r}")
    return PersonName(text, surname, given, title, name.suffix)


def crossref_name_problem(name: PersonName) -> str | None:
    """Why Crossref's person_name would reject the name, else None."""
    for part, value in (("surname", name.surname), ("given_name", name.given)):
        if value and (len(value) > MAX_NAME or not CROSSREF_NAME.fullmatch(value)):
            return (f"Crossref's person_name/{part} expects at most {MAX_NAME} characters matching"
                    f" {CROSSREF_NAME.pattern} (no leading '?' or digit), found {value!r}")
    return None


PLACEHOLDERS = ("volume", "issue", "number", "year", "slug", "doi")


def _fill(pattern: str, setting: str, values: dict) -> str | None:
    """A pattern with its placeholders filled; None when it needs a value the briefing lacks (e.g. no number).

    Only plain `{name}` placeholders are allowed: str.format's attribute and index access
    (`{number.__class__}`) would reach into Python objects.
    """
    if not pattern.strip():
        return None
    try:
        names = [field for _, field, spec, conversion in string.Formatter().parse(pattern)
                 if field is not None and (field not in PLACEHOLDERS or conversion or "{" in (spec or ""))]
    except ValueError as exc:
        raise ExportError("settings", setting, f"{pattern!r} is not a valid pattern: {exc}") from None
    if names:
        raise ExportError("settings", setting, f"unknown placeholder {{{names[0]}}} in {pattern!r} "
                                               f"(known: {', '.join('{' + k + '}' for k in PLACEHOLDERS)})")
    try:
        return pattern.format(**values)
    except KeyError:  # a known placeholder this briefing has no value for (no number: no DOI)
        return None


def doi_and_url(briefing: Briefing, config: Config) -> tuple[str | None, str | None]:
    """The note's DOI (its own `doi`, else `doi_pattern` with its `number`) and landing URL, each None when unknown."""
    values = {"volume": briefing.volume, "issue": briefing.issue, "year": briefing.year, "slug": briefing.slug}
    if briefing.number is not None:
        values["number"] = briefing.number
    doi = briefing.doi or _fill(config.doi_pattern, "doi_pattern", values)
    if doi is not None and not DOI.fullmatch(doi):
        field = "doi" if briefing.doi else "doi_pattern"
        raise ExportError(briefing.slug, field, f"expected a DOI matching 10.PREFIX/SUFFIX (prefix of 4-9 digits,"
                                                f" Crossref's doi_t), found {doi!r}")
    if doi is not None:
        values["doi"] = doi
    url = _fill(config.url_pattern, "url_pattern", values)
    if url is not None and not URL.fullmatch(url):
        raise ExportError(briefing.slug, "url_pattern", f"expected an http(s) URL (Crossref's resource), found {url!r}")
    return doi, url


def check_numbers(briefing: Briefing) -> None:
    """Volume, issue and number must be positive (both schemas number from 1); the © year has four digits."""
    for field in ("volume", "issue", "number"):
        value = getattr(briefing, field)
        if value is not None and value < 1:
            raise ExportError(briefing.slug, field, f"expected a positive integer, found {value}")
    if not 1 <= briefing.year <= 9999:
        raise ExportError(briefing.slug, "year", f"JATS copyright-year and pub-date (iso-8601-date) expect a"
                                                 f" four-digit year, found {briefing.year}")


TEXT_SETTINGS = ("journal", "journal_id", "issn", "publisher", "publisher_name", "licence_name", "licence_url",
                 "available_from", "disclaimer", "organisation", "depositor_name", "depositor_email", "registrant")


def check_text(briefing: Briefing, note: Note, config: Config) -> None:
    """Every text field, setting and section must be text XML can carry (no control characters), named when not."""
    from .inline import MarkupError, clean

    fields = {f"setting {name!r}": [getattr(config, name)] for name in TEXT_SETTINGS}
    fields.update({name: [getattr(briefing, name)] for name in ("title", "speaker", "event", "author", "doi", "subject")})
    fields["keywords"] = list(briefing.keywords)
    for name in ("key_events", "nature_of_discussion", "presentation", "key_points", "further_reading"):
        fields[name] = list(getattr(note, name))
    fields["questions"] = [t for qa in note.questions for t in (qa.question, *qa.answer)]
    for name, texts in fields.items():
        for text in texts:
            try:
                clean(text)
            except MarkupError as exc:
                raise ExportError(briefing.slug, name, f"{exc} (JATS and Crossref are XML 1.0)") from None


def read_entities(path: Path, slug: str) -> tuple[Entity, ...]:
    """The entities of a built briefing, from its entities.json (bounded in size)."""
    if not path.is_file():
        raise ExportError(slug, path.name, f"not built: {path} is missing (run `briefing build {slug}` first)")
    if path.stat().st_size > MAX_ENTITIES_BYTES:
        raise ExportError(slug, path.name, f"larger than {MAX_ENTITIES_BYTES // 2**20} MB")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return tuple(
            Entity(type=e["type"], subtype=e["subtype"], id=e["id"], name=e["name"], cas=e.get("cas"),
                   control=e.get("control"), controlled=tuple(e.get("controlled", ())),
                   mentions=tuple(Mention(text=m["text"], file=m["file"], start_char=m["start_char"],
                                          end_char=m["end_char"], segment=m["segment"]) for m in e["mentions"]))
            for e in data["entities"]
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ExportError(slug, path.name, f"expected the build's entities.json, found unreadable data ({exc!r});"
                                           f" rebuild with `briefing build {slug} --force`") from None


def _check_built_from(out_dir: Path, briefing: Briefing) -> None:
    """The outputs must come from today's manuscript: the build's meta.json records its checksum."""
    try:  # meta.json is the build's record (archive.embed writes it); read here directly, imports go one way
        meta = json.loads((out_dir / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = {}
    if not isinstance(meta, dict):
        meta = {}
    name = briefing.manuscript.relative_to(briefing.folder).as_posix()
    recorded = {a.get("name"): a.get("sha256") for a in meta.get("attachments", []) if isinstance(a, dict)}
    if recorded.get(name) != file_digest(briefing.manuscript):
        raise ExportError(briefing.slug, name, f"changed since the last build (or never built): run "
                                               f"`briefing build {briefing.slug}` first")


def load_record(folder: Path, config: Config, require_final: bool = True) -> ArticleRecord:
    """The publication record of one briefing: inputs, the manuscript's sections and the build's entities.

    Reads the manuscript again (cheap) rather than the build's cache; the entities come from
    the build's entities.json, so exporting never loads spaCy. Raises ExportError (or the
    loader's PipelineError) naming the briefing and the field.
    """
    from ..ingest import read_options
    from ..draft import REQUIRED, SECTIONS, note_from_manuscript
    from ..extract.output import salient_keywords
    from ..ingest import read_source

    briefing, config = load_briefing(folder, config)
    slug = briefing.slug
    if briefing.manuscript is None:
        raise ExportError(slug, "status", f"is 'draft': there is no manuscript, only a draft made in memory (run"
                                          f" `briefing draft {slug}`, edit note.md and set `status: final`)")
    manuscript = read_source(briefing.manuscript, read_options(config, folder=briefing.folder))
    note, _warnings = note_from_manuscript(manuscript, briefing)
    if require_final and note.status != "final":
        raise ExportError(slug, "status", f"is {note.status!r}: only final notes are exported")
    check_numbers(briefing)
    for section in REQUIRED:  # a final note has every house-style section (JATS needs a list item, too)
        if not getattr(note, section):
            heading = next(" / ".join(k) for k, v in SECTIONS.items() if v == section)
            raise ExportError(slug, heading, "missing or empty: every final note has this house-style section")
    check_text(briefing, note, config)
    authors = [parse_name(part, slug, "author") for part in AUTHOR_SEPARATOR.split(briefing.author.strip())]
    speaker = parse_name(briefing.speaker, slug, "speaker")
    key = (speaker.surname.lower(), speaker.given.lower())
    index = next((n for n, a in enumerate(authors) if (a.surname.lower(), a.given.lower()) == key), None)
    if index is not None and not authors[index].prefix:  # the © line names the speaker without the honorific
        authors[index] = replace(authors[index], prefix=speaker.prefix)
    out_dir = config.root / config.outputs_dir / slug
    entities = read_entities(out_dir / "entities.json", slug)
    _check_built_from(out_dir, briefing)
    name = briefing.manuscript.name
    in_note = tuple(e for e in entities if any(m.file == name for m in e.mentions))
    doi, url = doi_and_url(briefing, config)
    return ArticleRecord(
        briefing=briefing, config=config, note=note, authors=tuple(authors), speaker=speaker, speaker_index=index,
        doi=doi, url=url, keywords=tuple(salient_keywords(list(entities))), entities=in_note,
        manuscript_name=name, spans=mention_spans(manuscript, in_note, name),
    )


def mention_spans(manuscript: Source, entities: Sequence[Entity], name: str) -> dict[str, tuple[tuple[int, int, Entity], ...]]:
    """Each manuscript paragraph's entity spans, by the positions the extractor recorded (not by matching text again).

    A question paragraph is stored without its emphasis markers, so its spans are shifted to
    the question's own text; a span whose text no longer matches is dropped (never misplaced).
    """
    from ..ingest.markdown import question_text

    found: dict[str, list[tuple[int, int, Entity]]] = {}
    for entity in entities:
        for m in entity.mentions:
            if m.file != name or not 0 <= m.segment < len(manuscript.segments):
                continue
            text = manuscript.segments[m.segment].text
            question = question_text(text)
            for paragraph in (text, question):
                offset = text.find(paragraph) if paragraph else -1
                start, end = m.start_char - offset, m.end_char - offset
                if offset >= 0 and 0 <= start < end <= len(paragraph) and paragraph[start:end] == m.text:
                    found.setdefault(paragraph, []).append((start, end, entity))
    return {text: tuple(sorted(set(spans), key=lambda s: (s[0], -s[1]))) for text, spans in found.items()}


def publication_date(briefing: Briefing) -> tuple[int, int | None, int | None]:
    """(year, month, day) of publication: briefing.toml's `published`, else the © year alone."""
    if briefing.published is not None:
        return briefing.published.year, briefing.published.month, briefing.published.day
    return briefing.year, None, None


def check_year(record: ArticleRecord) -> None:
    """The publication year must lie in Crossref's range (xrefYear: 1400-2200)."""
    year = publication_date(record.briefing)[0]
    if not YEARS[0] <= year <= YEARS[1]:
        field = "published" if record.briefing.published else "year"
        raise ExportError(record.slug, field, f"Crossref's publication_date/year expects {YEARS[0]}-{YEARS[1]},"
                                              f" found {year}")


def iso_date(year: int, month: int | None, day: int | None) -> str:
    """`2027`, `2027-03` or `2027-03-05`."""
    return "-".join([f"{year:04d}"] + [f"{v:02d}" for v in (month, day) if v is not None])
