"""Suite machinery: parsing and job ids, measures against independent computations, the
runner (resume, failures, interruption), tables, the report and the executors (serial,
process pool, Dask LocalCluster) giving identical tables."""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import tomllib
from click.testing import CliRunner

import regionkit as rk
from regionkit.cli import main
from regionkit.errors import SuiteError
from regionkit.suite import (
    SerialExecutor,
    evaluate,
    load_suite,
    parse_suite,
    read_table,
    run_suite,
    write_report,
    write_table,
)
from regionkit.suite.jobs import VOLATILE, run_job
from regionkit.suite.table import comparable, find_tables
from regionkit.suite.training import _gradients, train_digits


def small_suite(**extra) -> dict:
    """12 cheap jobs: 2-D ReLU nets on a box (counts, linear counts, boundary volume,
    bounds) and on points (distances)."""
    raw = {
        "name": "small",
        "measures": ["counts", "linear_counts", "boundary_volume", "bounds", "distances"],
        "vars": {"seeds": [0, 1, 2]},
        "networks": [{"name": "relu", "kind": "torch_default",
                      "grid": {"arch": [[2, 6, 1], [2, 4, 4, 1]], "seed": "$seeds"}}],
        "domains": [{"name": "box", "kind": "box"},
                    {"name": "cloud", "kind": "points", "data": "normal", "n": 50}],
        "expect": [{"name": "no violations", "check": "range", "column": "bounds_violations",
                    "agg": "max", "hi": 0}],
        "plots": [{"kind": "line", "x": "n_neurons", "y": "n_regions"}],
    }
    raw.update(extra)
    return raw


def rows_of(path) -> list[dict]:
    return comparable(read_table(path), VOLATILE)


# --- spec --------------------------------------------------------------------------------

def test_grid_pairs_every_network_with_every_domain():
    s = parse_suite(small_suite())
    assert len(s.jobs) == 2 * 3 * 2
    box = [j for j in s.jobs if j.domain["kind"] == "box"]
    assert {j.measures for j in box} == {("counts", "linear_counts", "boundary_volume",
                                          "bounds")}
    assert {j.measures for j in s.jobs if j.domain["kind"] == "points"} == {("distances",)}
    # defaults are filled in, so they show in the table and the id
    assert s.jobs[0].network == {"name": "relu", "kind": "torch_default", "arch": [2, 6, 1],
                                 "seed": 0, "activation": "relu", "noise_std": 0.0,
                                 "noise_seed": 0}
    assert s.jobs[0].options["enumerate"]["method"] == "auto"


def test_job_ids_are_stable_and_depend_on_what_matters():
    a = parse_suite(small_suite())
    raw = small_suite()
    raw["networks"][0]["grid"] = {"seed": "$seeds", "arch": [[2, 4, 4, 1], [2, 6, 1]]}
    b = parse_suite(raw)  # same jobs, other order
    assert {j.job_id for j in a.jobs} == {j.job_id for j in b.jobs}
    assert len({j.job_id for j in a.jobs}) == len(a.jobs)
    c = parse_suite(small_suite(options={"distances": {"hist_bins": 10}}))
    changed = {j.job_id for j in c.jobs} ^ {j.job_id for j in a.jobs}
    assert len(changed) == 2 * 6  # only the distance jobs change


def test_profiles_and_overrides_set_variables():
    s = parse_suite(small_suite(profiles={"one": {"seeds": [7]}}), profile="one")
    assert {j.network["seed"] for j in s.jobs} == {7}
    s = parse_suite(small_suite(), overrides={"seeds": [4, 5]})
    assert {j.network["seed"] for j in s.jobs} == {4, 5}
    with pytest.raises(SuiteError, match="undeclared"):
        parse_suite(small_suite(), overrides={"sedes": [1]})
    with pytest.raises(SuiteError, match="no profile"):
        parse_suite(small_suite(), profile="huge")


@pytest.mark.parametrize("change, message", [
    ({"measures": ["counts", "volume"]}, "unknown measure 'volume'"),
    ({"networks": [{"kind": "he_normal", "arch": [2, 4, 1], "sede": 1}]}, "no parameter"),
    ({"networks": [{"kind": "he_normal"}]}, "needs the parameter 'arch'"),
    ({"networks": [{"kind": "he_normal", "arch": "2-4-1"}]}, "must be list"),
    ({"domains": [{"kind": "lines"}], "measures": ["counts"]}, "gets none of the measures"),
    ({"measures": ["counts", "distances", "trajectory"]}, "applies to no domain"),
    ({"expect": [{"name": "x", "check": "about", "column": "n_regions"}]}, "check must be"),
    ({"plots": [{"kind": "pie"}]}, "kind must be"),
    ({"colour": "blue"}, "unknown top-level"),
    ({"name": "my suite"}, "name"),
])
def test_malformed_suites_fail_before_running(change, message):
    raw = small_suite(**change)
    with pytest.raises(SuiteError, match=message):
        parse_suite(raw)


