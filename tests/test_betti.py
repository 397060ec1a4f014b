"""Betti numbers of decision sets: hand-built nets with known topology (each checked two
ways), Euler characteristics against face counts, Grigsby & Lindsey's bound, class regions,
level-set volumes against closed forms, the command line."""
import itertools
import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

import regionkit as rk
from regionkit.cli import main
from regionkit.constructions import sawtooth, torch_default
from regionkit.errors import RegionkitError
from regionkit.measures.facets import facet_table
from regionkit.topology.homology import homology

# --- hand-built nets -------------------------------------------------------------------------

def abs_layer(centres: list[list[float]]) -> tuple[np.ndarray, np.ndarray]:
    """Units relu(+-(x_k - p)) for every centre p of every coordinate k: |x_k - p| is the sum
    of two consecutive units."""
    rows, bias = [], []
    d = len(centres)
    for k, ps in enumerate(centres):
        for p in ps:
            e = np.eye(d)[k]
            rows += [e, -e]
            bias += [-p, p]
    return np.array(rows), np.array(bias)


def fold_net(W1: np.ndarray, b1: np.ndarray, S: list, c: list, op: str) -> rk.Network:
    """relu(W1 x + b1) = h, signals s_i = S_i h + c_i, output s_0 op s_1 op ... (op min or
    max), one hidden layer per op: min(a, b) = a - relu(a - b), max(a, b) = a + relu(b - a),
    and a signal t passes a layer as relu(t) - relu(-t)."""
    Ws, bs = [np.asarray(W1, float)], [np.asarray(b1, float)]
    T, t = np.asarray(S, float), np.asarray(c, float)
    sgn = 1.0 if op == "max" else -1.0
    while len(t) > 1:
        rows = [T[0], -T[0], sgn * (T[1] - T[0])]
        bias = [t[0], -t[0], sgn * (t[1] - t[0])]
        for i in range(2, len(t)):
            rows += [T[i], -T[i]]
            bias += [t[i], -t[i]]
        Ws.append(np.array(rows))
        bs.append(np.array(bias))
        eye = np.eye(len(rows))
        T = np.array([eye[0] - eye[1] + sgn * eye[2]]
                     + [eye[3 + 2 * i] - eye[4 + 2 * i] for i in range(len(t) - 2)])
        t = np.zeros(len(T))
    return rk.Network.from_arrays(Ws + [T], bs + [t])


def shell(d: int, r_in: float = 0.3, r_out: float = 0.7) -> rk.Network:
    """F = min(|x|_1 - r_in, r_out - |x|_1): {F > 0} is an l1 shell (annulus in 2-D)."""
    W1, b1 = abs_layer([[0.0]] * d)
    one = np.ones(2 * d)
    return fold_net(W1, b1, [one, -one], [-r_in, r_out], "min")


def disc_two_holes() -> rk.Network:
    """F = min(0.8 - |x|_1, |x - p|_1 - 0.15, |x - q|_1 - 0.15), p, q = (-+0.35, 0)."""
    W1, b1 = abs_layer([[0.0, -0.35, 0.35], [0.0]])
    # units: |x| (0, 1), |x + 0.35| (2, 3), |x - 0.35| (4, 5), |y| (6, 7)
    def s(*idx):
        v = np.zeros(8)
        v[list(idx)] = 1.0
        return v
    return fold_net(W1, b1, [-s(0, 1, 6, 7), s(2, 3, 6, 7), s(4, 5, 6, 7)],
                    [0.8, -0.15, -0.15], "min")


BLOBS = [(-0.5, -0.5), (0.5, -0.5), (0.0, 0.5), (-0.5, 0.5)]


def blobs(k: int, r: float = 0.25) -> rk.Network:
    """F = max_i (r - |x - p_i|_1): k disjoint l1 discs."""
    xs = sorted({p[0] for p in BLOBS[:k]})
    ys = sorted({p[1] for p in BLOBS[:k]})
    W1, b1 = abs_layer([xs, ys])
    S = []
    for px, py in BLOBS[:k]:
        v = np.zeros(len(b1))
        i, j = 2 * xs.index(px), 2 * len(xs) + 2 * ys.index(py)
        v[[i, i + 1, j, j + 1]] = -1.0
        S.append(v)
    return fold_net(W1, b1, S, [r] * k, "max")


