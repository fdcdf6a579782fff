"""Tests for pipeline.serve: a real preview server on 127.0.0.1 (port 0), asked with plain HTTP requests."""

from __future__ import annotations

import json
import socket

import pytest

from serve_support import EventListener, get, start_preview, wait_until
from pipeline.serve import make_server, preview_html, safe_parts


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """The preview project served and built once for the module; (live preview, project folder)."""
    live, project = start_preview(tmp_path_factory.mktemp("serve"))
    yield live, project
    live.close()


def page(live, path: str) -> str:
    status, _, body = get(live.url, path)
    assert status == 200, (path, status, body[:200])
    return body.decode("utf-8")


def test_index_lists_every_note_with_status_warnings_and_links(live):
    live, _ = live
    html = page(live, "/")
    assert "Precursors through the Pacific ports" in html and "Lagoon landings" in html
    assert 'status-final">final' in html and 'status-draft">draft' in html
    assert 'href="/notes/ports/"' in html and 'href="/outputs/ports/ports.pdf"' in html
    assert 'href="/outputs/lagoon/lagoon.html"' in html
    status, headers, pdf = get(live.url, "/outputs/ports/ports.pdf")
    assert status == 200 and headers["content-type"] == "application/pdf" and pdf.startswith(b"%PDF-")
    notes = {n["slug"]: n for n in json.loads(page(live, "/api/notes.json"))["notes"]}
    assert len(notes["ports"]["warnings"]) == 1 and notes["lagoon"]["warnings"] == []
    assert notes["ports"]["last_build"] and notes["ports"]["status"] == "final"


def test_note_page_shows_title_entities_and_warnings(live):
    live, _ = live
    html = page(live, "/notes/ports/")
    assert '<h1 class="note-title">Precursors through the Pacific ports</h1>' in html
    assert 'src="/outputs/ports/ports.html"' in html
    assert "chem:4-anpp" in html and "CAS 21409-26-7" in html and "1988 UN Convention Table I" in html
    assert "no CAS number on record" in html  # carfentanil has none in the gazetteer
    assert "<h3>COUNTRY</h3>" in html and ">MEX</code>" in html
    assert "&#39;Carfentanil&#39; (CHEMICAL) is not named in any other source" in html
    assert '<span class="file">transcript.txt</span> <span class="speaker">(Dr. Amara Okafor)</span>' in html
    data = json.loads(page(live, "/api/notes/ports.json"))
    anpp = next(e for e in data["entities"] if e["id"] == "chem:4-anpp")
    assert anpp["cas"] == "21409-26-7" and {m["file"] for m in anpp["mentions"]} == {"note.md", "transcript.txt"}


def test_note_html_gets_the_house_fonts_and_may_run_no_script(live):
    live, _ = live
    status, headers, body = get(live.url, "/outputs/ports/ports.html")
    html = body.decode()
    # The galley has no house @font-face rules; the preview adds the style's, fonts from /_fonts/.
    assert status == 200 and "url(\"font:" not in html and 'url("/_fonts/SourceSerifPro-Regular.ttf")' in html
    assert html.index('url("/_fonts/SourceSerifPro-Regular.ttf")') < html.index("</head>")
    assert "script-src 'none'" in headers["content-security-policy"]
    status, headers, font = get(live.url, "/_fonts/SourceSerifPro-Regular.ttf")
    assert status == 200 and headers["content-type"] == "font/ttf" and len(font) > 10_000
    assert get(live.url, "/_fonts/NoSuchFont.ttf")[0] == 404
    assert preview_html(b"<head></head><style>src: url(font:A.ttf) url('font:B.otf')</style>") == \
        b'<head>\n<base target="_blank"></head><style>src: url("/_fonts/A.ttf") url("/_fonts/B.otf")</style>'


TRAVERSALS = [
    "/outputs/ports/../../inputs/ports/note.md",
    "/outputs/ports/%2e%2e/%2e%2e/briefings.toml",
    "/outputs/%2E%2E/inputs/ports/note.md",
    "/outputs/ports/%2e%2e%2f%2e%2e%2fbriefings.toml",
    "/outputs/ports/..%5c..%5cbriefings.toml",
    "/outputs/ports/..\\..\\briefings.toml",
    "/outputs/ports/%252e%252e/%252e%252e/briefings.toml",
    "/outputs/ports/%c0%ae%c0%ae/briefings.toml",
    "//etc/passwd",
    "/etc/passwd",
    "/outputs/ports//etc/passwd",
    "/outputs/ports/%2fetc%2fpasswd",
    "/outputs/.state/state.json",
    "/outputs/ports/entities.json%00.html",
    "/outputs/ports/note.md",
    "/_assets/..%2fserve.py",
    "/_assets/note.html",
    "/_fonts/..%2f..%2f__init__.py",
    "/notes/..%2f..%2f/",
    "/notes/.state/",
    "/api/notes/..%2fstate.json",
    "http://127.0.0.1/../../etc/passwd",
    "/outputs/ports/ports.html/..",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_traversal_in_any_form_gets_404(live, path):
    live, _ = live
    status, _, body = get(live.url, path)
    assert status == 404 and b"root:" not in body and b"[settings]" not in body and b"journal" not in body


def test_symlinks_out_of_outputs_get_404(live, tmp_path):
    live, project = live
    secret = tmp_path / "secret.csv"
    secret.write_text("secret,data\n")
    target = project / "outputs" / "ports" / "entities.csv"
    saved = target.read_bytes()
    target.unlink()
    target.symlink_to(secret)
    try:
        assert get(live.url, "/outputs/ports/entities.csv")[0] == 404
    finally:
        target.unlink()
        target.write_bytes(saved)
    assert get(live.url, "/outputs/ports/entities.csv")[0] == 200


def test_safe_parts_keeps_plain_names_only():
    assert safe_parts("/outputs/ports/ports.pdf?x=1") == ["outputs", "ports", "ports.pdf"]
    assert safe_parts("/notes/ports/") == ["notes", "ports", ""]
    for bad in ("/a/%2e%2e/b", "/a/..", "/a\\b", "/a/%5cb", "/a/%00", "/a/%25", "//x", "/a//b", "/%ff"):
        assert safe_parts(bad) is None, bad


def test_binds_only_127_0_0_1_by_default_and_checks_the_host_header(live):
    live, _ = live
    host, port = live.server.server_address[:2]
    assert host == "127.0.0.1"
    assert get(live.url, "/", {"Host": f"localhost:{port}"})[0] == 200
    assert get(live.url, "/", {"Host": "attacker.example"})[0] == 421  # DNS rebinding
    assert get(live.url, "/", {"Host": "attacker.example:80"})[0] == 421
    with socket.create_connection((host, port), timeout=30) as raw:  # HTTP/1.0 without a Host header
        raw.sendall(b"GET / HTTP/1.0\r\n\r\n")
        assert raw.recv(64).startswith(b"HTTP/1.1 200")
    others = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)} - {"127.0.0.1"}
    for address in sorted(others)[:2]:
        if address.startswith("127."):
            continue
        with pytest.raises(OSError):
            socket.create_connection((address, port), timeout=2).close()


