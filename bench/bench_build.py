"""Benchmark the build: cold, no-op and incremental rebuilds of a generated project (24 briefings).

Baselines printed beside our figures, each ratio beside its target (issue 15):
- floor: WeasyPrint alone rendering the same composed pages (the HTML our render stage renders, with
  the same PDF variant, fonts and files) in one warm process, divided by the cores. Two floors:
  stock WeasyPrint, and WeasyPrint with the pipeline's faster fontTools subsetter (render.py; the
  same bytes). On a machine with libharfbuzz-subset0 the two are the same;
- new-process floor of one note: a new Python process that imports WeasyPrint and renders that note's
  composed page (as any tool rendering it from scratch must), the baseline of "one edit costs at most
  1 s beyond that note's render in a new process";
- peer: `pandoc NOTE.md -o NOTE.pdf --pdf-engine=weasyprint` run once per note, as an editor would script it.

Usage: python bench/bench_build.py [--briefings 24] [--jobs N] [--pandoc N] [--dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def vary(text: str, n: int) -> str:
    """Make copy n differ in wording: a numbered sentence added to every paragraph of prose."""
    def add(match: re.Match) -> str:
        return f"{match.group(0)} This is remark {n} of the benchmark copy."
    return re.sub(r"(?m)^(?![#\-*<{\[]|\s|---|WEBVTT|NOTE|\d\d:)[A-Z][^\n]{80,}\.$", add, text, count=3)


def make_project(target: Path, count: int) -> list[str]:
    """A project of `count` briefings made from the bundled examples with varied text."""
    if target.exists():
        shutil.rmtree(target)
    (target / "inputs").mkdir(parents=True)
    shutil.copy(REPO / "briefings.toml", target)
    examples = sorted(p for p in (REPO / "inputs").iterdir() if (p / "briefing.toml").exists())
    slugs = []
    for n in range(count):
        example = examples[n % len(examples)]
        slug = f"{example.name}-{n:03d}"
        folder = target / "inputs" / slug
        shutil.copytree(example, folder)
        for path in folder.iterdir():
            if path.suffix in (".md", ".txt", ".vtt"):
                path.write_text(vary(path.read_text(encoding="utf-8"), n), encoding="utf-8")
        toml = folder / "briefing.toml"
        toml.write_text(re.sub(r'(?m)^title = "(.*)"', rf'title = "\1 (copy {n})"', toml.read_text()), encoding="utf-8")
        slugs.append(slug)
    return slugs


def timed_build(project: Path, jobs: int) -> tuple[float, dict]:
    """Run `briefing build --json` as an editor would; returns (seconds, report)."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "--project", str(project), "build", "--json", "--jobs", str(jobs)],
        cwd=REPO, capture_output=True, text=True,
    )
    seconds = time.perf_counter() - started
    report = json.loads(result.stdout)
    if report["failed"]:
        print(f"  ! {len(report['failed'])} failed, e.g. {report['failed'][0]}")
    return seconds, report


def warm_edit_seconds(project: Path, note: Path, edits: int = 3) -> float:
    """Median seconds to rebuild after one manuscript edit, in a process that has loaded spaCy and WeasyPrint."""
    from pipeline.build import build, warm_worker
    from pipeline.config import load_config

    config = load_config(project)
    warm_worker(need_nlp=True)
    build(config, jobs=1)
    times = []
    for n in range(edits):
        note.write_text(note.read_text(encoding="utf-8") + f"\nAn added sentence, number {n}.\n", encoding="utf-8")
        started = time.perf_counter()
        report = build(config, jobs=1)
        times.append(time.perf_counter() - started)
        assert report.slugs("built") == [note.parent.name], report.to_json()
    return statistics.median(times)