def solid_torus() -> rk.Network:
    """F = 0.2 - | |x| + |y| - 0.5 | - |z|: an l1 solid torus around the xy diamond."""
    W1, b1 = abs_layer([[0.0]] * 3)
    u = np.array([1.0, 1, 1, 1, 0, 0])
    z = np.array([0.0, 0, 0, 0, 1, 1])
    W2 = np.array([u, -u, z])
    b2 = np.array([-0.5, 0.5, 0.0])
    return rk.Network.from_arrays([W1, W2, -np.ones((1, 3))], [b1, b2, [0.2]])


def grid_betti(net: rk.Network, d: int, n: int, level: float = 0.0) -> list[int]:
    """Betti numbers of the union of the closed grid cubes of (-1, 1)^d whose centre has
    F > level (gudhi cubical homology): trustworthy only for shapes far thicker than a cube."""
    gudhi = pytest.importorskip("gudhi")
    c = (np.arange(n) + 0.5) * 2.0 / n - 1.0
    X = np.stack(np.meshgrid(*[c] * d, indexing="ij"), axis=-1).reshape(-1, d)
    above = net.forward(X)[:, 0] > level
    cc = gudhi.CubicalComplex(top_dimensional_cells=np.where(above, 0.0, 1.0).reshape([n] * d))
    cc.compute_persistence()
    return list(cc.persistent_betti_numbers(0.0, 0.0))[:d]


def by_rank(dr, side: str = "above") -> tuple[int, ...]:
    return homology(dr.complex(), dr.set_cells(side), dr.dim, by_rank=True).betti


def nerve_betti(dr, side: str) -> tuple[int, ...]:
    """Betti numbers of the closed pieces' union by the nerve theorem (gudhi): pieces meet
    iff they share a vertex (the pieces fit face to face), vertices matched by coordinates
    from the engine's own vertex lists, independently of the cell complex."""
    gudhi = pytest.importorskip("gudhi")
    rs, d = dr.regions, dr.dim
    owners: dict[bytes, set[int]] = {}
    for p in np.flatnonzero(dr.side == (1 if side == "above" else -1)):
        V = np.round(rs.vertices[rs.vertex_offsets[p]:rs.vertex_offsets[p + 1]], 8) + 0.0
        for v in V:
            owners.setdefault(v.tobytes(), set()).add(int(p))
    st = gudhi.SimplexTree()
    for group in owners.values():
        for k in range(1, min(len(group), d + 1) + 1):   # faces up to dimension d
            for simplex in itertools.combinations(sorted(group), k):
                st.insert(list(simplex))
    st.compute_persistence(persistence_dim_max=True)
    return tuple((st.betti_numbers() + [0] * d)[:d])


# --- known topology --------------------------------------------------------------------------

@pytest.mark.parametrize("name,net,d,want,grid", [
    ("annulus", shell(2), 2, (1, 1), 120),
    ("disc with two holes", disc_two_holes(), 2, (1, 2), 160),
    ("one blob", blobs(1), 2, (1, 0), 80),
    ("three blobs", blobs(3), 2, (3, 0), 80),
    ("four blobs", blobs(4), 2, (4, 0), 80),
    ("l1 spherical shell", shell(3), 3, (1, 0, 1), 40),
    ("solid torus", solid_torus(), 3, (1, 1, 0), 50),
])
def test_known_topology(name, net, d, want, grid):
    dom = rk.Box(-1, 1, dim=d)
    dr = rk.decision_regions(net, dom)
    b = dr.betti_numbers("above")
    assert b.betti == want, name
    assert b.euler == sum((-1) ** i * v for i, v in enumerate(want))
    assert b.bounded_components == want[0]        # every shape stays inside the box
    assert by_rank(dr) == want                    # second way: GF(2) ranks of the cochains
    assert tuple(grid_betti(net, d, grid)) == want   # third way: a fine cubical grid


def test_complement_of_annulus():
    # {F < 0} in the open square: the inner diamond and the outer frame around the annulus.
    dr = rk.decision_regions(shell(2), rk.Box(-1, 1, dim=2))
    b = dr.betti_numbers("below")
    assert b.betti == (2, 1) and b.bounded_components == 1 and b.euler == 1
    assert by_rank(dr, "below") == (2, 1)


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_sawtooth_superlevel_components(k):
    c = sawtooth(k)
    dr = rk.decision_regions(c.network, c.domain, level=0.5)
    b = dr.betti_numbers("above")
    assert b.betti == (2 ** (k - 1),) and b.euler == 2 ** (k - 1)
    assert by_rank(dr) == (2 ** (k - 1),)
    # t^k is 0 at both ends of (0, 1): every hump is bounded, and 2^(k-1) + 1 gaps.
    assert b.bounded_components == 2 ** (k - 1)
    assert dr.betti_numbers("below").betti == (2 ** (k - 1) + 1,)
    assert dr.boundary_volume() == 2 ** k       # the 2^k crossings of 1/2


