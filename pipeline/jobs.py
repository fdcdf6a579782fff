"""Briefing jobs: what one briefing's build needs, made on the project's side, run by any worker, checked on return.

A job that carries a snapshot is self-contained (the briefing's files, the style's templates and
the cache entries its stages already have, as bytes): a worker on another machine needs nothing
from the project's disk. Whatever the worker, it writes nothing of the project's: it returns the
output bytes and the new cache entries, and the project's side checks them and writes them.
"""

from __future__ import annotations

import json
import re
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterator

from .boundary import check_size, inside, read_inside
from .config import Config, template_dirs
from .errors import PipelineError, SourceError
from .ingest import ReadOptions, read_source
from .models import Briefing, Source, SourceSpec
from .state import CACHE_FORMAT, MAX_STATE_BYTES, BriefingState, Cache, bytes_digest, file_digest, write_all_atomic

# Every stage whose results a job may return as cache entries, and the form of an entry's name.
CACHE_STAGES = ("ingest", "extract", "note", "compose", "source", "mentions")
_ENTRY = re.compile(rf"({'|'.join(CACHE_STAGES)})/([0-9a-f]{{64}})")
_KEY = re.compile(r"[0-9a-f]{64}")
# The bytes every entry starts with (state.encode_entry writes them so): a cheap check of each returned entry.
_ENTRY_HEAD = '{{"format": {format}, "stage": "{stage}"'


@dataclass(frozen=True)
class Plan:
    """One briefing to build: its metadata, its sources and the fingerprint of each stage's inputs."""

    briefing: Briefing
    config: Config
    manuscript: SourceSpec | None
    sources: tuple[SourceSpec, ...]
    source_keys: dict[str, str]
    keys: dict[str, str]
    extract_env: str = ""
    """Fingerprint of the extract code, gazetteers and model versions (part of every mention-cache key)."""


@dataclass(frozen=True)
class Snapshot:
    """A briefing's input files and its style's templates as bytes, for a worker without the project's disk."""

    files: dict[str, bytes]
    """Bytes of each file read, by its path inside the briefing folder (POSIX, relative)."""
    refused: dict[str, str]
    """Why a source was not read (a link out, a FIFO, too large), by its path inside the briefing folder."""
    withheld: tuple[str, ...]
    """Sources not sent because their parse is in the job's cache entries (slides are large and never embedded)."""
    templates: dict[str, bytes]
    """The style's files as the build sees them (the project's override first, then the built-in), by relative path."""


@dataclass(frozen=True)
class Job:
    """One briefing to build; self-contained when it carries a snapshot, else read in place from the project."""

    plan: Plan
    previous: BriefingState | None
    reuse: bool
    render: bool
    """False when the PDF in outputs/ is current: the worker then keeps the last build's rendering warnings."""
    state_dir: str = ""
    """The project's build state, read (never written) by a job run in place."""
    snapshot: Snapshot | None = None
    seed: dict[str, bytes] = field(default_factory=dict)
    """Cache entries the job's stages already have, by `stage/key` (snapshot jobs only)."""
    environment: dict[str, str] = field(default_factory=dict)
    """Fingerprints of the code and libraries the project builds with: a worker whose own differ refuses the job."""

    @property
    def slug(self) -> str:
        """The briefing's slug."""
        return self.plan.briefing.slug


@dataclass(frozen=True)
class JobResult:
    """What a worker returns: the outputs' bytes, the new cache entries and what happened."""

    slug: str
    error: str | None = None
    files: dict[str, bytes] = field(default_factory=dict)
    """The outputs by file name: entities.json, entities.csv, <slug>.html and, when rendered, <slug>.pdf."""
    cache: dict[str, bytes] = field(default_factory=dict)
    """New cache entries by `stage/key` (a failed job returns those it made too: its spaCy work is kept)."""
    status: str = "final"
    """The note's status (final or draft), recorded in meta.json."""
    warnings: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()
    host_notices: tuple[str, ...] = ()
    render_warnings: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    runtime_keys: dict[str, str] = field(default_factory=dict)
    """Keys found while running (`mentions:<file>`), recorded in the state beside the plan's."""
    timings: dict[str, float] = field(default_factory=dict)
    worker: tuple[int, float] | None = None


class JobCache(Cache):
    """The stage cache as a job sees it: the seed or the project's cache, read only; new entries kept for the parent."""

    def __init__(self, state_dir: Path, seed: dict[str, bytes] | None = None):
        super().__init__(state_dir)
        self.seed = seed  # None: read the project's cache on disk
        self.new: dict[str, bytes] = {}

    def read(self, stage: str, key: str) -> bytes | None:
        """An entry made by this job, else the seed's, else (in place) the project's."""
        name = f"{stage}/{key}"
        if name in self.new:
            return self.new[name]
        return super().read(stage, key) if self.seed is None else self.seed.get(name)

    def has(self, stage: str, key: str) -> bool:
        """True when the job can read an entry for this stage and key."""
        return self.read(stage, key) is not None

    def store(self, stage: str, key: str, payload: str) -> None:
        """Keep the entry for the project's side to check and store."""
        self.new[f"{stage}/{key}"] = payload.encode("utf-8")


