"""Project and briefing configuration: one typed object, every problem reported together."""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Sequence, get_type_hints

from .boundary import read_inside
from .errors import ConfigError, PipelineError, SourceError
from .models import Briefing, SourceSpec

PROJECT_FILE = "briefings.toml"
BRIEFING_FILE = "briefing.toml"
MANUSCRIPT_NAMES = ("note.md", "note.docx")
# What a briefing's [settings] may change: the note's content and appearance. Paths, jobs and
# limits stay the project's: a briefing folder comes from outside and must not pick the templates
# that run, where outputs go, or how much it may make the build read.
BRIEFING_SETTINGS = frozenset({
    "journal", "organisation", "publisher", "licence_name", "licence_url", "available_from", "disclaimer",
    "style", "page_size", "pdf_variant",
})
_STYLE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
# pdf/a-3a and pdf/ua-1 are tagged (structure tree, /Lang, headings); `briefing check` tests that level.
PDF_VARIANTS = ("pdf/a-3b", "pdf/a-3u", "pdf/a-3a", "pdf/ua-1")


@dataclass(frozen=True)
class Config:
    """Journal-wide settings from `briefings.toml`; a briefing's `[settings]` table overrides them."""

    journal: str = "The Journal of Intelligence, Conflict, and Warfare"
    """Journal name, shown in the running header and the XMP metadata."""
    organisation: str = "Canadian Association for Security and Intelligence Studies"
    """Organisation whose views the disclaimer says the note does not represent."""
    publisher: str = "Published by the Journal of Intelligence, Conflict, and Warfare and Simon Fraser University"
    """Publisher line of the licence block."""
    licence_name: str = "Creative Commons Attribution-NonCommercial-NoDerivatives 4.0 International License"
    """Name of the licence, linked in the licence sentence."""
    licence_url: str = "https://creativecommons.org/licenses/by-nc-nd/4.0/"
    """URL of the licence, the link target and the XMP rights statement."""
    available_from: str = "https://jicw.org/"
    """URL given after `Available from:` in the licence block."""
    disclaimer: str = (
        "This briefing note contains the encapsulation of views presented by the speaker and does not"
        " exclusively represent the views of the {organisation}."
    )
    """Disclaimer paragraph; `{organisation}` is replaced by the organisation setting."""
    style: str = "casis"
    """House style: the folder under `templates/` holding note.html and note.css."""
    page_size: str = "letter"
    """CSS page size of the PDF (letter, A4, ...)."""
    pdf_variant: str = "pdf/a-3a"
    """PDF variant WeasyPrint writes: pdf/a-3a (the default: PDF/A-3 and tagged), pdf/a-3b, pdf/a-3u or pdf/ua-1 (tagged, not PDF/A)."""
    inputs_dir: str = "inputs"
    """Folder of briefing folders, relative to the project."""
    outputs_dir: str = "outputs"
    """Folder of generated outputs, relative to the project."""
    templates_dir: str = "templates"
    """Project folder whose files override the built-in templates file by file."""
    max_file_mb: float = 50.0
    """Largest source file read, in megabytes."""
    max_pages: int = 500
    """Most pages read from one PDF source."""
    max_transcript_words: int = 100_000
    """Most words read from one transcript (about ten hours of speech); reading stops and refuses a longer one."""
    max_manuscript_words: int = 20_000
    """Most words in a manuscript (a briefing note has 1,500-3,000); a longer one is refused."""
    max_list_depth: int = 8
    """Deepest nesting of lists and block quotes in a Markdown manuscript; a deeper one is refused."""
    max_inline_depth: int = 4
    """Deepest nesting of emphasis and links printed; deeper markup (or a word crowded with it) prints plain."""
    max_word_chars: int = 200
    """Longest word (characters between spaces) a final note may print; a draft only warns, and the word wraps."""
    jobs: int = 0
    """Worker processes for a build; 0 means one per core."""
    max_job_mb: float = 256.0
    """Largest job sent to a Dask worker (a briefing's files, the templates, cached results) or returned by one, in megabytes."""
    journal_id: str = "jicw"
    """Short journal identifier (JATS journal-id, the publisher's id; e.g. its OJS path)."""
    issn: str = "2561-8229"
    """The journal's (online) ISSN, for JATS journal-meta and Crossref journal_metadata."""
    publisher_name: str = ""
    """Publisher's name in JATS and Crossref; empty: the publisher line without its 'Published by'."""
    doi_pattern: str = "10.21810/jicw.v{volume}i{issue}.{number}"
    """A note's DOI from its briefing.toml `number` ({volume}, {issue}, {number}, {year}, {slug}); empty: no DOIs."""
    url_pattern: str = "https://journals.lib.sfu.ca/index.php/jicw/article/view/{number}"
    """A note's landing page URL ({number}, {doi}, {volume}, {issue}, {year}, {slug}), for Crossref and JATS self-uri."""
    depositor_name: str = ""
    """Who deposits DOIs with Crossref (head/depositor); empty: the publisher's name."""
    depositor_email: str = ""
    """E-mail address Crossref sends the deposit's results to (required by `briefing export crossref`)."""
    registrant: str = ""
    """Organisation owning the DOI prefix (Crossref head/registrant); empty: the publisher's name."""
    schemas_dir: str = ""
    """Folder of the JATS/Crossref XSD schemas (jats/, crossref/); empty: ../shared/schemas beside the project."""
    root: Path = field(default=Path("."), metadata={"internal": True})
    """Project folder the relative paths above resolve against (set when loading)."""

    @property
    def disclaimer_text(self) -> str:
        """The disclaimer with the organisation filled in."""
        return self.disclaimer.replace("{organisation}", self.organisation)

    @property
    def max_file_bytes(self) -> int:
        """max_file_mb in bytes: the largest file a reader accepts, a cluster job carries and a PDF embeds."""
        return int(self.max_file_mb * 1024 * 1024)


