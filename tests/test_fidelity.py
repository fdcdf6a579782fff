"""Fidelity against the reference note: rebuilt from an in-memory manuscript, every part reappears in order."""

from __future__ import annotations

import re
from pathlib import Path


from conftest import pdf_pages
from pipeline.build import build
from pipeline.config import load_config

SEED = "seeds/000_c8be0d7580d5dbb3.txt"
HEADINGS = ["KEY EVENTS", "NATURE OF DISCUSSION", "BACKGROUND", "KEY POINTS OF DISCUSSION", "FURTHER READING"]
SUBHEADINGS = ["Presentation", "Question and Answer"]


def paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs, re-joining those a page break split mid-sentence."""
    result: list[str] = []
    for raw in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in raw.strip().splitlines()]
        if lines and all(line.startswith("- ") for line in lines):
            result += lines  # a bullet list: one item per line
            continue
        block = " ".join(raw.split())
        if not block:
            continue
        if result and block[0].islower() and not result[-1].endswith((".", "?", ":", "!")):
            result[-1] += " " + block
        else:
            result.append(block)
    return result


def seed_to_project(seed: str, root: Path) -> dict:
    """Turn the reference note into briefings.toml + briefing.toml + note.md; returns what to look for."""
    parts = paragraphs(seed)
    title = parts[0]
    date = next(p for p in parts if p.startswith("Date:"))[len("Date:"):].strip()
    disclaimer = next(p for p in parts if p.startswith("Disclaimer:"))[len("Disclaimer:"):].strip()
    licence_at = next(i for i, p in enumerate(parts) if p.startswith("This work is licensed"))
    body = parts[parts.index("KEY EVENTS"):licence_at]
    licence, copyright_line, publisher, available = parts[licence_at:licence_at + 4]
    journal, volume_line = (line.strip() for line in seed.strip().splitlines()[-2:])
    author, year = re.fullmatch(r"© \((.+), (\d{4})\)", copyright_line).groups()
    volume, issue = re.fullmatch(r"Volume (\d+), Issue (\d+)", volume_line).groups()
    month_day_year = __import__("datetime").datetime.strptime(date, "%B %d, %Y").date()
    licence_name = licence.removeprefix("This work is licensed under a ").removesuffix(".")

    lines, section = ["---", "status: final", "---"], None
    for p in body:
        if p in HEADINGS:
            section = p
            lines.append(f"# {p}")
        elif p in SUBHEADINGS:
            lines.append(f"## {p}")
        elif p.startswith("- "):
            lines.append(p)
        elif section == "BACKGROUND" and p.endswith("?"):
            lines.append(f"**{p}**")
        else:
            lines.append(p)
        lines.append("")
    folder = root / "inputs" / "reference"
    folder.mkdir(parents=True)
    (folder / "note.md").write_text("\n".join(lines), encoding="utf-8")
    (folder / "briefing.toml").write_text(
        f'title = "{title.title()}"\nspeaker = "Ms. Speaker"\nevent = "Conference"\n'
        f"date = {month_day_year.isoformat()}\nauthor = \"{author.title()}\"\nyear = {year}\n"
        f"volume = {volume}\nissue = {issue}\n",
        encoding="utf-8",
    )
    (root / "briefings.toml").write_text(
        f'journal = "{journal}"\npublisher = "{publisher}"\nlicence_name = "{licence_name}"\n'
        f'available_from = "{available.removeprefix("Available from: ").strip("<>")}"\n'
        f'disclaimer = "{disclaimer}"\n',
        encoding="utf-8",
    )
    expected = [title, f"Date: {date}", f"Disclaimer: {disclaimer}"]
    expected += [
        p.removeprefix("- ").replace("*", "").replace("<", "").replace(">", "")
        for p in body
    ]
    expected += [licence, copyright_line, publisher, available.replace("<", "").replace(">", "")]
    bullets = [p[2:].replace("*", "") for p in body if p.startswith("- ")]
    return {"expected": expected, "bullets": bullets, "journal": journal, "volume_line": volume_line}


QUOTES = str.maketrans("‘’“”", "''\"\"")


def squash(text: str) -> str:
    """Text without whitespace or hyphens and with plain quotes, so line breaks, hyphenation,
    justification and the house's typographic quotes do not matter."""
    return re.sub(r"[\s\-]+", "", text.translate(QUOTES))


def test_reference_note_round_trips_through_the_pipeline(shared_dir, tmp_path):
    seed = (shared_dir / SEED).read_text(encoding="utf-8")
    wanted = seed_to_project(seed, tmp_path)
    report = build(load_config(tmp_path))
    assert report.ok, report.outcomes
    pages = pdf_pages(tmp_path / "outputs" / "reference" / "reference.pdf")
    assert len(pages) >= 3
    body = ""
    for number, page in enumerate(pages, 1):
        assert wanted["journal"] in page and wanted["volume_line"] in page, f"running header missing on page {number}"
        page = page.replace(wanted["journal"], "").replace(wanted["volume_line"], "")
        page = re.sub(rf"\s{number}\s*$", "", page.rstrip() + " ")  # the page number at the foot
        body += page
    flat, at = squash(body), 0
    for part in wanted["expected"]:
        found = flat.find(squash(part), at)
        assert found >= 0, f"missing or out of order: {part[:80]!r}"
        at = found + len(squash(part))
    for bullet in wanted["bullets"]:  # each list item starts a line of its own
        first_words = r"\s+".join(map(re.escape, bullet.split()[:6]))
        assert re.search(rf"(^|\n){first_words}", body), f"not a separate list item: {bullet[:60]!r}"
