"""The archive catalog: an SQLite database of briefings, checksums, entities and note text, with full-text search."""

from __future__ import annotations

import json
import re
import sqlite3
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from ..config import Config
from ..errors import PipelineError, SourceError
from .embed import ENTITIES_FILE, META_FILE, meta_from_inputs, read_meta, sha256_file

CATALOG_FILE = "catalog.sqlite"
SCHEMA_VERSION = 1  # bump when the tables or what gets indexed change: older catalogs are then rebuilt
SCHEMA = """
create table if not exists schema (version integer not null);
create table if not exists briefings (
  slug text primary key, title text, author text, speaker text, event text, date text,
  volume integer, issue integer, status text, journal text, licence_url text, keywords text,
  pdf text, pdf_sha256 text, entities_sha256 text, pages integer
);
create table if not exists files (slug text, name text, sha256 text, bytes integer, primary key (slug, name));
create table if not exists entities (
  slug text, type text, subtype text, id text, name text, cas text, count integer, note_pages text,
  primary key (slug, type, id)
);
create table if not exists mentions (
  slug text, type text, entity_id text, text text, file text, source_page integer,
  start real, "end" real, speaker text, start_char integer, end_char integer
);
create index if not exists mentions_entity on mentions (slug, type, entity_id);
"""


@dataclass(frozen=True)
class CatalogEntry:
    """One briefing to catalog: its slug, the folder holding its outputs and its meta.json record."""

    slug: str
    folder: Path
    meta: dict[str, Any]


@dataclass(frozen=True)
class MentionHit:
    """Where an entity was named in a source: file, source page or time, speaker, text."""

    text: str
    file: str
    source_page: int | None
    start: float | None
    speaker: str | None


@dataclass(frozen=True)
class EntityHit:
    """An entity of one briefing matching the search, with the note pages naming it and its source mentions."""

    slug: str
    title: str
    type: str
    id: str
    name: str
    cas: str | None
    note_pages: tuple[int, ...]
    mentions: tuple[MentionHit, ...]


@dataclass(frozen=True)
class PageHit:
    """A note whose text matches the search, with the matching pages."""

    slug: str
    title: str
    status: str
    pages: tuple[int, ...]


@dataclass
class SearchResult:
    """What `briefing search` found: notes whose text matches and matching entities."""

    query: str
    notes: list[PageHit] = field(default_factory=list)
    entities: list[EntityHit] = field(default_factory=list)

    def as_dict(self) -> dict:
        """A JSON-ready dictionary."""
        return asdict(self)


@contextmanager
def database_errors(path: Path):
    """Turn SQLite's errors (disk full, read-only, damaged file) into a PipelineError naming the catalog."""
    try:
        yield
    except sqlite3.Error as exc:
        raise PipelineError(f"{path}: {exc}") from None


def has_fts5(db: sqlite3.Connection) -> bool:
    """True when this Python's SQLite has the FTS5 extension."""
    try:
        db.execute("create virtual table temp.fts5_probe using fts5(x)")
        db.execute("drop table temp.fts5_probe")
        return True
    except sqlite3.OperationalError:
        return False