def test_default_host_of_make_server_is_loopback(make_project):
    from pipeline.config import load_config

    server = make_server(load_config(make_project("basic")))
    try:
        assert server.server_address[0] == "127.0.0.1" and server.url.startswith("http://127.0.0.1:")
    finally:
        server.server_close()


def test_an_edit_sends_an_event_and_the_page_changes(live):
    live, project = live
    listener = EventListener(live.url)
    try:
        note = project / "inputs" / "lagoon" / "note.md"
        note.write_text(note.read_text().replace("Weather decides the routes.", "Tides decide the routes."))
        listener.next("building")
        built = listener.next("built", lambda data: "lagoon" in data["changed"])
        assert "ports" not in built["changed"]
    finally:
        listener.close()
    assert "Tides decide the routes." in page(live, "/outputs/lagoon/lagoon.html")
    assert 'src="/outputs/lagoon/lagoon.html"' in page(live, "/notes/lagoon/")


def test_a_failing_note_shows_its_error_not_a_stale_page_in_silence(live):
    live, project = live
    toml = project / "inputs" / "ports" / "briefing.toml"
    good = toml.read_text()
    listener = EventListener(live.url)
    try:
        toml.write_text(good.replace("volume = 8", 'volume = "eight"'))
        listener.next("built", lambda data: "ports" in data["changed"])
        html = page(live, "/notes/ports/")
        assert "This note failed to build." in html and "volume" in html
        assert "it does not show your latest changes" in html
        assert "failed to build" in page(live, "/")
        toml.write_text(good)
        listener.next("built", lambda data: "ports" in data["changed"])
        assert "failed to build" not in page(live, "/notes/ports/")
    finally:
        toml.write_text(good)
        listener.close()


def test_serving_writes_nothing_outside_outputs(live):
    live, project = live

    def listing():
        return {p: p.stat().st_mtime_ns for p in project.rglob("*")
                if "outputs" not in p.relative_to(project).parts[:1]}

    before = listing()
    for path in TRAVERSALS + ["/", "/notes/ports/", "/api/notes.json", "/outputs/ports/ports.pdf"]:
        get(live.url, path)
    assert listing() == before and not (project.parent / "etc").exists()


def test_the_serve_command_serves_until_interrupted(make_project):
    """`briefing serve --port 0` prints its address, serves the index, and stops cleanly on Ctrl-C."""
    import re
    import signal
    import subprocess
    import sys
    import urllib.request

    project = make_project("basic")
    process = subprocess.Popen([sys.executable, "-m", "pipeline", "--project", str(project), "serve", "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stderr.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line).group(0)
        wait_until(lambda: b"A second talk" in urllib.request.urlopen(url, timeout=30).read(), 300, 0.2)
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "Built 2 notes (0 unchanged, 0 failed)" in out


def test_a_taken_port_is_a_clear_error(make_project):
    from pipeline.config import load_config
    from pipeline.errors import PipelineError

    config = load_config(make_project("basic"))
    first = make_server(config)
    try:
        with pytest.raises(PipelineError, match="cannot listen on 127.0.0.1:"):
            make_server(config, port=first.server_address[1])
    finally:
        first.server_close()


def test_events_replay_what_a_page_missed_since_it_was_rendered(live):
    """A page rendered at generation N hears every event after N, even one sent before it connected."""
    live, project = live
    since = live.preview.generation
    note = project / "inputs" / "lagoon" / "note.md"
    note.write_text(note.read_text() + "\nOne more line.\n")
    wait_until(lambda: any(e.kind == "built" and "lagoon" in e.data["changed"] for e in live.preview.events
                           if e.generation > since), 300)
    listener = EventListener(live.url, since=since)
    try:
        assert "lagoon" in listener.next("built", timeout=10)["changed"]
    finally:
        listener.close()
