"""Stored runs (regionkit.regions.store): what a store holds equals the in-memory result
array by array, a killed or stopped run resumes to the same result, another run's store is
refused, and counts stream without reading the regions."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from subprocesses import NEUTRAL_CWD, child_env
from test_workers import FIELDS, make_net

import regionkit as rk
from regionkit.cli import main
from regionkit.regions import engine, store
from regionkit.regions.store import StoredRegionSet, StoreError

# Relative tolerance of volume sums taken shard by shard against the in-memory ones (the
# same numbers summed in another grouping).
SUM_RTOL = 1e-12


@pytest.fixture
def small_shards(monkeypatch):
    """Depth first from 4 roots, 16 roots per core call, a shard per call: several shards
    even for a few hundred regions."""
    monkeypatch.setattr(engine, "DFS_MIN_ROOTS", 4)
    monkeypatch.setattr(engine, "CHUNK_REGIONS", 16)
    monkeypatch.setattr(store, "SHARD_REGIONS", 1)


def assert_stored(ref: rk.RegionSet, stored: StoredRegionSet) -> None:
    """The store read back equals `ref` array by array (what each keep holds)."""
    assert (stored.n_regions, stored.per_layer, stored.stop_reason, stored.complete) == (
        ref.n_regions, ref.per_layer, ref.stop_reason, ref.complete)
    got = stored.load()
    kept = {"regions": FIELDS, "patterns": ["patterns", "depth", "interior_points"],
            "count": []}[ref.keep]
    for name in kept:
        x, y = getattr(ref, name), getattr(got, name)
        assert (x is None) == (y is None), name
        if x is not None:
            assert x.dtype == y.dtype and x.shape == y.shape, name
            np.testing.assert_array_equal(x, y, err_msg=name)
    assert (got.keep, got.kind, got.n_regions, got.per_layer, got.stop_reason,
            got.stopped_in) == (ref.keep, ref.kind, ref.n_regions, ref.per_layer,
                                ref.stop_reason, ref.stopped_in)
    if ref.keep != "count":
        np.testing.assert_array_equal(stored.patterns(), ref.patterns)


CASES = [(2, [12, 12, 12], "auto"), (3, [8, 8, 8], "auto"), (3, [8, 8, 8], "lp"),
         (1, [12, 12], "auto")]


@pytest.mark.parametrize("n_in, widths, method", CASES)
@pytest.mark.parametrize("keep", ["regions", "patterns", "count"])
def test_round_trip_equals_in_memory(tmp_path, small_shards, n_in, widths, method, keep):
    net = make_net(n_in, widths, ["relu"] * len(widths), 5)
    dom = rk.Box(-2, 2, dim=n_in)
    ref = rk.enumerate_regions(net, dom, method=method, keep=keep)
    stored = rk.enumerate_regions(net, dom, method=method, keep=keep, store=tmp_path / "s")
    assert isinstance(stored, StoredRegionSet)
    if n_in > 1:  # went depth first, a shard per 16 roots
        assert len(stored.files) > 3
    assert_stored(ref, stored)
    # A budget stop stores the stopped result (roots not done kept whole); resuming without
    # the budget ends where an uninterrupted run does.
    part = rk.enumerate_regions(net, dom, method=method, keep=keep, max_regions=ref.n_regions
                                // 2)
    s2 = tmp_path / "s2"
    assert_stored(part, rk.enumerate_regions(net, dom, method=method, keep=keep,
                                             max_regions=ref.n_regions // 2, store=s2))
    assert_stored(ref, rk.enumerate_regions(net, dom, method=method, keep=keep, store=s2))
    assert not os.path.exists(s2 / "tail.parquet")


def test_streamed_measures_and_lazy_counts(tmp_path, small_shards, monkeypatch):
    net = make_net(2, [12, 12, 12], ["relu"] * 3, 5)
    dom = rk.Box(-2, 2, dim=2)
    ref = rk.enumerate_regions(net, dom)
    rk.enumerate_regions(net, dom, store=tmp_path / "s")
    read: list = []  # the columns of every read of regions
    whole, group = pq.read_table, pq.ParquetFile.read_row_group
    monkeypatch.setattr(pq, "read_table", lambda *a, **k: read.append(k.get("columns"))
                        or whole(*a, **k))
    monkeypatch.setattr(pq.ParquetFile, "read_row_group",
                        lambda self, *a, **k: read.append(k.get("columns"))
                        or group(self, *a, **k))
    stored = rk.RegionSet.open(tmp_path / "s")
    assert (stored.n_regions, stored.per_layer, stored.summary()["n_regions"]) == (
        ref.n_regions, ref.per_layer, ref.n_regions)
    table = rk.bounds.check(stored, linear=False)
    assert table is not None
    assert read == []  # counts, summary and bounds.check read no shard
    np.testing.assert_array_equal(stored.patterns(), ref.patterns)
    assert read and all(c == ["pattern"] for c in read)  # only the pattern column
    chunks = list(stored.iter_chunks())  # a row group (one core call) each
    assert len(chunks) >= len(stored.files) > 1
    assert sum(c.n_regions for c in chunks) == ref.n_regions
    np.testing.assert_array_equal(np.concatenate([c.patterns for c in chunks]), ref.patterns)
    np.testing.assert_array_equal(stored.volumes(), ref.volumes())
    assert stored.volume_sum() == pytest.approx(dom.volume, rel=SUM_RTOL)
    assert stored.boundary_volume() == pytest.approx(ref.boundary_volume("activation"),
                                                     rel=SUM_RTOL)


def test_resume_after_time_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "CALL_SECONDS", 0.01)
    net = make_net(2, [128] * 4, ["relu"] * 4, 7)  # about 0.3 s on one thread
    dom = rk.Box(-6, 6, dim=2)
    ref = rk.enumerate_regions(net, dom, keep="patterns")
    path = tmp_path / "s"
    stops = 0
    while True:
        stored = rk.enumerate_regions(net, dom, keep="patterns", store=path, time_limit=0.04,
                                      workers=1)
        if stored.complete:
            break
        stops += 1
        assert stored.stop_reason == "time_limit" and stops < 200
        part = stored.load()  # a valid partition: finished leaves, then whole roots
        assert part.n_regions == stored.n_regions
        assert set(np.unique(part.depth)) == {net.n_layers,
                                              stored.stopped_in["first_layer"] - 1}
    assert stops >= 2
    assert_stored(ref, stored)


CHILD = textwrap.dedent("""
    import sys
    sys.path.insert(0, sys.argv[2])  # the tests folder, for make_net
    import regionkit as rk
    from regionkit.regions import engine, store
    from test_workers import make_net
    engine.CALL_SECONDS = 0.01
    store.SHARD_REGIONS = 2000
    net = make_net(2, [128] * 4, ["relu"] * 4, 7)
    rk.enumerate_regions(net, rk.Box(-6, 6, dim=2), store=sys.argv[1], workers=1)
