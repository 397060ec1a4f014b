"""Measures at scale: the cell complex built a chunk of regions at a time equals the one built
whole, the covers found by hash equal those found by comparing every face pair, the reduced
cochain complex has the ranks of the whole one, stored runs give the in-memory measures,
and the CLI verbs read stores, show progress and stop on --time-limit with exit status 3."""
from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

import regionkit as rk
from regionkit.cli import EXIT_BUDGET, main
from regionkit.constructions import torch_default
from regionkit.measures.faces import face_listing
from regionkit.regions import engine, store
from regionkit.topology import cells, homology

# Nets whose pieces have several chunks at CHUNK_VERTICES = 64, in 2-D, 3-D and 4-D.
NETS = [([2, 12, 12, 1], 0), ([3, 8, 8, 1], 1), ([4, 6, 6, 1], 2)]


def _pieces(arch: list[int], seed: int) -> rk.RegionSet:
    net = torch_default(arch, seed=seed)
    dom = rk.Box(-1, 1, dim=arch[0])
    level = float(np.median(net.forward(dom.sample(500, seed))[:, 0]))
    return rk.decision_regions(net, dom, level=level, progress=False).regions


def _fields(cx: cells.CellComplex) -> dict[str, np.ndarray]:
    return {"dim": cx.dim, "volume": cx.volume, "positive": cx.positive,
            "negative": cx.negative, "boundary": cx.boundary, "face": cx.face,
            "coface": cx.coface}


@pytest.mark.parametrize("arch, seed", NETS)
def test_chunked_complex_equals_whole(monkeypatch, arch, seed):
    rs = _pieces(arch, seed)
    whole = cells.cell_complex(rs)
    monkeypatch.setattr(cells, "CHUNK_VERTICES", 64)
    assert len(cells._chunks(rs)) > 3
    seen = []
    chunked = cells.cell_complex(rs, seen.append)
    assert sum(seen) == rs.n_regions
    for name, x in _fields(whole).items():
        y = _fields(chunked)[name]
        # Volumes of a cell come from whichever region listed it first: equal to rounding.
        if name == "volume":
            np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-14, err_msg=name)
        else:
            np.testing.assert_array_equal(x, y, err_msg=name)
    chunked.check(rs.dim)


def _listing_zeros(rs: rk.RegionSet):
    fl = face_listing(rs)
    order = np.lexsort((-fl.dim, fl.owner))
    pos, neg = fl.positive[order], fl.negative[order]
    valid = np.packbits(np.ones(rs.network.n_hyperplanes, dtype=bool))
    zeros = cells._words(~(pos | neg) & valid, np.packbits(fl.on_domain[order], axis=1))
    return fl.owner[order], fl.dim[order], zeros


def _pairs(a: np.ndarray, c: np.ndarray) -> set[tuple[int, int]]:
    return set(zip(a.tolist(), c.tolist()))


@pytest.mark.parametrize("arch, seed", NETS)
def test_hashed_covers_equal_all_pairs(arch, seed):
    rs = _pieces(arch, seed)
    owner, dims, zeros = _listing_zeros(rs)
    d = rs.dim
    fast = cells._cover_pairs(owner, dims, zeros, d, rs.n_regions)
    every = cells._compare_pairs(owner, dims, zeros, d, rs.n_regions, dims < d)
    assert _pairs(*fast) == _pairs(*every) and len(fast[0]) == len(every[0])


def test_covers_of_non_generic_faces():
    """|x| + |y| + |z|: eight regions meet at the origin, where three hyperplanes and more
    faces than the codimension vanish; the covers still equal the all-pairs ones."""
    eye = np.eye(3)
    net = rk.Network.from_arrays([np.vstack([eye, -eye]), np.ones((1, 6))],
                                 [np.zeros(6), [0.0]])
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=3))
    owner, dims, zeros = _listing_zeros(rs)
    fast = cells._cover_pairs(owner, dims, zeros, 3, rs.n_regions)
    every = cells._compare_pairs(owner, dims, zeros, 3, rs.n_regions, dims < 3)
    assert _pairs(*fast) == _pairs(*every)