def describe_settings() -> list[tuple[str, Any, str]]:
    """Every user setting as (name, default, one-line description), read from Config's field docstrings."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(Config))
    body = tree.body[0].body
    docs = {
        node.target.id: body[i + 1].value.value
        for i, node in enumerate(body[:-1])
        if isinstance(node, ast.AnnAssign) and isinstance(body[i + 1], ast.Expr)
        and isinstance(body[i + 1].value, ast.Constant)
    }
    defaults = Config()
    return [
        (f.name, getattr(defaults, f.name), docs.get(f.name, ""))
        for f in fields(Config)
        if not f.metadata.get("internal")
    ]


@functools.lru_cache(maxsize=None)
def _setting_types() -> tuple[dict[str, type], frozenset[str]]:
    """Config's field types and the names users may set (evaluated once: it is not cheap)."""
    return get_type_hints(Config), frozenset(f.name for f in fields(Config) if not f.metadata.get("internal"))


def _check_fields(data: dict[str, Any], where: str = "") -> tuple[dict[str, Any], list[str]]:
    """Type-check `data` against Config's fields; return the good values and the problems."""
    hints, known = _setting_types()
    good: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in data.items():
        if key not in known:
            problems.append(f"{where}unknown setting {key!r} (known: {', '.join(sorted(known))})")
            continue
        expected = hints[key]
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, expected) or isinstance(value, bool):
            problems.append(f"{where}setting {key!r}: expected {expected.__name__}, found {value!r}")
            continue
        good[key] = value
    if "style" in good and not _STYLE_NAME.fullmatch(good["style"]):
        problems.append(f"{where}setting 'style': expected the name of a folder under templates/ "
                        f"(letters, digits, '-', '_'), found {good['style']!r}")
    if good.get("pdf_variant", "pdf/a-3a") not in PDF_VARIANTS:
        problems.append(f"{where}setting 'pdf_variant': expected {', '.join(PDF_VARIANTS)}, found {good['pdf_variant']!r}")
    for key, (low, high) in SETTING_RANGES.items():
        if key in good and not low <= good[key] <= high:
            problems.append(f"{where}setting {key!r}: expected a number from {low:,} to {high:,}, found {good[key]!r}")
            del good[key]
    return good, problems


# Sane ranges of the numeric settings: a limit of 0 (or of 10**30) is a typing slip, not a choice.
# max_list_depth stays far below Python's recursion limit (the Markdown parser recurses per level).
SETTING_RANGES: dict[str, tuple[float, float]] = {
    "max_file_mb": (0.001, 10_000),
    "max_pages": (1, 100_000),
    "max_transcript_words": (1, 10_000_000),
    "max_manuscript_words": (1, 1_000_000),
    "max_list_depth": (1, 50),
    "max_inline_depth": (1, 50),
    "max_word_chars": (10, 100_000),
    "jobs": (0, 1024),
    "max_job_mb": (1, 100_000),
}


