"""Helpers for the preview tests: a live preview of tests/roots/preview, raw HTTP requests, an event listener."""

from __future__ import annotations

import http.client
import json
import queue
import shutil
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOTS = Path(__file__).resolve().parent / "roots"


def start_preview(tmp: Path):
    """Copy the preview project into `tmp`, start serving and building it, and wait for the first build."""
    from pipeline.config import load_config
    from pipeline.serve import LivePreview

    project = tmp / "preview"
    shutil.copytree(ROOTS / "preview", project)
    live = LivePreview(load_config(project), notify=lambda message: None).start()
    wait_until(lambda: not live.preview.building and live.preview.outcomes, 300)
    return live, project


def wait_until(condition, timeout: float = 120, step: float = 0.05):
    """Poll `condition` until it is true (returned) or `timeout` seconds pass (AssertionError)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("timed out waiting")


def get(url: str, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """GET `path` exactly as written (no normalisation of dots or escapes): status, headers, body."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.putrequest("GET", path, skip_host=bool(headers and "Host" in headers), skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


class EventListener:
    """Reads a preview's server-sent events in a thread; `next(kind, test)` waits for a matching one."""

    def __init__(self, url: str, since: int | None = None):
        parts = urlsplit(url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=300)
        self.connection.request("GET", "/_events" + (f"?since={since}" if since is not None else ""))
        self.response = self.connection.getresponse()
        assert self.response.status == 200 and self.response.getheader("Content-Type") == "text/event-stream"
        self.events: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        kind, data = None, None
        try:
            for raw in self.response:
                line = raw.decode("utf-8").rstrip("\n")
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: "):
                    data = json.loads(line[6:])
                elif line == "" and kind:
                    self.events.put((kind, data))
                    kind, data = None, None
        except (OSError, ValueError):
            return

    def next(self, kind: str, test=lambda data: True, timeout: float = 300):
        """The next event of `kind` whose data passes `test`."""
        deadline = time.monotonic() + timeout
        while True:
            got_kind, data = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            if got_kind == kind and test(data):
                return data

    def close(self) -> None:
        self.connection.close()


CHROMIUM = Path("/usr/bin/chromium")
# Debian's chromium, headless; Playwright's own browser download is never used (nothing downloaded at run time).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
