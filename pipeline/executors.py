"""Executors: where briefing jobs run, behind one interface — a local pool of worker processes, or a Dask cluster."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
import uuid
import warnings
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Iterator, Protocol

from .errors import PipelineError
from .jobs import Job, JobResult
from .workers import start_worker

Run = Callable[[Job], JobResult]
# How long a Dask build waits to reach the scheduler, and for a first worker, before it says it cannot.
CONNECT_SECONDS = 10.0
WORKERS_SECONDS = 30.0
# A Dask build whose cluster keeps no worker this long fails its remaining briefings rather than wait forever.
NO_WORKER_SECONDS = 120.0
POLL_SECONDS = 2.0


@dataclass(frozen=True)
class JobLost:
    """A job that returned no result: its worker died, or the cluster lost it; `reason` says how."""

    reason: str


class Executor(Protocol):
    """Runs jobs and hands back each one's result (or how it was lost) as it completes."""

    slots: int
    """How many jobs it runs at once (the driver keeps about twice that many submitted)."""

    def prepare(self, need_nlp: bool, say: Callable[[str], None] | None = None) -> None:
        """Get the workers ready for jobs (`need_nlp`: they load spaCy too); `say` tells a waiting editor why."""

    def submit(self, job: Job) -> None:
        """Queue a job."""

    def completed(self) -> Iterator[tuple[Job, JobResult | JobLost]]:
        """Each submitted job with its result, as they complete, until none is left (jobs submitted meanwhile included)."""

    def close(self) -> None:
        """Stop the workers (a local pool) or let go of the cluster (Dask); idempotent."""

    def __enter__(self) -> Executor:
        """The executor itself; leaving the block closes it."""

    def __exit__(self, *exc: object) -> None:
        """Close the executor."""


def warm_worker(need_nlp: bool) -> None:
    """Worker start-up: import the renderer and every reader's libraries, and load the spaCy model when needed."""
    from . import render  # noqa: F401  (imports WeasyPrint)
    from .ingest import READERS

    for suffix in READERS:  # import every reader's libraries (pypdf, python-docx, ...) now, not mid-build
        READERS[suffix]
    if need_nlp:
        from .extract import load_nlp

        load_nlp()


def _serve(conn: Connection, parent: int, state_dir: str, warm: Callable[..., None], warm_args: tuple, run: Run) -> None:
    """A local worker's loop: die with the build, warm up, then run each job received until told to stop."""
    start_worker(parent, state_dir, warm, warm_args)
    while True:
        try:
            job = conn.recv()
        except EOFError:  # the build closed its end
            return
        if job is None:
            return
        conn.send(run(job))


@dataclass
class _Worker:
    process: Any
    conn: Connection
    job: Job | None = None


