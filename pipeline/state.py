"""Build state: content fingerprints, a versioned state file, a stage cache, atomic writes and a lock."""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from .boundary import read_inside
from .errors import PipelineError
from .records import RecordError, from_data, to_data

# Bump when the state file's or the cache's layout changes: older state is then discarded whole.
STATE_FORMAT = 2  # 2 stores each briefing's warnings
CACHE_FORMAT = 2  # 1 was pickles, which are never read again
LOGGER = logging.getLogger("pipeline.build")
# A slug names a folder directly under inputs/ and outputs/: one plain name, never '..', never hidden.
SLUG = re.compile(r"[^\W_][\w.-]{0,199}")
_FILE_NAME = re.compile(r"[^/\0]{1,255}")
MAX_STATE_BYTES = 256 * 1024 * 1024
TRASH = ".trash"


def is_safe_slug(slug: object) -> bool:
    """True when `slug` is one plain folder name (letters, digits, '.', '_', '-'; not hidden, not '..')."""
    return isinstance(slug, str) and SLUG.fullmatch(slug) is not None


def check_inside(path: Path, root: Path) -> Path:
    """The path, when its folder resolves inside `root` and it is not itself a link out; else PipelineError.

    Called right before removing or replacing anything, so that a crafted state or a symlink
    planted in outputs/ can never turn a build into a deletion elsewhere.
    """
    root = Path(root).resolve()
    target = Path(root, path) if not Path(path).is_absolute() else Path(path)
    parent = target.parent.resolve()
    if target.name in ("", ".", "..") or not (parent == root or parent.is_relative_to(root)) or \
            (parent / target.name) == root:
        raise PipelineError(f"{path}: refused to remove or replace a path outside {root}")
    return parent / target.name


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


def write_atomic(path: Path, data: bytes | str, inside: Path | None = None) -> None:
    """Write a file through a temporary sibling and a rename, so a killed build never leaves half a file.

    With `inside`, the file is first checked to lie inside that folder (see check_inside).
    """
    write_all_atomic({path: data}, inside)


def write_all_atomic(files: dict[Path, bytes | str], inside: Path | None = None) -> None:
    """Write several files, each through a temporary sibling, renaming them only once all are written.

    A full disk or a refused write (the OSError names the file) then leaves every previous file as it
    was: the renames, which need no space, come after the last byte is safely on disk. With `inside`,
    every file is checked to lie inside that folder right before it is written.
    """
    if inside is not None:
        files = {check_inside(path, inside): data for path, data in files.items()}
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
            if tmp.is_file() and tmp.parent.resolve().is_relative_to(folder.resolve()):
                tmp.unlink(missing_ok=True)


def move_to_trash(out_root: Path, slug: str, stamp: str) -> Path | None:
    """Move outputs/<slug>/ to outputs/.trash/<slug>/<stamp>/ (None when there was nothing to move).

    Both ends are checked to lie inside outputs/ right before the move; nothing is deleted.
    """
    if not is_safe_slug(slug):
        raise PipelineError(f"{slug!r}: not a valid slug; nothing moved")
    source = out_root / slug
    if not os.path.lexists(source):
        return None
    source = check_inside(source, out_root)
    target = out_root / TRASH / slug / stamp
    n = 1
    while os.path.lexists(target):  # two removals within one second keep both
        n += 1
        target = out_root / TRASH / slug / f"{stamp}-{n}"
    check_inside(target, out_root).parent.mkdir(parents=True, exist_ok=True)
    os.rename(source, check_inside(target, out_root))
    return target


@dataclass
class BriefingState:
    """What the last good build of one briefing used and produced."""

    keys: dict[str, str] = field(default_factory=dict)
    """Fingerprint of each stage's inputs, by stage name."""
    outputs: dict[str, str] = field(default_factory=dict)
    """SHA-256 of each output file, by file name."""
    warnings: list[str] = field(default_factory=list)
    """Every warning the build gave, replayed by a no-op build and read by `check`, `--strict` and `archive`."""
    render_warnings: list[str] = field(default_factory=list)
    """The rendering's own warnings, kept for builds that reuse the PDF."""