def test_builtin_suites_parse_in_every_profile():
    from regionkit.suite import builtin_suites

    names = builtin_suites()
    assert {"hr-fig5-lines", "hr-fig6-distance", "hr-fig8-plane", "hr-fig3-sawtooth",
            "raghu-trajectory", "bounds"} <= set(names)
    for name in names:
        for profile in (None, "tiny"):
            assert load_suite(name, profile=profile).jobs
    with pytest.raises(SuiteError, match="neither a suite file nor a built-in"):
        load_suite("no-such-suite")


# --- measures against independent computations --------------------------------------------

def one_job(network: dict, domain: dict, measures: list[str], **options) -> dict:
    raw = {"name": "one", "measures": measures, "networks": [network], "domains": [domain],
           "options": options}
    row = run_job(parse_suite(raw).jobs[0])
    assert row["status"] == "ok", row.get("traceback")
    return row


def test_lines_cross_each_first_layer_unit_once():
    # A whole line meets each hyperplane of a one-hidden-layer net exactly once (unless
    # parallel, probability 0): 16 units give 17 pieces on every line.
    row = one_job({"kind": "he_normal", "arch": [64, 16, 10]},
                  {"kind": "lines", "n": 25, "data": "digits"}, ["trajectory"])
    assert row["pieces_mean"] == 17 and row["pieces_std"] == 0
    assert row["pieces_per_neuron"] == 17 / 16
    assert row["transitions_per_layer"] == [16.0]


def test_distances_match_the_one_layer_formula():
    # One hidden layer: the distance to the region boundary is min_i |w_i.x + b_i| / |w_i|.
    row = one_job({"kind": "torch_default", "arch": [3, 7, 1], "seed": 4},
                  {"kind": "points", "data": "normal", "n": 200, "seed": 9}, ["distances"])
    net = rk.constructions.torch_default([3, 7, 1], 4)
    X = np.random.default_rng(9).standard_normal((200, 3))
    W, b = net.weights[0], net.biases[0]
    d = np.min(np.abs(X @ W.T + b) / np.linalg.norm(W, axis=1), axis=1)
    assert row["dist_mean"] == pytest.approx(d.mean(), rel=1e-12)
    assert row["dist_mean_x_neurons"] == pytest.approx(7 * d.mean(), rel=1e-12)
    assert sum(row["log10_dist_hist"]) == 200


def _chord(w: np.ndarray, c: float) -> float:
    """Length of {x in (-1, 1)^2 : w.x + c = 0}, clipping the line's parametrisation."""
    p = -c * w / (w @ w)
    u = np.array([-w[1], w[0]]) / np.linalg.norm(w)
    lo, hi = -np.inf, np.inf
    for k in range(2):
        if abs(u[k]) < 1e-15:
            if abs(p[k]) >= 1:
                return 0.0
            continue
        t1, t2 = sorted(((-1 - p[k]) / u[k], (1 - p[k]) / u[k]))
        lo, hi = max(lo, t1), min(hi, t2)
    return max(0.0, hi - lo)


def test_boundary_volume_and_counts_of_one_layer_match_the_arrangement():
    # The boundary of a one-layer net (all output weights nonzero) is its
    # hyperplanes clipped to the box; Zaslavsky's count (regionkit.bounds) is exact there.
    row = one_job({"kind": "torch_default", "arch": [2, 6, 1], "seed": 1},
                  {"kind": "box"}, ["counts", "boundary_volume", "bounds"])
    net = rk.constructions.torch_default([2, 6, 1], 1)
    chords = sum(_chord(w, c) for w, c in zip(net.weights[0], net.biases[0]))
    assert row["boundary_volume"] == pytest.approx(chords, rel=1e-9)
    assert row["boundary_density"] == pytest.approx(chords / 4.0, rel=1e-9)
    assert row["n_regions"] == row["bound.zaslavsky_on_the_domain"]
    assert row["bound_status.zaslavsky_on_the_domain"] == "matches"
    assert row["bounds_violations"] == 0


def test_noise_perturbs_weights_and_constructions_expose_their_args():
    row = one_job({"kind": "construction", "construction": "sawtooth",
                   "args": {"k": 5, "width": 3}}, {"kind": "construction"},
                  ["counts", "betti"], betti={"level": 0.5})
    assert row["n_regions"] == row["proven_regions"] == 32 and row["arg.k"] == 5
    assert row["betti"] == [16] and row["net.args"] == json.dumps({"k": 5, "width": 3})
    noisy = one_job({"kind": "construction", "construction": "sawtooth", "args": {"k": 5},
                     "noise_std": 0.1, "noise_seed": 3}, {"kind": "construction"}, ["counts"])
    assert noisy["n_regions"] != 32