def test_four_dimensional_shell_by_rank():
    b = rk.betti_numbers(shell(4), rk.Box(-1, 1, dim=4))
    assert b.betti == (1, 0, 0, 1) and b.euler == 0 and b.coefficients == "GF(2)"


def nongeneric_cases():
    """Sets whose closure or level set is degenerate: the open set is what is measured."""
    sq = rk.Box(-1, 1, dim=2)
    W2, b2 = abs_layer([[0.0], [0.0]])
    W3, b3 = abs_layer([[0.0]] * 3)
    # F = max(min(x, y), min(-x, -y)): two open quadrants touching at the origin.
    a, b = np.array([1, -1, -1, 0.0]), np.array([-1, 1, 0, -1.0])
    bowtie = rk.Network.from_arrays([[[1, 0], [-1, 0], [1, -1], [-1, 1]], [a, -a, b - a],
                                     [[1, -1, 1]]], [np.zeros(4), np.zeros(3), [0.0]])
    return [
        # {|x|_1 > 0}: the square without its centre.
        ("punctured square", fold_net(W2, b2, [np.ones(4)], [0.0], "min"), sq, 0.0, (1, 1), 0.0),
        ("bowtie", bowtie, sq, 0.0, (2, 0), 4.0),
        # {0 < y < |x|} in (-1, 1) x (0, 1): two triangles meeting at a boundary point; the
        # level set inside is the two diagonals y = |x| (y = 0 is the domain's boundary).
        ("wedges", fold_net(W2, b2, [[0, 0, 1, -1], [1, 1, -1, 1]], [0.0, 0.0], "min"),
         rk.Box([-1, 0], [1, 1]), 0.0, (2, 0), 2 * math.sqrt(2)),
        # {min(|x|, |y|) > 0}: four open quadrants; the level set is the cross.
        ("quadrants", fold_net(W2, b2, [[1, 1, 0, 0], [0, 0, 1, 1]], [0.0, 0.0], "min"), sq, 0.0,
         (4, 0), 4.0),
        ("punctured cube", fold_net(W3, b3, [np.ones(6)], [0.0], "min"), rk.Box(-1, 1, dim=3),
         0.0, (1, 0, 1), 0.0),
        ("cube minus an axis", fold_net(W3, b3, [[1, 1, 1, 1, 0, 0]], [0.0], "min"),
         rk.Box(-1, 1, dim=3), 0.0, (1, 1, 0), 0.0),
    ]


@pytest.mark.parametrize("name,net,dom,level,want,volume", nongeneric_cases())
def test_nongeneric_sets_exact(name, net, dom, level, want, volume):
    dr = rk.decision_regions(net, dom, level=level)
    assert dr.betti_numbers("above").betti == want, name
    assert by_rank(dr) == want
    assert dr.boundary_volume() == pytest.approx(volume)


def test_sawtooth_touching_level():
    # t^3 touches 1 at its 4 peaks: {t^3 < 1} is (0, 1) without 4 points, {t^3 > 1} is empty.
    c = sawtooth(3)
    dr = rk.decision_regions(c.network, c.domain, level=1.0)
    assert dr.betti_numbers("below").betti == (5,) and by_rank(dr, "below") == (5,)
    assert dr.betti_numbers("below").bounded_components == 3
    assert dr.betti_numbers("above").betti == (0,)
    assert dr.boundary_volume() == 4


# --- Euler characteristic and the two routes on random nets ---------------------------------

def closure_euler(dr, side: str) -> int:
    """Alternating count of the faces of the closed pieces: every cell in the closure."""
    cx = dr.complex()
    closed = dr.set_cells(side).copy()
    for k in range(dr.dim, 0, -1):
        down = (cx.dim[cx.coface] == k) & closed[cx.coface]
        closed[cx.face[down]] = True
    return int(np.sum((-1) ** cx.dim[closed]))


RANDOM_CASES = [
    # (arch, seed, weight gain, level quantile): nets whose sets have several components,
    # tunnels or holes, with the Betti numbers of {F > t} and {F < t} the three ways agree on.
    ([1, 8, 8, 1], 1, 2.5, 0.3, (2,), (2,)),
    ([2, 12, 12, 1], 9, 4.0, 0.15, (1, 1), (3, 0)),
    ([2, 12, 12, 1], 8, 4.0, 0.85, (3, 0), (1, 0)),
    ([2, 8, 8, 8, 1], 11, 4.0, 0.85, (2, 0), (2, 0)),
    ([3, 10, 10, 1], 0, 4.0, 0.5, (1, 1, 0), (1, 0, 0)),
    ([3, 6, 6, 6, 1], 2, 4.0, 0.15, (1, 0, 0), (1, 1, 0)),
    ([3, 6, 6, 6, 1], 3, 4.0, 0.85, (1, 0, 0), (4, 0, 0)),
    ([4, 6, 6, 1], 0, 2.5, 0.7, (2, 0, 0, 0), (1, 0, 0, 0)),
]


