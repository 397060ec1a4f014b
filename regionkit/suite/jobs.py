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

# Columns that differ between identical runs (when and where a job ran): left out when
# tables are compared.
VOLATILE = ("started", "seconds", "host")


class Context:
    """What a measure sees: the job, its network, the built domain, a shared enumeration."""

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
                               method=opts.get("method", "auto"))
        if rs.stop_reason == "interrupted":  # the engine turned Ctrl-C into a clean stop
            raise KeyboardInterrupt
        if self.job.save_dir is not None:
            os.makedirs(self.job.save_dir, exist_ok=True)
            rs.save(os.path.join(self.job.save_dir, f"{self.job.job_id}.npz"))
        return rs


def versions() -> dict[str, str]:
    import scipy

    import regionkit

    return {"version.regionkit": regionkit.__version__, "version.numpy": np.__version__,
            "version.scipy": scipy.__version__, "version.python": platform.python_version()}


def run_job(job: Job) -> dict[str, Any]:
    """The job's row: identity, parameters, network columns, measures, versions, timing."""
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
    """A value for a table cell: Python scalars or lists of them, tables as JSON text; NaN
    and inf become None."""
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
