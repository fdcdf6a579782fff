"""`briefing export jats`: a final note as JATS 1.3 (Journal Publishing) XML, validated against the schema when available."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

from lxml import etree

from ..compose import copyright_line, format_date, licence_sentence
from ..config import Config, find_briefings
from ..errors import PipelineError
from ..state import write_atomic
from .inline import DOI_URL, JATS, XLINK, InlineTags, add_text, append_inline, clean, jats_link
from .record import ArticleRecord, ExportError, iso_date, load_record, publication_date
from .schemas import load_schema, schema_errors, schemas_dir

ALI = "http://www.niso.org/schemas/ali/1.0/"
MML = "http://www.w3.org/1998/Math/MathML"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
DOCTYPE = ('<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Publishing DTD v1.3 20210610//EN" '
           '"https://jats.nlm.nih.gov/publishing/1.3/JATS-journalpublishing1-3.dtd">')
ENTITY_VOCAB = "briefing-entities"
SUFFIX = ".jats.xml"


@dataclass(frozen=True)
class ExportReport:
    """What an export wrote, what it skipped (non-final notes when none were named) and what failed."""

    written: tuple[Path, ...]
    skipped: tuple[tuple[str, str], ...]
    failed: tuple[tuple[str, str], ...]
    validated: bool
    """True when every file written was validated against the schema."""

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failed


def jats_path(config: Config, slug: str) -> Path:
    """Where a note's JATS file goes: `outputs/<slug>/<slug>.jats.xml`."""
    return config.root / config.outputs_dir / slug / f"{slug}{SUFFIX}"


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    """A child element with optional text and attributes (`xlink_href` style names become namespaced)."""
    element = etree.SubElement(parent, tag, {_attr(k): clean(v) for k, v in attrs.items()})
    if text:
        add_text(element, text)
    return element


def _attr(name: str) -> str:
    if name.startswith("xlink_"):
        return f"{{{XLINK}}}{name[6:]}"
    return name.replace("_", "-")


def _entity_tags(record: ArticleRecord, paragraph: str) -> InlineTags:
    """JATS inline tags whose text wraps the extractor's entity mentions in `named-content` with the canonical id."""
    spans = record.spans.get(paragraph, ())
    if not spans:
        return JATS

    def add(parent: etree._Element, text: str, at: int) -> None:
        pos = 0
        if at >= 0:
            for start, end, entity in spans:
                start, end = start - at, end - at
                if start < pos or end > len(text):
                    continue  # outside this piece of text, or overlapping one already marked
                add_text(parent, text[pos:start])
                _el(parent, "named-content", text[start:end], content_type=entity.type.lower(), vocab=ENTITY_VOCAB,
                    vocab_term=entity.name, vocab_term_identifier=entity.id)
                pos = end
        add_text(parent, text[pos:])

    return replace(JATS, text=add)


def _paragraphs(parent: etree._Element, paragraphs: Sequence[str], record: ArticleRecord) -> None:
    for text in paragraphs:
        append_inline(_el(parent, "p"), text, _entity_tags(record, text))


def _name(parent: etree._Element, person) -> None:
    name = _el(parent, "name")
    _el(name, "surname", person.surname)
    if person.given:
        _el(name, "given-names", person.given)
    if person.prefix:
        _el(name, "prefix", person.prefix)
    if person.suffix:
        _el(name, "suffix", person.suffix)


def _journal_meta(front: etree._Element, record: ArticleRecord) -> None:
    config = record.config
    meta = _el(front, "journal-meta")
    _el(meta, "journal-id", config.journal_id, journal_id_type="publisher-id")
    _el(_el(meta, "journal-title-group"), "journal-title", config.journal)
    _el(meta, "issn", config.issn, publication_format="electronic")
    _el(_el(meta, "publisher"), "publisher-name", record.publisher_name)
    if config.available_from.strip():  # the licence block's `Available from:` (the journal's site)
        _el(meta, "self-uri", xlink_href=config.available_from.strip())


