"""Serve: a live preview of the notes in the browser, rebuilt and reloaded on every save.

The server is the standard library's `http.server.ThreadingHTTPServer`. It is a preview for the
editor on this machine: a handful of pages, one thread per connection (each open page holds one
for its server-sent events), no TLS, no sessions. A framework (Starlette with uvicorn, Flask)
would add an event loop or a WSGI layer and several dependencies for nothing this needs; what
a framework would give us for free, the one place that maps a URL to a file, is kept small here
on purpose: URLs name a slug and one of the fixed output names, never a path, so there is no
path to traverse. Pages are rendered with Jinja (autoescaped), which the pipeline already uses.

It binds 127.0.0.1 unless told otherwise, and then also refuses requests whose Host header is
not a loopback name (a web page elsewhere cannot read the notes through DNS rebinding). It reads
only the project's outputs (through `boundary.read_inside`: regular files inside outputs/, no
symlink out), its own assets and the font packages' files; it writes nothing itself, and the
builds it starts write only inside outputs/.
"""

from __future__ import annotations

import json
import re
import socket
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs, unquote, urlsplit

import jinja2

from .boundary import read_inside
from .build import BuildReport, Outcome
from .plan import output_names
from .config import Config, find_briefings
from .errors import PipelineError
from .state import is_safe_slug

ASSETS = Path(__file__).resolve().parent / "serve_assets"
ASSET_TYPES = {"preview.css": "text/css; charset=utf-8", "preview.js": "text/javascript; charset=utf-8"}
OUTPUT_TYPES = {".html": "text/html; charset=utf-8", ".pdf": "application/pdf", ".json": "application/json",
                ".csv": "text/csv; charset=utf-8"}
FONT_TYPES = {".ttf": "font/ttf", ".otf": "font/otf", ".woff": "font/woff", ".woff2": "font/woff2"}
MAX_OUTPUT_BYTES = 512 * 1024 * 1024
LOOPBACK_NAMES = {"127.0.0.1", "localhost", "[::1]", "::1"}
# The note's CSS names its fonts `font:NAME` (resolved by the renderer); the browser gets them from /_fonts/.
FONT_URL = re.compile(r"""url\(\s*(["']?)font:([^"')\s]+)\1\s*\)""")
# Pages may run only the preview's own script; the note itself may run none.
PAGE_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'self'"
NOTE_POLICY = "default-src 'self'; script-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'self'"
TYPE_ORDER = ("CHEMICAL", "COUNTRY", "REGION", "ACTOR")


@dataclass(frozen=True)
class Event:
    """One message to the open pages: a rebuild started or finished, or the watcher has something to say."""

    generation: int
    kind: str
    """`building`, `built` or `message`."""
    data: dict[str, Any]


