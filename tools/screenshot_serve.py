"""Screenshot a note page of `briefing serve` in headless Chromium, for the README (docs/serve.png).

The bundled example is copied to a temporary folder, built and served there (the checkout's
outputs/ is left alone); Debian's chromium (/usr/bin/chromium) is driven by Playwright, one entity
is clicked so that its mentions are marked, and the page is saved as a small palette PNG.

    python tools/screenshot_serve.py                                   # pacific-precursors, chem:4-anpp
    python tools/screenshot_serve.py --slug opcw-after-syria --entity SYR --out docs/other.png
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing the package

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def copy_project(source: Path, target: Path) -> Path:
    """A copy of the project's settings, inputs and templates (never its outputs)."""
    target.mkdir(parents=True)
    shutil.copy2(source / "briefings.toml", target / "briefings.toml")
    for folder in ("inputs", "templates"):
        if (source / folder).is_dir():
            shutil.copytree(source / folder, target / folder)
    return target


def screenshot(project: Path, slug: str, entity: str, out: Path, chromium: Path) -> None:
    """Serve `project`, open the note page of `slug`, mark `entity` and save the page as a PNG."""
    from PIL import Image  # Pillow comes with WeasyPrint
    from playwright.sync_api import sync_playwright

    from pipeline.config import load_config
    from pipeline.serve import LivePreview

    live = LivePreview(load_config(project), notify=lambda message: None).start()
    try:
        deadline = time.monotonic() + 600
        while (live.preview.building or not live.preview.outcomes) and time.monotonic() < deadline:
            time.sleep(0.2)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 760})
            page.goto(f"{live.url}notes/{slug}/")
            page.frame_locator("#note-frame").locator("h1.title").wait_for()
            page.locator(f'.entity[data-entity="{entity}"] button').click()
            page.frame_locator("#note-frame").locator("mark.briefing-mention").first.wait_for()
            page.evaluate("document.fonts.ready")
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out))
            browser.close()
    finally:
        live.close()
    # A palette of 128 colours keeps the PNG small enough to commit; text stays crisp.
    Image.open(out).convert("RGB").quantize(colors=128).save(out, optimize=True)


def main() -> int:
    """Parse the flags and take the screenshot."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=ROOT, help="project to preview (default: the bundled example)")
    parser.add_argument("--slug", default="pacific-precursors", help="the note to show")
    parser.add_argument("--entity", default="chem:4-anpp", help="the entity whose mentions are marked")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "serve.png", help="PNG to write")
    parser.add_argument("--chromium", type=Path, default=Path("/usr/bin/chromium"), help="the Chromium binary")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        screenshot(copy_project(args.project, Path(tmp) / "project"), args.slug, args.entity, args.out, args.chromium)
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