def test_hash_collision_falls_back(monkeypatch):
    """A hash that sends every face to one value: the comparison path, same covers."""
    rs = _pieces([3, 8, 8, 1], 1)
    owner, dims, zeros = _listing_zeros(rs)
    every = cells._compare_pairs(owner, dims, zeros, 3, rs.n_regions, dims < 3)
    monkeypatch.setattr(cells, "_hash", lambda o, d, w: np.zeros(len(o), np.uint64))
    assert _pairs(*cells._cover_pairs(owner, dims, zeros, 3, rs.n_regions)) == _pairs(*every)


def _ranks_unreduced(cx: cells.CellComplex, inside: np.ndarray, d: int) -> list[int]:
    """The Betti numbers by elimination on every cell of the set (no reduction pairs)."""
    count = np.bincount(cx.dim[inside], minlength=d + 1)
    local = np.zeros(cx.n_cells, dtype=np.int64)
    for k in range(d + 1):
        sel = inside & (cx.dim == k)
        local[sel] = np.arange(int(sel.sum()))
    both = inside[cx.face] & inside[cx.coface]
    face, coface = cx.face[both], cx.coface[both]
    rank = [homology._rank_gf2(local[face[cx.dim[face] == k]],
                               local[coface[cx.dim[face] == k]]) for k in range(d)] + [0]
    return [int(count[d - i] - rank[d - i] - (rank[d - i - 1] if d - i >= 1 else 0))
            for i in range(d)]


@pytest.mark.parametrize("arch, seed", NETS + [([4, 8, 8, 1], 3)])
def test_reduction_keeps_the_ranks(arch, seed):
    net = torch_default(arch, seed=seed)
    dom = rk.Box(-1, 1, dim=arch[0])
    level = float(np.median(net.forward(dom.sample(500, seed))[:, 0]))
    dr = rk.decision_regions(net, dom, level=level, progress=False)
    cx = dr.complex()
    for side in ("above", "below"):
        inside = dr.set_cells(side)
        both = inside[cx.face] & inside[cx.coface]
        left, _, _ = homology._reduce(inside, cx.face[both], cx.coface[both])
        assert left.sum() < inside.sum() / 4   # the reduction does most of the work
        assert homology._betti_by_rank(cx, inside, dr.dim) == _ranks_unreduced(cx, inside,
                                                                                dr.dim)


def test_reduction_of_a_shell_keeps_its_homology():
    """An l1 spherical shell in 4-D: b = (1, 0, 0, 1) with and without reduction."""
    eye = np.eye(4)
    net = rk.Network.from_arrays([np.vstack([eye, -eye]), np.ones((1, 8))],
                                 [np.zeros(8), [0.0]])
    dr = rk.decision_regions(net, rk.Box(-1, 1, dim=4), level=0.5, progress=False)
    cx, inside = dr.complex(), dr.set_cells("above")
    assert _ranks_unreduced(cx, inside, 4) == [1, 0, 0, 1]
    assert dr.betti_numbers("above").betti == (1, 0, 0, 1)


@pytest.fixture
def stored(tmp_path, monkeypatch):
    """A 3-D run stored in several row groups (depth first, a core call per 16 roots)."""
    monkeypatch.setattr(engine, "DFS_MIN_ROOTS", 4)
    monkeypatch.setattr(engine, "CHUNK_REGIONS", 16)
    monkeypatch.setattr(store, "SHARD_REGIONS", 1)
    net = torch_default([3, 8, 8, 1], seed=4)
    path = str(tmp_path / "run.rks")
    rk.enumerate_regions(net, rk.Box(-1, 1, dim=3), store=path, progress=False)
    st = rk.RegionSet.open(path)
    assert len(list(st.iter_chunks())) > 2
    return st


def test_stored_adjacency_equals_in_memory(stored):
    rs = stored.load()
    want, got = rs.adjacency(), stored.adjacency()
    for name in ("i", "j", "map_changes", "flip_offsets", "flip_index", "linear_labels"):
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name), err_msg=name)
    np.testing.assert_allclose(got.facet_volume, want.facet_volume, rtol=1e-12)
    assert (got.n_linear, got.unmatched_facets) == (want.n_linear, want.unmatched_facets)
    np.testing.assert_array_equal(stored.interior_points(), rs.interior_points)