def job_bytes(job: Job) -> int:
    """The bytes a job carries (files, templates and cache entries)."""
    snapshot = job.snapshot
    carried = [*job.seed.values(), *(snapshot.files.values() if snapshot else ()), *(snapshot.templates.values() if snapshot else ())]
    return sum(len(data) for data in carried)


def make_job(plan: Plan, previous: BriefingState | None, reuse: bool, out_dir: Path, cache: Cache,
             environment: dict[str, str] | None, parses_cached: Callable[[JobCache, Plan], tuple[bool, set[str]]]) -> Job:
    """The job for one plan: run in place (`environment` None), else self-contained for a cluster worker.

    The PDF is rendered unless the one in outputs/ is the last build's and its inputs are unchanged.
    """
    pdf = out_dir / f"{plan.briefing.slug}.pdf"
    render = (previous is None or previous.keys.get("render") != plan.keys["render"] or not pdf.is_file()
              or previous.outputs.get(pdf.name) != file_digest(pdf))
    job = Job(plan, previous, reuse, render, state_dir=str(cache.root))
    if environment is None:
        return job
    # The templates' fingerprint names the project's folders; the worker gets their files instead.
    return ship(replace(job, environment={k: v for k, v in environment.items() if k != "templates"}), cache, parses_cached)


def ship(job: Job, cache: Cache, parses_cached: Callable[[JobCache, Plan], tuple[bool, set[str]]]) -> Job:
    """The job made self-contained: its briefing's files, the templates and the cache entries it can use.

    `parses_cached(seeded cache, plan)` says whether the whole ingest is cached and which sources'
    parses are: those sources' bytes stay home. A job larger than `max_job_mb` is a PipelineError.
    """
    from .archive.embed import TRANSCRIPT_SUFFIXES  # (it imports compose: not needed by a build with nothing to do)

    plan, limit = job.plan, int(job.plan.config.max_job_mb * 1024 * 1024)
    seed = seed_entries(plan, job.previous, cache) if job.reuse else {}
    whole, parsed = parses_cached(JobCache(cache.root, seed), plan) if seed else (False, set())
    folder = plan.briefing.folder
    wanted = [folder / "briefing.toml", *([plan.manuscript.path] if plan.manuscript else [])]
    withheld = []
    for spec in plan.sources:
        # The render embeds the transcripts; the others (slides) travel only when their parse is not cached.
        if spec.path.suffix.lower() in TRANSCRIPT_SUFFIXES or not (whole or str(spec.path) in parsed):
            wanted.append(spec.path)
        else:
            withheld.append(relative_name(spec.path, folder))
    files, refused = {}, {}
    max_file = plan.config.max_file_bytes
    for path in dict.fromkeys(wanted):
        rel = relative_name(path, folder)
        try:
            files[rel] = read_file(path, folder, max_file)
        except SourceError as exc:
            refused[rel] = exc.reason
    shipped = replace(job, snapshot=Snapshot(files, refused, tuple(withheld), style_files(plan.config)), seed=seed)
    size = job_bytes(shipped)
    if size > limit:
        raise PipelineError(f"{folder}: the job for a cluster worker would carry {size:,} bytes (files, templates and "
                            f"cached results); the limit is {limit:,} bytes (setting max_job_mb)")
    return shipped


def relative_name(path: Path, folder: Path) -> str:
    """A briefing file's path inside its folder, as POSIX text; PipelineError for a path outside it."""
    try:
        return Path(path).relative_to(folder).as_posix()
    except ValueError:
        raise PipelineError(f"{path}: not inside the briefing folder {folder}") from None


def read_file(path: Path, folder: Path, max_bytes: int) -> bytes:
    """A briefing file's bytes, refused as a local build refuses it (a link out, a non-regular file, too large)."""
    inside(path, folder)  # raises before any open, with the words read_source uses
    check_size(path, max_bytes)  # read_source's own check, so that a cluster build warns as a local one does
    return read_inside(path, folder, max_bytes)