@pytest.mark.parametrize("arch,seed,gain,q,above,below", RANDOM_CASES)
def test_random_nets_three_ways(arch, seed, gain, q, above, below):
    net = torch_default(arch, seed=seed)
    net = rk.Network.from_arrays([gain * w for w in net.weights],
                                 [gain * b for b in net.biases])
    d = arch[0]
    dom = rk.Box(-1, 1, dim=d)
    level = float(np.quantile(net.forward(dom.sample(3000, seed))[:, 0], q))
    dr = rk.decision_regions(net, dom, level=level)
    for side, want in (("above", above), ("below", below)):
        b = dr.betti_numbers(side)
        assert b.betti == want
        assert b.betti == by_rank(dr, side)
        assert b.euler == sum((-1) ** i * v for i, v in enumerate(b.betti))
        # Generic level: the open set and its closure (the closed pieces) have one Euler
        # characteristic, from two different cell counts, and one homology (nerve).
        assert b.euler == closure_euler(dr, side)
        assert b.betti == nerve_betti(dr, side)
        assert b.n_pieces == int(np.sum(dr.side == (1 if side == "above" else -1)))


def one_hidden_layer(n: int, rng: np.random.Generator, hump: bool) -> rk.Network:
    """A random R^n -> R^(n+1) -> R ReLU net. hump=True draws it from the open set of
    parameters where the units are off on a bounded simplex and F > 0 there, decreasing
    outwards (a bounded component of {F > 0}); hump=False draws every parameter N(0, 1)."""
    if not hump:
        return rk.Network.from_arrays([rng.normal(size=(n + 1, n)), rng.normal(size=(1, n + 1))],
                                      [rng.normal(size=n + 1), rng.normal(size=1)])
    W = rng.normal(size=(n, n))
    W = np.vstack([W, -rng.uniform(0.5, 2.0, size=n) @ W])   # normals span R^n positively
    p = rng.normal(size=n)
    b = -W @ p - rng.uniform(0.1, 1.0, size=n + 1)
    return rk.Network.from_arrays([W, -rng.uniform(0.5, 2.0, size=(1, n + 1))],
                                  [b, rng.uniform(0.1, 1.0, size=1)])


def test_grigsby_lindsey_one_hidden_layer():
    # A generic R^n -> R^(n+1) -> R ReLU net: each decision region has at most one bounded
    # component (Grigsby & Lindsey 2022). The box holds every bounded component of
    # R^n with room to spare, so a bounded component of R^n is one inside the box.
    rng = np.random.default_rng(7)
    seen = 0
    for n, trials in ((2, 40), (3, 20)):
        for t in range(trials):
            net = one_hidden_layer(n, rng, hump=t % 2 == 1)
            dr = rk.decision_regions(net, rk.Box(-1e3, 1e3, dim=n))
            for side in ("above", "below"):
                bounded = dr.betti_numbers(side).bounded_components
                assert bounded <= 1
                seen += bounded
    assert seen >= 30   # the bound is attained (every hump net), so the test can fail


# --- class regions ---------------------------------------------------------------------------

def three_class_net() -> rk.Network:
    """F_0 = the annulus function, F_1 = 0, F_2 = -1."""
    a = shell(2)
    W, b = a.weights[-1], a.biases[-1]
    Wc = np.vstack([W, np.zeros_like(W), np.zeros_like(W)])
    return rk.Network.from_arrays([*a.weights[:-1], Wc], [*a.biases[:-1], [b[0], 0.0, -1.0]])


def test_class_regions():
    net = three_class_net()
    dom = rk.Box(-1, 1, dim=2)
    res = rk.class_betti_numbers(net, dom)
    assert [r.betti for r in res] == [(1, 1), (2, 1), (0, 0)]
    assert [r.bounded_components for r in res] == [1, 1, 0]
    dr = rk.decision_regions(net, dom, level=0.0)
    assert set(np.unique(dr.label)) == {0, 1}
    X = dom.sample(500, 1)
    loc = dr.regions.locate(X)
    ok = loc >= 0
    assert np.array_equal(dr.label[loc[ok]], np.argmax(net.forward(X[ok]), axis=1))
    # The level set of output 0 and the class split together give the same sets.
    assert dr.betti_numbers("above").betti == (1, 1)
    assert homology(dr.complex(), dr.class_cells(1), 2).betti == (2, 1)