class Preview:
    """What the pages show between builds: each note's last outcome, and the events that open pages follow."""

    def __init__(self, config: Config):
        self.config = config
        self.outcomes: dict[str, Outcome] = {}
        self.message = ""
        self.building = True  # until the first build has reported
        self.generation = 0
        self.events: deque[Event] = deque(maxlen=200)
        self.closed = False
        self._changed = threading.Condition()

    def _publish(self, kind: str, data: dict[str, Any]) -> None:
        with self._changed:
            self.generation += 1
            self.events.append(Event(self.generation, kind, data))
            self._changed.notify_all()

    def apply(self, report: BuildReport) -> None:
        """Record a build's outcomes and tell the open pages which notes changed."""
        changed = []
        for outcome in report.outcomes:
            before = self.outcomes.get(outcome.slug)
            if outcome.status == "removed":
                self.outcomes.pop(outcome.slug, None)
            else:
                self.outcomes[outcome.slug] = outcome
            # Unchanged after built is no news; after a failure it is (the error is gone).
            if outcome.status != "unchanged" or before is None or before.status == "failed" \
                    or before.warnings != outcome.warnings:
                changed.append(outcome.slug)
        self.building, self.message = False, ""
        self._publish("built", {"changed": changed, "summary": report.summary()})

    def starting(self, paths) -> None:
        """Tell the open pages that a rebuild has started."""
        self.building = True
        self._publish("building", {"files": len(paths)})

    def say(self, message: str) -> None:
        """Keep the watcher's latest message (inputs/ missing, ...) for the index, and pass it on."""
        # Said instead of a build (inputs/ missing, a bad briefings.toml) or before one: not building now.
        self.building, self.message = False, message
        self._publish("message", {"message": message})

    def wait(self, after: int, timeout: float) -> list[Event]:
        """The events after generation `after`, waiting up to `timeout` seconds for one."""
        with self._changed:
            if self.generation <= after and not self.closed:
                self._changed.wait(timeout)
            return [event for event in self.events if event.generation > after]

    def close(self) -> None:
        """Wake every open event stream so that it ends."""
        with self._changed:
            self.closed = True
            self._changed.notify_all()

    # What the pages show -------------------------------------------------------------------------

    @property
    def out_root(self) -> Path:
        """The project's outputs folder."""
        return self.config.root / self.config.outputs_dir

    def slugs(self) -> list[str]:
        """The briefings to list: every folder under inputs/ and every note the builds reported."""
        try:
            present = [folder.name for folder in find_briefings(self.config)]
        except PipelineError:  # inputs/ missing: the watcher says so; the published notes stay listed
            present = []
        return sorted(slug for slug in {*present, *self.outcomes} if is_safe_slug(slug))

    def read_output(self, slug: str, name: str) -> bytes:
        """An output file of a note, read only inside outputs/ (PipelineError when absent or refused)."""
        if not is_safe_slug(slug) or name not in output_names(slug):
            raise PipelineError(f"{slug}/{name}: not an output")
        return read_inside(self.out_root / slug / name, self.out_root, MAX_OUTPUT_BYTES)

    def note(self, slug: str) -> dict[str, Any]:
        """Everything the pages show about one note: status, last build, warnings, error, entities."""
        outcome = self.outcomes.get(slug)
        meta = self._json(slug, "meta.json")
        html_path = self.out_root / slug / f"{slug}.html"
        built_at = None
        try:
            built_at = (self.out_root / slug / "meta.json").stat().st_mtime
        except OSError:
            pass
        return {
            "slug": slug,
            "title": meta.get("title") or slug,
            "speaker": meta.get("speaker", ""),
            "status": meta.get("status", ""),
            "state": outcome.status if outcome else ("building" if self.building else "not built"),
            "error": outcome.error if outcome else None,
            "warnings": list(outcome.warnings) if outcome else [],
            "notices": list(outcome.notices) if outcome else [],
            "last_build": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(built_at)) if built_at else "",
            "has_html": html_path.is_file(),
            "has_pdf": (self.out_root / slug / f"{slug}.pdf").is_file(),
            "entities": self._json(slug, "entities.json").get("entities", []),
        }

    def _json(self, slug: str, name: str) -> dict[str, Any]:
        """A note's JSON output, or {} when it is missing or unreadable (the page then says what is missing)."""
        try:
            data = json.loads(self.read_output(slug, name))
        except (PipelineError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}