def seed_entries(plan: Plan, previous: BriefingState | None, cache: Cache) -> dict[str, bytes]:
    """The cache entries the plan's stages (and its sources' parses and mentions) already have."""
    wanted = [(stage, plan.keys[stage]) for stage in ("ingest", "extract", "note", "compose")]
    if not cache.has("ingest", plan.keys["ingest"]):
        wanted += [("source", key) for key in plan.source_keys.values()]
    if previous is not None and not cache.has("extract", plan.keys["extract"]):
        # A source's mention key is found while running; the last build recorded it.
        wanted += [("mentions", key) for name, key in previous.keys.items() if name.startswith("mentions:")]
    seed = {}
    for stage, key in wanted:
        data = cache.read(stage, key)
        if data is not None:
            seed[f"{stage}/{key}"] = data
    return seed


def style_files(config: Config) -> dict[str, bytes]:
    """Every file of the style as the templates loader finds it: the project's override first, then the built-in."""
    files: dict[str, bytes] = {}
    for folder in template_dirs(config):
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder).as_posix()
            if rel in files or "__pycache__" in path.parts or path.is_dir():
                continue
            try:
                files[rel] = read_inside(path, folder, MAX_STATE_BYTES)
            except SourceError:  # a link out of the templates or a FIFO: the local build cannot read it either
                continue
    return files


@dataclass(frozen=True)
class Workspace:
    """Where a job runs: its plan with the briefing folder the worker reads, how it reads sources, and its cache."""

    plan: Plan
    read: Callable[[Path, ReadOptions], Source]
    cache: JobCache
    to_project: Callable[[str], str]
    """Turns the worker's paths in a text back into the project's (identity for a job run in place)."""
    json_to_project: Callable[[str], str]
    """The same inside JSON text (a cache entry), where paths appear escaped."""


def same(text: str) -> str:
    """The text unchanged (a job run in place has no paths to turn back)."""
    return text


@contextmanager
def workspace(job: Job) -> Iterator[Workspace]:
    """The job's workspace: in place for a job without a snapshot, else its files in a private temporary folder."""
    if job.snapshot is None:
        yield Workspace(job.plan, read_source, JobCache(Path(job.state_dir)), same, same)
        return
    with tempfile.TemporaryDirectory(prefix="briefing-job-") as tmp:
        root = Path(tmp).resolve() / "project"
        plan, snapshot = job.plan, job.snapshot
        folder = root / "inputs" / job.slug
        style = root / "templates" / plan.config.style
        materialise(folder, snapshot.files)
        materialise(style, snapshot.templates)
        briefing = plan.briefing
        moved = replace(briefing, folder=folder,
                        manuscript=rebase(briefing.manuscript, briefing.folder, folder) if briefing.manuscript else None,
                        sources=tuple(replace(s, path=rebase(s.path, briefing.folder, folder)) for s in briefing.sources))
        config = replace(plan.config, root=root, inputs_dir="inputs", templates_dir="templates")
        # The manuscript, sources and source keys keep the project's paths: every Source the worker
        # makes or takes from the cache then names the project's file, as a local build's does.
        back = {str(folder): str(briefing.folder), str(root): str(plan.config.root)}
        yield Workspace(replace(plan, briefing=moved, config=config), snapshot_reader(job, folder),
                        JobCache(Path(job.state_dir), job.seed), paths_back(back),
                        paths_back({json_text(k): json_text(v) for k, v in back.items()}))


def materialise(folder: Path, files: dict[str, bytes]) -> None:
    """Write the files under `folder`, each name checked to stay inside it."""
    for rel, data in files.items():
        parts = PurePosixPath(rel).parts
        if not parts or PurePosixPath(rel).is_absolute() or any(p in ("", ".", "..") for p in parts) or "\0" in rel:
            raise PipelineError(f"{rel!r}: not a plain relative file name (refused in a job)")
        target = folder.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def rebase(path: Path, old: Path, new: Path) -> Path:
    """`path` inside `old`, moved to the same place inside `new`."""
    return new / Path(path).relative_to(old)


def snapshot_reader(job: Job, folder: Path) -> Callable[[Path, ReadOptions], Source]:
    """read_source for a snapshot job: the project's path in, its copy read, the project's path kept in the Source."""
    snapshot, home = job.snapshot, job.plan.briefing.folder

    def read(path: Path, options: ReadOptions) -> Source:
        rel = relative_name(path, home)
        copy = folder / rel
        if rel in snapshot.refused:
            raise SourceError(copy, snapshot.refused[rel])
        if rel in snapshot.withheld:  # its parse was in the seed when the job was made: never expected here
            raise PipelineError(f"{path}: not sent to the worker (its cached parse was expected to be used)")
        return replace(read_source(copy, options), path=str(path))

    return read


def paths_back(mapping: dict[str, str]) -> Callable[[str], str]:
    """A function replacing each worker path (longest first) by the project's path, in one pass over a text."""
    pattern = re.compile("|".join(re.escape(k) for k in sorted(mapping, key=len, reverse=True)))
    return lambda text: pattern.sub(lambda m: mapping[m.group(0)], text)