def open_catalog(path: Path) -> sqlite3.Connection:
    """Open (or create) a catalog; a catalog of another schema version is emptied and rebuilt."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    try:
        version = db.execute("select version from schema").fetchone()
    except sqlite3.DatabaseError:
        version = None
    if version != (SCHEMA_VERSION,):
        db.close()
        path.unlink(missing_ok=True)
        db = sqlite3.connect(path)
        db.executescript(SCHEMA)
        if has_fts5(db):
            db.execute("create virtual table pages using fts5(slug unindexed, page unindexed, text)")
        else:  # searched with LIKE instead
            db.execute("create table pages (slug text, page integer, text text)")
        db.execute("insert into schema values (?)", (SCHEMA_VERSION,))
        db.commit()
    return db


def _uses_fts(db: sqlite3.Connection) -> bool:
    row = db.execute("select sql from sqlite_master where name = 'pages'").fetchone()
    return bool(row and "fts5" in row[0].lower())


def pdf_page_texts(path: Path) -> list[str]:
    """The text of each page of a PDF (pypdf), whitespace-normalised; none for a PDF pypdf cannot read."""
    import pypdf

    try:
        return [" ".join(_dehyphenate(page.extract_text() or "").split()) for page in pypdf.PdfReader(path).pages]
    except Exception:  # pypdf raises many types on damaged files; `briefing check` reports those
        return []


# Notes hyphenate words at line ends ("metham-" / "phetamine") with an ordinary hyphen: identifiers
# never break (compose.typography), so a letter, "-", a line break and a lower-case letter is a
# hyphenated word, joined again for searching.
_SOFT_BREAK = re.compile(r"(?<=[^\W\d_])-[ \t]*\n[ \t]*(?=[a-z])")


def _dehyphenate(text: str) -> str:
    """Page text with words hyphenated at line ends joined again."""
    return _SOFT_BREAK.sub("", text)


def _form_pattern(form: str) -> re.Pattern:
    """A pattern for an entity's surface form as a whole word; short all-caps forms ("US") match case-sensitively."""
    # A line may break after a hyphen ("4-" / "ANPP"), which the extracted text shows as "4- ANPP".
    escaped = r"\s+".join(re.escape(part).replace(r"\-", r"-\s?") for part in form.split())
    escaped = escaped.replace("'", "['’]")  # notes print typographic apostrophes ("People’s")
    flags = 0 if (form.isupper() and len(form) <= 5) else re.IGNORECASE
    # A hyphen joins words in chemical names: 4-AP must not match inside 1-boc-4-AP.
    return re.compile(rf"(?<![\w-]){escaped}(?!\w|-\w)", flags)


def pages_naming(forms: Iterable[str], page_texts: Sequence[str]) -> tuple[int, ...]:
    """1-based numbers of the pages whose text contains any of the forms."""
    patterns = [_form_pattern(f) for f in dict.fromkeys(f.strip() for f in forms) if f]
    return tuple(n for n, text in enumerate(page_texts, 1) if any(p.search(text) for p in patterns))


def read_entities(path: Path) -> list[dict[str, Any]]:
    """The entities of an `entities.json` file (`{"entities": [...]}`); a SourceError names the file when malformed."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SourceError(path, f"not readable JSON ({exc})") from None
    entities = data.get("entities") if isinstance(data, dict) else None
    if not isinstance(entities, list) or not all(isinstance(e, dict) for e in entities):
        raise SourceError(path, f'expected {{"entities": [{{...}}, ...]}}, found {str(data)[:80]!r}')
    return entities


def forget_briefing(db: sqlite3.Connection, slug: str) -> None:
    """Delete every row of one briefing."""
    for table in ("briefings", "files", "entities", "mentions", "pages"):
        db.execute(f"delete from {table} where slug = ?", (slug,))


def index_briefing(db: sqlite3.Connection, entry: CatalogEntry) -> None:
    """(Re)write one briefing's rows: metadata, file checksums, page text, entities and mentions."""
    slug, folder, meta = entry.slug, entry.folder, entry.meta
    forget_briefing(db, slug)
    pdf = folder / f"{slug}.pdf"
    texts = pdf_page_texts(pdf) if pdf.is_file() else []
    entities_path = folder / ENTITIES_FILE
    # Each file is hashed once, for both the files table and the briefing's change-detection columns.
    digests = {p.name: sha256_file(p) for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith(".")}
    db.execute(
        "insert into briefings values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        tuple(map(sql_value, (
            slug, meta.get("title"), meta.get("author"), meta.get("speaker"), meta.get("event"), meta.get("date"),
            meta.get("volume"), meta.get("issue"), meta.get("status"), meta.get("journal"), meta.get("licence_url"),
            ", ".join(map(str, meta.get("keywords") or [])) if isinstance(meta.get("keywords"), list) else None, pdf.name if pdf.is_file() else None,
            digests.get(pdf.name), digests.get(ENTITIES_FILE), len(texts),
        ))),
    )
    for name, digest in digests.items():
        db.execute("insert into files values (?,?,?,?)", (slug, name, digest, (folder / name).stat().st_size))
    db.executemany("insert into pages values (?,?,?)", [(slug, n, text) for n, text in enumerate(texts, 1)])
    if entities_path.is_file():
        _index_entities(db, slug, read_entities(entities_path), texts)


