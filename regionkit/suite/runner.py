"""Run a suite's jobs through any concurrent.futures.Executor, resumably.

Results directory layout, for a suite NAME:
  NAME.parquet (or NAME.csv)  the table: one row per job, in job order
  NAME.suite.json             the resolved suite (variables substituted), for the report
  NAME.jobs/JOB_ID.json       each finished job's row, written as soon as it arrives
  NAME.regions/JOB_ID.npz     RegionSets of domains with save_regions = true

The per-job files make a run resumable: a rerun skips every job whose row is there with
status "ok" (failed jobs are retried unless retry_failed=False) and rebuilds the table, so
an interrupted run followed by a rerun gives the table an uninterrupted run gives.
"""
from __future__ import annotations

import concurrent.futures as cf
import contextlib
import dataclasses
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from regionkit.atomic import write_text
from regionkit.errors import SuiteError
from regionkit.optional import require
from regionkit.suite.jobs import cell, run_job
from regionkit.suite.spec import Job, Suite
from regionkit.suite.table import read_table, regions_dir, table_path, write_table

__all__ = ["RunResult", "SerialExecutor", "finished_rows", "jobs_dir", "make_executor",
           "run_suite"]


class SerialExecutor(cf.Executor):
    """Runs each job when it is submitted, in this process (the default)."""

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[override]
        """Run ``fn(*args, **kwargs)`` now.

        Parameters
        ----------
        fn : callable
            The function.
        *args, **kwargs
            Its arguments.

        Returns
        -------
        concurrent.futures.Future
            A finished future holding the result or the exception.
        """
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:
            future.set_exception(exc)
        return future


@dataclass(frozen=True)
class RunResult:
    """What a run of a suite did.

    Parameters
    ----------
    table : pathlib.Path
        The table written.
    n_jobs : int
        Jobs in the suite.
    n_skipped : int
        Jobs already finished in the results directory.
    n_ok : int
        Jobs that ran and succeeded.
    n_failed : int
        Jobs that ran and failed (their rows hold the errors).
    seconds : float
        Wall time of the run.
    """

    table: Path
    n_jobs: int
    n_skipped: int
    n_ok: int
    n_failed: int
    seconds: float

    def __str__(self) -> str:
        return (f"{self.n_jobs} jobs: {self.n_skipped} already done, {self.n_ok} ran, "
                f"{self.n_failed} failed ({self.seconds:.1f} s); table {self.table}")


def jobs_dir(out_dir: str | os.PathLike, suite: str) -> Path:
    """Where a suite's per-job rows go.

    Parameters
    ----------
    out_dir : str or os.PathLike
        The results directory.
    suite : str
        The suite's name.

    Returns
    -------
    pathlib.Path
        out_dir/SUITE.jobs.
    """
    return Path(out_dir) / f"{suite}.jobs"


def finished_rows(out_dir: str | os.PathLike, suite: str) -> dict[str, dict[str, Any]]:
    """The rows already in a results directory.

    Parameters
    ----------
    out_dir : str or os.PathLike
        The results directory.
    suite : str
        The suite's name.

    Returns
    -------
    dict of str to dict
        Job id to row: from the table, overridden by the per-job files (files cut short
        by a crash are ignored, so their jobs run again).
    """
    rows: dict[str, dict[str, Any]] = {}
    for fmt in ("parquet", "csv"):
        path = table_path(out_dir, suite, fmt)
        if path.exists():
            with contextlib.suppress(SuiteError):
                rows.update({r["job_id"]: r for r in read_table(path)})
    d = jobs_dir(out_dir, suite)
    if d.is_dir():
        for p in d.glob("*.json"):
            if p.name.startswith("."):
                continue  # a temporary file left by a killed writer
            try:
                row = json.loads(p.read_text())
            except (OSError, ValueError):
                continue  # a file cut short by a crash: the job runs again
            rows[row["job_id"]] = row
    return rows


@contextlib.contextmanager
def make_executor(workers: int | None = None, scheduler: str | None = None
                  ) -> Iterator[cf.Executor]:
    """The executor jobs run on, as a context manager.

    Parameters
    ----------
    workers : int, optional
        With more than 1, a process pool of that many workers.
    scheduler : str, optional
        The address of a Dask scheduler (e.g. "tcp://host:8786"; needs regionkit[dask]).

    Yields
    ------
    concurrent.futures.Executor
        A SerialExecutor by default.

    Raises
    ------
    SuiteError
        If both workers and scheduler are given.
    MissingExtraError
        If a scheduler is given without dask.distributed installed.
    """
    if workers is not None and scheduler is not None:
        raise SuiteError("give either workers or a Dask scheduler address, not both")
    if scheduler is not None:
        distributed = require("distributed", "dask", "running a suite on a Dask cluster")
        client = distributed.Client(scheduler)
        try:
            yield client.get_executor(pure=False)
        finally:
            client.close()
    elif workers is not None and workers > 1:
        with cf.ProcessPoolExecutor(max_workers=workers) as pool:
            yield pool
    else:
        yield SerialExecutor()


