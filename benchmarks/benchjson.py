"""What every benchmark script shares: the standard nets, where the JSON goes and what the
JSON records."""
from __future__ import annotations

import json
import os
import platform

import regionkit as rk

# The engine issue's benchmark architectures (PyTorch-default initialisation, box (-1, 1)^d),
# in the order every table prints them; the measures' benchmarks use those up to 4-D.
STANDARD_NETS = [
    ("2-32-32-32-1", [2, 32, 32, 32, 1]),
    ("2-64-64-64-1", [2, 64, 64, 64, 1]),
    ("3-16-16-16-1", [3, 16, 16, 16, 1]),
    ("3-32-32-32-1", [3, 32, 32, 32, 1]),
    ("4-16-16-16-1", [4, 16, 16, 16, 1]),
]


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
