"""The folder is the boundary: open only regular files that resolve inside a given folder."""

from __future__ import annotations

import hashlib
import os
import stat
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

from .errors import SourceError

_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a folder"),
)


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words (`a FIFO (named pipe)`, `a socket`, ...)."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def check_name(path: Path) -> None:
    """Refuse a file name that cannot be carried through the pipeline (not UTF-8, control characters)."""
    name = str(path)
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # named with its bytes escaped, so the message itself is valid text
        shown = os.fsencode(name).decode("utf-8", "backslashreplace")
        raise SourceError(shown, "refused: the file name is not valid UTF-8") from None
    if "\0" in name:  # only reachable from a name written in a settings file
        raise SourceError(name.replace("\0", "\\0"), "refused: the file name holds a NUL byte")


def inside(path: Path, folder: Path) -> Path:
    """The path, resolved; SourceError unless it lies inside `folder` (after symlinks) and is a regular file.

    Nothing is opened: the checks use lstat/resolve only, so a FIFO or a device never blocks.
    """
    path = Path(path)
    check_name(path)
    root = Path(folder).resolve()
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop
        raise SourceError(path, f"refused: the path cannot be resolved ({exc})") from None
    if not resolved.is_relative_to(root):
        what = "a symbolic link to" if path.is_symlink() or resolved != path.absolute() else "the path"
        raise SourceError(path, f"refused: {what} {resolved}, outside the briefing folder {root}")
    try:
        mode = resolved.lstat().st_mode
    except OSError as exc:
        raise SourceError(path, f"cannot be read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(mode):
        raise SourceError(path, f"refused: {file_kind(mode)}, not a regular file")
    return resolved


@contextmanager
def open_inside(path: Path, folder: Path) -> Iterator[BinaryIO]:
    """Open a file for reading only when it is a regular file inside `folder` (see `inside`).

    The resolved path is opened with O_NOFOLLOW (a symlink swapped in since the check is refused)
    and O_NONBLOCK (a FIFO swapped in cannot block), then fstat confirms a regular file.
    """
    resolved = inside(path, folder)
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(resolved, flags)
    except OSError as exc:
        raise SourceError(path, f"cannot be read: {exc.strerror or exc}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise SourceError(path, f"refused: {file_kind(mode)}, not a regular file")
        os.set_blocking(fd, True)
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        yield handle


def check_size(path: Path, max_bytes: int) -> None:
    """Refuse a file larger than `max_bytes` before reading it, naming its size, the limit and the setting."""
    try:
        size = Path(path).stat().st_size
    except OSError as exc:
        raise SourceError(path, f"cannot be read: {exc.strerror}") from None
    if size > max_bytes:
        raise SourceError(path, f"file is {size:,} bytes; the limit is {max_bytes:,} bytes (setting max_file_mb)")


def read_inside(path: Path, folder: Path, max_bytes: int | None = None) -> bytes:
    """The bytes of a regular file inside `folder`; larger than `max_bytes` is an error naming the limit."""
    with open_inside(path, folder) as handle:
        try:
            if max_bytes is None:
                return handle.read()
            data = handle.read(max_bytes + 1)
        except OSError as exc:
            raise SourceError(path, f"cannot be read: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise SourceError(path, f"file is larger than the limit of {max_bytes:,} bytes (setting max_file_mb)")
    return data


def digest_inside(path: Path, folder: Path) -> str:
    """SHA-256 of a regular file inside `folder`, read in blocks."""
    digest = hashlib.sha256()
    with open_inside(path, folder) as handle:
        try:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        except OSError as exc:
            raise SourceError(path, f"cannot be read: {exc.strerror or exc}") from None
    return digest.hexdigest()