def run_suite(suite: Suite, out_dir: str | os.PathLike, *, executor: cf.Executor | None = None,
              workers: int | None = None, scheduler: str | None = None, fmt: str = "auto",
              retry_failed: bool = True, progress: bool | None = None) -> RunResult:
    """Run every job of a suite not already finished in a results directory, then its table.

    A job that fails is recorded with its error and the rest go on; Ctrl-C cancels the jobs
    not started, writes the table of the finished ones and re-raises.

    Parameters
    ----------
    suite : Suite
        The suite.
    out_dir : str or os.PathLike
        The results directory (see the module notes for its layout).
    executor : concurrent.futures.Executor, optional
        Where jobs run; default make_executor(workers, scheduler).
    workers : int, optional
        Process pool size (see make_executor).
    scheduler : str, optional
        Dask scheduler address (see make_executor).
    fmt : {"auto", "parquet", "csv"}
        Table format (see write_table).
    retry_failed : bool, default True
        Rerun jobs whose recorded row is an error.
    progress : bool, optional
        Show a progress bar (default: on a terminal).

    Returns
    -------
    RunResult
        Counts of the jobs and the table's path.

    Raises
    ------
    SuiteError
        If the executor options or the table format are invalid.

    Examples
    --------
    >>> import tempfile
    >>> from regionkit.suite import parse_suite, read_table, run_suite
    >>> suite = parse_suite({"name": "tiny", "measures": ["counts"],
    ...                      "networks": [{"kind": "torch_default", "arch": [2, 8, 1]}],
    ...                      "domains": [{"kind": "box"}]})
    >>> with tempfile.TemporaryDirectory() as out:
    ...     first, again = run_suite(suite, out, fmt="csv"), run_suite(suite, out, fmt="csv")
    ...     rows = read_table(first.table)
    >>> first.n_ok, again.n_skipped, rows[0]["n_regions"]
    (1, 1, 20)
    """
    start = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_text(out / f"{suite.name}.suite.json", json.dumps(suite.spec, indent=1))
    jdir = jobs_dir(out, suite.name)
    jdir.mkdir(exist_ok=True)
    done = finished_rows(out, suite.name)
    pending = [j for j in suite.jobs if j.job_id not in done
               or (retry_failed and done[j.job_id].get("status") != "ok")]
    save = str(regions_dir(out, suite.name))
    pending = [dataclasses.replace(j, save_dir=save) if j.domain.get("save_regions") else j
               for j in pending]
    n_ok = n_failed = 0
    try:
        with contextlib.ExitStack() as stack:
            ex = executor if executor is not None else stack.enter_context(
                make_executor(workers, scheduler))
            bar = _progress(len(pending), suite.name, progress)
            futures: dict[cf.Future, Job] = {}

            def collect(fut: cf.Future, job: Job) -> None:
                nonlocal n_ok, n_failed
                row = _row_of(fut, job)
                _write_row(jdir, row)
                done[row["job_id"]] = row
                n_ok += row["status"] == "ok"
                n_failed += row["status"] != "ok"
                if bar is not None:
                    bar.set_postfix(failed=n_failed, refresh=False)
                    bar.update(1)

            try:
                for job in pending:
                    fut = ex.submit(run_job, job)
                    if fut.done():  # a serial executor: keep its row before the next job
                        collect(fut, job)
                    else:
                        futures[fut] = job
                for fut in cf.as_completed(futures):
                    collect(fut, futures[fut])
            except BaseException:
                for f in futures:
                    f.cancel()
                raise
            finally:
                if bar is not None:
                    bar.close()
    finally:
        rows = [done[j.job_id] for j in suite.jobs if j.job_id in done]
        path = write_table(rows, out, suite.name, fmt)
    return RunResult(path, len(suite.jobs), len(suite.jobs) - len(pending), n_ok, n_failed,
                     time.perf_counter() - start)


def _row_of(fut: cf.Future, job: Job) -> dict[str, Any]:
    """The job's row; an executor-level failure (a dead worker) becomes an error row."""
    exc = fut.exception()
    if exc is None:
        return fut.result()
    if isinstance(exc, KeyboardInterrupt):
        raise exc
    return {"job_id": job.job_id, "index": job.index, "suite": job.suite, "status": "error",
            "error": f"{type(exc).__name__}: {exc}",
            **{f"net.{k}": cell(v) for k, v in job.network.items()},
            **{f"dom.{k}": cell(v) for k, v in job.domain.items()}}


def _write_row(jdir: Path, row: dict[str, Any]) -> None:
    write_text(jdir / f"{row['job_id']}.json", json.dumps(row))


def _progress(total: int, name: str, progress: bool | None):
    if progress is False or total == 0 or (progress is None and not sys.stderr.isatty()):
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=name, unit="job")
