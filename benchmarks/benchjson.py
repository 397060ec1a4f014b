"""What every benchmark script shares: where its JSON goes and what the JSON records."""
from __future__ import annotations

import json
import os
import platform

import regionkit as rk


def default_out(name: str) -> str:
    """benchmarks/results/<name>.json (the folder is not committed)."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", f"{name}.json")


def write_results(path: str, **fields) -> None:
    """The fields, with the machine, versions and load they were measured under, as JSON."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump({"machine": platform.platform(), "python": platform.python_version(),
                   "regionkit": rk.__version__, "cpus": os.cpu_count(),
                   "load_average": os.getloadavg(), **fields}, f, indent=2)
    print(f"wrote {path}")
