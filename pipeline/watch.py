"""Watch: rebuild on every save, and never remove anything in a panic when inputs/ empties or vanishes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable, Iterable

from .build import BuildReport, build, warm_worker
from .changes import ChangeFeed
from .console import describe_changes, print_rebuild, say
from .config import Config
from .errors import PipelineError
from .state import TRASH, is_safe_slug


def guarded_build(config: Config, jobs: int, notify: Callable[[str], None]) -> BuildReport | None:
    """A build that never removes in a panic: None while inputs/ is missing; outputs kept when most briefings vanish.

    A folder emptied or moved away for a moment (a sync, a checkout, a mistake) must not send every
    published note to the trash; `briefing build` run by hand still does.
    """
    inputs = config.root / config.inputs_dir
    if not inputs.is_dir():
        notify(f"{inputs} is missing: nothing is built or removed until it is back; waiting")
        return None
    out_root = config.root / config.outputs_dir
    present = {p.name for p in inputs.iterdir() if p.is_dir() and not p.name.startswith(".")}
    published = {p.name for p in out_root.iterdir() if p.is_dir() and is_safe_slug(p.name)} if out_root.is_dir() else set()
    vanished = published - present
    if vanished and len(vanished) * 2 > len(published):
        notify(f"{len(vanished)} of {len(published)} briefings vanished from {inputs} at once: their outputs are kept "
               f"(run `briefing build` to move them to {config.outputs_dir}/{TRASH}); waiting for changes")
        return build(config, jobs=jobs, remove=False, notify=notify)
    return build(config, jobs=jobs, notify=notify)


def touched_slugs(config: Config, paths: Iterable[Path]) -> set[str] | None:
    """The briefings whose folders hold the changed paths; None when a project-wide file changed (templates, settings)."""
    inputs = (config.root / config.inputs_dir).absolute()
    slugs = set()
    for path in paths:
        path = Path(path).absolute()
        if not path.is_relative_to(inputs) or path == inputs:
            return None
        slugs.add(path.relative_to(inputs).parts[0])
    return slugs


def watch(config: Config, *, on_report: Callable[[BuildReport], None], interval: float = 0.5,
          debounce: float = 0.3, jobs: int = 1, stop: Callable[[], bool] = lambda: False,
          reload: Callable[[], Config] | None = None,
          notify: Callable[[str], None] = lambda message: print(message, file=sys.stderr),
          on_changes: Callable[[set[Path]], None] | None = None) -> None:
    """Rebuild whenever files change (inotify, debounced), with the same incremental rules as `build`.

    `interval` is how often `stop` is asked; `on_changes` hears each batch of changed paths before its rebuild.
    """

    def rebuild() -> None:
        try:
            report = guarded_build(config, jobs, notify)
        except PipelineError as exc:  # inputs/ vanished mid-build, a project setting went bad...
            notify(f"error: {exc}")
            return
        if report is not None:
            on_report(report)

    # Watching starts first, so that a save during the first build is not missed.
    with ChangeFeed(config, debounce) as feed:
        rebuild()
        warm_worker(need_nlp=True)  # so that the first rebuild after an edit does not pay for loading
        while not stop():
            changed = feed.get(timeout=interval)
            if changed is None:
                continue
            if on_changes is not None:
                on_changes(changed)
            if reload is not None:
                try:
                    config = reload()
                except PipelineError as exc:
                    notify(f"error: {exc}")
                    continue
            rebuild()


class RebuildPrinter:
    """Prints, for `watch` and `serve`, the files each rebuild follows, the notes it rebuilt and their warnings."""

    def __init__(self, config: Config):
        self.config = config
        self.touched: set[str] | None = None  # the first build concerns every note

    def on_changes(self, paths: set[Path]) -> None:
        """Name the changed files and remember whose they are."""
        say("changed", describe_changes(paths, self.config.root))
        self.touched = touched_slugs(self.config, paths)

    def on_report(self, report: BuildReport) -> None:
        """The rebuilt (and touched) notes with their warnings, then the summary line."""
        print_rebuild(report, self.touched)
        print(report.summary(), flush=True)
