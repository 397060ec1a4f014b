"""Distributed enumeration (regionkit.regions.distributed): on a LocalCluster of two worker
processes the result equals the local run array by array (ReLU boxes in 1-D to 3-D, the LP
form, maxout layers, a plane slice of a higher-dimensional net, every keep), with a store
too, and a store missing shards (killed tasks) is completed to the same result. The roots
are few (DFS_MIN_ROOTS is lowered on the client, where they are formed) and tasks are cut
short (TASK_REGIONS, shipped with the job), so a few hundred regions make many tasks and
exercise the re-splitting of tasks that grow too big."""
from __future__ import annotations

import json
import os
import sys

import numpy as np
import pytest
from click.testing import CliRunner
from subprocesses import child_env
from test_store import assert_stored
from test_workers import assert_equivalent, assert_same, make_net

import regionkit as rk
from regionkit.cli import main
from regionkit.errors import MissingExtraError, RegionkitError
from regionkit.regions import distributed, engine, store, widesplit

dd = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    """Two worker processes, one thread each, importing the regionkit the tests import."""
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = child_env()["PYTHONPATH"]
    try:
        cluster = dd.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None)
    finally:
        if old is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = old
    c = dd.Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture
def small_tasks(monkeypatch):
    """Depth first from 16 roots; a task stops after 10 leaves (split in two); a shard
    per core call. Yields the list of root counts the distributed phase was given."""
    monkeypatch.setattr(engine, "DFS_MIN_ROOTS", 16)
    monkeypatch.setattr(distributed, "TASK_REGIONS", 10)
    monkeypatch.setattr(store, "SHARD_REGIONS", 1)
    calls = []

    def counted(run, *args):
        calls.append(len(run.frontier))
        return distributed.depth_first(run, *args)

    monkeypatch.setattr(engine, "depth_first", counted)
    yield calls


PLANE = rk.Plane([0.1, -0.2, 0.3, 0.0, 0.2, -0.1], [1, 0, 0.5, 0, 0, 0.2],
                 [0, 1, -0.3, 0.4, 0, 0], lo=-2, hi=2)
