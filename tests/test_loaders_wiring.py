"""The public entry points of the loaders: Network.from_torch / from_sklearn and
rk.load_network on .onnx files give the same networks as the loader functions."""
from __future__ import annotations

import numpy as np
import pytest

import regionkit as rk
from regionkit.model.loaders import onnx_stack, sklearn_stack, torch_stack


def from_torch(module, input_shape=None) -> rk.Network:
    return rk.Network.from_arrays(*torch_stack(module, input_shape).arrays())


def from_sklearn(model) -> rk.Network:
    return rk.Network.from_arrays(*sklearn_stack(model).arrays())


def load_onnx(model, input_shape=None) -> rk.Network:
    return rk.Network.from_arrays(*onnx_stack(model, input_shape).arrays())


def _same(a: rk.Network, b: rk.Network) -> None:
    assert a.activations == b.activations and a.pieces == b.pieces
    for x, y in zip(a.weights + a.biases, b.weights + b.biases):
        np.testing.assert_array_equal(x, y)


def test_network_from_torch_and_onnx_file(tmp_path):
    torch = pytest.importorskip("torch")
    pytest.importorskip("onnx")
    torch.manual_seed(0)
    m = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                            torch.nn.Flatten(), torch.nn.Linear(2 * 3 * 3, 1)).double().eval()
    net = rk.Network.from_torch(m, input_shape=(1, 8, 8))
    _same(net, from_torch(m, (1, 8, 8)))
    assert net.has_maxout
    X = np.random.default_rng(0).uniform(size=(20, 64))
    with torch.no_grad():
        ref = m(torch.from_numpy(X.reshape(-1, 1, 8, 8))).numpy()
    np.testing.assert_allclose(net.forward(X), ref, rtol=0, atol=1e-12)
    path = tmp_path / "m.onnx"
    torch.onnx.export(m, torch.zeros(1, 1, 8, 8, dtype=torch.float64), str(path), dynamo=False)
    _same(rk.load_network(path), load_onnx(str(path)))
    np.testing.assert_allclose(rk.load_network(path).forward(X), ref, rtol=0, atol=1e-12)


def test_network_from_sklearn():
    sk = pytest.importorskip("sklearn.neural_network")
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 3))
    y = X @ np.array([1.0, -2.0, 0.5])
    model = sk.MLPRegressor(hidden_layer_sizes=(5,), max_iter=20, random_state=0)
    with pytest.warns(Warning):  # not converged in 20 iterations: fine for a loader test
        model.fit(X, y)
    _same(rk.Network.from_sklearn(model), from_sklearn(model))
    np.testing.assert_allclose(rk.Network.from_sklearn(model).forward(X)[:, 0],
                               model.predict(X), rtol=0, atol=1e-12)
