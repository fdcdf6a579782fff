"""Build stage: runs the planned briefings' stages whose inputs changed, in parallel, and writes their outputs."""

from __future__ import annotations

import functools
import json
import os
import resource
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Sequence

from .config import Config, find_briefings, template_dirs
from .errors import PipelineError, describe_os_error
from .executors import Executor, JobLost, open_executor, warm_worker  # noqa: F401  (warm_worker: for watch and the benches)
from .ingest import ReadOptions, ingest_briefing, read_source
from .jobs import Job, JobCache, JobResult, Plan, check_result, environment_matches, make_job, result_paths_back, workspace, write_result
from .models import Briefing, Entity, Note, Source
from .plan import PACKAGE, STAGES, code_keys, environment_keys, is_up_to_date, output_names, plan_briefing
from .state import (
    TRASH,
    BriefingState,
    Cache,
    State,
    file_digest,
    fingerprint,
    is_safe_slug,
    load_state,
    move_to_trash,
    project_lock,
    remove_stale_temporaries,
    save_state,
)

# What each stage's cache entry holds (with its warnings): the cache decodes and validates against it.
STAGE_RESULTS = {
    "ingest": tuple[tuple[Source | None, list[Source]], list[str]],
    "extract": tuple[tuple[Entity, ...], list[str]],
    "note": tuple[Note, list[str]],
    "compose": tuple[str, list[str]],
}
@dataclass(frozen=True)
class Outcome:
    """What happened to one briefing in a build."""

    slug: str
    status: str
    """built, unchanged, failed or removed."""
    error: str | None = None
    warnings: tuple[str, ...] = ()
    """Every warning of the briefing, those of stages taken from the cache and of the last build included."""
    notices: tuple[str, ...] = ()
    """What an editor may want to know but that is no fault (merged speaker labels, a drafted note)."""
    render_warnings: tuple[str, ...] = ()
    """The rendering's own warnings (kept in the state for builds that reuse the PDF)."""
    stages: tuple[str, ...] = ()
    """The stages that actually ran (the others came from the cache)."""
    keys: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    worker: tuple[int, float] | None = None
    """(process id, its peak resident memory in MB) of the process that built it."""
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds spent in each stage that ran."""
    host_notices: tuple[str, ...] = ()
    """Facts about the host rather than the note (the slow font subsetter): said once per build, never --strict."""


@dataclass(frozen=True)
class BuildReport:
    """The outcome of every briefing and the build's wall time."""

    outcomes: tuple[Outcome, ...]
    seconds: float

    def slugs(self, status: str) -> list[str]:
        """Slugs of the briefings with the given status."""
        return [o.slug for o in self.outcomes if o.status == status]

    @property
    def ok(self) -> bool:
        """True when no briefing failed."""
        return not self.slugs("failed")

    @property
    def host_notices(self) -> list[str]:
        """The host notices of every outcome, each once."""
        return list(dict.fromkeys(n for o in self.outcomes for n in o.host_notices))

    def summary(self) -> str:
        """One line: `Built 12 notes (3 unchanged, 1 failed) in 4.2 s`."""
        built, unchanged, failed = (len(self.slugs(s)) for s in ("built", "unchanged", "failed"))
        removed = len(self.slugs("removed"))
        extra = f", {removed} removed to outputs/{TRASH}" if removed else ""
        noun = "note" if built == 1 else "notes"
        return f"Built {built} {noun} ({unchanged} unchanged, {failed} failed{extra}) in {self.seconds:.1f} s"

    def to_json(self) -> dict:
        """The report as `{"built", "unchanged", "failed": [{"slug", "error"}], "seconds"}`."""
        return {
            "built": self.slugs("built"),
            "unchanged": self.slugs("unchanged"),
            "removed": self.slugs("removed"),
            "failed": [{"slug": o.slug, "error": o.error} for o in self.outcomes if o.status == "failed"],
            "seconds": round(self.seconds, 3),
            "workers": {str(pid): mb for pid, mb in sorted({o.worker for o in self.outcomes if o.worker})},
            "stage_seconds": {stage: round(sum(o.timings.get(stage, 0.0) for o in self.outcomes), 3) for stage in STAGES},
            "notices": {o.slug: list(o.notices) for o in self.outcomes if o.notices},
            "host_notices": self.host_notices,
        }