CASES = {
    "relu-1d": (make_net(1, [24, 24, 24], ["relu"] * 3, 5), rk.Box(-3, 3, dim=1), "auto"),
    "relu-2d": (make_net(2, [12, 12, 12], ["relu"] * 3, 5), rk.Box(-2, 2, dim=2), "auto"),
    "relu-3d": (make_net(3, [8, 8, 8], ["relu"] * 3, 5), rk.Box(-2, 2, dim=3), "auto"),
    "relu-3d-lp": (make_net(3, [8, 8], ["relu"] * 2, 5), rk.Box(-2, 2, dim=3), "lp"),
    "maxout": (make_net(2, [6, 10, 10], ["maxout:2", "relu", "hard_tanh"], 3),
               rk.Box(-2, 2, dim=2), "auto"),
    "plane-slice": (make_net(6, [12, 12, 12], ["relu"] * 3, 7), PLANE, "auto"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_equals_local(client, small_tasks, case):
    net, dom, method = CASES[case]
    ref = rk.enumerate_regions(net, dom, method=method)
    with dd.get_task_stream(client) as stream:
        got = rk.enumerate_regions(net, dom, method=method, client=client)
    assert len(small_tasks) == 1 and small_tasks[0] >= 16  # the roots went to the cluster
    tasks = [t for t in stream.data if t["key"].startswith("regionkit-roots-")]
    planned = distributed.TASKS_PER_THREAD * sum(client.nthreads().values())
    if dom.dim > 1:  # (the 1-D net's 54 regions fit in the first tasks)
        assert len(tasks) > planned  # tasks that grew too big were split again
    assert_same(ref, got)


@pytest.mark.parametrize("keep", ["patterns", "count"])
def test_keep_equals_local(client, small_tasks, keep):
    net, dom, _ = CASES["relu-2d"]
    ref = rk.enumerate_regions(net, dom, keep=keep)
    got = rk.enumerate_regions(net, dom, keep=keep, client=client)
    assert (got.n_regions, got.per_layer, got.keep) == (ref.n_regions, ref.per_layer, keep)
    for name in ("patterns", "interior_points", "depth") if keep == "patterns" else ():
        np.testing.assert_array_equal(getattr(ref, name), getattr(got, name), err_msg=name)


@pytest.mark.parametrize("keep", ["regions", "count"])
def test_store_and_resume(client, small_tasks, tmp_path, keep):
    """The workers write the shards; a store missing some (tasks killed before they closed
    them, the manifest still 'running') is completed by the distributed run, which redoes
    only the missing roots, and by a local run, which redoes the roots after the first gap."""
    net, dom, _ = CASES["maxout"]
    ref = rk.enumerate_regions(net, dom, keep=keep)
    path = tmp_path / "s"
    assert_stored(ref, rk.enumerate_regions(net, dom, keep=keep, store=path, client=client))
    shards = sorted(p for p in os.listdir(path) if p.startswith("roots-"))
    assert len(shards) > 4
    for killed in (path / "local", path / "dist"):
        os.makedirs(killed)
    manifest = json.loads((path / store.MANIFEST).read_text())
    manifest["state"] = "running"
    for name, other in (("dist", client), ("local", None)):
        target = path / name
        for f in os.listdir(path):
            if not os.path.isdir(path / f):
                os.link(path / f, target / f)
        (target / store.MANIFEST).unlink()
        (target / store.MANIFEST).write_text(json.dumps(manifest))
        gone = shards[1:len(shards) // 2] + shards[-1:]
        for f in gone:
            (target / f).unlink()
        kept = {f: os.stat(target / f).st_ino for f in shards if f not in gone}
        got = rk.enumerate_regions(net, dom, keep=keep, store=target, client=other)
        assert_stored(ref, got)
        if other is not None:  # the shards left were not written again
            assert all(os.stat(target / f).st_ino == ino for f, ino in kept.items())


def test_pieces_of_a_two_pass_split(client, monkeypatch):
    """A wide layer's first pass runs on the client and its pieces go to the workers, each
    with its parent's maps and its first units decided: the result is the local one."""
    monkeypatch.setattr(distributed, "TASK_REGIONS", 50)
    monkeypatch.setattr(widesplit, "SPLIT_MIN_PIECES", 64)
    monkeypatch.setattr(widesplit, "SPLIT_MAX_PIECES", 64)
    net = make_net(3, [24, 8], ["relu", "hard_tanh"], 3)
    box = rk.Box(-1, 1, dim=3)
    local = rk.enumerate_regions(net, box)
    shipped = []
    real = distributed.depth_first
    monkeypatch.setattr(engine, "depth_first",
                        lambda run, *args: shipped.append(args[-1]) or real(run, *args))
    assert_same(local, rk.enumerate_regions(net, box, client=client))
    assert len(shipped) == 1 and shipped[0].fixed >= 1
    monkeypatch.setattr(widesplit, "SPLIT_MIN_PIECES", 1 << 62)
    assert_equivalent(local, rk.enumerate_regions(net, box))  # one pass, to rounding


def test_bad_arguments(client):
    net, dom, _ = CASES["relu-2d"]
    for kwargs, match in [({"client": client, "scheduler": "tcp://x:1"}, "not both"),
                          ({"client": "tcp://x:1"}, "distributed.Client"),
                          ({"scheduler": 8786}, "address"),
                          ({"scheduler": "nonsense"}, "not an address"),
                          ({"client": client, "max_regions": 10}, "max_regions"),
                          ({"client": client, "method": "exact"}, "exact")]:
        with pytest.raises(RegionkitError, match=match):
            rk.enumerate_regions(net, dom, **kwargs)


def test_missing_dask(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    net, dom, _ = CASES["relu-2d"]
    with pytest.raises(MissingExtraError, match=r"regionkit\[dask\]"):
        rk.enumerate_regions(net, dom, scheduler="tcp://127.0.0.1:8786")


def test_unreachable_scheduler(monkeypatch):
    monkeypatch.setattr(distributed, "CONNECT_SECONDS", 0.5)
    net, dom, _ = CASES["relu-2d"]
    with pytest.raises(RegionkitError, match="cannot reach the Dask scheduler"):
        rk.enumerate_regions(net, dom, scheduler="tcp://127.0.0.1:1")


def test_cli_scheduler(client, small_tasks, tmp_path):
    net, dom, _ = CASES["relu-2d"]
    path = str(tmp_path / "net.npz")
    net.save(path)
    args = ["count", path, "--box", "-2", "2", "--json", "--no-graph"]
    local = json.loads(CliRunner().invoke(main, args).output)
    res = CliRunner().invoke(main, args + ["--scheduler", client.scheduler.address])
    assert res.exit_code == 0, res.output
    got = json.loads(res.output)
    assert (got["n_regions"], got["per_layer"]) == (local["n_regions"], local["per_layer"])


@pytest.mark.parametrize("method", ["auto", "lp"])
def test_root_weights_count_cutting_units(client, small_tasks, monkeypatch, method):
    """A root cut by k of the next layer's k' units splits into k + 1 to 1 + k + C(k, 2)
    regions in 2-D (an arrangement of k lines in the plane): the estimate's k, checked
    against the regions the next layer made of each root. In LP form the estimate only
    sees the units through the Chebyshev ball (k no more than the true count): the lower
    bound holds."""
    net = make_net(2, [12, 12], ["relu"] * 2, 5)
    dom = rk.Box(-2, 2, dim=2)
    seen = {}

    def capture(run, li, *args):
        maps = run._root_maps()
        seen["k"] = distributed.root_weights(run.geometry, run.frontier.data, maps,
                                             net.weights[li], net.biases[li]) - 1
        seen["prefix"] = run._trace_bits(run.frontier, li)[:, :12]
        return distributed.depth_first(run, li, *args)

    monkeypatch.setattr(engine, "depth_first", capture)
    rs = rk.enumerate_regions(net, dom, method=method, keep="patterns", client=client)
    final = {}
    for row in rs.pattern_bits()[:, :12]:
        final[row.tobytes()] = final.get(row.tobytes(), 0) + 1
    children = np.array([final[p.tobytes()] for p in seen["prefix"]])
    k = seen["k"]
    assert (children >= k + 1).all() and k.max() >= 2
    if method == "auto":
        assert (children <= 1 + k + k * (k - 1) / 2).all()


def test_retried_task_replaces_its_shards(client, small_tasks, monkeypatch, tmp_path):
    """A task run again on the same roots (its worker died after writing shards) first
    removes what the earlier attempt wrote: its new shards, cut elsewhere, do not overlap
    the old ones, and the store reads back as the local run."""
    net, dom, _ = CASES["relu-2d"]

    def twice(run, li, *args):
        n = len(run.frontier)
        maps = run._root_maps()
        prefix = run._trace_bits(run.frontier, li)[:, :int(run.offsets[li])]
        job = dict(distributed._job(run, li), task_regions=1 << 62)
        data = distributed._roots(run.frontier, maps, prefix, 2, n)
        with monkeypatch.context() as m:
            m.setattr(store, "SHARD_REGIONS", 1 << 30)  # the first attempt: one shard
            distributed._task(job, 2, data)
        assert len([f for f in os.listdir(run.store.path) if f.startswith("roots-")]) == 1
        distributed._task(job, 2, data)  # again, a shard per core call
        return distributed.depth_first(run, li, *args)

    monkeypatch.setattr(engine, "depth_first", twice)
    monkeypatch.setattr(distributed, "TASK_CALL_SECONDS", 1e-6)  # a core call per root batch
    ref = rk.enumerate_regions(net, dom)
    assert_stored(ref, rk.enumerate_regions(net, dom, store=tmp_path / "s", client=client))