def result_paths_back(result: JobResult, space: Workspace) -> JobResult:
    """The result with the worker's temporary paths replaced by the project's in every text and cache entry."""
    if space.to_project is same:
        return result
    to_project, json_to_project = space.to_project, space.json_to_project
    texts = lambda items: tuple(to_project(t) for t in items)  # noqa: E731
    return replace(
        result, error=to_project(result.error) if result.error else None, warnings=texts(result.warnings),
        notices=texts(result.notices), host_notices=texts(result.host_notices), render_warnings=texts(result.render_warnings),
        cache={name: json_to_project(data.decode("utf-8")).encode("utf-8") for name, data in result.cache.items()})


def check_result(job: Job, result: Any, names: tuple[str, ...], limit: int) -> JobResult:
    """The worker's result when it has the shape and size a job's result may have; else PipelineError saying what."""
    def fail(what: str):
        raise PipelineError(f"the worker's result for {job.slug} was refused: {what}")

    if not isinstance(result, JobResult) or result.slug != job.slug:
        fail(f"expected the result of {job.slug}, found {type(result).__name__} {getattr(result, 'slug', '')!r}")
    if result.error is None:
        expected = set(names) - {"meta.json"} - (set() if job.render else {f"{job.slug}.pdf"})  # meta.json is made here
        if set(result.files) != expected:
            fail(f"expected the outputs {sorted(expected)}, found {sorted(result.files)}")
    if not all(isinstance(v, bytes) for v in [*result.files.values(), *result.cache.values()]):
        fail("an output or cache entry is not bytes")
    total = sum(len(v) for v in [*result.files.values(), *result.cache.values()])
    if total > limit:
        fail(f"{total:,} bytes, over the limit of {limit:,} bytes (setting max_job_mb)")
    for name, data in result.cache.items():
        match = _ENTRY.fullmatch(name) if isinstance(name, str) else None
        if match is None or len(data) > MAX_STATE_BYTES:
            fail(f"cache entry {str(name)[:80]!r} is not a stage's entry or is too large")
    for name, key in result.runtime_keys.items():
        if not (isinstance(name, str) and name.startswith("mentions:") and isinstance(key, str) and _KEY.fullmatch(key)):
            fail(f"runtime key {str(name)[:80]!r} is not a mention key")
    texts = [*result.warnings, *result.notices, *result.host_notices, *result.render_warnings, *result.stages]
    if not all(isinstance(t, str) for t in texts) or result.status not in ("final", "draft"):
        fail("a warning, notice, stage or the status is not text")
    return result


def store_entries(cache: Cache, entries: dict[str, bytes]) -> None:
    """Store a checked result's cache entries (those not in the form state.encode_entry writes are dropped)."""
    for name, data in entries.items():
        stage, key = name.split("/")
        if data.startswith(_ENTRY_HEAD.format(format=CACHE_FORMAT, stage=stage).encode()):
            cache.store(stage, key, data.decode("utf-8"))


def environment_matches(job: Job, worker_env: Callable[[], dict[str, str]]) -> str | None:
    """None when the worker runs the code and libraries the project builds with, else what differs."""
    if not job.environment:
        return None
    mine = worker_env()
    differ = sorted(k for k in job.environment if mine.get(k) != job.environment[k])
    return None if not differ else (
        f"the worker's pipeline or libraries differ from the project's ({', '.join(differ)}): install the same "
        "version of the package and its dependencies on every Dask worker")


def json_text(text: str) -> str:
    """`text` as it appears inside a JSON string (json.dumps escapes)."""
    return json.dumps(text)[1:-1]


def write_result(job: Job, result: JobResult, out_dir: Path, cache: Cache) -> dict[str, str]:
    """Store a checked result's cache entries, then write its outputs and meta.json (all or none); their SHA-256s.

    The entries come first: a briefing that failed after its spaCy pass still keeps that work.
    """
    from .archive.embed import META_FILE, meta_json, meta_record

    store_entries(cache, result.cache)
    if result.error is not None:
        return {}
    slug, files = job.slug, dict(result.files)
    outputs = {name: bytes_digest(data) for name, data in files.items()}
    if f"{slug}.pdf" not in files:  # the PDF kept from the last build
        outputs[f"{slug}.pdf"] = file_digest(out_dir / f"{slug}.pdf")
    # meta.json records the checksums of this build's outputs (and names the project's files), so it is written here.
    files[META_FILE] = meta_json(meta_record(job.plan.briefing, job.plan.config, result.status, out_dir, outputs)).encode("utf-8")
    outputs[META_FILE] = bytes_digest(files[META_FILE])
    # Only inside outputs/, and a full disk while writing any of them leaves every previous output in place.
    write_all_atomic({out_dir / name: data for name, data in files.items()}, inside=out_dir.parent)
    return outputs