def make_note(briefing: Briefing, manuscript: Source | None, sources: Sequence[Source],
              entities: Sequence[Entity] = ()) -> tuple[Note, list[str]]:
    """The note from the editor's manuscript; without one, drafted in memory from the transcript."""
    from .draft import note_from_manuscript

    if manuscript is None:
        if not any(s.kind == "transcript" for s in sources):
            raise PipelineError(f"{briefing.folder}: no manuscript (note.md or note.docx) and no transcript to draft the note from")
        from .draft import draft_note

        note, trace = draft_note(briefing, sources, entities)
        return note, list(trace.warnings)
    return note_from_manuscript(manuscript, briefing)


class BriefingRun:
    """Runs one briefing's stages, each taken from the cache when its input fingerprint is known."""

    def __init__(self, plan: Plan, cache: Cache, previous: BriefingState | None, reuse: bool = True,
                 read: Callable[[Path, ReadOptions], Source] = read_source):
        self.plan, self.cache, self.previous, self.reuse, self.read = plan, cache, previous, reuse, read
        self.ran: list[str] = []
        self.runtime_keys: dict[str, str] = {}
        self.timings: dict[str, float] = {}
        self.warnings: list[str] = []
        self.render_warnings: list[str] = []
        self.host_notices: list[str] = []
        self._memo: dict[str, object] = {}

    def stage(self, name: str, compute: Callable[[], tuple[object, list[str]]]) -> object:
        """A stage's result: memoised, else cached by its key, else computed (and recorded as run)."""
        if name in self._memo:
            return self._memo[name]

        def run_stage():
            before, started = sum(self.timings.values()), time.perf_counter()
            result = compute()
            # A stage's time excludes the earlier stages it pulled in (they record their own).
            self.timings[name] = time.perf_counter() - started - (sum(self.timings.values()) - before)
            self.ran.append(name)
            return result

        value, warnings = self.cache.fetch(name, self.plan.keys[name], run_stage, self.reuse, kind=STAGE_RESULTS[name])
        self.warnings += warnings
        self._memo[name] = value
        return value

    def ingest(self) -> tuple[Source | None, list[Source]]:
        """Parse the manuscript and the other sources; a broken non-manuscript source is a warning."""

        def read(path: Path, options: ReadOptions) -> Source:
            # Each file is cached by its own fingerprint: editing the manuscript must not re-parse the slides.
            return self.cache.fetch("source", self.plan.source_keys[str(path)],
                                    lambda: self.read(path, options), self.reuse, kind=Source)

        def compute():
            manuscript, sources, warnings = ingest_briefing(self.plan.briefing, self.plan.manuscript, self.plan.sources,
                                                            self.plan.config, read)
            return (manuscript, sources), warnings

        return self.stage("ingest", compute)

    def entities(self) -> tuple[Entity, ...]:
        """Countries, actors and chemicals of every source."""

        def annotate_all(sources: Sequence[Source], speakers: Sequence[str]):
            from .extract import annotate_sources
            from .extract.resolve import Raw

            # A source's mentions depend on its text and the briefing's speakers only: cache them per
            # source; the sources not cached go through spaCy together, in one batch.
            keys = [fingerprint(self.plan.source_keys.get(s.path, s.path), list(speakers), self.plan.extract_env)
                    for s in sources]
            for source, key in zip(sources, keys):
                self.runtime_keys[f"mentions:{Path(source.path).name}"] = key
            found = [self.cache.get("mentions", key, tuple[Raw, ...]) if self.reuse else None for key in keys]
            missing = [i for i, raws in enumerate(found) if raws is None]
            for i, raws in zip(missing, annotate_sources([sources[i] for i in missing], speakers) if missing else ()):
                self.cache.put("mentions", keys[i], raws)
                found[i] = raws
            return found

        def compute():
            from .extract import extract_entities, find_unattested  # spaCy only where needed

            manuscript, sources = self.ingest()
            entities = extract_entities(sources, manuscript=manuscript, speakers=[self.plan.briefing.speaker],
                                        annotate_all=annotate_all)
            warnings = list(find_unattested(manuscript, sources, entities)) if manuscript and sources else []
            return entities, warnings

        return self.stage("extract", compute)

    def note(self) -> Note:
        """The note's sections, from the manuscript or drafted from the sources."""

        def compute():
            manuscript, sources = self.ingest()
            entities = () if manuscript else self.entities()
            return make_note(self.plan.briefing, manuscript, sources, entities)

        return self.stage("note", compute)

    def html(self) -> str:
        """The composed HTML document."""

        def compute():
            from .compose import compose_html
            from .extract import salient_keywords

            from .fonts import glyph_warnings
            from .limits import check_note

            plan = self.plan
            keywords = salient_keywords(self.entities())
            file = plan.manuscript.path.name if plan.manuscript else "the drafted note"
            # Long words and pathological markup are checked here: their limits are compose settings.
            warnings = check_note(plan.briefing, self.note(), plan.config.max_word_chars, plan.config.max_inline_depth, file)
            html = compose_html(plan.briefing, self.note(), plan.config, keywords)
            return html, warnings + glyph_warnings(html)  # glyphs checked on the composed page, where each text's place is known

        return self.stage("compose", compute)

    def run(self, render: bool = True) -> JobResult:
        """Every output of the briefing as bytes (the PDF only when `render`), and which stages ran."""
        from .compose.galley import galley_html
        from .extract import entities_to_csv, entities_to_json

        slug = self.plan.briefing.slug
        entities = self.entities()
        html = self.html()
        # The galley is the composed page made standalone for browsers; the PDF renders the composed page.
        galley, galley_warnings = galley_html(html, source=f"templates of style {self.plan.config.style!r}")
        self.warnings += galley_warnings
        files = {
            "entities.json": json.dumps(entities_to_json(entities), indent=1, ensure_ascii=False).encode("utf-8"),
            "entities.csv": entities_to_csv(entities).encode("utf-8"),
            f"{slug}.html": galley.encode("utf-8"),
        }
        if render:
            files[f"{slug}.pdf"] = self.render(html, files["entities.json"])
        else:  # the PDF is the last build's, and so are the rendering's warnings
            self.render_warnings = list(self.previous.render_warnings)
            self.warnings += self.render_warnings
        return JobResult(slug, files=files, status=self.note().status, warnings=tuple(dict.fromkeys(self.warnings)),
                         notices=tuple(self.notices()), host_notices=tuple(self.host_notices),
                         render_warnings=tuple(self.render_warnings), stages=tuple(self.ran),
                         runtime_keys=dict(self.runtime_keys), timings=self.timings)

    def notices(self) -> list[str]:
        """The sources' notices, and that the note was drafted when there is no manuscript."""
        manuscript, sources = self.ingest()
        notices = [n for source in ([manuscript] if manuscript else []) + list(sources) for n in source.notices]
        if manuscript is None:
            slug = self.plan.briefing.slug
            notices.append(f"no manuscript: drafted the note from the transcript (`briefing draft {slug}` writes it for editing)")
        return notices

    def render(self, html: str, entities_json: bytes) -> bytes:
        """The PDF/A bytes of the note, with its sources and entities attached."""
        from .archive.embed import render_options
        from .render import render_pdf  # WeasyPrint only where needed

        briefing, config = self.plan.briefing, self.plan.config
        started = time.perf_counter()
        rendered = render_pdf(html, base_dir=briefing.folder, allowed_dirs=template_dirs(config),
                              pdf_variant=config.pdf_variant,
                              **render_options(briefing, config, None, entities_json))
        self.render_warnings = list(rendered.warnings)
        self.warnings += self.render_warnings
        self.host_notices += rendered.notices
        self.ran.append("render")
        self.timings["render"] = time.perf_counter() - started
        return rendered.pdf