@dataclass
class State:
    """The project's build state: per-briefing fingerprints, kept in outputs/.state/state.json."""

    briefings: dict[str, BriefingState] = field(default_factory=dict)


def load_state(folder: Path) -> State:
    """Read and validate the state; a state of any other shape is reported in one line and discarded.

    The broken file and the cache go with it (never beyond `folder`), so the next save starts clean
    and the project is rebuilt.
    """
    path = folder / "state.json"
    if not os.path.lexists(path):
        return State()
    try:
        return _parse_state(read_inside(path, folder, MAX_STATE_BYTES))
    except (PipelineError, ValueError, RecursionError, MemoryError) as exc:
        reason = " ".join(str(exc).split())
        LOGGER.warning("build state %s is unreadable (%s); rebuilding everything",
                       path, reason[:200] + ("…" if len(reason) > 200 else ""))
    for broken in (path, folder / "cache"):
        if broken.is_dir() and not broken.is_symlink():
            shutil.rmtree(check_inside(broken, folder), ignore_errors=True)
        elif os.path.lexists(broken):
            check_inside(broken, folder).unlink(missing_ok=True)
    return State()


def _parse_state(data: bytes) -> State:
    """The State the bytes of state.json describe; ValueError naming the first thing of the wrong shape."""
    raw = json.loads(data.decode("utf-8"))
    if not isinstance(raw, dict):
        raise ValueError(f"expected a JSON object, found {type(raw).__name__}")
    if raw.get("format") != STATE_FORMAT:
        raise ValueError(f"format {raw.get('format')!r}, expected {STATE_FORMAT}")
    if set(raw) != {"format", "briefings"} or not isinstance(raw["briefings"], dict):
        raise ValueError(f"expected the keys 'format' and 'briefings' (a table), found {sorted(raw)}")
    briefings = {}
    for slug, entry in raw["briefings"].items():
        if not is_safe_slug(slug):
            raise ValueError(f"briefing {slug[:80]!r} is not a valid slug")
        record = from_data(entry, BriefingState, slug)
        if not all(_FILE_NAME.fullmatch(name) and name not in (".", "..") for name in record.outputs):
            raise ValueError(f"{slug}: an output name is not a plain file name")
        briefings[slug] = record
    return State(briefings)


def save_state(folder: Path, state: State) -> None:
    """Write the state atomically."""
    data = {
        "format": STATE_FORMAT,
        "briefings": {slug: {"keys": b.keys, "outputs": b.outputs, "warnings": b.warnings, "render_warnings": b.render_warnings}
                      for slug, b in sorted(state.briefings.items())},
    }
    write_atomic(folder / "state.json", json.dumps(data, indent=1, sort_keys=True))


def encode_entry(stage: str, value: Any) -> str | None:
    """A stage result as the JSON text of a cache entry; None (logged) when it is not data."""
    try:
        # ASCII escapes keep any odd text (a lone surrogate from a file name) storable and exact.
        return json.dumps({"format": CACHE_FORMAT, "stage": stage, "data": to_data(value)})
    except (RecordError, ValueError) as exc:  # a result that is not data is simply not cached
        LOGGER.warning("%s result not cached (%s)", stage, exc)
        return None


def decode_entry(data: bytes, stage: str, kind: Any, where: Any) -> Any | None:
    """A cache entry's result as a `kind`; None (logged, naming `where`) when it is of another shape."""
    try:
        raw = json.loads(data.decode("utf-8"))
        if not isinstance(raw, dict) or raw.get("format") != CACHE_FORMAT or raw.get("stage") != stage:
            raise ValueError(f"not a format-{CACHE_FORMAT} {stage} entry")
        return from_data(raw.get("data"), kind, stage)
    except (PipelineError, ValueError, RecursionError, MemoryError) as exc:  # never fail a build over the cache
        reason = " ".join(str(exc).split())
        LOGGER.warning("cache entry %s is unreadable (%s); recomputing", where, reason[:160])
        return None


