"""The command line keeps its word: exit statuses, budgets on every verb, refused numbers,
atomic files under SIGINT and SIGKILL, RegionSet and TorchScript inputs, `info`."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from subprocesses import NEUTRAL_CWD, child_env

import regionkit as rk
from regionkit.cli import EXIT_BUDGET, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, main
from regionkit.examples import example_network
from regionkit.regions import widesplit
from regionkit.regions.regionset import RegionSet

ROOT = Path(__file__).resolve().parents[1]
# A subprocess must reach its enumeration (imports, a progress bar) within this many seconds.
START_SECONDS = 60.0


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize("verb", [["count"], ["graph", "-o", "g.graphml"], ["bounds"],
                                  ["plot", "-o", "p.png"], ["betti"]])
def test_every_enumerating_verb_exits_3_on_a_budget_and_0_when_complete(verb, tmp_path,
                                                                        monkeypatch):
    monkeypatch.chdir(tmp_path)
    full = run(*verb, "--example", "2d", "--json", "--no-progress")
    assert full.exit_code == EXIT_OK, full.output
    json.loads(full.stdout)
    stopped = run(*verb, "--example", "2d", "--max-regions", "5", "--json")
    assert stopped.exit_code == EXIT_BUDGET, stopped.output
    if verb[0] in ("graph", "plot"):
        assert "needs a complete enumeration" in stopped.output
    timed = run(*verb, "--example", "2d", "--time-limit", "1e-9")
    assert timed.exit_code == EXIT_BUDGET, timed.output


@pytest.mark.parametrize("option,value", [("--time-limit", "-1"), ("--time-limit", "nan"),
                                          ("--time-limit", "inf"), ("--time-limit", "0"),
                                          ("--max-regions", "0"), ("--max-regions", "-3"),
                                          ("--rtol", "-1"), ("--max-regions", "x")])
def test_bad_numbers_are_refused(option, value):
    res = run("count", "--example", "2d", option, value)
    assert res.exit_code == EXIT_USAGE
    assert option in res.output


def test_regionkit_errors_exit_2_with_the_message(tmp_path):
    res = run("count", str(tmp_path / "missing.npz"))
    assert res.exit_code == EXIT_USAGE and "no such file" in res.output
    res = run("count", "--example", "2d", "--box", "1", "-1")
    assert res.exit_code == EXIT_USAGE and "empty box" in res.output


def test_budget_stop_marks_the_incomplete_layer(monkeypatch):
    # Layer by layer (no wide first pass, so no depth-first phase: 161 regions after layer
    # 1); tests/test_depth_first.py marks a stop in the depth-first phase.
    monkeypatch.setattr(widesplit, "SPLIT_MIN_PIECES", 1 << 62)
    res = run("count", "--example", "2d", "--max-regions", "300")
    assert res.exit_code == EXIT_BUDGET
    line = next(t for t in res.output.splitlines() if t.startswith("per layer:"))
    out = json.loads(run("count", "--example", "2d", "--max-regions", "300", "--json").stdout)
    li = out["stopped_layer"]
    assert li == len(out["per_layer"]) and f"layer {li} incomplete" in line
    assert line.split()[1 + li].endswith("*")
    # Independently: every region of the stopped layer is split or not, and the split ones
    # (depth li) are the children counted in per_layer.
    rs = rk.enumerate_regions(example_network("2d"), rk.Box(-1, 1, dim=2), max_regions=300)
    assert out["stopped_layer_regions"] == int(np.count_nonzero(rs.depth == li))
    assert out["stopped_layer_split"] + int(np.count_nonzero(rs.depth == li - 1)) == \
        out["stopped_layer_inputs"] == rs.per_layer[li - 2]


def test_ctrl_c_in_the_graph_phase_keeps_the_count(monkeypatch):
    def interrupt(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(RegionSet, "adjacency", interrupt)
    res = run("count", "--example", "2d")
    assert res.exit_code == EXIT_INTERRUPTED
    assert "activation regions: 1036" in res.output and "not computed: interrupted" in res.output


def test_ctrl_c_while_saving_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "rs.npz"
    target.write_bytes(b"old")

    def torn(self, path):
        with open(path, "wb") as f:
            f.write(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(RegionSet, "save", torn)
    res = run("count", "--example", "2d", "--save", str(target))
    assert res.exit_code == EXIT_INTERRUPTED and "activation regions: 1036" in res.output
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["rs.npz"]


def _slow_net(tmp_path: Path) -> str:
    path = str(tmp_path / "slow.npz")
    rk.constructions.torch_default([6, 24, 24, 24, 1], seed=0).save(path)
    return path


def test_sigint_during_count_prints_the_partial_count_and_exits_130(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "regionkit.cli", "count", _slow_net(tmp_path), "--progress",
         "--workers", "1"], cwd=NEUTRAL_CWD, env=child_env(), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + START_SECONDS
    seen = ""
    while "layer" not in seen and time.monotonic() < deadline:  # the bar: enumerating now
        seen += os.read(proc.stderr.fileno(), 4096).decode()
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=START_SECONDS)
    assert proc.returncode == EXIT_INTERRUPTED, out
    assert "INCOMPLETE: stopped by interrupted" in out and "*" in out


WRITER = textwrap.dedent("""
    import sys
    import numpy as np
    import regionkit as rk
    kind, path = sys.argv[1], sys.argv[2]
    nets = [rk.Network.from_arrays([np.full((400, 400), v)], [np.zeros(400)]) for v in (1., 2.)]
    if kind == "regionset":
        sets = [rk.enumerate_regions(rk.constructions.torch_default([3, 24, 24, 1], seed=s),
                                     rk.Box(-1, 1, dim=3)) for s in (0, 1)]
    nets[0].save(path) if kind == "network" else sets[0].save(path)
    print("ready", flush=True)
    i = 1
    while True:
        (nets[i] if kind == "network" else sets[i]).save(path)
        i = 1 - i