def run_job(job: Job) -> JobResult:
    """Build one briefing's outputs in this process (a worker's, or the build's own); errors become a failed result."""
    try:
        with workspace(job) as space:
            run = BriefingRun(space.plan, space.cache, job.previous, job.reuse, space.read)
            try:
                mismatch = environment_matches(job, worker_environment)
                if mismatch:
                    raise PipelineError(mismatch)
                result = run.run(job.render)
            except PipelineError as exc:
                result = JobResult(job.slug, error=str(exc))
            except OSError as exc:  # disk full, permission denied, read-only folder: the path and the reason
                result = JobResult(job.slug, error=describe_os_error(exc))
            except Exception as exc:  # one briefing's bug must not take down the batch
                result = JobResult(job.slug, error=f"internal error: {type(exc).__name__}: {exc}")
            peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports kilobytes
            # The entries made before a failure are kept too: a failed render does not cost the spaCy pass again.
            result = replace(result, cache=dict(space.cache.new), worker=(os.getpid(), round(peak_mb, 1)))
            return result_paths_back(result, space)
    except (PipelineError, OSError) as exc:  # the job's files could not be unpacked (a full temporary folder)
        return JobResult(job.slug, error=describe_os_error(exc) if isinstance(exc, OSError) else str(exc))


