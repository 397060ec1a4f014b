"""load_onnx against onnx.reference.ReferenceEvaluator (float64), on graphs built with
onnx.helper and exported from torch; and one model read from torch, sklearn and ONNX."""
from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
from loaders_common import EXACT, assert_matches

import regionkit as rk
from regionkit.errors import NetworkError, NetworkFileError, UnsupportedLayerError
from regionkit.model.loaders.onnx import onnx_stack

load_onnx = rk.Network.from_onnx

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402
from onnx.reference import ReferenceEvaluator  # noqa: E402

RNG = np.random.default_rng(0)


def _w(*shape, scale=0.5):
    return RNG.normal(scale=scale, size=shape)


def _model(nodes, inits, in_shape, out_rank=2, opset=17, dtype=TensorProto.DOUBLE):
    """A checked ONNX model with input 'x' (batch 'N' first) and output 'y'."""
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", dtype, ["N", *in_shape])],
        [helper.make_tensor_value_info("y", dtype, ["N"] + [f"d{i}" for i in range(out_rank - 1)])],
        initializer=[numpy_helper.from_array(np.asarray(v), k) for k, v in inits.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    onnx.checker.check_model(model)
    return model


def _dense_ops():
    """MatMul+Add, Mul, Sub (both orders), Div, LeakyRelu, Clip (hard tanh and one-sided),
    Gemm with alpha/beta/transB, Dropout, Identity."""
    n = helper.make_node
    nodes = [n("MatMul", ["x", "W0"], ["a"]), n("Add", ["a", "b0"], ["b"]), n("Relu", ["b"], ["c"]),
             n("Mul", ["s0", "c"], ["d"]), n("Sub", ["t0", "d"], ["e"]),
             n("LeakyRelu", ["e"], ["f"], alpha=0.25), n("Div", ["f", "s1"], ["g"]),
             n("Sub", ["g", "t1"], ["h"]), n("Clip", ["h", "lo", "hi"], ["i"]),
             n("Gemm", ["i", "W1", "b1"], ["j"], alpha=0.5, beta=2.0, transB=1),
             n("Dropout", ["j"], ["k"]), n("Clip", ["k", "lo2", ""], ["l"]),
             n("Identity", ["l"], ["m"]), n("Gemm", ["m", "W2"], ["y"])]
    inits = {"W0": _w(6, 5), "b0": _w(5), "s0": _w(5), "t0": _w(5), "s1": _w(5) + 3.0,
             "t1": _w(1, 5), "lo": np.array(-1.0), "hi": np.array(1.0), "W1": _w(4, 5),
             "b1": _w(1, 4), "lo2": np.array(0.1), "W2": _w(4, 3)}
    return _model(nodes, inits, [6]), (6,)


def _conv_pools():
    """Conv SAME_UPPER stride 2, BatchNormalization, MaxPool with pads/dilations/ceil_mode,
    AveragePool with asymmetric pads excluding padding, Flatten, Gemm."""
    n = helper.make_node
    nodes = [n("Conv", ["x", "Wc", "bc"], ["a"], auto_pad="SAME_UPPER", strides=[2, 2],
               kernel_shape=[3, 3]),
             n("BatchNormalization", ["a", "g", "be", "mu", "var"], ["b"], epsilon=1e-3),
             n("Relu", ["b"], ["c"]),
             n("MaxPool", ["c"], ["d"], kernel_shape=[3, 2], strides=[2, 1], pads=[1, 1, 1, 1],
               dilations=[1, 2], ceil_mode=1),
             n("AveragePool", ["d"], ["e"], kernel_shape=[2, 2], pads=[1, 0, 0, 1],
               count_include_pad=0),
             n("Flatten", ["e"], ["f"]), n("Gemm", ["f", "Wg", "bg"], ["y"])]
    inits = {"Wc": _w(3, 2, 3, 3), "bc": _w(3), "g": _w(3), "be": _w(3), "mu": _w(3),
             "var": RNG.uniform(0.5, 2.0, 3), "Wg": _w(3 * 3 * 3, 2), "bg": _w(2)}
    return _model(nodes, inits, [2, 7, 6]), (2, 7, 6)


def _conv_global():
    """Conv SAME_LOWER with groups, AveragePool counting padding, GlobalAveragePool,
    Reshape [0, -1], MatMul."""
    n = helper.make_node
    nodes = [n("Conv", ["x", "Wc"], ["a"], auto_pad="SAME_LOWER", strides=[2, 1],
               dilations=[1, 2], group=2, kernel_shape=[2, 2]),
             n("LeakyRelu", ["a"], ["b"], alpha=0.1),
             n("AveragePool", ["b"], ["c"], kernel_shape=[3, 3], strides=[1, 1],
               pads=[1, 1, 1, 1], count_include_pad=1),
             n("Relu", ["c"], ["d"]), n("GlobalAveragePool", ["d"], ["e"]),
             n("Reshape", ["e", "shape"], ["f"]), n("MatMul", ["f", "Wm"], ["y"])]
    inits = {"Wc": _w(4, 1, 2, 2), "shape": np.array([0, -1], dtype=np.int64),
             "Wm": _w(4, 3)}
    return _model(nodes, inits, [2, 5, 6]), (2, 5, 6)


def _reshapes_1d():
    """Conv 1-D, MaxPool 1-D, Reshape keeping the batch axis, MatMul on the last axis of a
    3-D tensor, Flatten, Constant node weights."""
    n = helper.make_node
    W2 = numpy_helper.from_array(_w(3, 2), "W2")
    nodes = [n("Conv", ["x", "Wc", "bc"], ["a"], pads=[1, 2], kernel_shape=[3]),
             n("Relu", ["a"], ["b"]), n("MaxPool", ["b"], ["c"], kernel_shape=[2], strides=[2]),
             n("Reshape", ["c", "shape"], ["d"]), n("Constant", [], ["W2"], value=W2),
             n("MatMul", ["d", "W2"], ["e"]), n("Relu", ["e"], ["f"]),
             n("Flatten", ["f"], ["g"]), n("Gemm", ["g", "Wg"], ["y"])]
    inits = {"Wc": _w(2, 3, 3), "bc": _w(2), "shape": np.array([-1, 4, 3], dtype=np.int64),
             "Wg": _w(8, 2)}
    return _model(nodes, inits, [3, 11]), (3, 11)


def _clip_opset6():
    """Clip with min/max attributes (opset 6) as a rescaled hard tanh."""
    n = helper.make_node
    nodes = [n("Gemm", ["x", "W", "b"], ["a"], broadcast=1),
             n("Clip", ["a"], ["c"], min=-0.5, max=2.0),
             n("Gemm", ["c", "W2", "b2"], ["y"], broadcast=1)]
    inits = {"W": _w(3, 5), "b": _w(5), "W2": _w(5, 2), "b2": _w(2)}
    return _model(nodes, inits, [3], opset=6), (3,)


BUILT = {"dense-ops": _dense_ops, "conv-pools": _conv_pools, "conv-global": _conv_global,
         "reshapes-1d": _reshapes_1d, "clip-opset6": _clip_opset6}


@pytest.mark.parametrize("name", sorted(BUILT))
def test_matches_reference_evaluator(name, tmp_path):
    model, shape = BUILT[name]()
    path = tmp_path / f"{name}.onnx"
    onnx.save(model, path)
    X = np.random.default_rng(1).normal(size=(300,) + shape)
    ref = ReferenceEvaluator(model).run(None, {"x": X})[0]
    assert_matches(onnx_stack(path), X, ref)
    assert load_onnx(str(path)).n_in == int(np.prod(shape))


def _activations_graph():
    """HardSigmoid with general coefficients, Shrink (soft), Clip to [0, 6], to [0.5, inf),
    to (-inf, 1.5], LeakyRelu with alpha 1."""
    n = helper.make_node
    nodes = [n("Gemm", ["x", "W0", "b0"], ["a"]),
             n("HardSigmoid", ["a"], ["b"], alpha=0.25, beta=0.375),
             n("Gemm", ["b", "W1", "b1"], ["c"]), n("Shrink", ["c"], ["d"], lambd=0.5, bias=0.5),
             n("Gemm", ["d", "W2", "b2"], ["e"]), n("Clip", ["e", "zero", "six"], ["f"]),
             n("Gemm", ["f", "W3", "b3"], ["g"]), n("Clip", ["g", "lo", ""], ["h"]),
             n("Clip", ["h", "", "hi"], ["i"]), n("LeakyRelu", ["i"], ["j"], alpha=1.0),
             n("Gemm", ["j", "W4"], ["y"])]
    inits = {"W0": _w(3, 5, scale=4.0), "b0": _w(5), "W1": _w(5, 5, scale=4.0), "b1": _w(5),
             "W2": _w(5, 5, scale=6.0), "b2": _w(5), "W3": _w(5, 4), "b3": _w(4),
             "zero": np.array(0.0), "six": np.array(6.0), "lo": np.array(0.5),
             "hi": np.array(1.5), "W4": _w(4, 2)}
    return _model(nodes, inits, [3]), (3,)


def test_activation_ops_map_onto_tables():
    """Each op is one layer with its table (general HardSigmoid: an affine map and a clip to
    [0, 1]), and the network matches the reference evaluator."""
    model, shape = _activations_graph()
    net = load_onnx(model)
    assert net.activation_names() == [
        "hard_tanh:0.0,1.0", "soft_shrink", "relu6",
        "piecewise_linear:breakpoints=0.5;slopes=0.0,1.0;offsets=0.5,0.0",
        "piecewise_linear:breakpoints=1.5;slopes=1.0,0.0;offsets=0.0,1.5", "identity"]
    X = np.random.default_rng(4).normal(size=(300,) + shape)
    assert_matches(onnx_stack(model), X, ReferenceEvaluator(model).run(None, {"x": X})[0])


def test_torch_hardsigmoid_export_is_hard_sigmoid():
    """torch writes Hardsigmoid as HardSigmoid(alpha=float32(1/6), beta=0.5): read back as
    hard_sigmoid, it matches torch in float64."""
    torch = pytest.importorskip("torch")
    nn = torch.nn
    torch.manual_seed(4)
    module = nn.Sequential(nn.Linear(3, 6), nn.Hardsigmoid(), nn.Linear(6, 2)).double().eval()
    model = _export(module, (3,))
    assert "HardSigmoid" in {node.op_type for node in model.graph.node}
    net = load_onnx(model)
    assert net.activation_names() == ["hard_sigmoid", "identity"]
    X = np.random.default_rng(5).normal(size=(300, 3)) * 10
    with torch.no_grad():
        ref = module(torch.from_numpy(X)).numpy()
    assert np.abs(net.forward(X) - ref).max() <= EXACT


def test_hard_shrink_is_refused():
    n = helper.make_node
    model = _model([n("Gemm", ["x", "W"], ["a"]), n("Shrink", ["a"], ["y"], lambd=0.5)],
                   {"W": _w(3, 2)}, [3])
    with pytest.raises(UnsupportedLayerError, match="bias = lambd"):
        load_onnx(model)


def _export(module, shape, fold=False):
    torch = pytest.importorskip("torch")
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter is deprecated
        torch.onnx.export(module, (torch.zeros((1,) + shape, dtype=torch.float64),), buf,
                          dynamo=False, do_constant_folding=fold, input_names=["x"],
                          output_names=["y"], dynamic_axes={"x": {0: "N"}, "y": {0: "N"}})
    return onnx.load_from_string(buf.getvalue())


def test_torch_exports_match_reference_and_torch():
    """Graphs exported from torch (BatchNormalization kept, Clip from ReLU6/Hardtanh,
    AveragePool with ceil_mode, MaxPool, Flatten, Gemm) match both the reference evaluator
    and torch in float64."""
    torch = pytest.importorskip("torch")
    nn = torch.nn
    torch.manual_seed(0)
    bn = nn.BatchNorm2d(4)
    with torch.no_grad():
        bn.running_mean.normal_()
        bn.running_var.uniform_(0.5, 2.0)
        bn.weight.normal_()
    module = nn.Sequential(
        nn.Conv2d(2, 4, 3, stride=(1, 2), padding=2, dilation=2), bn, nn.ReLU(),
        nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True), nn.Hardtanh(-0.5, 2.0),
        nn.Conv2d(4, 3, 2, padding=1), nn.ReLU6(), nn.MaxPool2d(3, stride=2, ceil_mode=True),
        nn.Flatten(), nn.Dropout(), nn.Linear(3 * 3 * 2, 3), nn.ReLU(),
        nn.Linear(3, 2)).double().eval()
    model = _export(module, (2, 11, 9))
    assert {"BatchNormalization", "Clip", "MaxPool", "AveragePool"} <= {
        node.op_type for node in model.graph.node}
    X = np.random.default_rng(2).normal(size=(200, 2, 11, 9))
    ref = ReferenceEvaluator(model).run(None, {"x": X})[0]
    stack = onnx_stack(model)
    assert_matches(stack, X, ref)
    with torch.no_grad():
        assert_matches(stack, X, module(torch.from_numpy(X)).numpy())
    # ceil_mode windows that would start in the end padding are dropped by both
    module = nn.Sequential(nn.MaxPool2d(2, stride=2, padding=1, ceil_mode=True),
                           nn.AvgPool2d(2, stride=2, padding=1, ceil_mode=True), nn.Flatten(),
                           nn.Linear(4, 2)).double().eval()
    model = _export(module, (1, 5, 5))
    X = np.random.default_rng(3).normal(size=(100, 1, 5, 5))
    assert_matches(onnx_stack(model), X, ReferenceEvaluator(model).run(None, {"x": X})[0])


