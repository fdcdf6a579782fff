"""Browser tests of pipeline.serve: headless Chromium (Debian's) driven by Playwright against a live preview.

They skip when Playwright or /usr/bin/chromium is absent; the README's test command installs both.
"""

from __future__ import annotations

import pytest

from serve_support import CHROMIUM, start_preview

pytest.importorskip("playwright.sync_api")
if not CHROMIUM.is_file():
    pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium)", allow_module_level=True)

TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """The preview project, served and built once for the module."""
    live, project = start_preview(tmp_path_factory.mktemp("browser"))
    yield live, project
    live.close()


@pytest.fixture
def page(browser):
    """A fresh page with generous timeouts (a rebuild renders a PDF on a shared machine)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


def note_frame(page):
    """The frame showing the note's HTML, once it has loaded its body."""
    page.wait_for_selector("#note-frame")
    frame = page.frame_locator("#note-frame")
    frame.locator("h1.title").wait_for()
    return frame


def test_index_lists_the_notes(live, page):
    live, _ = live
    page.goto(live.url)
    rows = page.locator("table.notes tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).get_attribute("data-slug") == "lagoon" and "draft" in rows.nth(0).inner_text().lower()
    assert "Precursors through the Pacific ports" in rows.nth(1).inner_text()
    page.click("text=Precursors through the Pacific ports")
    page.wait_for_url("**/notes/ports/")


def test_note_page_shows_title_sidebar_house_fonts_and_warning(live, page):
    live, _ = live
    page.goto(live.url + "notes/ports/")
    assert page.locator("h1.note-title").inner_text() == "Precursors through the Pacific ports"
    frame = note_frame(page)
    # The house typography ties the title's last two words with a no-break space.
    assert frame.locator("h1.title").inner_text().replace("\xa0", " ") == "PRECURSORS THROUGH THE PACIFIC PORTS"
    ids = page.locator(".entity").evaluate_all("items => items.map(i => i.dataset.entity)")
    assert {"chem:4-anpp", "MEX", "org:unodc"} <= set(ids)
    assert page.locator('.entity[data-entity="chem:4-anpp"] .cas').inner_text() == "CAS 21409-26-7"
    warning = page.locator("li.warning")
    assert warning.is_visible() and "'Carfentanil' (CHEMICAL) is not named in any other source" in warning.inner_text()
    # The house fonts load from the font packages (the note's `font:` URLs, served under /_fonts/).
    loaded = page.frame_locator("#note-frame").locator("body").evaluate(
        "async () => { await document.fonts.ready; return document.fonts.check('16px \"Source Serif Pro\"'); }")
    assert loaded


def test_clicking_an_entity_marks_its_mentions_and_lists_its_sources(live, page):
    live, _ = live
    page.goto(live.url + "notes/ports/")
    frame = note_frame(page)
    item = page.locator('.entity[data-entity="chem:4-anpp"]')
    item.locator("button").click()
    marks = frame.locator("mark.briefing-mention")
    marks.first.wait_for()
    assert marks.count() >= 4 and set(marks.all_inner_texts()) == {"4-ANPP"}
    assert "mentions in the note" in item.locator(".found").inner_text()
    mentions = item.locator(".mentions")
    assert mentions.is_visible() and "transcript.txt" in mentions.inner_text() and "Dr. Amara Okafor" in mentions.inner_text()
    page.locator('.entity[data-entity="MEX"] button').click()
    frame.locator("mark.briefing-mention").first.wait_for()
    assert set(frame.locator("mark.briefing-mention").all_inner_texts()) == {"Mexico"}
    assert not mentions.is_visible()


def test_editing_the_manuscript_updates_the_open_page_without_a_reload(live, page):
    live, project = live
    page.goto(live.url + "notes/lagoon/")
    frame = note_frame(page)
    page.evaluate("window.notReloaded = true")
    note = project / "inputs" / "lagoon" / "note.md"
    note.write_text(note.read_text().replace("Landings in Colombia shift with the weather.",
                                             "Landings in Colombia shift with the moon."))
    frame.locator("text=shift with the moon").wait_for()
    assert page.evaluate("window.notReloaded") is True


def test_traversal_from_the_browser_gets_nothing(live, page):
    live, _ = live
    for path in ("outputs/ports/%2e%2e/%2e%2e/briefings.toml", "outputs/ports/..%5c..%5cbriefings.toml",
                 "_fonts/..%2f..%2f__init__.py", "outputs/.state/state.json"):
        response = page.goto(live.url + path)
        assert response.status == 404, path
        assert "journal" not in page.content()


def test_a_failing_note_shows_its_error_on_open_pages(live, browser):
    """Breaking a briefing.toml: the open index flags the note and its open page shows the error, no reload."""
    live, project = live
    context = browser.new_context()
    index, note_page = context.new_page(), context.new_page()
    for page in (index, note_page):
        page.set_default_timeout(TIMEOUT_MS)
    index.goto(live.url)
    note_page.goto(live.url + "notes/lagoon/")
    toml = project / "inputs" / "lagoon" / "briefing.toml"
    good = toml.read_text()
    try:
        toml.write_text(good.replace("volume = 8", 'volume = "eight"'))
        index.locator('tr[data-slug="lagoon"] .failed').wait_for()
        error = note_page.locator(".error")
        error.wait_for()
        assert "This note failed to build." in error.inner_text() and "volume" in error.inner_text()
        assert "does not show your latest changes" in error.inner_text()
        assert note_page.locator(".stale").is_visible()  # above the frame with the last good build
        toml.write_text(good)
        note_page.locator(".error").wait_for(state="detached")
        note_page.locator(".stale").wait_for(state="detached")
        index.locator('tr[data-slug="lagoon"] .failed').wait_for(state="detached")
    finally:
        toml.write_text(good)
        context.close()