def test_stored_faces_equal_in_memory(stored):
    rs = stored.load()
    np.testing.assert_array_equal(stored.face_counts(), rs.face_counts())
    np.testing.assert_allclose(stored.codim_volumes(), rs.codim_volumes(), rtol=1e-12)


def test_cli_verbs_read_a_store(stored, tmp_path):
    run = CliRunner()
    rs = stored.load()
    out = str(tmp_path / "g.npz")
    res = run.invoke(main, ["graph", stored.path, "-o", out, "--json", "--progress"])
    assert res.exit_code == 0, res.output
    g = rs.adjacency()
    with np.load(out) as z:
        np.testing.assert_array_equal(z["i"], g.i)
        np.testing.assert_array_equal(z["j"], g.j)
        np.testing.assert_array_equal(z["linear_labels"], g.linear_labels)
        np.testing.assert_array_equal(z["patterns"], rs.patterns)
    net_file = str(tmp_path / "net.npz")
    stored.network.save(net_file)
    got = json.loads(run.invoke(main, ["betti", stored.path, "--level", "0.1",
                                       "--json"]).output)
    want = json.loads(run.invoke(main, ["betti", net_file, "--level", "0.1",
                                        "--json"]).output)
    got.pop("seconds"), want.pop("seconds")
    assert got == want
    res = run.invoke(main, ["bounds", stored.path, "--json"])
    assert res.exit_code == 0 and json.loads(res.output)["n_regions"] == rs.n_regions


def test_cli_time_limit_stops_measures(stored, tmp_path):
    out = tmp_path / "g.npz"
    res = CliRunner().invoke(main, ["graph", stored.path, "-o", str(out),
                                    "--time-limit", "1e-9"])
    assert res.exit_code == EXIT_BUDGET
    assert "--time-limit" in res.output and "no result" in res.output
    assert not out.exists()


def test_stored_faces_fall_back_and_refuse_incomplete(tmp_path):
    """1-D regions own no faces (intervals): the store is loaded and counted by sign
    vectors; a stopped run has no face counts."""
    net = torch_default([1, 8, 8, 1], seed=5)
    path = str(tmp_path / "line.rks")
    rk.enumerate_regions(net, rk.Box(-1, 1, dim=1), store=path, progress=False)
    st = rk.RegionSet.open(path)
    np.testing.assert_array_equal(st.face_counts(), st.load().face_counts())
    path = str(tmp_path / "stopped.rks")
    rk.enumerate_regions(torch_default([2, 8, 8, 1], seed=5), rk.Box(-1, 1, dim=2),
                         store=path, max_regions=5, progress=False)
    with pytest.raises(rk.errors.IncompleteError, match="complete enumeration"):
        rk.RegionSet.open(path).face_counts()


@pytest.mark.parametrize("net", [torch_default([3, 6, 6, 1], seed=6),
                                 rk.Network.from_arrays([[[1.0, 0.0]], [[1.0]]], [[5.0], [0.0]])])
def test_graphml_streamed_equals_networkx(net, tmp_path, monkeypatch):
    """The verb's GraphML, written a block at a time, is networkx's byte for byte (the
    second net has one region and no edge)."""
    import networkx as nx

    import regionkit.cli as cli

    monkeypatch.setattr(cli, "GRAPHML_BLOCK", 7)
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=net.n_in), progress=False)
    G = rs.adjacency_graph()
    for _, data in G.nodes(data=True):
        data["interior_point"] = ",".join(repr(v) for v in data["interior_point"])
    for _, _, data in G.edges(data=True):
        data["neurons"] = ",".join(str(v) for v in data["neurons"])
    want, got = tmp_path / "nx.graphml", tmp_path / "rk.graphml"
    nx.write_graphml(G, str(want))
    cli._write_graphml(str(got), rs.patterns, rs.interior_points, rs.volumes(),
                       rs.adjacency())
    assert got.read_bytes() == want.read_bytes()