def test_float32_export_is_read_exactly_in_float64():
    """A float32 model's weights become float64 exactly: the network matches the same
    weights in float64 torch within 1e-9, and the float32 reference within float32 error."""
    torch = pytest.importorskip("torch")
    nn = torch.nn
    torch.manual_seed(1)
    module = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)).eval()
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (torch.zeros(1, 4),), buf, dynamo=False, input_names=["x"])
    model = onnx.load_from_string(buf.getvalue())
    net = load_onnx(model)
    X = np.random.default_rng(3).normal(size=(200, 4))
    with torch.no_grad():
        ref64 = module.double()(torch.from_numpy(X)).numpy()
    assert np.abs(net.forward(X) - ref64).max() <= EXACT
    ref32 = ReferenceEvaluator(model).run(None, {"x": X.astype(np.float32)})[0]
    np.testing.assert_allclose(net.forward(X), ref32, rtol=1e-5, atol=1e-5)


def test_same_model_from_torch_sklearn_and_onnx_has_the_same_regions(tmp_path):
    """An MLPClassifier, its weights in a torch Sequential saved with torch.save, that
    module exported to ONNX, and an ONNX MatMul+Add graph written from sklearn's arrays: four
    files, one network (identical float64 weights), the same regions on the same box."""
    torch = pytest.importorskip("torch")
    sknn = pytest.importorskip("sklearn.neural_network")
    from_sklearn, from_torch = rk.Network.from_sklearn, rk.Network.from_torch

    rng = np.random.default_rng(5)
    X = rng.uniform(-2, 2, size=(300, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int) + (np.hypot(X[:, 0], X[:, 1]) > 1.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = sknn.MLPClassifier(hidden_layer_sizes=(8, 8), max_iter=50, random_state=0)
        clf.fit(X, y)
    nn = torch.nn
    module = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(),
                           nn.Linear(8, 3)).double()
    with torch.no_grad():
        for layer, W, b in zip(module[::2], clf.coefs_, clf.intercepts_):
            layer.weight.copy_(torch.from_numpy(W.T))
            layer.bias.copy_(torch.from_numpy(b))
    torch.save(module.state_dict(), tmp_path / "net.pt")
    loaded = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(),
                           nn.Linear(8, 3)).double()
    loaded.load_state_dict(torch.load(tmp_path / "net.pt"))
    onnx.save(_export(module.eval(), (2,), fold=True), tmp_path / "torch.onnx")
    n = helper.make_node
    sk_graph = _model(
        [n("MatMul", ["x", "W0"], ["a"]), n("Add", ["a", "b0"], ["b"]), n("Relu", ["b"], ["c"]),
         n("MatMul", ["c", "W1"], ["d"]), n("Add", ["d", "b1"], ["e"]), n("Relu", ["e"], ["f"]),
         n("MatMul", ["f", "W2"], ["g"]), n("Add", ["g", "b2"], ["y"])],
        {**{f"W{i}": W for i, W in enumerate(clf.coefs_)},
         **{f"b{i}": b for i, b in enumerate(clf.intercepts_)}}, [2])
    onnx.save(sk_graph, tmp_path / "sklearn.onnx")

    nets = {"sklearn": from_sklearn(clf), "torch": from_torch(loaded),
            "torch.onnx": load_onnx(tmp_path / "torch.onnx"),
            "sklearn.onnx": load_onnx(tmp_path / "sklearn.onnx")}
    ref = nets["sklearn"]
    for name, net in nets.items():
        assert net.activation_names() == ["relu", "relu", "identity"], name
        for W, V in zip(net.weights + net.biases, ref.weights + ref.biases):
            np.testing.assert_array_equal(W, V, err_msg=name)
    box = rk.Box(-3, 3, dim=2)
    counts = {name: rk.enumerate_regions(net, box).n_regions for name, net in nets.items()}
    assert len(set(counts.values())) == 1 and counts["sklearn"] > 8, counts
    t = box.sample(20000, rng=6)
    sampled = {row.tobytes() for row in ref.pattern(t)}
    assert len(sampled) <= counts["sklearn"]


