"""Watch: rebuild on every save, and never remove anything in a panic when inputs/ empties or vanishes."""

from __future__ import annotations

import sys
import time
from typing import Callable

from .build import BuildReport, build, warm_worker
from .config import Config
from .errors import PipelineError
from .state import TRASH, is_safe_slug


def snapshot(config: Config) -> dict[str, float]:
    """Modification times of every file a build reads: inputs, templates and the project config."""
    roots = [config.root / config.inputs_dir, config.root / config.templates_dir]
    stamps = {}
    for root in roots:
        if root.is_dir():
            for path in root.rglob("*"):
                try:
                    if path.is_file() and not path.name.startswith("."):
                        stamps[str(path)] = path.stat().st_mtime_ns
                except OSError:  # deleted while we looked: the next look sees it gone
                    continue
    project_file = config.root / "briefings.toml"
    if project_file.is_file():
        stamps[str(project_file)] = project_file.stat().st_mtime_ns
    return stamps


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


def watch(config: Config, *, on_report: Callable[[BuildReport], None], interval: float = 0.5,
          debounce: float = 0.3, jobs: int = 1, stop: Callable[[], bool] = lambda: False,
          reload: Callable[[], Config] | None = None,
          notify: Callable[[str], None] = lambda message: print(message, file=sys.stderr)) -> None:
    """Rebuild whenever a file changes (after a quiet `debounce` period), with the same incremental rules."""

    def rebuild() -> None:
        try:
            report = guarded_build(config, jobs, notify)
        except PipelineError as exc:  # inputs/ vanished mid-build, a project setting went bad...
            notify(f"error: {exc}")
            return
        if report is not None:
            on_report(report)

    seen = snapshot(config)  # taken first, so that a save during the first build is not missed
    rebuild()
    warm_worker(need_nlp=True)  # so that the first rebuild after an edit does not pay for loading
    while not stop():
        time.sleep(interval)
        current = snapshot(config)
        if current == seen:
            continue
        # Editors save several files at once (or an editor writes twice): wait until it is quiet.
        while True:
            time.sleep(debounce)
            settled = snapshot(config)
            if settled == current:
                break
            current = settled
        seen = current
        if reload is not None:
            try:
                config = reload()
            except PipelineError as exc:
                notify(f"error: {exc}")
                continue
        rebuild()