class LocalPool:
    """Worker processes started with spawn on this machine; `jobs` of 1 (or a single job) runs in this process.

    Each worker runs one job at a time over its own pipe, so a worker that dies (killed, out of
    memory) fails exactly the job it held and is replaced. (concurrent.futures' pool marks every
    pending job broken when one worker dies, and cannot say which job it was running.)
    """

    def __init__(self, run: Run, jobs: int, state_dir: str, warm: Callable[..., None] = warm_worker):
        self.run, self.slots, self.state_dir, self.warm = run, max(1, jobs), state_dir, warm
        self.warm_args: tuple = (False,)
        self.say: Callable[[str], None] | None = None
        self.queue: list[Job] = []
        self.workers: list[_Worker] = []
        self.context = multiprocessing.get_context("spawn")

    def prepare(self, need_nlp: bool, say: Callable[[str], None] | None = None) -> None:
        """Workers started from now on warm up with `need_nlp`; `say` announces their start."""
        self.warm_args, self.say = (need_nlp,), say

    def submit(self, job: Job) -> None:
        """Queue a job; it goes to the first idle worker."""
        self.queue.append(job)

    def completed(self) -> Iterator[tuple[Job, JobResult | JobLost]]:
        """Each job with its result, in this process when one worker is enough, else from the workers."""
        if self.slots == 1 or (len(self.queue) <= 1 and not self.workers):
            while self.queue:
                job = self.queue.pop(0)
                yield job, self.run(job)
            return
        while self.queue or any(w.job for w in self.workers):
            self._dispatch()
            busy = [w for w in self.workers if w.job is not None]
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy])
            for worker in busy:
                if worker.conn not in ready and worker.process.sentinel not in ready:
                    continue
                job, worker.job = worker.job, None
                yield job, self._receive(worker)

    def _dispatch(self) -> None:
        """Start workers up to the number of jobs that can run, and give each idle one the next job."""
        self.workers = [w for w in self.workers if w.job is not None or w.process.is_alive()]
        wanted = min(self.slots, len(self.queue) + sum(1 for w in self.workers if w.job))
        if len(self.workers) < wanted and self.say and not self.workers:
            self.say(f"starting {wanted} workers")  # they take seconds to start: say so rather than sit silent
        while len(self.workers) < wanted:
            ours, theirs = self.context.Pipe()
            process = self.context.Process(target=_serve, daemon=True, name="briefing-worker",
                                           args=(theirs, os.getpid(), self.state_dir, self.warm, self.warm_args, self.run))
            process.start()
            theirs.close()
            self.workers.append(_Worker(process, ours))
        for worker in self.workers:
            if worker.job is None and self.queue:
                worker.job = self.queue.pop(0)
                try:
                    worker.conn.send(worker.job)
                except OSError:  # it died before taking the job: the wait above sees its sentinel
                    pass

    def _receive(self, worker: _Worker) -> JobResult | JobLost:
        """The worker's result, or how it died (it is then dropped, and replaced at the next dispatch)."""
        try:
            if worker.conn.poll():
                return worker.conn.recv()
        except (EOFError, OSError):
            pass
        worker.process.join(5)
        if worker.process.is_alive():  # its pipe broke but it lives on: it can take no other job
            worker.process.kill()
            worker.process.join()
        worker.conn.close()
        code = worker.process.exitcode
        if code < 0:
            name = signal.Signals(-code).name if -code in signal.valid_signals() else f"signal {-code}"
            how = f"was killed by {name}" + (" (out of memory?)" if code == -signal.SIGKILL else "")
        else:
            how = f"exited with status {code}"
        return JobLost(f"its worker process {worker.process.pid} {how}")

    def close(self) -> None:
        """Tell every worker to stop, then end those that do not."""
        for worker in self.workers:
            try:
                worker.conn.send(None)
            except OSError:
                pass
        for worker in self.workers:
            worker.process.join(10)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()
        self.workers = []

    def __enter__(self) -> LocalPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_ONE_JOB = threading.Lock()


def _profiles() -> bool:
    """True when this Dask worker samples its threads' stacks (every 10 ms by default: costly on WeasyPrint's deep ones)."""
    import dask

    return bool(dask.config.get("distributed.worker.profile.enabled", default=True))


def _run_alone(run: Run, job: Job) -> JobResult:
    """Run a job while no other runs in this process: a Dask worker with several threads still builds one at a time.

    The stages hold process-wide state (the spaCy model, WeasyPrint's font hooks) that was never meant
    to be shared between threads; `dask worker --nthreads 1 --nworkers N` uses the cores instead.
    """
    with _ONE_JOB:
        return run(job)