def package_digest() -> str:
    """One fingerprint of every file of the package but its templates (a cluster job carries the style's files)."""
    files = sorted(p for p in PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                   and p.relative_to(PACKAGE).parts[0] != "templates")
    return fingerprint([(p.relative_to(PACKAGE).as_posix(), file_digest(p)) for p in files])


@functools.lru_cache(maxsize=1)
def worker_environment() -> dict[str, str]:
    """This worker's code and library fingerprints, computed once: the code a process has loaded does not change."""
    return {**code_keys(), "code:package": package_digest()}


def parses_cached(cache: JobCache, plan: Plan) -> tuple[bool, set[str]]:
    """Whether the plan's whole ingest is in the cache, and the paths of the sources whose parse is."""
    if cache.get("ingest", plan.keys["ingest"], STAGE_RESULTS["ingest"]) is not None:
        return True, set()
    return False, {path for path, key in plan.source_keys.items() if cache.get("source", key, Source) is not None}


def finish(job: Job, result: JobResult | JobLost, out_dir: Path, cache: Cache) -> Outcome:
    """Check a job's result, store its cache entries and write its outputs (all or none); the briefing's Outcome."""
    if isinstance(result, JobLost):
        return Outcome(job.slug, "failed", error=f"worker failed: {result.reason}")
    try:
        result = check_result(job, result, output_names(job.slug), int(job.plan.config.max_job_mb * 1024 * 1024))
        outputs = write_result(job, result, out_dir, cache)
    except (PipelineError, OSError) as exc:
        error = describe_os_error(exc) if isinstance(exc, OSError) else str(exc)
        return Outcome(job.slug, "failed", error=error, worker=getattr(result, "worker", None))
    if result.error is not None:
        return Outcome(job.slug, "failed", error=result.error, worker=result.worker)
    return Outcome(job.slug, "built", warnings=result.warnings, notices=result.notices, host_notices=result.host_notices,
                   render_warnings=result.render_warnings, stages=result.stages,
                   keys={**job.plan.keys, **result.runtime_keys}, outputs=outputs, timings=result.timings,
                   worker=result.worker)


def default_jobs(config: Config) -> int:
    """Worker processes: the config's `jobs`, else one per core."""
    return config.jobs or os.cpu_count() or 1


def run_plans(plans: list[tuple[Plan, BriefingState | None]], executor: Executor, state_dir: Path, out_root: Path,
              progress: Callable[[int, int, str], None] | None, reuse: bool = True,
              cluster_env: dict[str, str] | None = None) -> list[Outcome]:
    """Run the plans on the executor, self-contained when `cluster_env` is given; this process writes every result."""
    if not plans:
        return []
    cache = Cache(state_dir)
    total, outcomes, waiting, in_flight = len(plans), [], list(plans), 0
    # Loading spaCy costs seconds per worker: only when some briefing's entities are not cached.
    executor.prepare(any(not (reuse and cache.has("extract", plan.keys["extract"])) for plan, _ in plans),
                     (lambda message: progress(0, total, message)) if progress else None)
    while waiting or in_flight:
        # A bounded window in flight: a cluster build never holds every job's files at once.
        while waiting and in_flight < 2 * executor.slots:
            plan, previous = waiting.pop(0)
            try:
                executor.submit(make_job(plan, previous, reuse, out_root / plan.briefing.slug, cache, cluster_env, parses_cached))
                in_flight += 1
            except (PipelineError, OSError) as exc:
                error = describe_os_error(exc) if isinstance(exc, OSError) else str(exc)
                outcomes.append(Outcome(plan.briefing.slug, "failed", error=error))
        for job, result in executor.completed():
            in_flight -= 1
            if progress:
                progress(len(outcomes) + 1, total, job.slug)
            outcomes.append(finish(job, result, out_root / job.slug, cache))
            if waiting:
                break  # top the window up
    return outcomes