def test_single_output_classes_are_signs():
    res = rk.class_betti_numbers(shell(2), rk.Box(-1, 1, dim=2))
    assert [r.betti for r in res] == [(2, 1), (1, 1)]


# --- level-set volume ------------------------------------------------------------------------

def test_boundary_volume_closed_forms():
    dom = rk.Box(-1, 1, dim=2)
    # Two diamonds |x|_1 = 0.3 and 0.7: perimeters 4 sqrt(2) r.
    assert rk.decision_boundary_volume(shell(2), dom) == pytest.approx(4 * math.sqrt(2))
    # x + y = 0.2 crosses the square from (-0.8, 1) to (1, -0.8).
    line = rk.Network.from_arrays([[[1.0, 1.0]], [[1.0]]], [[0.0], [0.0]])
    assert rk.decision_boundary_volume(line, dom, level=0.2) == pytest.approx(1.8 * math.sqrt(2))
    # The shell's surface in 3-D: 8 triangles of side r sqrt(2) per octahedron.
    area = sum(8 * math.sqrt(3) / 4 * (r * math.sqrt(2)) ** 2 for r in (0.3, 0.7))
    assert rk.decision_boundary_volume(shell(3), rk.Box(-1, 1, dim=3)) == pytest.approx(area)
    # F = relu(x) is 0 on a half of the square: the level set has interior.
    flat = rk.Network.from_arrays([[[1.0, 0.0]], [[1.0]]], [[0.0], [0.0]])
    assert rk.decision_boundary_volume(flat, dom) == math.inf


@pytest.mark.parametrize("arch,seed", [([2, 12, 12, 1], 8), ([3, 6, 6, 1], 9)])
def test_boundary_volume_against_facets(arch, seed):
    # Second way: the facets of the pieces above the level on the split unit's hyperplane.
    net = torch_default(arch, seed=seed)
    dom = rk.Box(-1, 1, dim=arch[0])
    level = float(np.median(net.forward(dom.sample(2000, seed))[:, 0]))
    dr = rk.decision_regions(net, dom, level=level)
    rs = dr.regions
    ft = facet_table(rs)
    split = rs.network.n_hyperplanes - 1
    rows = (rs.ineq_labels == split) & (dr.side[ft.row_region] == 1)
    assert dr.boundary_volume() == pytest.approx(ft.facet_volume[rows].sum(), rel=1e-9)
    assert dr.boundary_volume() > 0


# --- interface -------------------------------------------------------------------------------

def test_result_and_errors():
    b = rk.betti_numbers(shell(2), rk.Box(-1, 1, dim=2), side="below")
    d = b.to_dict()
    assert d["betti"] == [2, 1] and d["total"] == 3 and d["euler"] == 1
    json.dumps(d)
    with pytest.raises(RegionkitError, match="side"):
        rk.betti_numbers(shell(2), rk.Box(-1, 1, dim=2), side="up")
    with pytest.raises(RegionkitError, match="output"):
        rk.betti_numbers(shell(2), rk.Box(-1, 1, dim=2), output=1)
    # Maxout nets are supported (tests/test_maxout.py); identical pieces tie exactly.
    net = rk.Network.from_arrays([np.eye(2).repeat(2, axis=0), np.ones((1, 2))],
                                 [np.zeros(4), [0.0]], ["maxout:2", "identity"])
    assert rk.betti_numbers(net, rk.Box(-1, 1, dim=2)).betti == (1, 0)


def test_cli_betti(tmp_path):
    path = tmp_path / "annulus.npz"
    shell(2).save(path)
    res = CliRunner().invoke(main, ["betti", str(path), "--box", "-1", "1", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["above"]["betti"] == [1, 1] and out["below"]["betti"] == [2, 1]
    assert out["boundary_volume"] == pytest.approx(4 * math.sqrt(2))
    res = CliRunner().invoke(main, ["betti", str(path), "--box", "-1", "1", "--level", "-0.5"])
    assert res.exit_code == 0, res.output
    assert "b = (1, 0)" in res.output           # {F > -0.5}: the whole diamond |x|_1 < 1.2
    res = CliRunner().invoke(main, ["betti", str(path), "--box", "-1", "1", "--output", "3"])
    assert res.exit_code == 2 and "output" in res.output