# --- refusals -----------------------------------------------------------------------------

def test_unsupported_op_is_named():
    n = helper.make_node
    model = _model([n("Gemm", ["x", "W"], ["a"]), n("Tanh", ["a"], ["b"], name="act1"),
                    n("Gemm", ["b", "W2"], ["y"])], {"W": _w(3, 4), "W2": _w(4, 1)}, [3])
    with pytest.raises(UnsupportedLayerError, match=r"node 'act1' \(Tanh\) is not supported"):
        load_onnx(model)


def test_branching_graph_is_not_a_chain():
    n = helper.make_node
    model = _model([n("Gemm", ["x", "W"], ["a"]), n("Relu", ["a"], ["b"]),
                    n("Add", ["a", "b"], ["y"])], {"W": _w(3, 3)}, [3])
    with pytest.raises(UnsupportedLayerError, match="not a chain"):
        load_onnx(model)


def test_nan_weights_missing_shape_and_bad_files(tmp_path):
    n = helper.make_node
    W = _w(3, 2)
    W[1, 1] = np.nan
    model = _model([n("Gemm", ["x", "W"], ["y"], name="fc")], {"W": W}, [3])
    with pytest.raises(NetworkError, match=r"node 'fc' \(Gemm\) weight contains NaN"):
        load_onnx(model)
    model = _model([n("Flatten", ["x"], ["a"]), n("Gemm", ["a", "W"], ["y"])],
                   {"W": _w(6, 2)}, [2, "H"])
    with pytest.raises(NetworkError, match="pass input_shape"):
        load_onnx(model)
    assert load_onnx(model, input_shape=(2, 3)).n_in == 6
    with pytest.raises(NetworkFileError, match="no such file"):
        load_onnx(tmp_path / "missing.onnx")
    (tmp_path / "junk.onnx").write_bytes(b"\x08\x07not a model at all")
    with pytest.raises(NetworkFileError, match="not a readable ONNX model"):
        load_onnx(tmp_path / "junk.onnx")


def test_reshape_that_moves_the_batch_axis_is_refused():
    n = helper.make_node
    model = _model([n("Reshape", ["x", "s"], ["y"])], {"s": np.array([3, -1], np.int64)}, [6])
    with pytest.raises(UnsupportedLayerError, match="does not keep the batch axis"):
        load_onnx(model)
