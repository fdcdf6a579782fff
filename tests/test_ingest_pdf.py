"""Tests for the PDF reader: text per page, passwords, image-only pages, damage and limits."""

from __future__ import annotations

import io
import zlib

import pytest
from pypdf import PdfWriter

from pipeline.errors import SourceError
from pipeline.ingest import ReadOptions, read_source
from pipeline.ingest.pdf import read_pdf_bytes


def make_pdf(pages: list[str | bytes], *, compress: bool = False) -> bytes:
    """A small valid PDF: one page per entry, each showing its text in Helvetica ('' = no text)."""
    objects: list[bytes] = []
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(len(pages)))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, page in enumerate(pages):
        if isinstance(page, bytes):
            content = page
        else:
            lines = [f"({line}) Tj 0 -20 Td" for line in page.splitlines()]
            content = ("BT /F1 18 Tf 50 700 Td " + " ".join(lines) + " ET").encode() if page else b""
        stream = zlib.compress(content) if compress else content
        filters = b" /Filter /FlateDecode" if compress else b""
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>".encode())
        objects.append(b"<< /Length %d%s >>\nstream\n" % (len(stream), filters) + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def encrypt(pdf: bytes, user: str, owner: str) -> bytes:
    """The PDF encrypted with AES-128 and the given user and owner passwords."""
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    writer.encrypt(user_password=user, owner_password=owner, algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def write(tmp_path):
    """Write bytes to a file in tmp_path and return its path."""

    def _write(name: str, data: bytes):
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return _write


def test_text_per_page_with_provenance(write):
    path = write("slides.pdf", make_pdf(["Opening slide\nSecond line", "Fentanyl precursors"]))
    source = read_source(path)
    assert source.kind == "slides"
    assert [(s.page, s.file, s.role) for s in source.segments] == [(1, "slides.pdf", "text"), (2, "slides.pdf", "text")]
    assert source.segments[0].text == "Opening slide\nSecond line"
    assert "Fentanyl precursors" in source.segments[1].text
    assert source.metadata["pages"] == 2 and source.warnings == ()


def test_image_only_page_is_a_warning_not_an_error(write):
    source = read_source(write("s.pdf", make_pdf(["Has text", ""])))
    assert [s.page for s in source.segments] == [1]
    assert any("page 2: no text layer" in w for w in source.warnings)
    assert all(w.startswith("s.pdf: ") for w in source.warnings)


def test_empty_user_password_opens_and_others_need_the_password(write):
    plain = make_pdf(["Secret slide"])
    owner_only = write("owner.pdf", encrypt(plain, "", "ownerpw"))
    assert read_source(owner_only).segments[0].text == "Secret slide"
    locked = write("locked.pdf", encrypt(plain, "userpw", "ownerpw"))
    with pytest.raises(SourceError, match=r"locked\.pdf: encrypted with a password.*password = "):
        read_source(locked)
    with pytest.raises(SourceError, match="password given for it is wrong"):
        read_source(locked, ReadOptions(password="nope"))
    assert read_source(locked, ReadOptions(password="userpw")).segments[0].text == "Secret slide"
    assert read_source(locked, ReadOptions(password="ownerpw")).metadata["opened_with"] == "owner password"


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty"),
        (b"GIF89a not a pdf at all", "not a PDF: expected '%PDF-'"),
        (b"%PDF-1.4\n1 0 obj\n<<\n", "damaged or unsupported PDF"),
        (b"%PDF-1.7\n" + b"\x00\xff" * 300, "damaged or unsupported PDF"),
    ],
)
def test_broken_files_raise_source_error_naming_the_file(write, data, reason):
    path = write("broken.pdf", data)
    with pytest.raises(SourceError) as info:
        read_source(path)
    assert str(path) in str(info.value) and reason in info.value.reason


def test_broken_xref_is_rebuilt(write):
    good = make_pdf(["Potato"])
    # Point startxref at nonsense: pypdf cannot find the table; qpdf rebuilds it.
    broken = good[: good.rindex(b"startxref")] + b"startxref\n999999\n%%EOF\n"
    source = read_source(write("x.pdf", broken))
    assert source.segments[0].text == "Potato"


def test_corrupt_stream_on_one_page_is_a_warning(write):
    data = make_pdf(["Good page", "Bad page"], compress=True)
    second = data.rindex(b">>\nstream\n") + len(b">>\nstream\n")
    data = data[:second] + b"\x00garbage!" + data[second + 9:]
    source = read_source(write("c.pdf", data))
    assert source.segments[0].text == "Good page"
    assert len(source.segments) == 1 and source.warnings


def test_page_cap(write):
    path = write("long.pdf", make_pdf(["a", "b", "c"]))
    with pytest.raises(SourceError, match=r"has 3 pages; the limit is 2 \(setting max_pages\)"):
        read_source(path, ReadOptions(max_pages=2))


def test_file_size_cap(write):
    path = write("big.pdf", make_pdf(["a"]))
    with pytest.raises(SourceError, match="limit is"):
        read_source(path, ReadOptions(max_bytes=100))


def test_decompression_bomb_is_refused():
    # 4 MB of content that compresses to a few kilobytes; the cap is 1 MB.
    bomb = make_pdf([b"BT /F1 12 Tf (x) Tj ET " + b" " * (4 << 20)], compress=True)
    assert len(bomb) < 50_000
    with pytest.raises(SourceError, match="safety limit"):
        read_pdf_bytes(bomb, __import__("pathlib").Path("bomb.pdf"), ReadOptions(max_stream_bytes=1 << 20))


def test_pypdf_log_messages_do_not_reach_stderr(write, capsys):
    good = make_pdf(["Potato"])
    broken = good.replace(b"0000000009", b"0000000001")  # a wrong offset: pypdf logs and recovers
    read_source(write("w.pdf", broken))
    assert capsys.readouterr().err == ""