def _index_entities(db: sqlite3.Connection, slug: str, entities: list[dict], texts: Sequence[str]) -> None:
    """Entities with the note pages naming them (found in the PDF text) and their source mentions."""
    for entity in entities:
        mentions = [m for m in entity.get("mentions") or [] if isinstance(m, dict)]
        forms = [str(entity.get("name") or ""), *(str(m.get("text") or "") for m in mentions)]
        pages = pages_naming(forms, texts)
        key = (slug, str(entity.get("type", "")), str(entity.get("id", "")))
        db.execute(
            "insert or replace into entities values (?,?,?,?,?,?,?,?)",
            tuple(map(sql_value, (*key[:2], entity.get("subtype"), key[2], entity.get("name"), entity.get("cas"),
                                  entity.get("count", len(mentions)), ",".join(map(str, pages))))),
        )
        db.executemany(
            "insert into mentions values (?,?,?,?,?,?,?,?,?,?,?)",
            [
                tuple(map(sql_value, (*key, m.get("text"), m.get("file"), m.get("page"), m.get("start"), m.get("end"),
                                      m.get("speaker"), m.get("start_char"), m.get("end_char"))))
                for m in mentions
            ],
        )


def build_catalog(path: Path, entries: Sequence[CatalogEntry]) -> Path:
    """Write a catalog holding exactly the given briefings (used for the copy inside a bag)."""
    path.unlink(missing_ok=True)
    with database_errors(path), closing(open_catalog(path)) as db:
        for entry in entries:
            index_briefing(db, entry)
        db.commit()
    return path