""")


def test_resume_after_sigkill(tmp_path):
    """kill -9 at random moments once shards exist; every shard left is whole, and runs
    resumed on the store end with the uninterrupted result."""
    net = make_net(2, [128] * 4, ["relu"] * 4, 7)
    dom = rk.Box(-6, 6, dim=2)
    path = tmp_path / "s"
    rng = np.random.default_rng(1)
    env = child_env()
    kills, shards = 0, 0
    for _ in range(3):
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(path),
                                  os.path.dirname(os.path.abspath(__file__))],
                                 cwd=NEUTRAL_CWD, env=env)
        while child.poll() is None and len(store._shards(str(path)) if path.exists()
                                           else []) <= shards:
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.1))
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
            kills += 1
        child.wait()
        for name in os.listdir(path):  # no torn shard (a hidden temporary file may be)
            if name.endswith(".parquet") and not name.startswith("."):
                pq.read_table(path / name)
        shards = len(store._shards(str(path)))
        if child.returncode == 0:
            break
        with pytest.raises(StoreError, match="did not finish"):
            rk.RegionSet.open(path)
    assert kills >= 2
    stored = rk.enumerate_regions(net, dom, store=path)  # finish here (or just open)
    assert not [name for name in os.listdir(path) if name.startswith(".")]
    assert_stored(rk.enumerate_regions(net, dom), stored)


def test_fingerprint_mismatch_and_bad_stores(tmp_path):
    net = make_net(2, [6, 6], ["relu"] * 2, 1)
    dom = rk.Box(-1, 1, dim=2)
    path = tmp_path / "s"
    rk.enumerate_regions(net, dom, store=path)
    other = make_net(2, [6, 6], ["relu"] * 2, 2)
    for call in (lambda: rk.enumerate_regions(other, dom, store=path),
                 lambda: rk.enumerate_regions(net, rk.Box(-2, 2, dim=2), store=path),
                 lambda: rk.enumerate_regions(net, dom, tol=1e-8, store=path),
                 lambda: rk.enumerate_regions(net, dom, keep="count", store=path)):
        with pytest.raises(StoreError, match="holds another run"):
            call()
    for options in ({"method": "exact"}, {"certify": True}):
        with pytest.raises(rk.RegionkitError, match="certify the loaded result"):
            rk.enumerate_regions(net, dom, store=tmp_path / "x", **options)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("x")
    with pytest.raises(StoreError, match="not empty and not a regionkit store"):
        rk.enumerate_regions(net, dom, store=tmp_path / "busy")
    with pytest.raises(StoreError, match="not a regionkit store"):
        rk.RegionSet.open(tmp_path / "busy")
    manifest = json.loads((path / "manifest.json").read_text())
    (path / "manifest.json").write_text(json.dumps(dict(manifest, format=99)))
    with pytest.raises(StoreError, match="unsupported store format"):
        rk.RegionSet.open(path)


def test_cli_count_store_writes_then_reads(tmp_path):
    net = make_net(2, [10, 10], ["relu"] * 2, 3)
    net.save(tmp_path / "net.npz")
    path = str(tmp_path / "run.rks")
    runner = CliRunner()
    first = runner.invoke(main, ["count", str(tmp_path / "net.npz"), "--store", path,
                                 "--json"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(main, ["count", path, "--json"])
    assert again.exit_code == 0, again.output
    ref = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    for res in (first, again):
        out = json.loads(res.output)
        assert (out["n_regions"], out["per_layer"], out["graph"]) == (
            ref.n_regions, ref.per_layer, "not asked")
    graph = json.loads(runner.invoke(main, ["count", path, "--graph", "--json"]).output)
    assert graph["n_linear_regions"] == ref.n_linear_regions
    bounds = runner.invoke(main, ["bounds", path])
    assert bounds.exit_code == 0, bounds.output


def test_resume_stopped_before_the_roots_keeps_the_store(tmp_path, small_shards):
    net = make_net(2, [12, 12, 12], ["relu"] * 3, 5)
    dom = rk.Box(-2, 2, dim=2)
    ref = rk.enumerate_regions(net, dom)
    path = tmp_path / "s"
    first = rk.enumerate_regions(net, dom, max_regions=ref.n_regions // 2, store=path)
    shards = sorted(os.listdir(path))
    # A budget too small for the first layer: this call stops before the roots.
    again = rk.enumerate_regions(net, dom, max_regions=3, store=path)
    assert isinstance(again, rk.RegionSet) and again.n_regions == 1
    assert sorted(os.listdir(path)) == shards
    assert rk.RegionSet.open(path).n_regions == first.n_regions
    assert_stored(ref, rk.enumerate_regions(net, dom, store=path))
