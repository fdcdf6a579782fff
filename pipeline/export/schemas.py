"""Finding and applying the JATS and Crossref XSD schemas (offline, with lxml), when they are available."""

from __future__ import annotations

import functools
from pathlib import Path

from lxml import etree

from ..config import Config
from ..errors import ConfigError

# Entry points inside the schemas folder (see ../shared/schemas/README.md).
ENTRY_POINTS = {
    "jats": Path("jats") / "JATS-journalpublishing1-3-mathml3.xsd",
    "crossref": Path("crossref") / "crossref5.3.1.xsd",
}
# lxml must never reach the network, nor expand entities declared by a document.
PARSER_OPTIONS = {"no_network": True, "resolve_entities": False, "load_dtd": False}
MAX_ERRORS = 5


def schemas_dir(config: Config) -> Path | None:
    """The schemas folder: the `schemas_dir` setting, else `../shared/schemas` beside the project or this checkout.

    A `schemas_dir` that is set but missing is an error (a typo must not turn validation off);
    otherwise None when no folder is found, and validation is skipped.
    """
    if config.schemas_dir.strip():
        folder = (config.root / config.schemas_dir).resolve()
        if not folder.is_dir():
            raise ConfigError(config.root / "briefings.toml", [f"setting 'schemas_dir': {folder} is not a folder"])
        return folder
    checkout = Path(__file__).resolve().parents[2]
    for base in (Path(config.root).resolve(), checkout):
        folder = base.parent / "shared" / "schemas"
        if folder.is_dir():
            return folder
    return None


@functools.lru_cache(maxsize=4)
def _compiled(path: Path) -> etree.XMLSchema:
    """The compiled schema (compiling takes seconds: once per process and file)."""
    return etree.XMLSchema(etree.parse(str(path), etree.XMLParser(**PARSER_OPTIONS)))


def load_schema(folder: Path | None, kind: str) -> etree.XMLSchema | None:
    """The `jats` or `crossref` schema from the folder, or None when the folder or its entry point is absent."""
    if folder is None:
        return None
    path = Path(folder) / ENTRY_POINTS[kind]
    return _compiled(path.resolve()) if path.is_file() else None


def schema_errors(schema: etree.XMLSchema, document: etree._Element | etree._ElementTree) -> list[str]:
    """The first few schema violations of a document as `line N: message`; empty when valid."""
    if schema.validate(document):
        return []
    errors = [f"line {e.line}: {e.message}" for e in schema.error_log]
    if len(errors) > MAX_ERRORS:
        errors = errors[:MAX_ERRORS] + [f"... and {len(errors) - MAX_ERRORS} more"]
    return errors


def parse_xml(data: bytes) -> etree._ElementTree:
    """Parse XML bytes without network access or entity expansion."""
    return etree.ElementTree(etree.fromstring(data, etree.XMLParser(**PARSER_OPTIONS)))
