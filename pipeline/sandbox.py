"""Templates loaded only from the style's folders (regular files inside them) and rendered in Jinja's sandbox."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence

from jinja2 import BaseLoader, TemplateNotFound
from jinja2.loaders import split_template_path
from jinja2.sandbox import SandboxedEnvironment as JinjaSandbox

from .boundary import read_inside
from .errors import PipelineError, SourceError

__all__ = ["FolderLoader", "SandboxedEnvironment"]


class SandboxedEnvironment(JinjaSandbox):
    """Jinja's sandbox, where reaching for an unsafe attribute (`__class__`, `mro`, ...) fails the note at once."""

    def unsafe_undefined(self, obj: Any, attribute: str) -> Any:
        """Refuse the access with an error naming it (Jinja would return an undefined value)."""
        raise PipelineError(f"template: access to {attribute!r} of a {type(obj).__name__} is refused (templates run sandboxed)")


class FolderLoader(BaseLoader):
    """Finds a template in the first folder holding it; a name or link leading out of that folder is refused.

    Jinja's FileSystemLoader already rejects `..` in names but follows symlinks; here a template,
    an `{% include %}` or an `{% import %}` is read only when it is a regular file inside its folder.
    """

    def __init__(self, folders: Sequence[Path]):
        self.folders = [Path(f) for f in folders]

    def get_source(self, environment: Any, template: str) -> tuple[str, str, Any]:
        """The template's text, its file name and an up-to-date check (see jinja2.BaseLoader)."""
        try:
            parts = split_template_path(template)  # raises TemplateNotFound on '..'
        except TemplateNotFound:
            raise PipelineError(f"template {template!r}: refused, the name leads out of the template folders") from None
        for folder in self.folders:
            path = folder.joinpath(*parts)
            if not os.path.lexists(path):
                continue
            try:
                text = read_inside(path, folder).decode("utf-8")
            except SourceError as exc:
                raise PipelineError(f"template {exc}") from None
            except UnicodeDecodeError as exc:
                raise PipelineError(f"template {path}: not UTF-8 text (byte {exc.start})") from None
            mtime = path.stat().st_mtime_ns
            return text, str(path), lambda: os.path.lexists(path) and path.stat().st_mtime_ns == mtime
        raise TemplateNotFound(template)
