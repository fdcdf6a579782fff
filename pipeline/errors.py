"""The pipeline's error types: each names the file and says what was expected and found."""

from __future__ import annotations

from pathlib import Path


class PipelineError(Exception):
    """Base of every error the pipeline reports to the user instead of a traceback."""


class SourceError(PipelineError):
    """An input file could not be read: names the file and the reason."""

    def __init__(self, path: str | Path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class ConfigError(PipelineError):
    """One or more configuration problems, reported together."""

    def __init__(self, path: str | Path, problems: list[str]):
        self.path = str(path)
        self.problems = list(problems)
        super().__init__("\n".join(f"{self.path}: {p}" for p in self.problems))


def describe_os_error(exc: OSError) -> str:
    """An operating-system failure as one line: `PATH: reason` (disk full, permission denied, read-only)."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    return f"{exc.filename}: {reason}" if exc.filename else reason