class DaskExecutor:
    """Jobs run on an existing Dask distributed cluster (scheduler and workers started with Dask's own CLI).

    Jobs must be self-contained (jobs.ship): a cluster worker may not share the project's disk.
    Dask pickles the jobs and results as its transport; the project never unpickles its own files.
    """

    def __init__(self, address: str, run: Run, warm: Callable[..., None] | None = warm_worker,
                 notify: Callable[[str], None] = print):
        try:
            from distributed import Client
        except ImportError:
            raise PipelineError("--dask needs Dask's distributed scheduler: pip install '.[dask]' "
                                "(or pip install 'dask[distributed]')") from None
        self.address, self.run = address, run
        try:
            self.client = Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise PipelineError(f"cannot reach the Dask scheduler at {address}: {' '.join(str(exc).split())} "
                                "(start one with `dask scheduler`, then `dask worker ADDRESS` on each machine)") from None
        try:
            self.client.wait_for_workers(1, timeout=WORKERS_SECONDS)
        except (OSError, TimeoutError) as exc:
            self.client.close()
            raise PipelineError(f"the Dask scheduler at {address} has no worker ({' '.join(str(exc).split())}): "
                                f"start one with `dask worker {address}`") from None
        self.slots = max(1, sum(self.client.nthreads().values()))
        self.warm = warm
        try:
            profiling = sum(self.client.run(_profiles).values())
        except Exception:  # a worker that does not answer: its jobs will say what is wrong
            profiling = 0
        if profiling:
            notify(f"notice: {profiling} Dask worker(s) run Dask's statistical profiler, which makes rendering about "
                   "1.7 times slower: start them with DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False")
        self.futures: dict[Any, Job] = {}

    def prepare(self, need_nlp: bool, say: Callable[[str], None] | None = None) -> None:
        """Each worker loads the renderer (and spaCy when needed) once, before the first job rather than in it."""
        if self.warm is None:
            return
        if say:
            say(f"warming up {len(self.client.nthreads())} Dask workers")
        try:
            self.client.run(self.warm, need_nlp)
        except Exception:  # a worker that cannot warm up fails its jobs, each reported with its reason
            pass

    def submit(self, job: Job) -> None:
        """Send a job to the cluster under a key naming its briefing; PipelineError when the scheduler is gone."""
        if self.client.status != "running":  # else the job would wait for a scheduler that may never come back
            raise PipelineError(f"lost the connection to the Dask scheduler at {self.address} (client {self.client.status})")
        with warnings.catch_warnings():
            # Large jobs (slides, templates, cached parses) are the point; the driver bounds how many are in flight.
            warnings.filterwarnings("ignore", message=".*[Ll]arge graph.*")
            future = self.client.submit(_run_alone, self.run, job, key=f"briefing-{job.slug}-{uuid.uuid4().hex[:12]}", pure=False)
        self.futures[future] = job

    def completed(self) -> Iterator[tuple[Job, JobResult | JobLost]]:
        """Each job with its result as it completes; a lost worker or scheduler fails the jobs it held."""
        from distributed import wait as dask_wait

        idle_since: float | None = None
        while self.futures:
            try:
                with self.client.as_current():  # distributed.wait finds its client there, not in a global
                    done, _ = dask_wait(list(self.futures), timeout=POLL_SECONDS, return_when="FIRST_COMPLETED")
            except TimeoutError:
                done = set()
            except Exception:  # FuturesCancelledError: the scheduler went away, or cancelled them
                done = {f for f in self.futures if f.done()}
            for future in done:
                job = self.futures.pop(future)
                yield job, self._outcome(future)
            if done or self._has_workers():
                idle_since = None
            elif idle_since is None:
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since >= NO_WORKER_SECONDS:  # rather than wait forever for a worker
                for future, job in list(self.futures.items()):
                    del self.futures[future]
                    future.cancel()
                    yield job, JobLost(f"lost on the Dask cluster at {self.address}: no worker (or no scheduler) "
                                       f"for {NO_WORKER_SECONDS:.0f} s")

    def _outcome(self, future) -> JobResult | JobLost:
        """The future's result, or why there is none, in Dask's words (KilledWorker, a lost scheduler, ...)."""
        try:
            return future.result()
        except Exception as exc:
            reason = " ".join(f"{type(exc).__name__}: {exc}".split())
            return JobLost(f"lost on the Dask cluster at {self.address}: {reason[:500]}")
        finally:
            future.release()

    def _has_workers(self) -> bool:
        """True when the scheduler answers and has at least one worker."""
        try:
            return bool(self.client.scheduler_info(n_workers=-1).get("workers"))
        except Exception:  # the scheduler does not answer
            return False

    def close(self) -> None:
        """Cancel what is left and close the connection to the scheduler (the cluster keeps running)."""
        if self.futures:
            try:
                self.client.cancel(list(self.futures))
            except Exception:
                pass
            self.futures.clear()
        self.client.close()

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_executor(run: Run, *, jobs: int, state_dir: str, dask_address: str | None = None,
                  notify: Callable[[str], None] = print) -> LocalPool | DaskExecutor:
    """The executor a build runs its jobs on: the Dask cluster at `dask_address`, else a local pool of `jobs` workers."""
    return DaskExecutor(dask_address, run, notify=notify) if dask_address else LocalPool(run, jobs, state_dir)
