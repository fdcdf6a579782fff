"""Build state: content fingerprints, a versioned state file, a stage cache, atomic writes and a lock."""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import pickle
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

# Bump when the state file's or the cache's layout changes: older state is then discarded whole.
STATE_FORMAT = 1
LOGGER = logging.getLogger("pipeline.build")


def fingerprint(*parts: Any) -> str:
    """A stable SHA-256 of JSON-serialisable parts (bytes are hashed as they are)."""
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, bytes):
            digest.update(b"b" + len(part).to_bytes(8, "big") + part)
        else:
            text = json.dumps(part, sort_keys=True, default=str).encode("utf-8")
            digest.update(b"j" + len(text).to_bytes(8, "big") + text)
    return digest.hexdigest()


def bytes_digest(data: bytes) -> str:
    """SHA-256 of bytes, as file_digest gives for a file holding them."""
    return hashlib.sha256(data).hexdigest()


def file_digest(path: Path) -> str:
    """SHA-256 of a file's content."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def tree_digest(folders: list[Path]) -> str:
    """One fingerprint of every file under the given folders (names and contents, in a stable order)."""
    entries = []
    for n, folder in enumerate(folders):
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            entries.append((n, path.relative_to(folder).as_posix(), file_digest(path)))
    return fingerprint(entries)


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write a file through a temporary sibling and a rename, so a killed build never leaves half a file."""
    write_all_atomic({path: data})


def write_all_atomic(files: dict[Path, bytes | str]) -> None:
    """Write several files, each through a temporary sibling, renaming them only once all are written.

    A full disk or a refused write (the OSError names the file) then leaves every previous file as it
    was: the renames, which need no space, come after the last byte is safely on disk.
    """
    temporaries: dict[Path, Path] = {}
    try:
        for path, data in files.items():
            tmp = temporaries[path] = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            payload = data.encode("utf-8") if isinstance(data, str) else data
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                with open(tmp, "wb") as handle:
                    handle.write(payload)
                    handle.flush()
                    os.fsync(handle.fileno())
            except OSError as exc:  # write() and fsync() name no file, open() the temporary: name the file meant
                name = path if exc.filename in (None, str(tmp)) else exc.filename
                raise OSError(exc.errno, exc.strerror or str(exc), str(name)) from None
        for path, tmp in temporaries.items():
            os.replace(tmp, path)
    finally:
        for tmp in temporaries.values():
            try:
                tmp.unlink(missing_ok=True)
            except OSError:  # the folder refuses writes: then no temporary was made either
                pass


def remove_stale_temporaries(folder: Path) -> None:
    """Delete temporary files a killed build left behind (their rename never happened)."""
    if folder.is_dir():
        for tmp in folder.rglob(".*.tmp"):
            tmp.unlink(missing_ok=True)


@dataclass
class BriefingState:
    """What the last good build of one briefing used and produced."""

    keys: dict[str, str] = field(default_factory=dict)
    """Fingerprint of each stage's inputs, by stage name."""
    outputs: dict[str, str] = field(default_factory=dict)
    """SHA-256 of each output file, by file name."""


@dataclass
class State:
    """The project's build state: per-briefing fingerprints, kept in outputs/.state/state.json."""

    briefings: dict[str, BriefingState] = field(default_factory=dict)


def load_state(folder: Path) -> State:
    """Read the state; an unreadable or other-format state is logged once and discarded with the cache."""
    path = folder / "state.json"
    if not path.exists():
        return State()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("format") != STATE_FORMAT:
            raise ValueError(f"format {raw.get('format')!r}, expected {STATE_FORMAT}")
        briefings = {slug: BriefingState(dict(b["keys"]), dict(b["outputs"])) for slug, b in raw["briefings"].items()}
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        LOGGER.warning("build state %s is unreadable (%s); rebuilding everything", path, exc)
        shutil.rmtree(folder / "cache", ignore_errors=True)
        return State()
    return State(briefings)


def save_state(folder: Path, state: State) -> None:
    """Write the state atomically."""
    data = {
        "format": STATE_FORMAT,
        "briefings": {slug: {"keys": b.keys, "outputs": b.outputs} for slug, b in sorted(state.briefings.items())},
    }
    write_atomic(folder / "state.json", json.dumps(data, indent=1, sort_keys=True))


class Cache:
    """Stage results stored by the fingerprint of their inputs, shared by all briefings."""

    def __init__(self, folder: Path):
        self.folder = folder / "cache"

    def _path(self, stage: str, key: str) -> Path:
        return self.folder / stage / f"{key}.pickle"

    def get(self, stage: str, key: str) -> Any | None:
        """The cached result, or None when absent or unreadable (then it is simply recomputed)."""
        path = self._path(stage, key)
        try:
            with open(path, "rb") as handle:
                return pickle.load(handle)
        except FileNotFoundError:
            return None
        except Exception as exc:  # a damaged cache entry must never fail a build
            LOGGER.warning("cache entry %s is unreadable (%s); recomputing", path, exc)
            return None

    def fetch(self, stage: str, key: str, compute: Callable[[], Any], reuse: bool = True) -> Any:
        """The stored result for the key (unless `reuse` is off), else `compute()`, stored for next time."""
        value = self.get(stage, key) if reuse else None
        if value is None:
            value = compute()
            self.put(stage, key, value)
        return value

    def has(self, stage: str, key: str) -> bool:
        """True when a result for this stage and key is stored."""
        return self._path(stage, key).is_file()

    def put(self, stage: str, key: str, value: Any) -> None:
        """Store a result atomically."""
        write_atomic(self._path(stage, key), pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))

    def prune(self, keep: dict[str, set[str]]) -> None:
        """Delete entries no briefing refers to any more."""
        if not self.folder.is_dir():
            return
        for stage_dir in self.folder.iterdir():
            for entry in stage_dir.glob("*.pickle"):
                if entry.stem not in keep.get(stage_dir.name, set()):
                    entry.unlink(missing_ok=True)


@contextmanager
def project_lock(folder: Path, notify=print) -> Iterator[None]:
    """Hold the project's build lock; a second build waits for the first and says so."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            notify(f"waiting for another build of this project to finish (pid {holder})")
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