def read_toml(path: Path) -> dict[str, Any]:
    """Read a TOML file (a regular file in its own folder, never a symlink out or a FIFO) into a dict.

    A syntax error becomes a ConfigError naming the file and line.
    """
    try:
        return tomllib.loads(read_inside(path, path.parent).decode("utf-8"))
    except SourceError as exc:
        raise ConfigError(path, [exc.reason]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, [f"not valid TOML: {exc}"]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(path, [f"not UTF-8 text: {exc.reason} at byte {exc.start}"]) from None
    except OSError as exc:
        raise ConfigError(path, [f"cannot be read: {exc.strerror}"]) from None


def load_config(project: Path) -> Config:
    """Load `briefings.toml` from the project folder (defaults when absent)."""
    project = Path(project).resolve()
    path = project / PROJECT_FILE
    data = read_toml(path) if path.exists() else {}
    good, problems = _check_fields(data)
    if problems:
        raise ConfigError(path, problems)
    return replace(Config(**good), root=project)


def briefing_config(config: Config, settings: dict[str, Any], path: Path) -> Config:
    """Apply a briefing's `[settings]` overrides to the project config (only those in BRIEFING_SETTINGS)."""
    _, known = _setting_types()
    refused = sorted(k for k in settings if k in known and k not in BRIEFING_SETTINGS)
    good, problems = _check_fields({k: v for k, v in settings.items() if k not in refused}, "[settings]: ")
    problems += [f"[settings]: setting {k!r} can only be set for the whole project in {PROJECT_FILE} "
                 f"(a briefing may set: {', '.join(sorted(BRIEFING_SETTINGS))})" for k in refused]
    if problems:
        raise ConfigError(path, problems)
    return replace(config, **good)


def _text_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


_BRIEFING_FIELDS: dict[str, tuple[type | tuple[type, ...], bool, str]] = {
    # name: (type, required, description for the error message)
    "title": (str, True, "the talk's title (text)"),
    "speaker": (str, True, "the speaker with honorific (text)"),
    "event": (str, True, "the event the talk was given at (text)"),
    "date": (dt.date, True, "the date of the talk (a TOML date, e.g. 2026-11-14)"),
    "author": (str, True, "the name on the © line (text)"),
    "volume": (int, True, "the journal volume (integer)"),
    "issue": (int, True, "the journal issue (integer)"),
    "year": (int, False, "the year on the © line (integer)"),
    "status": (str, False, "draft or final"),
    "subject": (str, False, "a one-sentence description (text)"),
    "manuscript": (str, False, "the manuscript file name (text)"),
    "number": (int, False, "the article number the DOI and landing URL are made from (integer, e.g. OJS's id)"),
    "doi": (str, False, "the note's DOI when not made from doi_pattern (text, 10.PREFIX/SUFFIX)"),
    "published": (dt.date, False, "the publication date (a TOML date; default: the © year alone)"),
}


# Sane ranges: a negative year or a volume with 30 digits is a typing slip (and overflows SQLite).
FIELD_RANGES: dict[str, tuple[int, int]] = {
    "volume": (1, 9999), "issue": (1, 9999), "year": (1900, 2200), "date": (1900, 2200),
}


def load_briefing(folder: Path, config: Config) -> tuple[Briefing, Config]:
    """Read `folder/briefing.toml` into a Briefing and the config it builds with; all problems at once."""
    folder = Path(folder).resolve()
    path = folder / BRIEFING_FILE
    if not os.path.lexists(path):
        raise ConfigError(path, ["missing: every briefing folder needs a briefing.toml"])
    data = read_toml(path)
    problems: list[str] = []
    values: dict[str, Any] = {}
    for name, (kind, required, description) in _BRIEFING_FIELDS.items():
        if name not in data:
            if required:
                problems.append(f"missing field {name!r}: expected {description}")
            continue
        value = data[name]
        if isinstance(value, dt.datetime) and kind is dt.date:
            value = value.date()
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)) or (
            kind is dt.date and isinstance(value, dt.datetime)
        ):
            problems.append(f"field {name!r}: expected {description}, found {value!r}")
        elif kind is str and not value.strip():
            problems.append(f"field {name!r}: expected {description}, found an empty string")
        else:
            values[name] = value
    for name, (low, high) in FIELD_RANGES.items():
        number = values.get(name)
        number = number.year if isinstance(number, dt.date) else number
        if number is not None and not low <= number <= high:
            what = "a year" if name in ("year", "date") else "a number"
            problems.append(f"field {name!r}: expected {what} from {low} to {high}, found {data[name]!r}")
            del values[name]
    if values.get("status", "final") not in ("draft", "final"):
        problems.append(f"field 'status': expected draft or final, found {values['status']!r}")
    for name in ("further_reading", "keywords"):
        if name in data and not _text_list(data[name]):
            problems.append(f"field {name!r}: expected a list of text, found {data[name]!r}")
    sources = _read_source_specs(data.get("sources", []), folder, problems)
    manuscript = _find_manuscript(folder, values.get("manuscript"), problems)
    known = set(_BRIEFING_FIELDS) | {"further_reading", "keywords", "sources", "settings"}
    problems += [f"unknown field {k!r} (known: {', '.join(sorted(known))})" for k in data if k not in known]
    settings = data.get("settings", {})
    if not isinstance(settings, dict):
        problems.append(f"field 'settings': expected a table of settings, found {settings!r}")
        settings = {}
    try:
        config = briefing_config(config, settings, path)
    except ConfigError as exc:
        problems += exc.problems
    if problems:
        raise ConfigError(path, problems)
    briefing = Briefing(
        slug=folder.name,
        folder=folder,
        title=values["title"].strip(),
        speaker=values["speaker"].strip(),
        event=values["event"].strip(),
        date=values["date"],
        author=values["author"].strip(),
        volume=values["volume"],
        issue=values["issue"],
        year=values.get("year", values["date"].year),
        further_reading=tuple(data.get("further_reading", ())),
        status=values.get("status", "final"),
        manuscript=manuscript,
        sources=sources,
        keywords=tuple(data.get("keywords", ())),
        subject=values.get("subject", ""),
        number=values.get("number"),
        doi=values.get("doi", "").strip(),
        published=values.get("published"),
    )
    return briefing, config


