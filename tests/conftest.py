"""Shared pytest configuration: a deterministic hypothesis profile without deadlines.

Enumeration times vary with the generated network, so per-example deadlines would only make
the suite flaky; derandomize keeps every run on the same examples.
"""
import functools

import pytest
from hypothesis import HealthCheck, settings

import regionkit as rk
from regionkit.regions import engine

settings.register_profile("regionkit", deadline=None, derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
# The large fuzz (tests/test_fuzz_exactness.py::test_fuzz_property): pytest
# --hypothesis-profile regionkit-fuzz; fresh examples on every run.
settings.register_profile("regionkit-fuzz", parent=settings.get_profile("regionkit"),
                          max_examples=2000, derandomize=False)
settings.load_profile("regionkit")


@pytest.fixture
def two_workers(monkeypatch):
    """rk.enumerate_regions on two threads claiming two regions (or one depth-first root) at
    a time, going depth first from four regions on: the engine's test files use it, so that
    the threaded split and the depth-first core meet every case they check, small nets too,
    whatever cores the machine has (the other files keep the defaults)."""
    monkeypatch.setattr(engine, "BATCH_REGIONS", 2)
    monkeypatch.setattr(engine, "DFS_BATCH_ROOTS", 1)
    monkeypatch.setattr(engine, "DFS_MIN_ROOTS", 4)
    monkeypatch.setattr(rk, "enumerate_regions",
                        functools.partial(engine.enumerate_regions, workers=2))
