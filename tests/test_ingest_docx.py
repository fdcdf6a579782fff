"""Tests for the Word (.docx) manuscript reader: same segments as the Markdown reader, clean failures."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import docx
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml.ns import qn
from docx.oxml.parser import OxmlElement

from pipeline.draft import note_from_manuscript
from pipeline.errors import SourceError
from pipeline.ingest import ReadOptions, read_source
from pipeline.models import Briefing


def add_link(paragraph, text: str, url: str) -> None:
    """Append a hyperlink run to a python-docx paragraph (python-docx has no API for creating one)."""
    rel = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel)
    run = OxmlElement("w:r")
    text_el = OxmlElement("w:t")
    text_el.text = text
    run.append(text_el)
    link.append(run)
    paragraph._p.append(link)


def make_manuscript(path: Path) -> Path:
    """A small house-style manuscript in Word: headings, a bold and an italic question, bullets, links."""
    document = docx.Document()
    document.core_properties.title = "Verification Under Strain"
    document.core_properties.content_status = "Draft"
    document.core_properties.author = "Lena Varga"
    document.add_heading("KEY EVENTS", level=1)
    document.add_paragraph("The OPCW gained attribution powers in 2018.")
    document.add_heading("NATURE OF DISCUSSION", level=1)
    para = document.add_paragraph("A talk on ")
    para.add_run("chemical").italic = True
    para.add_run(" weapons [verification].")
    document.add_heading("BACKGROUND", level=1)
    document.add_heading("Presentation", level=2)
    document.add_paragraph("Dr. Varga described the Syrian case.")
    document.add_heading("Question and Answer", level=2)
    question = document.add_paragraph()
    question.add_run("How is attribution ").bold = True
    question.add_run("decided?").bold = True
    document.add_paragraph("By a vote of the member states.")
    document.add_paragraph().add_run("What about Russia?").italic = True
    document.add_paragraph("It voted against.")
    document.add_heading("KEY POINTS OF DISCUSSION", level=1)
    document.add_paragraph("Chlorine is not scheduled.", style="List Bullet")
    document.add_paragraph("Attribution rests on a vote.", style="List Bullet")
    document.add_heading("FURTHER READING", level=1)
    ref = document.add_paragraph("OPCW. (2018). Decision C-SS-4/DEC.3. ")
    add_link(ref, "opcw.org", "https://www.opcw.org/")
    document.save(path)
    return path


def briefing(folder: Path) -> Briefing:
    """A minimal briefing for note_from_manuscript."""
    return Briefing(slug="t", folder=folder, title="T", speaker="Dr. Lena Varga", event="E", date=dt.date(2026, 1, 1),
                    author="A", volume=1, issue=1, year=2026)


def test_docx_segments_follow_markdown_conventions(tmp_path):
    source = read_source(make_manuscript(tmp_path / "note.docx"))
    assert source.kind == "manuscript"
    assert source.metadata == {"title": "Verification Under Strain", "author": "Lena Varga", "status": "draft"}
    by_role = {}
    for seg in source.segments:
        by_role.setdefault(seg.role, []).append((seg.section, seg.text))
    assert ("KEY EVENTS",) == by_role["heading"][0][0]
    assert by_role["question"] == [
        (("BACKGROUND", "Question and Answer"), "**How is attribution decided?**"),
        (("BACKGROUND", "Question and Answer"), "*What about Russia?*"),
    ]
    assert by_role["bullet"][0] == (("KEY POINTS OF DISCUSSION",), "Chlorine is not scheduled.")
    texts = dict((t, s) for s, t in by_role["text"])
    assert "A talk on *chemical* weapons \\[verification\\]." in texts
    assert "OPCW. (2018). Decision C-SS-4/DEC.3. [opcw.org](https://www.opcw.org/)" in texts


def test_docx_feeds_the_draft_stage(tmp_path):
    note, warnings = note_from_manuscript(read_source(make_manuscript(tmp_path / "note.docx")), briefing(tmp_path))
    assert [qa.question for qa in note.questions] == ["How is attribution decided?", "What about Russia?"]
    assert note.questions[0].answer == ("By a vote of the member states.",)
    assert note.key_points == ("Chlorine is not scheduled.", "Attribution rests on a vote.")
    assert note.status == "draft" and not [w for w in warnings if "missing" in w]


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "Word 97-2003"),
        (b"plain text", "expected a ZIP package"),
        (b"PK\x03\x04broken", "not a readable .docx package"),
    ],
)
def test_unreadable_docx(tmp_path, data, reason):
    path = tmp_path / "bad.docx"
    path.write_bytes(data)
    with pytest.raises(SourceError, match=reason):
        read_source(path)


def test_zip_without_document_and_zip_bomb(tmp_path):
    path = tmp_path / "other.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(SourceError, match="no word/document.xml"):
        read_source(path)
    bomb = tmp_path / "bomb.docx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"<" + b" " * (3 << 20))
    bomb.write_bytes(buffer.getvalue())
    with pytest.raises(SourceError, match="decompresses to 3.1 MB; the limit is 1.0 MB"):
        read_source(bomb, ReadOptions(max_stream_bytes=1_000_000))


def test_damaged_document_xml(tmp_path):
    path = tmp_path / "damaged.docx"
    good = make_manuscript(tmp_path / "good.docx")
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, b"<w:document" if item.filename == "word/document.xml" else src.read(item))
    with pytest.raises(SourceError, match=r"damaged\.docx: damaged Word document"):
        read_source(path)


def _wrapped_document(path: Path) -> Path:
    """A document whose text hides where python-docx's own iterators do not look."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    document.add_heading("KEY EVENTS", 1)
    body = document.element.body
    w = nsdecls("w")
    body.insert(len(body) - 1, parse_xml(
        f"<w:sdt {w}><w:sdtContent><w:p><w:r><w:t>Inside a content control.</w:t></w:r></w:p></w:sdtContent></w:sdt>"))
    body.insert(len(body) - 1, parse_xml(
        f'<w:p {w}><w:r><w:t xml:space="preserve">Before </w:t></w:r><w:ins w:id="1" w:author="e"><w:r><w:t>inserted</w:t></w:r></w:ins>'
        f'<w:del w:id="2" w:author="e"><w:r><w:delText> deleted</w:delText></w:r></w:del>'
        f'<w:smartTag w:uri="u" w:element="e"><w:r><w:t xml:space="preserve"> smart</w:t></w:r></w:smartTag>'
        f'<w:fldSimple w:instr="X"><w:r><w:t xml:space="preserve"> field</w:t></w:r></w:fldSimple><w:r><w:t xml:space="preserve"> after &amp;copy;</w:t></w:r></w:p>'))
    cell = document.add_table(rows=1, cols=1).rows[0].cells[0]
    cell.paragraphs[0].text = "cell text"
    cell.add_table(rows=1, cols=1).rows[0].cells[0].paragraphs[0].text = "nested cell text"
    body.insert(len(body) - 1, parse_xml(
        f'<w:p {w} xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><w:r><w:t>Anchor.</w:t></w:r>'
        f"<w:r><w:drawing><wps:txbx><w:txbxContent><w:p><w:r><w:t>In a text box.</w:t></w:r></w:p></w:txbxContent></wps:txbx></w:drawing></w:r></w:p>"))
    document.save(path)
    return path


def test_word_text_in_wrappers_and_nested_tables_is_read_and_text_boxes_are_reported(tmp_path):
    from pipeline.limits import printed_text

    source = read_source(_wrapped_document(tmp_path / "note.docx"))
    texts = [printed_text(s.text) for s in source.segments]
    assert texts == ["KEY EVENTS", "Inside a content control.", "Before inserted smart field after &copy;",
                     "cell text", "nested cell text", "Anchor."]
    assert any("1 paragraph(s) not read" in w and "In a text box." in w for w in source.warnings)


def test_word_manuscript_over_the_word_limit_is_refused(tmp_path):
    document = docx.Document()
    document.add_heading("KEY EVENTS", 1)
    for _ in range(50):
        document.add_paragraph("ten words " * 5)
    document.save(tmp_path / "note.docx")
    with pytest.raises(SourceError) as info:
        read_source(tmp_path / "note.docx", ReadOptions(max_manuscript_words=300))
    assert str(info.value).startswith(str(tmp_path / "note.docx") + ": has more than 300 words")
    assert "setting max_manuscript_words" in str(info.value)
