"""Make the bundled examples' slide decks: slides_src/<slug>.md outlines → inputs/<slug>/slides.pdf.

An outline is Markdown slides separated by `---` lines, each a `# Title` and `- bullet` lines
(indent a bullet to nest it). Pages are landscape 16:9, set in the pip-installed Source Sans Pro
through WeasyPrint and the pipeline's restricted fetcher, and dated from the briefing, so the same
outline always gives the same bytes.

    python tools/make_slides.py                # every outline in slides_src/
    python tools/make_slides.py pacific-precursors --src slides_src --out inputs
"""

from __future__ import annotations

import argparse
import html
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing the package

CSS = """
@font-face { font-family: "Source Sans Pro"; src: url("font:SourceSansPro-Regular.ttf"); font-weight: 400; }
@font-face { font-family: "Source Sans Pro"; src: url("font:SourceSansPro-It.ttf"); font-weight: 400; font-style: italic; }
@font-face { font-family: "Source Sans Pro"; src: url("font:SourceSansPro-Semibold.ttf"); font-weight: 600; }
@font-face { font-family: "Source Sans Pro"; src: url("font:SourceSansPro-Bold.ttf"); font-weight: 700; }
@page { size: 254mm 142.875mm; margin: 14mm 18mm 12mm; background: #fbfaf7; }
@page :first { background: #14324a; }
html { font-family: "Source Sans Pro"; font-size: 19pt; line-height: 1.3; color: #1d1d1d; }
body { margin: 0; }
section { break-after: page; }
section:last-child { break-after: auto; }
h1 { font-size: 28pt; font-weight: 700; color: #14324a; margin: 0 0 10mm; line-height: 1.15;
  border-bottom: 1.2pt solid #c9a227; padding-bottom: 3mm; }
ul { margin: 0; padding-left: 7mm; list-style: none; }
li { margin: 0 0 3.2mm; }
/* Drawn bullets, not glyphs: the text layer then holds only the words, as in most exported decks. */
li::before { content: ""; display: inline-block; width: 2.2mm; height: 2.2mm; border-radius: 50%;
  background: #c9a227; margin: 0 3mm 0.8mm -5.2mm; vertical-align: middle; }
li li { font-size: 16pt; margin-top: 2mm; }
a { color: #1f5f8b; text-decoration: none; }
section.title { padding-top: 24mm; color: #ffffff; }
section.title h1 { color: #ffffff; font-size: 32pt; border-color: #c9a227; }
section.title ul { padding: 0; }
section.title li::before { content: none; }
section.title li { font-size: 18pt; margin-bottom: 2mm; color: #dfe7ee; }
"""


@dataclass
class Slide:
    """One slide: its title and its bullets as (depth, Markdown text) pairs."""

    title: str
    bullets: list[tuple[int, str]] = field(default_factory=list)


