"""Change feed: the files a build reads, watched with inotify (watchfiles), in debounced batches."""

from __future__ import annotations

import queue
import threading
from pathlib import Path
from typing import Iterator

import watchfiles

from .config import PROJECT_FILE, Config


class _Either:
    """Stands for a threading.Event that is set when any of the given events is (watchfiles asks `is_set()`)."""

    def __init__(self, *events: threading.Event):
        self.events = events

    def is_set(self) -> bool:
        """True once any of the events is set."""
        return any(event.is_set() for event in self.events)


def is_watched_name(path: Path) -> bool:
    """False for the files editors and tools leave beside the real ones (hidden files, backups, swap files)."""
    name = path.name
    return not (name.startswith((".", "#")) or name.endswith(("~", ".swp", ".swx", ".tmp")))


class ChangeFeed:
    """Batches of changed paths under inputs/, templates/ and the project's briefings.toml.

    Two inotify watchers, because a recursive watch is set on folders that exist: one watches
    inputs/ and templates/ recursively; the other watches their parent folders (the project root
    among them) without recursion, for briefings.toml and for inputs/ or templates/ appearing,
    vanishing or being swapped, and then restarts the first. The project root is never watched
    recursively: it may hold a virtualenv of thousands of folders.
    """

    def __init__(self, config: Config, debounce: float = 0.3):
        root = config.root
        self.trees = [root / config.inputs_dir, root / config.templates_dir]
        self.tops = {root / PROJECT_FILE, *self.trees}
        self.parents = sorted({p.parent for p in self.tops})
        self.debounce_ms = max(10, int(debounce * 1000))
        self.changes: queue.Queue[set[Path]] = queue.Queue()
        self.closed = threading.Event()
        self._restart = threading.Event()
        self._threads = [threading.Thread(target=self._watch_tops, daemon=True, name="watch-top"),
                         threading.Thread(target=self._watch_trees, daemon=True, name="watch-trees")]
        for thread in self._threads:
            thread.start()

    def _run(self, paths: list[Path], recursive: bool, stop) -> Iterator[set[Path]]:
        """watchfiles' debounced batches of changed paths, until `stop` is set; an empty one each idle 0.2 s."""
        for batch in watchfiles.watch(*paths, recursive=recursive, debounce=self.debounce_ms * 4,
                                      step=self.debounce_ms, stop_event=stop, rust_timeout=200,
                                      yield_on_timeout=True, raise_interrupt=False,
                                      ignore_permission_denied=True):
            yield {Path(path) for _, path in batch}

    def _watch_tops(self) -> None:
        """Watch the project root (and the parents of inputs/ and templates/) for the top-level names."""
        parents = [p for p in self.parents if p.is_dir()]
        if not parents:
            return
        for paths in self._run(parents, False, self.closed):
            relevant = {p for p in paths if p in self.tops}
            if relevant:
                if relevant & set(self.trees):  # a folder came, went or was swapped: watch it anew
                    self._restart.set()
                self.changes.put(relevant)

    def _watch_trees(self) -> None:
        """Watch inputs/ and templates/ recursively, restarting whenever either appears or vanishes."""
        restarted = False
        while not self.closed.is_set():
            self._restart.clear()
            trees = [t for t in self.trees if t.is_dir()]
            if not trees:
                self._restart.wait(0.5)
                restarted = True
                continue
            for paths in self._run(trees, True, _Either(self.closed, self._restart)):
                if restarted:
                    # The first batch (maybe empty) means the new watches are set: a file saved into the
                    # folder before that went unseen, so report the folders once more to look again.
                    self.changes.put(set(trees))
                    restarted = False
                relevant = {p for p in paths if is_watched_name(p)}
                if relevant:
                    self.changes.put(relevant)
            restarted = True

    def get(self, timeout: float) -> set[Path] | None:
        """The next batch of changes, merged with any that follow within the debounce period; None on timeout."""
        try:
            batch = set(self.changes.get(timeout=timeout))
        except queue.Empty:
            return None
        # The two watchers report separately: gather what the other one says about the same save.
        while True:
            try:
                batch |= self.changes.get(timeout=min(self.debounce_ms, 100) / 1000)
            except queue.Empty:
                return batch

    def close(self) -> None:
        """Stop both watchers (each notices within a fraction of a second)."""
        self.closed.set()
        for thread in self._threads:
            thread.join(timeout=2)

    def __enter__(self) -> "ChangeFeed":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