def test_training_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    Ws = [rng.normal(size=(5, 4)), rng.normal(size=(3, 5))]
    bs = [rng.normal(size=5), rng.normal(size=3)]
    x, y = rng.normal(size=(6, 4)), rng.integers(0, 3, 6)

    def loss(Ws, bs):
        h = np.maximum(x @ Ws[0].T + bs[0], 0) @ Ws[1].T + bs[1]
        h -= h.max(axis=1, keepdims=True)
        return float(np.mean(np.log(np.exp(h).sum(axis=1)) - h[np.arange(6), y]))

    grads = _gradients(Ws, bs, x, y)
    params = Ws + bs
    eps = 1e-6
    for p, g in zip(params, grads):
        for idx in [(0,) * p.ndim, tuple(s - 1 for s in p.shape)]:
            old = p[idx]
            p[idx] = old + eps
            up = loss(Ws, bs)
            p[idx] = old - eps
            down = loss(Ws, bs)
            p[idx] = old
            assert g[idx] == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-9)


def test_training_starts_from_he_normal_and_learns():
    init = train_digits((16,), 3, 0.0)
    he = rk.constructions.he_normal([64, 16, 10], seed=3)
    assert all(np.array_equal(a, b) for a, b in zip(init.weights, he.weights))
    row = one_job({"kind": "digits_mlp", "hidden": [16], "seed": 3, "epoch": 10},
                  {"kind": "points", "n": 10}, ["distances"])
    assert row["test_accuracy"] > 0.8 > 0.2 > one_job(
        {"kind": "digits_mlp", "hidden": [16], "seed": 3}, {"kind": "points", "n": 10},
        ["distances"])["test_accuracy"]


# --- runner ------------------------------------------------------------------------------

def test_resumed_run_gives_the_uninterrupted_table(tmp_path):
    suite = parse_suite(small_suite())
    full = run_suite(suite, tmp_path / "full")
    assert (full.n_ok, full.n_failed, full.n_skipped) == (12, 0, 0)

    class Interrupted(SerialExecutor):
        calls = 0

        def submit(self, fn, /, *args, **kwargs):
            Interrupted.calls += 1
            if Interrupted.calls == 6:
                raise KeyboardInterrupt
            return super().submit(fn, *args, **kwargs)

    with pytest.raises(KeyboardInterrupt):
        run_suite(suite, tmp_path / "resumed", executor=Interrupted())
    assert len(read_table(find_tables(tmp_path / "resumed")["small"])) == 5
    again = run_suite(suite, tmp_path / "resumed")
    assert (again.n_skipped, again.n_ok) == (5, 7)
    assert rows_of(again.table) == rows_of(full.table)
    assert run_suite(suite, tmp_path / "resumed").n_ok == 0  # nothing left to do


def test_failed_jobs_are_recorded_and_retried(tmp_path):
    raw = small_suite(networks=[
        {"name": "relu", "kind": "torch_default", "grid": {"arch": [[2, 6, 1]]}},
        {"name": "missing", "kind": "file", "path": "no-such-net.npz"}])
    result = run_suite(parse_suite(raw, base_dir=str(tmp_path)), tmp_path / "res")
    assert (result.n_ok, result.n_failed) == (2, 2)
    rows = read_table(result.table)
    bad = [r for r in rows if r["status"] == "error"]
    assert len(bad) == 2 and all("no such file" in r["error"] for r in bad)
    assert all(r["n_regions"] is not None for r in rows if r["net.name"] == "relu"
               and r["dom.name"] == "box")
    again = run_suite(parse_suite(raw, base_dir=str(tmp_path)), tmp_path / "res")
    assert (again.n_skipped, again.n_failed) == (2, 2)
    kept = run_suite(parse_suite(raw, base_dir=str(tmp_path)), tmp_path / "res",
                     retry_failed=False)
    assert (kept.n_skipped, kept.n_failed) == (4, 0)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_tables_round_trip(tmp_path, fmt):
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    rows = [{"job_id": "a", "index": 0, "status": "ok", "x": 1.5, "n": 3, "flag": True,
             "per_layer": [1, 2, 3], "name": "3", "error": None},
            {"job_id": "b", "index": 1, "status": "error", "x": None, "n": 4, "flag": False,
             "per_layer": None, "name": "x,y", "error": "SuiteError: bad"}]
    path = write_table(rows, tmp_path, "t", fmt)
    assert path.name == f"t.{fmt}" and read_table(path) == rows


def test_executors_give_identical_tables(tmp_path):
    suite = parse_suite(small_suite())
    serial = rows_of(run_suite(suite, tmp_path / "serial", fmt="csv").table)
    pool = rows_of(run_suite(suite, tmp_path / "pool", workers=2).table)
    assert pool == serial


