"""from_torch against torch's own float64 forward pass, layer kind by layer kind."""
from __future__ import annotations

import copy
import sys

import numpy as np
import pytest
from loaders_common import EXACT, assert_matches, forward_arrays

import regionkit as rk
from regionkit.errors import MissingExtraError, NetworkError, UnsupportedLayerError
from regionkit.model.loaders.torch import torch_stack

from_torch = rk.Network.from_torch

torch = pytest.importorskip("torch")
nn = torch.nn
F = torch.nn.functional


def _bn(cls, n):
    """Batch norm with non-trivial running statistics and affine parameters."""
    bn = cls(n)
    with torch.no_grad():
        bn.running_mean.normal_()
        bn.running_var.uniform_(0.3, 3.0)
        bn.weight.normal_()
        bn.bias.normal_()
    return bn


class Traced(nn.Module):
    """Not a Sequential: torch.fx traces the forward."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 3, 3, padding=1)
        self.block = nn.Sequential(nn.Linear(3 * 4 * 4, 8), nn.ReLU6())
        self.out = nn.Linear(8, 2)

    def forward(self, x):
        x = torch.relu(self.conv(x))
        x = torch.flatten(x, 1)
        x = F.leaky_relu(self.block(x), 0.1)
        return F.hardtanh(self.out(x).relu(), -2.0, 0.5)


MODELS = {
    "mlp": (lambda: nn.Sequential(
        nn.Linear(5, 8), nn.ReLU(), nn.Dropout(0.5),
        nn.Sequential(nn.Linear(8, 8), nn.LeakyReLU(0.2), nn.Identity()),
        nn.Linear(8, 6), nn.Hardtanh(), nn.Linear(6, 3)), None),
    "mlp-batchnorm": (lambda: nn.Sequential(
        nn.Linear(4, 6), _bn(nn.BatchNorm1d, 6), nn.ReLU(), _bn(nn.BatchNorm1d, 6),
        nn.Linear(6, 3), nn.Linear(3, 2)), None),
    "clip-rescaled": (lambda: nn.Sequential(
        nn.Linear(3, 6), nn.ReLU6(), nn.Linear(6, 6), nn.Hardtanh(-0.5, 2.0),
        nn.Linear(6, 4), nn.ReLU(), nn.ReLU()), None),
    "conv-bn-maxpool": (lambda: nn.Sequential(
        nn.Conv2d(2, 4, 3, stride=2, padding=1), _bn(nn.BatchNorm2d, 4), nn.ReLU(),
        nn.MaxPool2d(2, padding=1), nn.Flatten(), nn.Linear(36, 5)), (2, 9, 9)),
    "conv-groups-dilation-avgpool": (lambda: nn.Sequential(
        nn.Conv2d(2, 4, (3, 2), stride=(1, 2), padding=(2, 1), dilation=(2, 1), groups=2),
        nn.LeakyReLU(0.2), nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True),
        nn.Conv2d(4, 3, 2, padding="same"), nn.ReLU(),
        nn.AvgPool2d(2, stride=1, padding=1, count_include_pad=False),
        nn.Flatten(), nn.Linear(3 * 7 * 4, 4)), (2, 11, 9)),
    "maxpool-dilation-ceil": (lambda: nn.Sequential(
        nn.Conv2d(1, 2, 2), nn.MaxPool2d(3, stride=2, padding=1, dilation=2, ceil_mode=True),
        nn.ReLU(), nn.Flatten(), nn.Linear(2 * 3 * 3, 2)), (1, 8, 7)),
    "pooling-divisor-adaptive": (lambda: nn.Sequential(
        nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, divisor_override=5),
        nn.AdaptiveAvgPool2d((3, None)), nn.Flatten(start_dim=2), nn.Flatten(),
        nn.Linear(3 * 4, 3)), (1, 7, 7)),
    "ceil-drops-last-window": (lambda: nn.Sequential(
        nn.MaxPool2d(2, stride=2, padding=1, ceil_mode=True),
        nn.AvgPool2d(2, stride=2, padding=1, ceil_mode=True), nn.Flatten(),
        nn.Linear(4, 2)), (1, 5, 5)),
    "conv1d": (lambda: nn.Sequential(
        nn.Conv1d(3, 4, 3, padding=2), _bn(nn.BatchNorm1d, 4), nn.ReLU(),
        nn.MaxPool1d(3, stride=2, dilation=2, padding=1),
        nn.AvgPool1d(2, count_include_pad=False, padding=1), nn.AdaptiveAvgPool1d(3),
        nn.Flatten(), nn.Linear(12, 2)), (3, 17)),
    "conv3d": (lambda: nn.Sequential(
        nn.Conv3d(1, 2, 2), nn.ReLU(), nn.MaxPool3d(2), nn.Flatten(), nn.Linear(16, 2)),
        (1, 5, 5, 5)),
    "linear-on-last-axis": (lambda: nn.Sequential(
        nn.Conv1d(2, 3, 1), nn.Linear(4, 5), nn.ReLU(), nn.Flatten(), nn.Linear(15, 2)), (2, 4)),
    "traced-module": (Traced, (1, 4, 4)),
}


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("name", sorted(MODELS))
def test_matches_torch_forward(name):
    """Float32 weights read into float64 reproduce module.double() within 1e-9 on random
    inputs, through our layer arrays and through the Network."""
    torch.manual_seed(sum(map(ord, name)))
    make, shape = MODELS[name]
    model = make().eval()
    stack = torch_stack(model, shape)
    X = np.random.default_rng(0).normal(size=(300,) + (shape or stack.input_shape))
    with torch.no_grad():
        ref = copy.deepcopy(model).double()(torch.from_numpy(X)).numpy()
    assert_matches(stack, X, ref)
    net = from_torch(model, shape)
    assert net.n_in == X[0].size and net.n_out == ref[0].size


def test_affine_layers_compose_and_batchnorm_folds():
    """Linear-BN-ReLU-BN-Linear-Linear is two regionkit layers: BN folds into its
    neighbours and consecutive linear maps compose; the composition is the exact product."""
    torch.manual_seed(1)
    model = MODELS["mlp-batchnorm"][0]().eval()
    net = from_torch(model)
    assert net.activation_names() == ["relu", "identity"] and net.widths == [6, 2]
    l0, bn0, _, bn1, l1, l2 = copy.deepcopy(model).double()
    s0 = (bn0.weight / torch.sqrt(bn0.running_var + bn0.eps)).detach().numpy()
    np.testing.assert_allclose(net.weights[0], s0[:, None] * l0.weight.detach().numpy(),
                               rtol=1e-13)
    s1 = (bn1.weight / torch.sqrt(bn1.running_var + bn1.eps)).detach().numpy()
    W = (l2.weight @ l1.weight).detach().numpy() * s1[None, :]
    np.testing.assert_allclose(net.weights[1], W, rtol=1e-12, atol=1e-15)


def test_maxpool_is_a_selection_maxout_layer():
    """MaxPool2d(2, padding=1) after a ReLU on a 1x3x3 map: a 'maxout:4' layer of 2x2 units
    whose rows are 0/1 selections of the window's inputs (row-major window order); slots in
    the padding repeat the window's first input."""
    model = nn.Sequential(nn.ReLU(), nn.MaxPool2d(2, padding=1)).eval()
    Ws, bs, acts = torch_stack(model, (1, 3, 3)).arrays()
    assert [a.spec for a in acts] == ["relu", "maxout:4"]
    W = Ws[1]
    assert W.shape == (4 * 4, 9) and not np.any(bs[1])
    assert np.all(W.sum(axis=1) == 1) and set(np.unique(W)) == {0.0, 1.0}
    picks = W.argmax(axis=1).reshape(4, 4)
    np.testing.assert_array_equal(picks, [[0, 0, 0, 0], [1, 1, 1, 2], [3, 3, 3, 6],
                                          [4, 5, 7, 8]])
    X = np.random.default_rng(2).normal(size=(50, 1, 3, 3))
    ref = model.double()(torch.from_numpy(X)).numpy().reshape(50, -1)
    np.testing.assert_array_equal(forward_arrays(Ws, bs, acts, X.reshape(50, -1)), ref)


