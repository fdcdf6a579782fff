"""`briefing export crossref`: a Crossref deposit (schema 5.3.1) for the final notes of one issue, each record validated."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from lxml import etree

from ..config import Config, find_briefings, source_date_epoch
from ..errors import PipelineError
from ..state import write_atomic
from .inline import CROSSREF, DOI_URL, InlineTags, append_inline, clean, link_targets
from .record import (ArticleRecord, ExportError, check_year, crossref_name_problem, load_record, publication_date,
                     publisher_name)
from .schemas import load_schema, parse_xml, schema_errors, schemas_dir

CR = "http://www.crossref.org/schema/5.3.1"
AI = "http://www.crossref.org/AccessIndicators.xsd"
JATS_NS = "http://www.ncbi.nlm.nih.gov/JATS1"  # Crossref's namespaced JATS, for jats:abstract
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{CR} https://www.crossref.org/schemas/crossref5.3.1.xsd"
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
BATCH_ID = re.compile(r"\S{4,100}")  # doi_batch_id: 4-100 characters


@dataclass(frozen=True)
class DepositReport:
    """The deposit written: where, which notes it registers, and the notes left out with why."""

    path: Path
    included: tuple[str, ...]
    left_out: tuple[tuple[str, str], ...]
    validated: bool
    """True when the records and the file were validated against the Crossref schema."""


def _el(parent: etree._Element, tag: str, text: str | None = None, ns: str = CR, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ns}}}{tag}", attrs)
    if text is not None:
        element.text = clean(text)
    return element


def _date(parent: etree._Element, year: int, month: int | None = None, day: int | None = None) -> None:
    date = _el(parent, "publication_date", media_type="online")
    if month:
        _el(date, "month", f"{month:02d}")
    if day:
        _el(date, "day", f"{day:02d}")
    _el(date, "year", f"{year:04d}")


def _person(parent: etree._Element, name, sequence: str) -> None:
    person = _el(parent, "person_name", sequence=sequence, contributor_role="author")
    if name.given:
        _el(person, "given_name", name.given)
    _el(person, "surname", name.surname)
    if name.suffix:
        _el(person, "suffix", name.suffix)


def check_settings(config: Config) -> None:
    """The head and journal metadata a deposit needs from the settings, or an ExportError naming the setting."""
    email = config.depositor_email.strip()
    if not EMAIL.fullmatch(email) or not 6 <= len(email) <= 200:
        raise ExportError("settings", "depositor_email", f"Crossref's head/depositor/email_address expects an e-mail"
                                                         f" address (6-200 characters), found {email!r}")
    if not re.fullmatch(r"\d{4}-?\d{3}[\dX]", config.issn.strip()):
        raise ExportError("settings", "issn", f"Crossref's issn expects NNNN-NNNC, found {config.issn!r}")
    for name, value, limit in (("journal", config.journal, 255), ("depositor_name", depositor(config), 130),
                               ("registrant", registrant(config), 255)):
        if not value.strip() or len(value) > limit:
            raise ExportError("settings", name, f"Crossref expects 1-{limit} characters, found {value!r}")


def depositor(config: Config) -> str:
    """The depositor's name: the setting, else the publisher's name."""
    return config.depositor_name.strip() or publisher_name(config)


def registrant(config: Config) -> str:
    """The registrant: the setting, else the publisher's name."""
    return config.registrant.strip() or publisher_name(config)


def article_element(record: ArticleRecord) -> etree._Element:
    """One note's `journal_article`: titles, author, abstract, date, licence, DOI, landing page and references."""
    briefing, config = record.briefing, record.config
    article = etree.Element(f"{{{CR}}}journal_article", {"publication_type": "full_text", "language": "en"},
                            nsmap={None: CR, "ai": AI, "jats": JATS_NS})
    _el(_el(article, "titles"), "title", briefing.title)  # plain text, as the note prints it
    contributors = _el(article, "contributors")
    for n, person in enumerate(record.authors):
        _person(contributors, person, "first" if n == 0 else "additional")
    abstract = _el(article, "abstract", ns=JATS_NS)
    jats_tags = InlineTags(em="italic", strong="bold", code="monospace", namespace=JATS_NS)
    for paragraph in record.note.key_events:
        append_inline(_el(abstract, "p", ns=JATS_NS), paragraph, jats_tags)
    _date(article, *publication_date(briefing))
    program = _el(article, "program", ns=AI, name="AccessIndicators")
    _el(program, "license_ref", config.licence_url, ns=AI, applies_to="vor")
    doi_data = _el(article, "doi_data")
    _el(doi_data, "doi", record.doi)
    _el(doi_data, "resource", record.url)
    if record.note.further_reading:
        citations = _el(article, "citation_list")
        for n, reference in enumerate(record.note.further_reading, 1):
            citation = _el(citations, "citation", key=f"ref{n}")
            # The deposit's reference matching works best with the DOI given apart from the text.
            doi = next((m.group(1) for url in link_targets(reference) if (m := DOI_URL.fullmatch(url))), None)
            if doi:
                _el(citation, "doi", doi)
            append_inline(_el(citation, "unstructured_citation"), reference, CROSSREF)
    return article


def article_problems(record: ArticleRecord) -> None:
    """What keeps a note out of a deposit (no DOI or landing URL, a name or year Crossref rejects), as ExportError."""
    slug = record.slug
    if record.doi is None:
        raise ExportError(slug, "number", "no DOI: give the article `number` (for doi_pattern) or a `doi` in"
                                          " briefing.toml; Crossref's doi_data/doi is required")
    if record.url is None:
        raise ExportError(slug, "number", "no landing URL: url_pattern needs the article `number` in briefing.toml;"
                                          " Crossref's doi_data/resource is required")
    for person in record.authors:
        problem = crossref_name_problem(person)
        if problem:
            raise ExportError(slug, "author", problem)
    check_year(record)