def composed_pages(project: Path) -> list[tuple[Path, str, str]]:
    """(briefing folder, composed HTML, PDF variant) of every built briefing, read from the build's cache."""
    from pipeline.build import BriefingRun
    from pipeline.plan import environment_keys, plan_briefing
    from pipeline.config import load_config
    from pipeline.state import Cache

    config = load_config(project)
    env, cache, pages = environment_keys(config), Cache(project / "outputs" / ".state"), []
    for folder in sorted(p for p in (project / "inputs").iterdir() if (p / "briefing.toml").is_file()):
        plan = plan_briefing(folder, config, env)
        pages.append((folder, BriefingRun(plan, cache, None, project / "outputs" / folder.name).html(), config.pdf_variant))
    return pages


def weasyprint_floor(project: Path, stock: bool) -> tuple[float, int]:
    """CPU seconds for WeasyPrint alone to render every composed page, one warm process.

    `stock`: with WeasyPrint's own fontTools subsetter rather than the pipeline's faster one.
    """
    from fontTools import subset as fonttools_subset
    from weasyprint import HTML
    from weasyprint.pdf import fonts as weasy_fonts

    from pipeline.config import load_config, template_dirs
    from pipeline.render import RestrictedFetcher

    pages = composed_pages(project)
    dirs = template_dirs(load_config(project))
    ours = weasy_fonts.subset
    weasy_fonts.subset = fonttools_subset if stock else ours
    try:
        HTML(string="<p>warm up</p>").write_pdf()
        started = time.process_time()
        for folder, html, variant in pages:
            fetcher = RestrictedFetcher([folder, *dirs])
            HTML(string=html, base_url=str(folder) + "/", url_fetcher=fetcher).write_pdf(pdf_variant=variant)
        return time.process_time() - started, len(pages)
    finally:
        weasy_fonts.subset = ours