def test_dask_cluster_gives_the_serial_table(tmp_path):
    distributed = pytest.importorskip("distributed")
    suite = parse_suite(small_suite())
    serial = rows_of(run_suite(suite, tmp_path / "serial").table)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        result = run_suite(suite, tmp_path / "dask", scheduler=cluster.scheduler_address)
    assert result.n_ok == 12
    assert rows_of(result.table) == serial


# --- report and CLI ------------------------------------------------------------------------

def test_checks_evaluate_published_trends():
    rows = [{"status": "ok", "g": g, "x": x, "y": 3.0 * x ** 2 + g, "z": g}
            for g in (0, 1) for x in (1.0, 2.0, 4.0)]
    rows.append({"status": "error", "g": 0, "x": 8.0, "y": 1e9})
    slope = {"check": "slope", "x": "x", "y": "y", "log_x": True, "log_y": True, "by": ["g"]}
    assert evaluate(dict(slope, where={"g": 0}, lo=1.99, hi=2.01), rows).passed
    assert not evaluate(dict(slope, lo=1.99, hi=2.01), rows).passed  # g=1 has an offset
    assert evaluate({"check": "range", "column": "y", "agg": "max", "lo": 49, "hi": 49},
                    rows).passed
    assert evaluate({"check": "spread", "column": "y", "over": "x", "hi": 49 / 3.5},
                    rows).passed
    assert evaluate({"check": "equal", "column": "g", "other": "z"}, rows).passed
    assert evaluate({"check": "range", "column": "y", "where": {"g": 7}}, rows).passed is None
    dip = [{"status": "ok", "x": x, "y": y} for x, y in ((0, 3), (1, 1), (2, 2))]
    assert evaluate({"check": "shape", "shape": "dip", "x": "x", "y": "y"}, dip).passed
    assert not evaluate({"check": "shape", "shape": "peak", "x": "x", "y": "y"}, dip).passed


def test_cli_runs_resumes_and_reports(tmp_path):
    suite_file = tmp_path / "small.toml"
    suite_file.write_text("""
name = "cli-small"
measures = ["counts"]
[vars]
seeds = [0, 1]
[[networks]]
kind = "he_normal"
arch = [2, 5, 1]
bias_var = 0.1
grid.seed = "$seeds"
[[domains]]
kind = "box"
[[expect]]
name = "at least 6 regions"
published = "five lines cut the square"
check = "range"
column = "n_regions"
lo = 6
[[plots]]
kind = "line"
x = "net.seed"
y = "n_regions"
""")
    out = tmp_path / "res"
    runner = CliRunner()
    first = runner.invoke(main, ["suite", "run", str(suite_file), "-o", str(out),
                                 "--set", "seeds=[0, 1, 2]", "--format", "csv"])
    assert first.exit_code == 0, first.output
    assert "3 ran, 0 failed" in first.output
    second = runner.invoke(main, ["suite", "run", str(suite_file), "-o", str(out),
                                  "--set", "seeds=[0, 1, 2, 3]", "--format", "csv"])
    assert second.exit_code == 0 and "3 already done, 1 ran" in second.output
    rep = runner.invoke(main, ["suite", "report", str(out)])
    assert rep.exit_code == 0, rep.output
    text = (out / "report.md").read_text()
    assert "| at least 6 regions | five lines cut the square |" in text and "**PASS**" in text
    assert (out / "plots" / "cli-small-1.png").exists()
    listing = runner.invoke(main, ["suite", "list"])
    assert "hr-fig5-lines" in listing.output
    bad = runner.invoke(main, ["suite", "run", "nonexistent-suite", "-o", str(out)])
    assert bad.exit_code == 2 and "error:" in bad.output


def test_report_lists_failures_and_works_without_plots(tmp_path):
    raw = small_suite(networks=[{"name": "missing", "kind": "file", "path": "gone.npz"},
                                {"name": "relu", "kind": "torch_default", "arch": [2, 3, 1]}])
    run_suite(parse_suite(raw, base_dir=str(tmp_path)), tmp_path)
    path = write_report(tmp_path, plots=False)
    text = path.read_text()
    assert "### Failed jobs" in text and "NetworkFileError" in text
    assert "2 jobs, 2 ok, 2 failed" not in text and "4 jobs, 2 ok, 2 failed" in text
    assert "![" not in text
    assert "| no violations |" in text


def test_the_documented_suite_file_is_valid():
    doc = Path(__file__).resolve().parents[1] / "docs" / "suites.md"
    text = re.search(r"```toml\n(.*?)```", doc.read_text(), re.S).group(1)
    suite = parse_suite(tomllib.loads(text), profile="tiny")
    assert len(suite.jobs) == 2 * 3  # 2 architectures x seed 0, on lines and 2 planes
    assert {j.measures for j in suite.jobs} == {("trajectory",), ("counts",)}