def deposit_tree(config: Config, records: Sequence[ArticleRecord], issue: tuple[int, int], batch_id: str,
                 timestamp: int) -> etree._ElementTree:
    """A `doi_batch` registering the records of one issue (head, journal metadata, issue, articles)."""
    root = etree.Element(f"{{{CR}}}doi_batch", {"version": "5.3.1", f"{{{XSI}}}schemaLocation": SCHEMA_LOCATION},
                         nsmap={None: CR, "xsi": XSI, "ai": AI, "jats": JATS_NS})
    head = _el(root, "head")
    _el(head, "doi_batch_id", batch_id)
    _el(head, "timestamp", str(timestamp))
    person = _el(head, "depositor")
    _el(person, "depositor_name", depositor(config))
    _el(person, "email_address", config.depositor_email.strip())
    _el(head, "registrant", registrant(config))
    journal = _el(_el(root, "body"), "journal")
    metadata = _el(journal, "journal_metadata", language="en")
    _el(metadata, "full_title", config.journal)
    _el(metadata, "issn", config.issn.strip(), media_type="electronic")
    journal_issue = _el(journal, "journal_issue")
    _date(journal_issue, min(publication_date(r.briefing)[0] for r in records))
    _el(_el(journal_issue, "journal_volume"), "volume", str(issue[0]))
    _el(journal_issue, "issue", str(issue[1]))
    for record in records:
        journal.append(article_element(record))
    return etree.ElementTree(root)


def deposit_timestamp(records: Sequence[ArticleRecord]) -> int:
    """A reproducible timestamp (YYYYMMDDhhmmss): SOURCE_DATE_EPOCH when set, else the latest note's dates at midnight UTC."""
    epoch = source_date_epoch()
    if epoch is not None:
        return int(epoch.strftime("%Y%m%d%H%M%S"))
    dates = [r.briefing.published or r.briefing.date for r in records]
    return int(max(dates).strftime("%Y%m%d") + "000000")


def _bytes(tree: etree._ElementTree) -> bytes:
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def export_crossref(config: Config, issue: tuple[int, int], out: Path, batch_id: str | None = None,
                    timestamp: int | None = None, schemas: Path | None | bool = True) -> DepositReport:
    """Write the Crossref deposit of one issue's final notes to `out`, atomically.

    Every note is first validated alone (inside a one-article batch); one that fails is named in
    `left_out` and is not deposited. The whole file is validated again before it is written.
    Raises PipelineError when the settings are wrong or no note can be deposited.
    """
    check_settings(config)
    if timestamp is not None and timestamp < 0:
        raise PipelineError(f"--timestamp: Crossref expects a non-negative integer (YYYYMMDDhhmmss), found {timestamp}")
    folder = schemas_dir(config) if schemas is True else (schemas or None)
    schema = load_schema(folder, "crossref")
    records, left_out = [], []
    for path in find_briefings(config):
        try:
            record = load_record(path, config, require_final=False)
        except PipelineError as exc:
            if _in_issue(path, config, issue):
                left_out.append((path.name, str(exc).removeprefix(f"{path.name}: ")))
            continue
        if (record.briefing.volume, record.briefing.issue) != issue:
            continue
        try:
            if record.note.status != "final":
                raise ExportError(record.slug, "status", f"is {record.note.status!r}, not final")
            article_problems(record)
            for setting in ("journal", "issn"):  # a deposit registers the articles of one journal's issue
                if getattr(record.config, setting) != getattr(config, setting):
                    raise ExportError(record.slug, f"[settings] {setting}", f"{getattr(record.config, setting)!r}"
                                      f" differs from the project's {getattr(config, setting)!r}: deposit it with its own journal")
            stamp = timestamp or deposit_timestamp([record])
            alone = deposit_tree(config, [record], issue, batch_id or "validation", stamp)
            errors = schema_errors(schema, parse_xml(_bytes(alone))) if schema is not None else []
            if errors:
                raise ExportError(record.slug, "record", "fails the Crossref 5.3.1 schema: " + "; ".join(errors))
        except PipelineError as exc:
            left_out.append((record.slug, str(exc).removeprefix(f"{record.slug}: ")))
            continue
        records.append(record)
    if not records:
        detail = "; ".join(f"{s}: {r}" for s, r in left_out) or "no briefings in it"
        raise PipelineError(f"nothing to deposit for volume {issue[0]}, issue {issue[1]} ({detail})")
    stamp = timestamp or deposit_timestamp(records)
    batch = batch_id or f"{re.sub(r'[^A-Za-z0-9]+', '-', config.journal_id).strip('-').lower()[:60] or 'deposit'}-v{issue[0]}i{issue[1]}-{stamp}"
    if not BATCH_ID.fullmatch(batch):
        raise PipelineError(f"--batch-id: Crossref's doi_batch_id expects 4-100 characters without spaces, found {batch!r}")
    data = _bytes(deposit_tree(config, records, issue, batch, stamp))
    if schema is not None and (errors := schema_errors(schema, parse_xml(data))):
        raise PipelineError(f"{out}: the deposit fails the Crossref 5.3.1 schema, not written: {'; '.join(errors)}")
    write_atomic(Path(out), data)
    return DepositReport(Path(out), tuple(r.slug for r in records), tuple(left_out), schema is not None)


def _in_issue(folder: Path, config: Config, issue: tuple[int, int]) -> bool:
    """Whether a briefing whose record failed belongs to the issue (so that it is named, not silently passed over)."""
    from ..config import load_briefing

    try:
        briefing, _ = load_briefing(folder, config)
    except PipelineError:
        return True  # cannot tell: name it rather than hide it
    return (briefing.volume, briefing.issue) == issue