def entity_groups(entities: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Entities grouped by type (chemicals first), each with the texts to mark in the note and its source mentions."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for entity in entities:
        if not isinstance(entity, dict):
            continue
        mentions = [m for m in entity.get("mentions", []) if isinstance(m, dict)]
        texts = sorted({str(m.get("text", "")) for m in mentions} | {str(entity.get("name", ""))} - {""},
                       key=lambda t: (-len(t), t))
        groups.setdefault(str(entity.get("type", "OTHER")), []).append({**entity, "texts": texts, "mentions": mentions})
    order = {name: n for n, name in enumerate(TYPE_ORDER)}
    return sorted(groups.items(), key=lambda item: (order.get(item[0], len(order)), item[0]))


def where(mention: dict[str, Any]) -> str:
    """Where a mention is: `p. 3`, `183.9 s` or nothing."""
    if mention.get("page"):
        return f"p. {mention['page']}"
    if isinstance(mention.get("start"), (int, float)):
        return f"{mention['start']:.1f} s"
    return ""


def font_files() -> dict[str, Path]:
    """The font files the note's `font:` URLs may name, by file name, from the pip font packages."""
    from .render import font_dirs

    files = {}
    for folder in font_dirs():
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() in FONT_TYPES and path.is_file():
                files.setdefault(path.name, path)
    return files


def house_font_faces(config: Config) -> str:
    """The house style's @font-face rules with their `font:` URLs, which the standalone galley leaves out."""
    from .compose.galley import font_faces
    from .config import template_dirs

    for folder in template_dirs(config):
        if (folder / "note.css").is_file():
            return font_faces((folder / "note.css").read_text(encoding="utf-8", errors="replace"))
    return ""


def preview_html(html: bytes, faces: str = "") -> bytes:
    """The note's HTML for the browser: the house fonts (`faces`) and any `font:` URL from /_fonts/, links in a new tab."""
    text = html.decode("utf-8", "replace")
    if faces:  # the galley has no house @font-face rules: the preview shows the note in the PDF's faces
        text = re.sub(r"<head>", lambda m: f"<head>\n<style>\n{faces}\n</style>", text, count=1)
    text = FONT_URL.sub(lambda m: f'url("/_fonts/{m.group(2)}")', text)
    text = re.sub(r"<head>", '<head>\n<base target="_blank">', text, count=1)
    return text.encode("utf-8")


class PreviewHandler(BaseHTTPRequestHandler):
    """Answers GET and HEAD for the index, the note pages, their outputs, the assets, fonts and events."""

    server: "PreviewServer"
    server_version = "briefing-preview"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the base class's name)
        """Quiet: a preview must not flood the terminal the rebuild messages go to."""

    def do_HEAD(self) -> None:
        """Like GET without the body."""
        self.do_GET(head=True)

    def do_GET(self, head: bool = False) -> None:
        """Route the request; anything not a known page, output, asset or font is 404."""
        self.head = head
        try:
            self.route()
        except (BrokenPipeError, ConnectionResetError):
            return
        except Exception as exc:  # a bug or an odd output must give an answer, not a dropped connection
            self.send_text(HTTPStatus.INTERNAL_SERVER_ERROR, f"{type(exc).__name__}: {exc}")

    def route(self) -> None:
        """Answer the request by its path."""
        if not self.server.host_allowed(self.headers.get("Host", "")):
            return self.send_text(HTTPStatus.MISDIRECTED_REQUEST, "unexpected Host header")
        parts = safe_parts(self.path)
        if parts is None:
            return self.not_found()
        preview = self.server.preview
        # Read before the data: a page must never claim a generation newer than what it shows.
        self.generation = preview.generation
        query = parse_qs(urlsplit(self.path).query)
        match parts:
            case [""]:
                notes = [preview.note(slug) for slug in preview.slugs()]
                return self.send_page("index.html", notes=notes)
            case ["notes", slug] | ["notes", slug, ""] if slug in preview.slugs():
                note = preview.note(slug)
                return self.send_page("note.html", note=note, groups=entity_groups(note["entities"]))
            case ["outputs", slug, name] if slug in preview.slugs():
                return self.send_output(slug, name)
            case ["api", "notes.json"]:
                notes = [preview.note(slug) for slug in preview.slugs()]
                return self.send_json({"building": preview.building, "message": preview.message,
                                       "generation": preview.generation,
                                       "notes": [{k: v for k, v in n.items() if k != "entities"} for n in notes]})
            case ["api", "notes", file] if file.endswith(".json") and file[:-5] in preview.slugs():
                return self.send_json(preview.note(file[:-5]))
            case ["_events"]:
                # A reconnecting EventSource says what it saw last; a new page, what it was rendered from.
                since = self.headers.get("Last-Event-ID") or (query.get("since") or [""])[0]
                return self.send_events(int(since) if since.isdigit() else -1)
            case ["_assets", name] if name in ASSET_TYPES:
                return self.send_bytes((ASSETS / name).read_bytes(), ASSET_TYPES[name], cache=False)
            case ["_fonts", name] if name in self.server.fonts:
                path = self.server.fonts[name]
                return self.send_bytes(read_inside(path, path.parent), FONT_TYPES[path.suffix.lower()], cache=True)
        return self.not_found()

    def send_output(self, slug: str, name: str) -> None:
        """One of a note's output files; the HTML with its fonts and links made to work in the browser."""
        try:
            data = self.server.preview.read_output(slug, name)
        except PipelineError:
            return self.not_found()
        suffix = Path(name).suffix
        if suffix == ".html":
            return self.send_bytes(preview_html(data, self.server.font_faces), OUTPUT_TYPES[suffix], policy=NOTE_POLICY)
        return self.send_bytes(data, OUTPUT_TYPES[suffix])

    def send_page(self, template: str, **context) -> None:
        """A page of the preview, rendered from serve_assets/ (autoescaped)."""
        preview = self.server.preview
        page = self.server.pages.get_template(template).render(
            generation=self.generation, building=preview.building, message=preview.message,
            where=where, **context)
        self.send_bytes(page.encode("utf-8"), "text/html; charset=utf-8")

    def send_json(self, data: Any) -> None:
        """A JSON answer."""
        self.send_bytes(json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json")

    def not_found(self) -> None:
        """404 with a short text body, for every path the preview does not serve."""
        self.send_text(HTTPStatus.NOT_FOUND, "not found")

    def send_text(self, status: HTTPStatus, text: str) -> None:
        """A short plain-text answer with the given status."""
        self.send_bytes(f"{int(status)} {text}\n".encode(), "text/plain; charset=utf-8", status=status)

    def send_bytes(self, data: bytes, content_type: str, *, status: HTTPStatus = HTTPStatus.OK,
                   policy: str = PAGE_POLICY, cache: bool = False) -> None:
        """Send a whole answer with its length, type and the security headers."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "max-age=3600" if cache else "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", policy)
        self.send_header("Referrer-Policy", "no-referrer")
        self.end_headers()
        if not self.head:
            self.wfile.write(data)

    def send_events(self, since: int) -> None:
        """Server-sent events: `building`, `built` (with the changed notes) and `message`, until the page goes."""
        preview = self.server.preview
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        if self.head:
            return
        last = preview.generation if since < 0 else since
        try:
            self.wfile.write(f"retry: 1000\n: generation {preview.generation}\n\n".encode())
            self.wfile.flush()
            while not preview.closed:
                events = preview.wait(last, timeout=15)
                for event in events:
                    payload = json.dumps({"generation": event.generation, **event.data}, ensure_ascii=False)
                    self.wfile.write(f"id: {event.generation}\nevent: {event.kind}\ndata: {payload}\n\n".encode())
                    last = event.generation
                if not events:
                    self.wfile.write(b": keep-alive\n\n")  # finds a page that went away
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            return


def safe_parts(raw: str) -> list[str] | None:
    """The URL path's segments, decoded; None for anything that could name a path (dot segments, backslashes, ...)."""
    path = urlsplit(raw).path
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return None
    try:
        decoded = unquote(path, errors="strict")
    except UnicodeDecodeError:
        return None
    # A name with `%` after decoding was encoded twice; a slug or output name never holds one.
    if any(c in decoded for c in "\\%\0") or any(ord(c) < 32 for c in decoded):
        return None
    parts = decoded.split("/")[1:]
    if any(part in (".", "..") for part in parts) or any(part == "" for part in parts[:-1]):
        return None
    return parts


class PreviewServer(ThreadingHTTPServer):
    """The preview's HTTP server: one thread per connection, each dying with the server."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, preview: Preview, host: str = "127.0.0.1", port: int = 0):
        if ":" in host:  # an IPv6 address such as ::1
            self.address_family = socket.AF_INET6
        self.preview = preview
        self.fonts = font_files()
        self.font_faces = house_font_faces(preview.config)
        self.loopback_only = host in LOOPBACK_NAMES
        loader = jinja2.FileSystemLoader(str(ASSETS))
        self.pages = jinja2.Environment(loader=loader, autoescape=True)  # entities.json may lack a field: blank
        super().__init__((host, port), PreviewHandler)

    def host_allowed(self, host: str) -> bool:
        """True for any Host when bound to another address; else only for loopback names (with any port)."""
        if not self.loopback_only or not host:  # a browser always names the host; a bare HTTP/1.0 client may not
            return True
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return name.lower() in LOOPBACK_NAMES

    @property
    def url(self) -> str:
        """The index's address, e.g. `http://127.0.0.1:8000/`."""
        host, port = self.server_address[:2]
        return f"http://{'[' + host + ']' if ':' in host else host}:{port}/"

    def server_close(self) -> None:
        """Wake the event streams, then close the socket."""
        self.preview.close()
        super().server_close()


def make_server(config: Config, host: str = "127.0.0.1", port: int = 0, preview: Preview | None = None) -> PreviewServer:
    """A preview server for the project, bound to `host:port` (port 0 picks a free one); not yet serving."""
    try:
        return PreviewServer(preview or Preview(config), host, port)
    except OSError as exc:  # the port is taken, the address is not this machine's...
        raise PipelineError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


class LivePreview:
    """The server and its rebuild loop (`watch`), each in a background thread: what `briefing serve` runs."""

    def __init__(self, config: Config, host: str = "127.0.0.1", port: int = 0, *, debounce: float = 0.2,
                 on_report: Callable[[BuildReport], None] | None = None,
                 on_changes: Callable[[set[Path]], None] | None = None,
                 notify: Callable[[str], None] = lambda message: print(message, file=sys.stderr)):
        from .watch import watch

        self.server = make_server(config, host, port)
        self.preview = self.server.preview
        self.stopping = threading.Event()

        def reported(report: BuildReport) -> None:
            self.preview.apply(report)
            if on_report:
                on_report(report)

        def changed(paths: set[Path]) -> None:
            self.preview.starting(paths)
            if on_changes:
                on_changes(paths)

        def said(message: str) -> None:
            self.preview.say(message)
            notify(message)

        from .config import load_config

        self._threads = [
            threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True,
                             name="preview-http"),
            threading.Thread(target=watch, args=(config,), daemon=True, name="preview-build", kwargs=dict(
                on_report=reported, on_changes=changed, notify=said, debounce=debounce, interval=0.2,
                stop=self.stopping.is_set, reload=lambda: load_config(config.root))),
        ]

    @property
    def url(self) -> str:
        """The index's address."""
        return self.server.url

    def start(self) -> "LivePreview":
        """Start serving and building."""
        for thread in self._threads:
            thread.start()
        return self

    def close(self) -> None:
        """Stop serving, then stop the rebuild loop (a build under way finishes first)."""
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()
        self._threads[1].join(timeout=60)


def serve(config: Config, host: str = "127.0.0.1", port: int = 8000, open_browser: bool = False) -> None:
    """Serve the live preview until Ctrl-C, printing each rebuild's notes and warnings."""
    from .watch import RebuildPrinter

    printer = RebuildPrinter(config)
    live = LivePreview(config, host, port, on_report=printer.on_report, on_changes=printer.on_changes).start()
    print(f"Serving the preview at {live.url} (building first); press Ctrl-C to stop.", file=sys.stderr, flush=True)
    if not live.server.loopback_only:
        print(f"warning: listening on {host}: anyone who can reach this machine can read the notes", file=sys.stderr)
    if open_browser:
        import webbrowser

        webbrowser.open(live.url)
    try:
        while True:
            time.sleep(3600)
    finally:
        live.close()