def build(config: Config, slugs: Sequence[str] = (), *, force: bool = False, jobs: int | None = None,
          strict: bool = False, progress: Callable[[int, int, str], None] | None = None,
          notify: Callable[[str], None] = lambda message: print(message, file=sys.stderr),
          remove: bool = True, dask_address: str | None = None) -> BuildReport:
    """Build the named briefings (all when none are named), rerunning only what their changes affect.

    With `remove` off, the outputs of briefings whose folder is gone stay where they are. With
    `dask_address`, the briefings build on that Dask cluster; state, cache and outputs stay here.
    """
    started = time.perf_counter()
    out_root = config.root / config.outputs_dir
    state_dir = out_root / ".state"
    folders = find_briefings(config, slugs)
    # A cluster that cannot be reached (or has no worker) is an error before anything is touched.
    executor = open_executor(run_job, jobs=jobs or default_jobs(config), state_dir=str(state_dir), dask_address=dask_address,
                             notify=notify)
    with executor, project_lock(state_dir, notify):
        remove_stale_temporaries(out_root)
        state = load_state(state_dir)
        outcomes = [] if slugs or not remove else remove_deleted(state, {f.name for f in folders}, out_root)
        env = environment_keys(config)
        todo: list[tuple[Plan, BriefingState | None]] = []
        for folder in folders:
            try:
                if not is_safe_slug(folder.name):
                    raise PipelineError(f"{folder}: the folder name is not a usable slug (expected one name of "
                                        "letters, digits, '.', '_' and '-', not starting with '.' or '_')")
                if not folder.resolve().is_relative_to(folder.parent.resolve()):
                    raise PipelineError(f"{folder}: refused: a link to {folder.resolve()}, outside {folder.parent}")
                plan = plan_briefing(folder, config, env)
            except PipelineError as exc:
                outcomes.append(Outcome(folder.name, "failed", error=str(exc)))
                continue
            previous = state.briefings.get(folder.name)
            if not force and is_up_to_date(plan, previous, out_root / folder.name):
                # A no-op build repeats the warnings, so that --strict, check and archive agree with a fresh build.
                outcomes.append(Outcome(folder.name, "unchanged", keys=plan.keys, warnings=tuple(previous.warnings)))
            else:
                todo.append((plan, None if force else previous))
        # A cluster worker must run exactly this pipeline (the stage code, every other module, the libraries).
        cluster_env = {**env, "code:package": package_digest()} if dask_address else None
        for outcome in run_plans(todo, executor, state_dir, out_root, progress, reuse=not force, cluster_env=cluster_env):
            if outcome.status == "built":
                state.briefings[outcome.slug] = BriefingState(dict(outcome.keys), dict(outcome.outputs),
                                                              list(outcome.warnings), list(outcome.render_warnings))
            outcomes.append(outcome)
        if strict:  # the same verdict whether the warnings were just produced or replayed from the state
            outcomes = [replace(o, status="failed", error=f"{len(o.warnings)} warning(s) with --strict")
                        if o.status in ("built", "unchanged") and o.warnings else o for o in outcomes]
        save_state(state_dir, state)
        keep = {stage: {b.keys[stage] for b in state.briefings.values() if stage in b.keys} for stage in STAGES}
        for kind in ("source", "mentions"):  # per-file caches, recorded as "<kind>:<file name>" keys
            keep[kind] = {key for b in state.briefings.values() for name, key in b.keys.items() if name.startswith(f"{kind}:")}
        Cache(state_dir).prune(keep)
    order = {f.name: n for n, f in enumerate(folders)}
    outcomes.sort(key=lambda o: (order.get(o.slug, -1), o.slug))
    return BuildReport(tuple(outcomes), time.perf_counter() - started)


def remove_deleted(state: State, present: set[str], out_root: Path) -> list[Outcome]:
    """Move the outputs of briefings whose input folder is gone to outputs/.trash/<slug>/<time>/; forget their state."""
    outcomes = []
    stamp = time.strftime("%Y%m%dT%H%M%S")
    for slug in sorted(set(state.briefings) - present):
        try:
            move_to_trash(out_root, slug, stamp)
        except (PipelineError, OSError) as exc:
            outcomes.append(Outcome(slug, "failed", error=f"outputs of the deleted briefing kept: {exc}"))
            continue
        del state.briefings[slug]
        outcomes.append(Outcome(slug, "removed"))
    return outcomes