def _read_source_specs(raw: Any, folder: Path, problems: list[str]) -> tuple[SourceSpec, ...]:
    """Sources named in `[[sources]]`, relative to the briefing folder.

    A name leading out of the folder is a problem here; a symlink out or a FIFO under a good name
    is refused when read, and then left out with a warning like any other unreadable source.
    """
    if not isinstance(raw, list) or not all(isinstance(s, dict) for s in raw):
        problems.append(f"field 'sources': expected [[sources]] tables with a 'path', found {raw!r}")
        return ()
    specs = []
    for n, entry in enumerate(raw, 1):
        rel = entry.get("path")
        password = entry.get("password")
        if not isinstance(rel, str) or not rel:
            problems.append(f"sources #{n}: expected 'path' (text), found {rel!r}")
            continue
        if password is not None and not isinstance(password, str):
            problems.append(f"sources #{n}: expected 'password' (text), found {password!r}")
            continue
        path = _named_file(folder, rel)
        if path is None:
            problems.append(f"sources #{n}: {rel!r} is outside the briefing folder (expected a file name inside it)")
        elif not os.path.lexists(path):
            problems.append(f"sources #{n}: {rel!r} does not exist")
        else:
            specs.append(SourceSpec(path=path, password=password))
    return tuple(specs)


def _find_manuscript(folder: Path, named: str | None, problems: list[str]) -> Path | None:
    """The manuscript named in briefing.toml, else note.md or note.docx when present.

    Anything under the name counts as present (a symlink, a FIFO): reading it is then refused,
    which fails the briefing instead of quietly drafting the note without its manuscript.
    """
    if named is not None:
        path = _named_file(folder, named)
        if path is None or not os.path.lexists(path):
            problems.append(f"field 'manuscript': {named!r} is not a file in the briefing folder")
            return None
        return path
    for name in MANUSCRIPT_NAMES:
        if os.path.lexists(folder / name):
            return folder / name
    return None


def _named_file(folder: Path, name: str) -> Path | None:
    """`folder/name` made normal (no `..`), or None when the name leads out of the folder or holds a NUL byte."""
    if "\0" in name:
        return None
    path = Path(os.path.normpath(folder / name))
    return path if path.is_relative_to(folder) and path != folder else None


def builtin_templates() -> Path:
    """The templates folder shipped with the package (or the repository's, when run from a checkout)."""
    here = Path(__file__).resolve().parent
    packaged = here / "templates"
    return packaged if packaged.is_dir() else here.parent / "templates"


def template_dirs(config: Config) -> list[Path]:
    """Folders searched for the house style's files, the project's override first."""
    project = config.root / config.templates_dir / config.style
    builtin = builtin_templates() / config.style
    return [d for d in (project, builtin) if d.is_dir()]


def source_date_epoch(value: str | None = None) -> dt.datetime | None:
    """The reproducible-builds date (UTC) from a SOURCE_DATE_EPOCH value, by default the environment's."""
    epoch = (os.environ.get("SOURCE_DATE_EPOCH", "") if value is None else value).strip()
    return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch.isdigit() else None


def find_briefings(config: Config, slugs: Sequence[str] = ()) -> list[Path]:
    """The briefing folders under the inputs folder: the named ones in order, else all sorted by slug."""
    inputs = config.root / config.inputs_dir
    if not inputs.is_dir():
        raise PipelineError(f"{inputs}: no such folder; a project holds {PROJECT_FILE} and "
                            f"{config.inputs_dir}/<slug>/{BRIEFING_FILE} (choose it with --project)")
    folders = sorted(p for p in inputs.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not slugs:
        return folders
    known = {f.name: f for f in folders}
    missing = [s for s in slugs if s not in known]
    if missing:
        raise PipelineError(f"no such briefing: {', '.join(missing)} (in {inputs})")
    return [known[s] for s in dict.fromkeys(slugs)]