def test_pool_after_conv_without_activation_composes_into_pieces():
    """Conv then MaxPool with no activation between: the maxout pieces are rows of the conv's
    affine map (no identity layer in between)."""
    torch.manual_seed(3)
    model = nn.Sequential(nn.Conv2d(1, 2, 2), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(8, 1)).eval()
    net = from_torch(model, (1, 5, 5))
    assert net.activation_names() == ["maxout:4", "identity"]
    X = np.random.default_rng(3).normal(size=(100, 1, 5, 5))
    ref = model.double()(torch.from_numpy(X)).detach().numpy()
    np.testing.assert_allclose(net.forward(X.reshape(100, -1)), ref, atol=1e-12)


def test_regions_of_a_converted_conv_net_on_a_plane():
    """A conv+maxpool net on a plane through three inputs: every sampled point's pattern
    is an enumerated region, and the region map reproduces the torch output there."""
    torch.manual_seed(4)
    model = nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(12, 6), nn.ReLU(), nn.Linear(6, 1)).eval()
    net = from_torch(model, (1, 6, 6))
    rng = np.random.default_rng(4)
    plane = rk.Plane.through(*rng.normal(size=(3, 36)))
    rs = rk.enumerate_regions(net, plane)
    assert rs.complete and rs.n_regions > 10
    t = plane.sample(5000, rng=5)
    x = plane.to_input(t)
    pattern = net.pattern(x)
    known = {row.tobytes() for row in rs.pattern_bits()}
    assert all(row.tobytes() in known for row in pattern)
    regions = rs.locate(t)
    with torch.no_grad():
        ref = model.double()(torch.from_numpy(x.reshape(-1, 1, 6, 6))).numpy()
    np.testing.assert_allclose(rs.outputs(t, regions), ref, atol=1e-9)


