"""The HTML galleys of the bundled notes in a real browser: headless Chromium (Debian's) with axe-core injected.

They skip when Playwright, axe-playwright-python or /usr/bin/chromium is absent; the README's test
command installs all three. axe-core comes inside the PyPI package: nothing is fetched at run time.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from archive_support import bundled_project
from serve_support import CHROMIUM

pytest.importorskip("playwright.sync_api")
axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
if not CHROMIUM.is_file():
    pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium)", allow_module_level=True)

SLUGS = ("golden-triangle-meth", "opcw-after-syria", "pacific-precursors")  # the bundled notes; the first is a draft
BLOCKING = ("serious", "critical")
# axe reports these as "incomplete" when it cannot decide (a link told apart by colour alone):
# for the galley they must be decided and pass.
MUST_PASS = ("link-in-text-block", "color-contrast")
AXE_OPTIONS = {"resultTypes": ["violations", "incomplete"]}
# The print stylesheet's link and draft-mark rules, put back on screen: what the galley was before.
PRINT_LOOK = ("@media screen { a { text-decoration: none !important; }"
              " .draft-mark { color: rgba(200, 30, 30, 0.18) !important; border: none !important; } }")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return bundled_project(tmp_path_factory.mktemp("browser-galley"))


def open_galley(browser, path: Path):
    """A page showing the galley; every request it makes is recorded, and any but the file itself refused."""
    context = browser.new_context()
    page = context.new_page()
    requests: list[str] = []

    def route(request_route):
        requests.append(request_route.request.url)
        if request_route.request.url == path.as_uri():
            request_route.continue_()
        else:
            request_route.abort()

    context.route("**/*", route)
    page.goto(path.as_uri())
    page.evaluate("document.fonts.ready.then(() => true)")
    return context, page, requests


def blocking(results: dict) -> list[tuple[str, str, str]]:
    """(kind, rule, impact) of every serious or critical violation, and of undecided MUST_PASS rules."""
    found = [("violation", v["id"], v["impact"]) for v in results["violations"] if v["impact"] in BLOCKING]
    found += [("incomplete", v["id"], v["impact"]) for v in results["incomplete"] if v["id"] in MUST_PASS]
    return found


@pytest.mark.parametrize("slug", SLUGS)
def test_galley_has_no_serious_axe_violation_and_loads_nothing(project, browser, slug):
    path = (project / "outputs" / slug / f"{slug}.html").resolve()
    context, page, requests = open_galley(browser, path)
    try:
        results = axe_module.Axe().run(page, options=AXE_OPTIONS).response
        assert results["testEngine"]["name"] == "axe-core"
        assert blocking(results) == []
        assert requests == [path.as_uri()]  # standalone: no font, stylesheet or image fetched
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.locator("main").count() == 1 and page.get_by_role("banner").count() == 1
        licence = page.get_by_role("contentinfo").get_by_role("link").first
        assert licence.get_attribute("href") == "https://creativecommons.org/licenses/by-nc-nd/4.0/"
        assert "underline" in licence.evaluate("a => getComputedStyle(a).textDecorationLine")
    finally:
        context.close()


def test_axe_finds_the_print_look_on_screen(project, browser):
    """The check can fail: with the print rules on screen, axe flags the link and the faint draft mark."""
    path = (project / "outputs" / SLUGS[0] / f"{SLUGS[0]}.html").resolve()
    context, page, _ = open_galley(browser, path)
    try:
        page.add_style_tag(content=PRINT_LOOK)
        found = {rule for _, rule, _ in blocking(axe_module.Axe().run(page, options=AXE_OPTIONS).response)}
        assert found == {"link-in-text-block", "color-contrast"}
    finally:
        context.close()