class Cache:
    """Stage results stored by the fingerprint of their inputs, shared by all briefings.

    Entries are data-only JSON (`{"format", "stage", "data"}`), decoded against the type the
    caller expects: whoever can write outputs/.state can at worst make a stage run again.
    """

    def __init__(self, folder: Path):
        self.root = folder
        self.folder = folder / "cache"

    def _path(self, stage: str, key: str) -> Path:
        return self.folder / stage / f"{key}.json"

    def read(self, stage: str, key: str) -> bytes | None:
        """The stored entry's bytes, or None when absent or refused (a link out, a FIFO, too large)."""
        path = self._path(stage, key)
        if not os.path.lexists(path):
            return None
        try:
            return read_inside(path, self.root, MAX_STATE_BYTES)
        except PipelineError as exc:
            LOGGER.warning("cache entry %s is unreadable (%s); recomputing", path, " ".join(str(exc).split())[:160])
            return None

    def get(self, stage: str, key: str, kind: Any) -> Any | None:
        """The cached result as a `kind`, or None when absent, unreadable or of another shape (then recomputed)."""
        data = self.read(stage, key)
        return None if data is None else decode_entry(data, stage, kind, self._path(stage, key))

    def fetch(self, stage: str, key: str, compute: Callable[[], Any], reuse: bool = True, *, kind: Any) -> Any:
        """The stored result for the key (unless `reuse` is off), else `compute()`, stored for next time."""
        value = self.get(stage, key, kind) if reuse else None
        if value is None:
            value = compute()
            self.put(stage, key, value)
        return value

    def has(self, stage: str, key: str) -> bool:
        """True when a result for this stage and key is stored."""
        return self._path(stage, key).is_file()

    def put(self, stage: str, key: str, value: Any) -> None:
        """Store a result atomically, as data."""
        payload = encode_entry(stage, value)
        if payload is not None:
            self.store(stage, key, payload)

    def store(self, stage: str, key: str, payload: str) -> None:
        """Write an encoded entry (see encode_entry) atomically; a failed write is logged, never raised."""
        try:
            write_atomic(self._path(stage, key), payload, inside=self.root)
        except OSError as exc:  # a read-only or full cache folder costs speed, never the build
            LOGGER.warning("cache entry %s not stored (%s)", self._path(stage, key), exc.strerror or exc)

    def prune(self, keep: dict[str, set[str]]) -> None:
        """Delete entries no briefing refers to any more (and any file of an older cache format)."""
        if not self.folder.is_dir():
            return
        for stage_dir in self.folder.iterdir():
            if not stage_dir.is_dir() or stage_dir.is_symlink():
                continue
            for entry in stage_dir.iterdir():
                if entry.suffix != ".json" or entry.stem not in keep.get(stage_dir.name, set()):
                    if entry.is_file() or entry.is_symlink():
                        check_inside(entry, self.folder).unlink(missing_ok=True)


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
            _wait_for_old_workers(folder, notify)
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


WORKERS_LOCK = "workers.lock"


def _wait_for_old_workers(folder: Path, notify) -> None:
    """Wait until no worker of an earlier build holds the project (they hold workers.lock shared)."""
    with open(folder / WORKERS_LOCK, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            notify("waiting for the workers of an earlier build of this project to exit")
            fcntl.flock(handle, fcntl.LOCK_EX)
        fcntl.flock(handle, fcntl.LOCK_UN)


def hold_project_as_worker(folder: Path):
    """Take the workers' shared lock for the life of this process (a worker calls it once at start).

    The returned file must be kept open: the lock lasts as long as it does, i.e. until the worker exits.
    """
    handle = open(folder / WORKERS_LOCK, "a+")
    fcntl.flock(handle, fcntl.LOCK_SH)
    return handle