RENDER_ONE = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from weasyprint import HTML
from pipeline.render import RestrictedFetcher  # WeasyPrint with the render stage's subsetter
html, folder, variant = Path(sys.argv[2]).read_text(encoding="utf-8"), Path(sys.argv[3]), sys.argv[4]
fetcher = RestrictedFetcher([folder, *map(Path, sys.argv[5:])])
HTML(string=html, base_url=str(folder) + "/", url_fetcher=fetcher).write_pdf(pdf_variant=variant)
"""


def new_process_render(project: Path, slug: str, runs: int = 3) -> float:
    """Median wall seconds for a new Python process to import WeasyPrint and render one briefing's composed page."""
    from pipeline.config import load_config, template_dirs

    folder, html, variant = next(page for page in composed_pages(project) if page[0].name == slug)
    dirs = [str(d) for d in template_dirs(load_config(project))]
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "page.html"
        page.write_text(html, encoding="utf-8")
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", RENDER_ONE, str(REPO), str(page), str(folder), variant, *dirs],
                           check=True, capture_output=True)
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def pandoc_peer(project: Path, count: int) -> tuple[float, int]:
    """Seconds for pandoc + WeasyPrint, one process per note, over `count` manuscripts."""
    notes = sorted((project / "inputs").glob("*/note.md"))[:count]
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    out = Path(tempfile.mkdtemp())
    started = time.perf_counter()
    for note in notes:
        subprocess.run(["pandoc", str(note), "-o", str(out / f"{note.parent.name}.pdf"), "--pdf-engine=weasyprint",
                        "--metadata", f"title={note.parent.name}"], check=True, env=env, capture_output=True)
    seconds = time.perf_counter() - started
    shutil.rmtree(out)
    return seconds, len(notes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--briefings", type=int, default=24)
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    parser.add_argument("--pandoc", type=int, default=0, help="notes to convert with pandoc (0 to skip)")
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "briefing-bench")
    args = parser.parse_args()
    cores = args.jobs
    slugs = make_project(args.dir, args.briefings)
    print(f"project: {args.dir} ({len(slugs)} briefings), jobs={cores}, cores={os.cpu_count()}")

    cold, report = timed_build(args.dir, cores)
    workers = report.get("workers", {})
    print(f"cold build:             {cold:7.2f} s  ({len(report['built'])} built)")
    print(f"  peak memory per worker: {', '.join(f'{mb:.0f} MB' for mb in workers.values())}")
    stages = report.get("stage_seconds", {})
    print("  CPU seconds by stage:   " + ", ".join(f"{name} {sec:.1f}" for name, sec in stages.items()))
    # The machine is shared and noisy: the quick measurements are the median of several runs.
    runs = [timed_build(args.dir, cores) for _ in range(5)]
    noop, report = statistics.median(t for t, _ in runs), runs[-1][1]
    print(f"no-op rebuild:          {noop:7.2f} s  ({len(report['unchanged'])} unchanged; median of 5)   target <= 0.5 s")

    note = next((args.dir / "inputs").glob("*/note.md"))
    edits = []
    for n in range(3):
        note.write_text(note.read_text(encoding="utf-8").replace(". ", f". Indeed ({n}), ", 1), encoding="utf-8")
        edits.append(timed_build(args.dir, cores))
    edit, report = statistics.median(t for t, _ in edits), edits[-1][1]
    edit_render = statistics.median(r.get("stage_seconds", {}).get("render", 0.0) for _, r in edits)
    print(f"one manuscript edited:  {edit:7.2f} s  (built {report['built']}; its render {edit_render:.2f} s; "
          f"median of 3, new process each)")

    alone = new_process_render(args.dir, note.parent.name)
    print(f"  that note rendered alone by WeasyPrint in a new process: {alone:.2f} s (median of 3)")

    warm = warm_edit_seconds(args.dir, note)
    print(f"one manuscript edited, warm process (as `briefing watch`): {warm:5.2f} s (median of 3 edits)")

    css = args.dir / "templates" / "casis" / "note.css"
    css.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "templates" / "casis" / "note.css", css)
    css.write_text(css.read_text() + "\nh2 { letter-spacing: 0.3pt; }\n")
    restyle, report = timed_build(args.dir, cores)
    print(f"CSS edited:             {restyle:7.2f} s  ({len(report['built'])} rebuilt)")

    from pipeline.render import subsets_with_harfbuzz

    print(f"fonts subset with {'HarfBuzz' if subsets_with_harfbuzz() else 'fontTools'}")
    for label, stock in (("stock WeasyPrint", True), ("WeasyPrint with our subsetter", False)):
        floor, rendered = weasyprint_floor(args.dir, stock)
        per_note = floor / rendered
        print(f"floor, {label} (1 process, CPU): {floor:7.2f} s for {rendered} notes ({per_note:.3f} s/note); "
              f"/ {cores} cores = {floor / cores:.2f} s")
        # Issue 15's target is against WeasyPrint's own rendering; the floor with our subsetter is stricter.
        goal = "target <= 1.5" if stock else "(stricter floor: WeasyPrint with render.py's fix; no target)"
        print(f"  cold build / (floor / cores)   = {cold / (floor / cores):.2f}   {goal}")
        print(f"  CSS rebuild / (floor / cores)  = {restyle / (floor / cores):.2f}")
    print(f"  no-op rebuild                  = {noop:.2f} s   target < 0.5 s")
    print(f"  one edit - that note rendered in a new process = {edit - alone:.2f} s   target <= 1 s")
    print(f"  one edit - its render stage    = {edit - edit_render:.2f} s (new process: WeasyPrint's import counts "
          f"as beyond), {warm - per_note:.2f} s (warm, as watch)")
    print(f"  peak memory per worker         = {max(workers.values(), default=0):.0f} MB (largest of {len(workers)})")
    if args.pandoc:
        seconds, converted = pandoc_peer(args.dir, args.pandoc)
        print(f"peer (pandoc + weasyprint per note): {seconds:7.2f} s for {converted} notes "
              f"({seconds / converted:.3f} s/note); ours cold = {cold / len(slugs):.3f} s/note wall "
              f"-> pandoc / ours = {(seconds / converted) / (cold / len(slugs)):.2f}x")


if __name__ == "__main__":
    main()