""")


def _versions(kind: str) -> set:
    if kind == "network":
        return {1.0, 2.0}
    return {rk.enumerate_regions(rk.constructions.torch_default([3, 24, 24, 1], seed=s),
                                 rk.Box(-1, 1, dim=3)).n_regions for s in (0, 1)}


@pytest.mark.parametrize("kind", ["network", "regionset"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_a_signal_during_save_leaves_the_old_or_a_complete_new_file(kind, sig, tmp_path):
    target = str(tmp_path / "out.npz")
    allowed = _versions(kind)
    rng = np.random.default_rng(0)
    for _ in range(3):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, kind, target], cwd=NEUTRAL_CWD,
                                env=child_env(), stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(float(rng.uniform(0.05, 0.4)))  # mid-write: the loop does nothing else
        proc.send_signal(sig)
        proc.wait(timeout=START_SECONDS)
        if kind == "network":
            got = float(rk.load_network(target).weights[0][0, 0])
        else:
            got = RegionSet.load(target).n_regions
        assert got in allowed
        if sig == signal.SIGINT:  # Ctrl-C removes the temporary file
            assert os.listdir(tmp_path) == ["out.npz"]


def test_regionset_files_are_inputs(tmp_path):
    saved = str(tmp_path / "rs.npz")
    assert run("count", "--example", "2d", "--save", saved).exit_code == EXIT_OK
    res = run("count", saved, "--json")
    assert res.exit_code == EXIT_OK and json.loads(res.stdout)["n_regions"] == 1036
    res = run("graph", saved, "-o", str(tmp_path / "g.graphml"), "--json")
    assert res.exit_code == EXIT_OK and json.loads(res.stdout)["n_regions"] == 1036
    assert run("bounds", saved).exit_code == EXIT_OK
    res = run("count", saved, "--box", "0", "1")
    assert res.exit_code == EXIT_USAGE and "carries its own domain" in res.output
    assert rk.load_network(saved).n_in == 2  # the network of a RegionSet file
    partial = str(tmp_path / "partial.npz")
    assert run("count", "--example", "2d", "--max-regions", "50", "--save",
               partial).exit_code == EXIT_BUDGET
    assert RegionSet.load(partial).stop_reason == "max_regions"
    assert run("count", partial).exit_code == EXIT_BUDGET


def test_torchscript_files_are_inputs(tmp_path):
    torch = pytest.importorskip("torch")
    nn = torch.nn
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 12), nn.LeakyReLU(0.2),
                          nn.Sequential(nn.Linear(12, 12), nn.Hardtanh(-0.5, 0.5)),
                          nn.Linear(12, 1))
    scripted = str(tmp_path / "moons.pt")
    torch.jit.script(model).save(scripted)
    res = run("count", scripted, "--json")
    want = rk.enumerate_regions(rk.Network.from_torch(model), rk.Box(-1, 1, dim=2)).n_regions
    assert res.exit_code == EXIT_OK and json.loads(res.stdout)["n_regions"] == want
    net = rk.load_network(scripted)
    assert net.activation_names() == ["leaky_relu:0.2", "hard_tanh:-0.5,0.5", "identity"]
    # A traced model keeps no LeakyReLU slope: refused, never read with a default slope.
    traced = str(tmp_path / "traced.pt")
    torch.jit.trace(model, torch.zeros(1, 2)).save(traced)
    res = run("count", traced)
    assert res.exit_code == EXIT_USAGE and "torch.jit.script" in res.output
    weights = str(tmp_path / "weights.pt")
    torch.save(model.state_dict(), weights)
    res = run("count", weights)
    assert res.exit_code == EXIT_USAGE and "not a TorchScript file" in res.output


def test_info_estimate_sees_only_real_regions():
    from regionkit.cli import estimate_regions

    net, box = example_network("2d"), rk.Box(-1, 1, dim=2)
    rs = rk.enumerate_regions(net, box)
    exact = {np.packbits(p).tobytes()  # each region's pattern, at its interior point
             for p in net.pattern(box.to_input(rs.interior_points))}
    assert len(exact) == rs.n_regions
    est = estimate_regions(net, box, n_lines=8)
    assert 0 < est["seen"] <= rs.n_regions and est["patterns"] <= exact
    assert est["estimate"] >= est["seen"]
    res = run("info", "--example", "2d")
    assert res.exit_code == EXIT_OK
    assert "ESTIMATE (not an enumeration" in res.output and "Serra Thm 1" in res.output
    info = json.loads(run("info", "--example", "2d", "--json").stdout)
    assert info["architecture"] == [2, 32, 32, 32, 1] and info["n_hyperplanes"] == 96


def test_betti_classes_of_one_output_are_not_printed_twice():
    res = run("betti", "--example", "2d", "--classes")
    assert res.exit_code == EXIT_OK
    assert res.output.count("{F_0 > 0}") == 1 and "class regions" in res.output


def test_box_refuses_non_numbers_with_a_domain_error():
    with pytest.raises(rk.DomainError, match="lo must be numeric"):
        rk.Box("a", 1, dim=2)
    with pytest.raises(rk.DomainError, match="dim"):
        rk.Box(-1, 1, dim=0)


def test_an_unbuilt_source_tree_says_how_to_build(tmp_path):
    for path in (ROOT / "regionkit").rglob("*.py"):
        dest = tmp_path / path.relative_to(ROOT)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(path.read_bytes())
    res = subprocess.run([sys.executable, "-c", "import regionkit"], cwd=tmp_path,
                         capture_output=True, text=True, env={**os.environ, "PYTHONPATH": ""})
    assert res.returncode != 0
    assert "pip install ." in res.stderr and "build_ext --inplace" in res.stderr
    assert "circular import" not in res.stderr
