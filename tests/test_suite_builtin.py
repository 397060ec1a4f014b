"""The built-in suites reproduce the seeds' published values and trends at a tiny size.

Each test runs a suite's "tiny" profile (a few seconds) and asserts its [[expect]] checks
(whose tolerances and their reasons are written in the suite file, regionkit/suite/builtin/)
plus the numbers below, checked here against independent values. The trend checks that need
many checkpoints and seeds to resolve (Fig. 5's early dip, Fig. 6's peak, Fig. 8's expand-
then-contract) are reported by the full-size runs in docs/suites.md, not asserted here.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from regionkit.suite import evaluate, load_suite, read_table, run_suite
from regionkit.suite.checks import groups, select

NOT_AT_TINY_SIZE = {"early dip, then rebound", "two phases: up, then slowly down",
                    "regions expand early, then contract"}


def run_tiny(name: str, tmp_path) -> tuple[list[dict], dict[str, object]]:
    suite = load_suite(name, profile="tiny")
    result = run_suite(suite, tmp_path)
    assert result.n_failed == 0
    rows = read_table(result.table)
    checks = {e["name"]: evaluate(e, rows) for e in suite.spec["expect"]}
    for name_, c in checks.items():
        if name_ not in NOT_AT_TINY_SIZE:
            assert c.passed, f"{name_}: {c.measured} (published: {c.published})"
    return rows, checks


def mean(rows: list[dict], column: str, **where) -> float:
    vals = [r[column] for r in rows if all(r[k] == v for k, v in where.items())]
    assert vals
    return float(np.mean(vals))


def test_hr_fig5_lines(tmp_path):
    rows, _ = run_tiny("hr-fig5-lines", tmp_path)
    # At initialisation: pieces per neuron in [0.8, 1.2] per architecture (2 nets x 40
    # lines; the per-net spread is about 0.1, 20 nets measured 0.98-1.03). A single
    # hidden layer of 64 units is exact: every whole line crosses each unit once, 65 pieces.
    assert mean(rows, "pieces_per_neuron", arch="64-64-10") == 65 / 64
    assert 0.8 <= mean(rows, "pieces_per_neuron", **{"net.name": "init"}) <= 1.2


def test_hr_fig6_distance(tmp_path):
    rows, _ = run_tiny("hr-fig6-distance", tmp_path)
    # Published band 0.4-1.5 for mean distance x neurons, at init and through training.
    for r in rows:
        assert 0.4 <= r["dist_mean_x_neurons"] <= 1.5
    # Fig. 7: the histogram counts every point once.
    assert all(sum(r["log10_dist_hist"]) == r["n_points"] == 2000 for r in rows)


def test_hr_fig8_plane(tmp_path):
    rows, checks = run_tiny("hr-fig8-plane", tmp_path)
    # The suite's checks: counts of order N^2 (log-log slope 2 +- 0.5 at every checkpoint,
    # 0.03-3 N^2). Independently: never above Serra's upper bound for a 2-D slice of three
    # layers, and linear regions (merged activation regions) never outnumber them.
    from regionkit.bounds import serra_upper

    assert "2 +- 0.5" in checks["regions grow like neurons^2"].tolerance
    for r in rows:
        w = int(r["arch"].split("-")[1])
        assert r["n_regions"] <= serra_upper(2, [w, w, w])
        if r["dom.name"] == "plane":
            assert 0 < r["n_linear_regions"] <= r["n_regions"]
    pictures = [r for r in rows if r["dom.name"] == "picture"]
    assert len(pictures) == 3 and all(
        (tmp_path / "hr-fig8-plane.regions" / f"{r['job_id']}.npz").exists() for r in pictures)


def test_hr_fig3_sawtooth(tmp_path):
    rows, _ = run_tiny("hr-fig3-sawtooth", tmp_path)
    exact = [r for r in rows if r["net.name"] == "exact"]
    assert [r["n_linear_regions"] for r in exact] == [2 ** r["arg.k"] for r in exact]
    assert [r["betti_0"] for r in exact] == [2 ** (r["arg.k"] - 1) for r in exact]
    # The sawtooth's 3k neurons (width 3 per composition).
    assert [r["n_neurons"] for r in exact] == [3 * r["arg.k"] for r in exact]
    # Noise at k = 8: well under half the 256 pieces on average over 8 draws (Fig. 3).
    assert mean(rows, "n_linear_regions", **{"net.name": "noisy", "arg.k": 8}) < 128


def test_raghu_trajectory(tmp_path):
    rows, _ = run_tiny("raghu-trajectory", tmp_path)
    # Zero-bias ReLU is positively homogeneous: scaling sigma_w leaves transitions unchanged
    # and multiplies the image length by (sigma_w ratio)^depth, exactly.
    relu = {(r["net.sigma_w2"], r["net.depth"]): r for r in rows if r["net.name"] == "relu"}
    for depth in range(1, 6):
        a, b = relu[(2.0, depth)], relu[(4.0, depth)]
        assert a["transitions_last"] == b["transitions_last"]
        assert b["length_last"] / a["length_last"] == pytest.approx(math.sqrt(2) ** depth,
                                                                    rel=1e-9)


def test_bounds(tmp_path):
    rows, _ = run_tiny("bounds", tmp_path)
    assert all(r["bounds_violations"] == 0 for r in rows)
    # Each line of the report's plots is one family: one depth, never one-layer and deep
    # nets mixed into a zigzag.
    plots = load_suite("bounds", profile="tiny").spec["plots"]
    for plot in plots:
        for grows in groups(select(rows, plot.get("where")), plot.get("by")).values():
            assert len({r["n_hidden_layers"] for r in grows}) == 1, plot["title"]
    assert {len({r["n_hidden_layers"] for r in select(rows, p["where"])}) for p in plots} \
        == {1, 2}   # tiny profile: one-layer nets in one plot, depths 2 and 3 in the other
    serra = [r for r in rows if r["net.name"] == "serra_1d"]
    assert [r["n_regions"] for r in serra] == [4 * 4 * 4]  # prod (n_l + 1), widths [3, 3, 3]