def _article_meta(front: etree._Element, record: ArticleRecord) -> None:
    briefing, config, note = record.briefing, record.config, record.note
    meta = _el(front, "article-meta")
    if record.doi:
        _el(meta, "article-id", record.doi, pub_id_type="doi")
    _el(_el(_el(meta, "article-categories"), "subj-group", subj_group_type="heading"), "subject", "Briefing Note")
    _el(_el(meta, "title-group"), "article-title", briefing.title)
    contribs = _el(meta, "contrib-group")
    for n, person in enumerate(record.authors):
        author = _el(contribs, "contrib", contrib_type="author")
        _name(author, person)
        if n == record.speaker_index:  # the house style's usual case: the speaker wrote up the talk
            _el(author, "role", "Speaker")
    if record.speaker_index is None:
        speaker = _el(contribs, "contrib", contrib_type="speaker")
        _name(speaker, record.speaker)
        _el(speaker, "role", "Speaker")
    year, month, day = publication_date(briefing)
    date = _el(meta, "pub-date", publication_format="electronic", date_type="pub", iso_8601_date=iso_date(year, month, day))
    if day:
        _el(date, "day", f"{day:02d}")
    if month:
        _el(date, "month", f"{month:02d}")
    _el(date, "year", f"{year:04d}")
    _el(meta, "volume", str(briefing.volume))
    _el(meta, "issue", str(briefing.issue))
    permissions = _el(meta, "permissions")
    _el(permissions, "copyright-statement", copyright_line(briefing))
    _el(permissions, "copyright-year", str(briefing.year))
    _el(permissions, "copyright-holder", briefing.author)
    _el(permissions, f"{{{ALI}}}free_to_read")
    licence = _el(permissions, "license", xlink_href=config.licence_url)
    _el(licence, f"{{{ALI}}}license_ref", config.licence_url)
    sentence = _el(licence, "license-p", licence_sentence(config).removesuffix(f"{config.licence_name}."))
    jats_link(sentence, config.licence_url).text = config.licence_name
    add_text(sentence, ".")
    if record.url:
        _el(meta, "self-uri", xlink_href=record.url)
    abstract = _el(meta, "abstract", abstract_type="key-events")
    _el(abstract, "title", "KEY EVENTS")
    _paragraphs(abstract, note.key_events, record)
    if briefing.keywords:
        group = _el(meta, "kwd-group", kwd_group_type="author")
        for keyword in dict.fromkeys(briefing.keywords):
            _el(group, "kwd", keyword)
    salient = {e.name: e for e in record.entities}
    if record.keywords:
        group = _el(meta, "kwd-group", kwd_group_type="entities", vocab=ENTITY_VOCAB)
        for name in record.keywords:
            entity = salient.get(name)
            attrs = {"content_type": entity.type.lower(), "vocab_term_identifier": entity.id} if entity else {}
            _el(group, "kwd", name, **attrs)
    conference = _el(meta, "conference")
    _el(conference, "conf-date", format_date(briefing), iso_8601_date=briefing.date.isoformat())
    _el(conference, "conf-name", briefing.event)


def _section(parent: etree._Element, title: str, sec_type: str) -> etree._Element:
    sec = _el(parent, "sec", id=f"sec-{sec_type}", sec_type=sec_type)
    _el(sec, "title", title)
    return sec


def _body(article: etree._Element, record: ArticleRecord) -> None:
    note = record.note
    body = _el(article, "body")
    _paragraphs(_section(body, "NATURE OF DISCUSSION", "nature-of-discussion"), note.nature_of_discussion, record)
    background = _section(body, "BACKGROUND", "background")
    _paragraphs(_section(background, "Presentation", "presentation"), note.presentation, record)
    if note.questions:
        qa = _section(background, "Question and Answer", "question-and-answer")
        for n, item in enumerate(note.questions, 1):
            wrap = _el(qa, "question-wrap", id=f"qa{n}", content_type="audience-question")
            append_inline(_el(_el(wrap, "question", id=f"q{n}"), "p"), item.question, _entity_tags(record, item.question))
            if item.answer:
                _paragraphs(_el(wrap, "answer", pointer_to_question=f"q{n}"), item.answer, record)
    points = _section(body, "KEY POINTS OF DISCUSSION", "key-points")
    bullets = _el(points, "list", list_type="bullet")
    for point in note.key_points:
        append_inline(_el(_el(bullets, "list-item"), "p"), point, _entity_tags(record, point))


def _doi_pub_ids(citation: etree._Element) -> None:
    """Each link to doi.org becomes `pub-id pub-id-type="doi"` holding the DOI; other links stay `ext-link`s.

    An autolink's text is the URL itself and is replaced by the DOI; a named link keeps its text,
    followed by the DOI.
    """
    for link in list(citation.iter("ext-link")):
        match = DOI_URL.fullmatch(link.get(f"{{{XLINK}}}href", ""))
        if not match:
            continue
        doi = match.group(1)
        pub_id = etree.Element("pub-id", {"pub-id-type": "doi"})
        pub_id.text = doi
        pub_id.tail = link.tail
        label = "".join(link.itertext()).strip()
        parent = link.getparent()
        if label and label not in (doi, link.get(f"{{{XLINK}}}href")):
            previous = link.getprevious()
            if previous is not None:
                previous.tail = (previous.tail or "") + label + " "
            else:
                parent.text = (parent.text or "") + label + " "
        parent.replace(link, pub_id)


