"""One job: build its network and domain, run its measures, return one table row.

run_job is what executors run (in this process, a pool worker or a Dask worker): it never
raises for a failure of the job itself, which becomes a row with status "error" and the
message, so one bad job does not stop a suite. Ctrl-C (KeyboardInterrupt) is not a job
failure and propagates.
"""
from __future__ import annotations

import functools
import json
import math
import os
import platform
import socket
import time
import traceback
from datetime import datetime, timezone
from typing import Any

import numpy as np

from regionkit.regions.regionset import RegionSet
from regionkit.suite import domains, measures, networks
from regionkit.suite.spec import Job

__all__ = ["VOLATILE", "Context", "cell", "run_job", "versions"]

# Columns that differ between identical runs (when and where a job ran): left out when
# tables are compared.
VOLATILE = ("started", "seconds", "host")


class Context:
    """What a measure sees: the job, its network, the built domain, a shared enumeration.

    Parameters
    ----------
    job : Job
        The job; its network and domain are built here.

    Attributes
    ----------
    network : Network
        The job's network.
    info : dict
        Columns the network kind adds to the row (accuracy, proven counts).
    construction : object or None
        The regionkit.constructions result, for networks of kind "construction".
    n_neurons : int
        Number of hidden units.
    domain : object
        The built Domain, Paths or Points.
    """

    def __init__(self, job: Job) -> None:
        self.job = job
        self.network, self.info, self.construction = networks.build(job.network, job.base_dir)
        self.n_neurons = int(sum(self.network.hidden_widths))
        self.domain = domains.build(job.domain, self.network, self.construction)

    @functools.cached_property
    def regions(self) -> RegionSet:
        """The RegionSet of the network on the (region-form) domain, enumerated once."""
        from regionkit.regions.engine import enumerate_regions

        opts = self.job.options.get(measures.ENUMERATE, {})
        rs = enumerate_regions(self.network, self.domain, tol=opts.get("rtol"),
                               max_regions=opts.get("max_regions"),
                               time_limit=opts.get("time_limit"), progress=False,
                               method=opts.get("method", "auto"),
                               workers=1)  # jobs run side by side: one thread each
        if self.job.save_dir is not None:
            os.makedirs(self.job.save_dir, exist_ok=True)
            rs.save(os.path.join(self.job.save_dir, f"{self.job.job_id}.npz"))
        return rs


def versions() -> dict[str, str]:
    """The versions every row records.

    Returns
    -------
    dict of str to str
        Columns version.regionkit, version.numpy, version.scipy and version.python.
    """
    import scipy

    import regionkit

    return {"version.regionkit": regionkit.__version__, "version.numpy": np.__version__,
            "version.scipy": scipy.__version__, "version.python": platform.python_version()}


def run_job(job: Job) -> dict[str, Any]:
    """Run one job and return its table row; a failure of the job becomes an error row.

    Parameters
    ----------
    job : Job
        The job.

    Returns
    -------
    dict
        Identity, parameters, network columns, measure columns, versions and timing; on a
        failure, status "error" with the error and its traceback.

    Examples
    --------
    >>> from regionkit.suite import parse_suite, run_job
    >>> suite = parse_suite({"name": "tiny", "measures": ["counts", "linear_counts"],
    ...                      "networks": [{"kind": "torch_default", "arch": [2, 8, 1]}],
    ...                      "domains": [{"kind": "box"}]})
    >>> row = run_job(suite.jobs[0])
    >>> row["status"], row["arch"], row["n_regions"], row["n_linear_regions"]
    ('ok', '2-8-1', 20, 20)
    """
    start = time.perf_counter()
    row: dict[str, Any] = {"job_id": job.job_id, "index": job.index, "suite": job.suite,
                           "status": "ok", "error": None}
    row.update({f"net.{k}": cell(v) for k, v in job.network.items()})
    row.update({f"dom.{k}": cell(v) for k, v in job.domain.items()})
    row["measures"] = ",".join(job.measures)
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    try:
        measures.import_plugins(list(job.imports))
        ctx = Context(job)
        row.update(networks.describe(ctx.network))
        row.update({k: cell(v) for k, v in ctx.info.items()})
        for name in job.measures:
            out = measures.get(name).fn(ctx, job.options.get(name, {}))
            row.update({k: cell(v) for k, v in out.items()})
    except Exception as exc:  # a failed job is a row, not a stopped suite
        row["status"] = "error"
        row["error"] = f"{type(exc).__name__}: {exc}"
        row["traceback"] = traceback.format_exc(limit=8)
    row.update(versions())
    row.update({"started": started, "seconds": time.perf_counter() - start,
                "host": socket.gethostname()})
    return row


def cell(v: Any) -> Any:
    """A value as a table cell holds it.

    Parameters
    ----------
    v : object
        A measured value.

    Returns
    -------
    object
        Python scalars or lists of them; dicts as canonical JSON text; NaN and inf as None;
        integers beyond int64 as floats.

    Examples
    --------
    >>> import numpy as np
    >>> from regionkit.suite.jobs import cell
    >>> cell(np.arange(3)), cell(np.float64(np.inf)), cell({"b": 1, "a": 2})
    ([0, 1, 2], None, '{"a": 2, "b": 1}')
    """
    if isinstance(v, np.ndarray):
        v = v.tolist()
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, (list, tuple)):
        return [cell(x) for x in v]
    if isinstance(v, dict):  # e.g. a construction's args: one canonical JSON string
        return json.dumps(v, sort_keys=True)
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) >= 2 ** 63:
        return float(v)
    return v