# --- activations onto named tables ---------------------------------------------------------

class Functional(nn.Module):
    """The functional forms, traced by torch.fx."""

    def __init__(self):
        super().__init__()
        self.a, self.b, self.c = nn.Linear(3, 5), nn.Linear(5, 5), nn.Linear(5, 5)
        self.out = nn.Linear(5, 2)

    def forward(self, x):
        x = F.hardsigmoid(self.a(x))
        x = F.softshrink(self.b(x), 0.3)
        x = F.relu6(self.c(x))
        return F.leaky_relu(self.out(x), negative_slope=1.0)  # slope 1: the identity


@pytest.mark.parametrize("module,spec", [
    (nn.ReLU6(), "relu6"), (nn.Hardsigmoid(), "hard_sigmoid"),
    (nn.Hardtanh(-2.0, 3.0), "hard_tanh:-2.0,3.0"), (nn.Hardtanh(0.0, 6.0), "relu6"),
    (nn.LeakyReLU(0.3), "leaky_relu:0.3"), (nn.Softshrink(0.7), "soft_shrink:0.7"),
    (nn.Softshrink(), "soft_shrink")], ids=lambda v: v if isinstance(v, str) else None)
def test_activation_modules_map_onto_named_tables(module, spec):
    """Each activation is one regionkit layer with its named table (no affine maps around
    it), and the network matches torch on inputs that reach every piece."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 6), module, nn.Linear(6, 2)).eval()
    net = from_torch(model)
    assert net.activation_names() == [spec, "identity"]
    X = np.random.default_rng(1).normal(size=(400, 3)) * 12
    act = net.activations[0]
    pieces = act.piece(net.preactivations(X)[0])
    assert set(np.unique(pieces)) == set(range(act.bits_per_unit + 1))
    with torch.no_grad():
        ref = copy.deepcopy(model).double()(torch.from_numpy(X)).numpy()
    assert np.abs(net.forward(X) - ref).max() <= EXACT


def test_functional_activations_are_traced_onto_named_tables():
    torch.manual_seed(2)
    model = Functional().eval()
    net = from_torch(model)
    assert net.activation_names() == ["hard_sigmoid", "soft_shrink:0.3", "relu6", "identity"]
    X = np.random.default_rng(3).normal(size=(300, 3)) * 10
    with torch.no_grad():
        ref = copy.deepcopy(model).double()(torch.from_numpy(X)).numpy()
    assert np.abs(net.forward(X) - ref).max() <= EXACT


# --- refusals -----------------------------------------------------------------------------

def test_unsupported_layer_is_named():
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    with pytest.raises(UnsupportedLayerError, match=r"1: Tanh is not supported"):
        from_torch(model)


def test_unsupported_function_in_traced_forward_is_named():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)

        def forward(self, x):
            return torch.tanh(self.fc(x))

    with pytest.raises(UnsupportedLayerError, match="calls tanh"):
        from_torch(M())


def test_residual_forward_is_not_a_chain():
    class Residual(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)

        def forward(self, x):
            return x + self.fc(x)

    with pytest.raises(UnsupportedLayerError, match="not a chain"):
        from_torch(Residual())


def test_conv_needs_input_shape():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(2, 1))
    with pytest.raises(NetworkError, match=r"0 \(Conv2d\) needs the input shape.*input_shape"):
        from_torch(model)
    with pytest.raises(NetworkError, match=r"takes one example of shape \(C, 2 spatial"):
        from_torch(model, input_shape=(1, 3))


def test_nan_weights_are_refused_with_the_layer_name():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    with torch.no_grad():
        model[2].weight[0, 1] = float("nan")
    with pytest.raises(NetworkError, match=r"2 \(Linear\) weight contains NaN"):
        from_torch(model)


def test_batchnorm_without_running_stats_and_reflect_padding_are_refused():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3, track_running_stats=False))
    with pytest.raises(UnsupportedLayerError, match="batch statistics"):
        from_torch(model)
    model = nn.Sequential(nn.Conv1d(1, 1, 3, padding=1, padding_mode="reflect"))
    with pytest.raises(UnsupportedLayerError, match="padding_mode='reflect'"):
        from_torch(model, (1, 5))


def test_missing_torch_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail
    with pytest.raises(MissingExtraError, match=r'pip install "regionkit\[torch\]"'):
        from_torch(object())


def test_not_a_module():
    with pytest.raises(NetworkError, match="torch.nn.Module"):
        from_torch([np.eye(2)])