def _references(article: etree._Element, record: ArticleRecord) -> None:
    if not record.note.further_reading:
        return
    ref_list = _el(_el(article, "back"), "ref-list")
    _el(ref_list, "title", "FURTHER READING")
    for n, reference in enumerate(record.note.further_reading, 1):
        citation = _el(_el(ref_list, "ref", id=f"ref{n}"), "mixed-citation")
        append_inline(citation, reference, JATS)
        _doi_pub_ids(citation)


def jats_tree(record: ArticleRecord) -> etree._ElementTree:
    """The note as a JATS 1.3 `article` element tree (Journal Publishing, article-type meeting-report)."""
    article = etree.Element("article", {"article-type": "meeting-report", "dtd-version": "1.3", XML_LANG: "en"},
                            nsmap={"xlink": XLINK, "ali": ALI, "mml": MML})
    front = _el(article, "front")
    _journal_meta(front, record)
    _article_meta(front, record)
    notes = _el(front, "notes", notes_type="disclaimer")
    _el(notes, "title", "Disclaimer")
    _el(notes, "p", record.config.disclaimer_text)
    _body(article, record)
    _references(article, record)
    return etree.ElementTree(article)


def jats_bytes(record: ArticleRecord) -> bytes:
    """The JATS document as UTF-8 bytes with its XML declaration and DOCTYPE (the same bytes every time)."""
    tree = jats_tree(record)
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True, doctype=DOCTYPE)


def validate_jats(data: bytes, schema) -> list[str]:
    """Schema violations of a JATS document (empty when valid)."""
    from .schemas import parse_xml

    return schema_errors(schema, parse_xml(data))


def export_jats(config: Config, slugs: Sequence[str] = (), schemas: Path | None | bool = True) -> ExportReport:
    """Write `outputs/<slug>/<slug>.jats.xml` for the named briefings (else every final one), each validated first.

    `schemas`: a schemas folder, True to find it (`schemas_dir` or ../shared/schemas), False to
    skip validation. Named briefings that are not final fail; unnamed ones are skipped.
    """
    folder = schemas_dir(config) if schemas is True else (schemas or None)
    validated = load_schema(folder, "jats") is not None
    written, skipped, failed = [], [], []
    for path in find_briefings(config, slugs):
        try:
            data = jats_document(config, path, folder or False)
        except ExportError as exc:
            if exc.field == "status" and not slugs:
                skipped.append((path.name, f"status {exc.problem}"))
            else:
                failed.append((path.name, str(exc).removeprefix(f"{path.name}: ")))
            continue
        except PipelineError as exc:
            failed.append((path.name, str(exc)))
            continue
        target = jats_path(config, path.name)
        write_atomic(target, data)
        written.append(target)
    return ExportReport(tuple(written), tuple(skipped), tuple(failed), validated)




def jats_document(config: Config, folder: Path, schemas: Path | None | bool = True) -> bytes:
    """One final note's JATS bytes, validated against the schema when it is found; ExportError otherwise.

    Used by `briefing archive`, which puts a fresh JATS file in the bag rather than a copy that
    may be older than the note.
    """
    schema = load_schema(schemas_dir(config) if schemas is True else (schemas or None), "jats")
    record = load_record(folder, config)
    data = jats_bytes(record)
    if schema is not None and (errors := validate_jats(data, schema)):
        raise ExportError(record.slug, "JATS", "the record fails the JATS 1.3 schema: " + "; ".join(errors))
    return data


MAX_JATS_BYTES = 16 * 1024 * 1024


def jats_file_problems(path: Path, folder: Path, config: Config) -> list[str]:
    """What is wrong with an exported JATS file: unreadable, invalid against the schema, or older than its note.

    No file, no problem: the export is optional (`briefing archive` writes a fresh one into the bag).
    """
    from .schemas import parse_xml

    if not path.exists() and not path.is_symlink():
        return []
    if path.is_symlink() or not path.is_file():
        return ["not a regular file"]
    if path.stat().st_size > MAX_JATS_BYTES:
        return [f"larger than {MAX_JATS_BYTES // 2**20} MB"]
    data = path.read_bytes()
    try:
        tree = parse_xml(data)
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"]
    problems = []
    try:
        schema = load_schema(schemas_dir(config), "jats")
    except PipelineError as exc:
        return [str(exc)]
    if schema is not None:
        problems += [f"fails the JATS 1.3 schema: {e}" for e in schema_errors(schema, tree)]
    try:
        fresh = jats_document(config, folder, schemas=False)
    except PipelineError as exc:
        return problems + [f"the note can no longer be exported: {exc}"]
    if fresh != data:
        problems.append(f"older than the note, its build or its settings (run `briefing export jats {folder.name}`)")
    return problems
