"""Reading text files of unknown encoding: BOMs, UTF-8, UTF-16/32, Windows-1252 fallback, line ends."""

from __future__ import annotations

import codecs
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..boundary import open_inside
from ..errors import SourceError
from . import ReadOptions, WordLimit, boundary_of

# Longest BOMs first: the UTF-32-LE BOM begins with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# A UTF-8 lead byte and its continuation bytes read as Latin-1, with at least one C1 control among them.
_DOUBLE_UTF8 = re.compile(r"[\xc2-\xf4](?=[\x80-\xbf]{0,2}[\x80-\x9f])[\x80-\xbf]{1,3}")


@dataclass(frozen=True)
class TextFile:
    """A decoded text file: its lines (without line ends), the encoding used and any warnings."""

    lines: tuple[str, ...]
    encoding: str
    warnings: tuple[str, ...] = ()


def read_bytes(path: Path, options: ReadOptions = ReadOptions(), limit: WordLimit | None = None) -> bytes:
    """The file's bytes, read only inside the options' boundary folder; unreadable, empty or too long files raise SourceError."""
    with open_inside(path, boundary_of(path, options)) as handle:
        try:
            data = handle.read() if limit is None else _read_words(handle, path, limit)
        except OSError as exc:
            raise SourceError(path, f"cannot be read: {exc.strerror or exc}") from None
    if not data:
        raise SourceError(path, "the file is empty (0 bytes)")
    return data


def _read_words(handle, path: Path, limit: WordLimit, chunk: int = 1 << 20) -> bytes:
    """Read a file chunk by chunk, counting words, and refuse it as soon as the count passes the limit.

    Counting as it reads bounds time and memory by the limit, not by the file: a 50 MB transcript is
    refused after its first megabytes, before any of it is decoded whole or parsed.
    """
    head = handle.read(max(chunk, 4))  # enough for any byte-order mark
    encoding = next((enc for bom, enc in _BOMS if head.startswith(bom)), "utf-8")
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")  # only for counting
    parts, words, in_word, block = [], 0, False, head
    while block:
        parts.append(block)
        text = decoder.decode(block)  # empty while a character's bytes are split between chunks
        if text:
            # A word cut by the chunk boundary is counted once.
            words += len(text.split()) - (in_word and not text[0].isspace())
            in_word = not text[-1].isspace()
        if words > limit.words:
            size = os.fstat(handle.fileno()).st_size
            raise SourceError(path, f"has more than {limit.words:,} words (counted in its first {sum(map(len, parts)):,} "
                                    f"of {size:,} bytes); the limit is {limit.words:,} (setting {limit.setting})")
        block = handle.read(chunk)
    return b"".join(parts)


def repair_double_utf8(text: str) -> tuple[str, int]:
    """Undo UTF-8 that was decoded as Latin-1 and encoded again ('â\\x80\\x94' → '—'); returns text and count.

    Only runs holding a C1 control character (U+0080–U+009F) are touched: those never occur in
    real text, so a run that decodes as UTF-8 is certainly double-encoded.
    """
    count = 0

    def fix(match: re.Match) -> str:
        nonlocal count
        run = match.group(0)
        try:
            fixed = run.encode("latin-1").decode("utf-8")
        except UnicodeError:
            return run
        count += 1
        return fixed

    return _DOUBLE_UTF8.sub(fix, text), count


def decode_text(data: bytes, path: Path) -> TextFile:
    """Decode bytes as text: a BOM decides; else UTF-8, else Windows-1252 (with a warning)."""
    warnings: list[str] = []
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(encoding)
            except UnicodeDecodeError as exc:
                raise SourceError(path, f"starts with a {encoding.upper()} byte-order mark but byte {exc.start + len(bom)} is not valid {encoding.upper()}") from None
            break
    else:
        nul = data.find(b"\0")
        if nul >= 0:
            # NUL bytes never occur in 8-bit text; most likely UTF-16 without a BOM, or a binary file.
            raise SourceError(path, f"expected text, found a NUL byte at offset {nul} (binary data, or UTF-16 without a byte-order mark)")
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError as exc:
            try:
                text, encoding = data.decode("cp1252"), "windows-1252"
            except UnicodeDecodeError as exc2:
                raise SourceError(
                    path,
                    f"expected UTF-8, UTF-16 or Windows-1252 text; byte 0x{data[exc2.start]:02x} at offset {exc2.start} is valid in none of them",
                ) from None
            warnings.append(f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); read as Windows-1252")
    if "\0" in text:
        raise SourceError(path, f"expected text, found a NUL character at character {text.index(chr(0))}")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text, repaired = repair_double_utf8(text)
    if repaired:
        warnings.append(f"{repaired} character(s) had been encoded as UTF-8 twice (mojibake such as 'â\\x80\\x94'); repaired")
    return TextFile(lines=tuple(text.split("\n")), encoding=encoding, warnings=tuple(warnings))


def read_text(path: Path, options: ReadOptions = ReadOptions(), limit: WordLimit | None = None) -> TextFile:
    """Read and decode a text file (see decode_text); empty, unreadable or too long files raise SourceError."""
    text = decode_text(read_bytes(path, options, limit), path)
    if not any(line.strip() for line in text.lines):
        raise SourceError(path, "the file holds only whitespace; expected text")
    return text