def output_entries(config: Config) -> list[CatalogEntry]:
    """Every built briefing under outputs/ (a folder holding `<slug>.pdf`), with its meta.json record."""
    outputs = config.root / config.outputs_dir
    if not outputs.is_dir():
        return []
    entries = []
    for folder in sorted(p for p in outputs.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if (folder / f"{folder.name}.pdf").is_file():
            entries.append(CatalogEntry(folder.name, folder, read_meta(folder) or _meta_from_inputs(config, folder.name)))
    return entries


def _meta_from_inputs(config: Config, slug: str) -> dict[str, Any]:
    """The briefing's metadata from its inputs when the build wrote no meta.json (empty when they are gone)."""
    try:
        return meta_from_inputs(config.root / config.inputs_dir / slug, config)
    except PipelineError:
        return {}


def refresh_catalog(config: Config) -> Path:
    """Bring outputs/catalog.sqlite up to date: re-index briefings whose PDF, entities or meta changed."""
    path = config.root / config.outputs_dir / CATALOG_FILE
    entries = output_entries(config)
    with database_errors(path), closing(open_catalog(path)) as db:
        known = {row[0]: row[1:] for row in db.execute("select slug, pdf_sha256, entities_sha256 from briefings")}
        stored_meta = {row[0]: row[1] for row in db.execute("select slug, sha256 from files where name = ?", (META_FILE,))}
        for entry in entries:
            entities = entry.folder / ENTITIES_FILE
            meta = entry.folder / META_FILE
            current = (
                sha256_file(entry.folder / f"{entry.slug}.pdf"),
                sha256_file(entities) if entities.is_file() else None,
            )
            meta_sha = sha256_file(meta) if meta.is_file() else None
            if known.get(entry.slug) != current or stored_meta.get(entry.slug) != meta_sha:
                index_briefing(db, entry)
        gone = set(known) - {e.slug for e in entries}
        for slug in gone:
            forget_briefing(db, slug)
        db.commit()
    return path


# A query is a name, an id, a CAS number or a few words: bounded so that a pasted file is refused at once.
MAX_QUERY_CHARS = 200
MAX_QUERY_TERMS = 12
_SQL_INT = (-(2**63), 2**63 - 1)


def check_query(text: str) -> str:
    """The query stripped; a PipelineError when it is longer than the bounds (characters or words)."""
    text = text.strip()
    if len(text) > MAX_QUERY_CHARS:
        raise PipelineError(f"search: the query has {len(text):,} characters; the limit is {MAX_QUERY_CHARS} "
                            "(search for a name, an id, a CAS number or a few words)")
    terms = len(text.split())
    if terms > MAX_QUERY_TERMS:
        raise PipelineError(f"search: the query has {terms} words; the limit is {MAX_QUERY_TERMS}")
    return text


def sql_value(value: Any) -> Any:
    """A value SQLite can store: numbers beyond 64 bits and non-scalars (from a hand-edited meta.json) become text."""
    if value is None or isinstance(value, (str, float, bytes)):
        return value
    if isinstance(value, int):
        return value if _SQL_INT[0] <= value <= _SQL_INT[1] else str(value)
    return json.dumps(value, ensure_ascii=False, default=str)[:1000]


def _fts_query(text: str) -> str:
    """The search text as one FTS5 phrase, so that `4-ANPP` is not read as an operator."""
    return '"' + text.replace('"', '""') + '"'


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search(path: Path, text: str) -> SearchResult:
    """Notes whose text contains `text` (with pages) and entities whose name, id, CAS number or mention matches."""
    text = check_query(text)
    result = SearchResult(query=text)
    if not text:
        return result
    with database_errors(path), closing(sqlite3.connect(path)) as db:
        if _uses_fts(db):
            rows = db.execute("select slug, page from pages where pages match ? order by slug, page", (_fts_query(text),))
        else:
            rows = db.execute("select slug, page from pages where text like ? escape '\\' order by slug, page", (_like(text),))
        pages: dict[str, list[int]] = {}
        for slug, page in rows:
            pages.setdefault(slug, []).append(int(page))
        info = {row[0]: row[1:] for row in db.execute("select slug, title, status from briefings")}
        result.notes = [PageHit(slug, *info.get(slug, ("", "")), tuple(sorted(p))) for slug, p in sorted(pages.items())]
        like = _like(text)
        entity_rows = db.execute(
            """select distinct e.slug, e.type, e.id, e.name, e.cas, e.note_pages from entities e
               where e.name like ?1 escape '\\' or e.id like ?1 escape '\\' or e.cas like ?1 escape '\\'
                  or exists (select 1 from mentions m where m.slug = e.slug and m.type = e.type
                             and m.entity_id = e.id and m.text like ?1 escape '\\')
               order by e.slug, e.type, e.id""",
            (like,),
        ).fetchall()
        for slug, kind, ident, name, cas, note_pages in entity_rows:
            mentions = tuple(
                MentionHit(*row)
                for row in db.execute(
                    "select text, file, source_page, start, speaker from mentions where slug = ? and type = ? and entity_id = ?"
                    " order by file, start_char",
                    (slug, kind, ident),
                )
            )
            pages_list = tuple(int(p) for p in (note_pages or "").split(",") if p)
            result.entities.append(EntityHit(slug, info.get(slug, ("",))[0], kind, ident, name, cas, pages_list, mentions))
    return result


def format_result(result: SearchResult) -> str:
    """The search result as lines for the terminal."""
    lines = []
    for hit in result.entities:
        pages = ", ".join(map(str, hit.note_pages)) or "not found in the PDF text"
        cas = f", CAS {hit.cas}" if hit.cas else ""
        lines.append(f"{hit.slug}: {hit.type} {hit.name} ({hit.id}{cas}) on note page(s) {pages}; {len(hit.mentions)} source mention(s)")
        for m in hit.mentions:
            where = f" page {m.source_page}" if m.source_page is not None else (f" {m.start:.1f} s" if m.start is not None else "")
            who = f" ({m.speaker})" if m.speaker else ""
            lines.append(f"    {m.file}{where}{who}: {m.text}")
    for note in result.notes:
        lines.append(f"{note.slug}: text matches on page(s) {', '.join(map(str, note.pages))} — {note.title} [{note.status}]")
    if not lines:
        lines.append(f"nothing matches {result.query!r}")
    return "\n".join(lines)
