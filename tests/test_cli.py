"""The command line: counts against the library, JSON shape, clear errors."""
import json

import numpy as np
from click.testing import CliRunner

import regionkit as rk
from regionkit.cli import main


def _net(tmp_path):
    # One hidden layer of 3 lines in general position, all 3 crossings inside (-1, 1)^2:
    # Zaslavsky in the box gives 1 + 3 + 3 = 7 regions.
    W0 = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    b0 = np.array([0.0, 0.0, -0.5])
    net = rk.Network.from_arrays([W0, np.ones((1, 3))], [b0, np.zeros(1)])
    path = tmp_path / "net.npz"
    net.save(path)
    return path


def test_count_json(tmp_path):
    res = CliRunner().invoke(main, ["count", str(_net(tmp_path)), "--box", "-1", "1", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["n_regions"] == 7
    assert out["per_layer"] == [7, 7]
    assert out["complete"] is True
    assert out["seconds"] >= 0


def test_count_per_dimension_box(tmp_path):
    # On (0.1, 1) x (-1, 1) only x + y = 0.5 and y = 0 cross, meeting at (0.5, 0): 4 regions.
    res = CliRunner().invoke(main, ["count", str(_net(tmp_path)), "--box", "0.1,-1", "1,1",
                                    "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["n_regions"] == 4


def test_count_text_and_example():
    res = CliRunner().invoke(main, ["count", "--example", "2d"])
    assert res.exit_code == 0, res.output
    assert "activation regions:" in res.output


def test_count_budget_marks_incomplete(tmp_path):
    res = CliRunner().invoke(main, ["count", "--example", "2d", "--max-regions", "5", "--json"])
    assert res.exit_code == 3, res.output
    out = json.loads(res.output)
    assert out["complete"] is False and out["stop_reason"] == "max_regions"


def test_count_errors(tmp_path):
    runner = CliRunner()
    res = runner.invoke(main, ["count", str(tmp_path / "missing.npz")])
    assert res.exit_code == 2 and "no such file" in res.output
    bad = tmp_path / "bad.npz"
    np.savez(bad, W0=np.ones((3, 2)), b0=np.ones(3), W1=np.ones((1, 4)), b1=np.ones(1))
    res = runner.invoke(main, ["count", str(bad)])
    assert res.exit_code == 2 and "do not chain" in res.output
    res = runner.invoke(main, ["count", str(_net(tmp_path)), "--box", "1", "-1"])
    assert res.exit_code == 2 and "empty box" in res.output


def test_bounds_verb_json(tmp_path):
    # One hidden layer of 3 lines meeting the box generically: Serra's bound for one layer is
    # Zaslavsky's sum_{j<=2} C(3, j) = 7, attained here (tight).
    res = CliRunner().invoke(main, ["bounds", str(_net(tmp_path)), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["n_regions"] == 7
    serra = [r for r in out["rows"] if r["bound"].startswith("Serra Thm 1")]
    assert serra and serra[0]["value"] == "7" and serra[0]["activation"] == "tight"


def test_graph_verb_writes_graphml(tmp_path):
    import networkx as nx

    out = tmp_path / "g.graphml"
    res = CliRunner().invoke(main, ["graph", str(_net(tmp_path)), "-o", str(out)])
    assert res.exit_code == 0, res.output
    G = nx.read_graphml(out)
    # 7 regions of 3 generic lines: each line is cut into 3 edges by the other two -> 9.
    assert G.number_of_nodes() == 7 and G.number_of_edges() == 9


def test_line_verb_counts_one_layer_crossings(tmp_path):
    # Along the segment (-1, -0.9) -> (1, 0.9) the lines x = 0, y = 0 and x + y = 0.5 are
    # crossed once each (at t = 0.5, 0.5 and 0.7368...): x = 0 and y = 0 cross at the same
    # point (the origin), so 3 pieces; every crossing is a transition of one unit.
    res = CliRunner().invoke(main, ["line", str(_net(tmp_path)), "--from", "-1,-0.9",
                                    "--to", "1,0.9", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["n_pieces"] == 3
    res = CliRunner().invoke(main, ["line", str(_net(tmp_path)), "--from", "-1,-0.9",
                                    "--to", "1,0.9", "--arc", "--whole"])
    assert res.exit_code != 0


def test_count_graph_is_optional_beyond_four_dimensions(tmp_path):
    # A 5-input net: the graph is skipped by default (null fields) and computed on request;
    # one hidden layer of 6 generic units through the box: 1 + 6 + ... regions, and every
    # adjacent pair differs in one unit, so edges > 0 and linear regions == regions.
    rng = np.random.default_rng(0)
    net = rk.Network.from_arrays([rng.normal(size=(6, 5)), np.ones((1, 6))],
                                 [0.1 * rng.normal(size=6), np.zeros(1)])
    path = tmp_path / "n5.npz"
    net.save(path)
    out = json.loads(CliRunner().invoke(main, ["count", str(path), "--json"]).output)
    assert out["n_linear_regions"] is None and out["adjacency_edges"] is None
    res = CliRunner().invoke(main, ["count", str(path), "--json", "--graph"])
    assert res.exit_code == 0, res.output
    full = json.loads(res.output)
    assert full["n_regions"] == out["n_regions"] == full["n_linear_regions"]
    assert full["adjacency_edges"] > 0


def test_count_on_a_plane_and_a_segment_through_data_points(tmp_path):
    """--plane / --segment slice a many-input net through its data points; the counts are
    the library's, and a box cannot be given as well."""
    rng = np.random.default_rng(2)
    net = rk.Network.from_arrays([rng.normal(size=(8, 6)), rng.normal(size=(1, 8))],
                                 [rng.normal(size=8), np.zeros(1)])
    path = tmp_path / "net.npz"
    net.save(path)
    pts = rng.normal(size=(3, 6))
    files = []
    for i, p in enumerate(pts):
        np.save(tmp_path / f"p{i}.npy", p)
        files.append(str(tmp_path / f"p{i}.npy"))
    runner = CliRunner()
    res = runner.invoke(main, ["count", str(path), "--plane", *files, "--json"])
    assert res.exit_code == 0, res.output
    want = rk.enumerate_regions(net, rk.Plane.through(*pts)).n_regions
    assert json.loads(res.output)["n_regions"] == want
    res = runner.invoke(main, ["count", str(path), "--segment", *files[:2], "--json"])
    assert res.exit_code == 0, res.output
    want = rk.enumerate_regions(net, rk.Segment(pts[0], pts[1])).n_regions
    assert json.loads(res.output)["n_regions"] == want
    res = runner.invoke(main, ["count", str(path), "--box", "0", "1", "--plane", *files])
    assert res.exit_code != 0 and "at most one" in res.output