def parse_outline(text: str, name: str = "outline") -> list[Slide]:
    """The slides of an outline; raises ValueError naming the line of anything it cannot place."""
    slides: list[Slide] = []
    for chunk_start, chunk in _chunks(text):
        slide: Slide | None = None
        for offset, line in enumerate(chunk):
            number = chunk_start + offset
            if not line.strip():
                continue
            heading = re.match(r"^#\s+(.+)$", line)
            bullet = re.match(r"^(\s*)[-*]\s+(.+)$", line)
            if heading and slide is None:
                slide = Slide(heading.group(1).strip())
            elif bullet and slide is not None:
                slide.bullets.append((len(bullet.group(1).expandtabs(4)) // 2, bullet.group(2).strip()))
            elif slide is not None and slide.bullets and line.startswith(" "):
                depth, previous = slide.bullets[-1]
                slide.bullets[-1] = (depth, f"{previous} {line.strip()}")  # a wrapped bullet
            else:
                raise ValueError(f"{name}:{number}: expected '# Title' then '- bullet' lines, found {line.strip()[:50]!r}")
        if slide is not None:
            slides.append(slide)
    if not slides:
        raise ValueError(f"{name}: no slides found")
    return slides


def _chunks(text: str):
    """(first line number, lines) of each `---`-separated part of an outline."""
    start, lines = 1, []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip() == "---":
            yield start, lines
            start, lines = number + 1, []
        else:
            lines.append(line)
    yield start, lines


def _bullets_html(bullets: list[tuple[int, str]], md: MarkdownIt) -> str:
    """Nested <ul> markup for (depth, text) bullets."""
    out, depth = [], -1
    for level, text in bullets:
        level = min(level, depth + 1)
        if level > depth:
            out.append("<ul>" * (level - depth))
        else:
            out.append("</li>" + "</ul></li>" * (depth - level))
        out.append(f"<li>{md.renderInline(text)}")
        depth = level
    if depth >= 0:
        out.append("</li>" + "</ul></li>" * depth + "</ul>")
    return "".join(out)


def slides_html(slides: list[Slide], *, title: str, author: str = "", date: str = "") -> str:
    """The HTML of a deck: the first slide as a title slide, one page per slide."""
    md = MarkdownIt("commonmark")
    sections = []
    for n, slide in enumerate(slides):
        cls = ' class="title"' if n == 0 else ""
        sections.append(f"<section{cls}><h1>{md.renderInline(slide.title)}</h1>{_bullets_html(slide.bullets, md)}</section>")
    meta = f'<meta name="author" content="{html.escape(author)}">' if author else ""
    meta += f'<meta name="dcterms.created" content="{date}"><meta name="dcterms.modified" content="{date}">' if date else ""
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>{meta}'
        f"<style>{CSS}</style></head><body>{''.join(sections)}</body></html>"
    )


def _briefing_facts(folder: Path) -> dict:
    """Speaker and date from the briefing's briefing.toml, when there is one."""
    path = folder / "briefing.toml"
    if not path.is_file():
        return {}
    data = tomllib.loads(path.read_text("utf-8"))
    return {"author": str(data.get("speaker", "")), "date": str(data.get("date", ""))}


def make_slides(outline: Path, pdf_path: Path) -> int:
    """Render one outline to a slides PDF (written atomically); returns its page count."""
    from pipeline.state import write_atomic
    from pipeline.render import render_pdf

    slides = parse_outline(outline.read_text("utf-8"), str(outline))
    facts = _briefing_facts(pdf_path.parent)
    markup = slides_html(slides, title=re.sub(r"[*_`]", "", slides[0].title), author=facts.get("author", ""), date=facts.get("date", "") or "2026-01-01")
    rendered = render_pdf(markup, base_dir=outline.parent, allowed_dirs=[], pdf_variant="pdf/a-3b")
    if rendered.warnings:
        raise RuntimeError(f"{outline}: " + "; ".join(rendered.warnings))
    write_atomic(pdf_path, rendered.pdf)
    return len(slides)


def main(argv: list[str] | None = None) -> int:
    """Render the named outlines (default: all) and check each PDF reads back with the pipeline."""
    from pipeline.ingest import read_source

    parser = argparse.ArgumentParser(description="Render slides_src/<slug>.md outlines to inputs/<slug>/slides.pdf.")
    parser.add_argument("slugs", nargs="*", help="outlines to render (default: every slides_src/*.md)")
    parser.add_argument("--src", type=Path, default=ROOT / "slides_src", help="folder of outlines")
    parser.add_argument("--out", type=Path, default=ROOT / "inputs", help="folder holding the briefings")
    args = parser.parse_args(argv)
    outlines = [args.src / f"{s}.md" for s in args.slugs] or sorted(args.src.glob("*.md"))
    if not outlines:
        print(f"error: no outlines in {args.src}", file=sys.stderr)
        return 2
    for outline in outlines:
        pdf_path = args.out / outline.stem / "slides.pdf"
        try:
            pages = make_slides(outline, pdf_path)
        except (OSError, ValueError, RuntimeError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        source = read_source(pdf_path)
        if len(source.segments) != pages:
            print(f"error: {pdf_path}: {pages} slides rendered but {len(source.segments)} pages read back", file=sys.stderr)
            return 1
        print(f"wrote {pdf_path.relative_to(ROOT) if pdf_path.is_relative_to(ROOT) else pdf_path} ({pages} pages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
