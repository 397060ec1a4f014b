"""from_sklearn against scikit-learn's own forward pass, and the built-in digits example."""
from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest
from loaders_common import EXACT

import regionkit as rk
from regionkit.errors import NetworkError, UnsupportedLayerError
from regionkit.examples import digits_mlp, plane_through_classes

from_sklearn = rk.Network.from_sklearn

nn = pytest.importorskip("sklearn.neural_network")


def _fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: a few iterations are enough here
        return model.fit(X, y)


def _logits(model, X):
    """scikit-learn's forward pass without out_activation_ (set to identity on a copy)."""
    raw = copy.deepcopy(model)
    raw.out_activation_ = "identity"
    if not hasattr(raw, "predict_proba"):
        return raw.predict(X).reshape(len(X), -1)
    p = raw.predict_proba(X)
    return p[:, 1:] if raw.n_outputs_ == 1 else p   # binary: columns (1 - logit, logit)


@pytest.mark.parametrize("kind,activation,n_classes", [
    ("classifier", "relu", 3), ("classifier", "relu", 2), ("regressor", "relu", 0),
    ("classifier", "identity", 4)])
def test_matches_sklearn_forward(kind, activation, n_classes):
    """The network's outputs are sklearn's logits (within 1e-9), and they predict the same
    classes / values as the fitted model."""
    rng = np.random.default_rng(n_classes)
    X = rng.normal(size=(300, 5))
    if kind == "classifier":
        y = rng.integers(0, n_classes, 300)
        model = _fit(nn.MLPClassifier(hidden_layer_sizes=(7, 6), activation=activation, max_iter=30,
                                      random_state=0), X, y)
    else:
        y = np.stack([X[:, 0] * X[:, 1], np.abs(X[:, 2])], axis=1)
        model = _fit(nn.MLPRegressor(hidden_layer_sizes=(7, 6), activation=activation, max_iter=30,
                                     random_state=0), X, y)
    net = from_sklearn(model)
    out = net.forward(X)
    assert np.abs(out - _logits(model, X)).max() <= EXACT
    if kind == "regressor":
        assert np.abs(out - model.predict(X)).max() <= EXACT
    elif n_classes == 2:   # one logit; class 1 iff logit > 0 (probability > 0.5)
        np.testing.assert_array_equal(model.classes_[(out[:, 0] > 0).astype(int)],
                                      model.predict(X))
    else:
        np.testing.assert_array_equal(model.classes_[out.argmax(axis=1)], model.predict(X))
    if activation == "identity":   # no activation between the layers: one affine layer
        assert net.n_layers == 1
    else:
        assert net.activation_names() == ["relu", "relu", "identity"] and net.widths[:2] == [7, 6]


def test_tanh_and_logistic_are_refused():
    X = np.random.default_rng(0).normal(size=(40, 3))
    for act in ("tanh", "logistic"):
        model = _fit(nn.MLPClassifier(hidden_layer_sizes=(4,), activation=act, max_iter=5),
                     X, X[:, 0] > 0)
        with pytest.raises(UnsupportedLayerError, match=f"activation='{act}'.*not piecewise"):
            from_sklearn(model)


def test_unfitted_other_models_and_nan_weights_are_refused():
    with pytest.raises(NetworkError, match="not fitted"):
        from_sklearn(nn.MLPClassifier())
    from sklearn.linear_model import LogisticRegression

    with pytest.raises(UnsupportedLayerError, match="LogisticRegression"):
        from_sklearn(LogisticRegression())
    X = np.random.default_rng(0).normal(size=(40, 3))
    model = _fit(nn.MLPRegressor(hidden_layer_sizes=(4,), max_iter=5), X, X[:, 0])
    model.coefs_[1][2, 0] = np.inf
    with pytest.raises(NetworkError, match=r"coefs_\[1\] contains NaN or infinite"):
        from_sklearn(model)


# --- the digits example ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def digits():
    return digits_mlp()


def test_digits_mlp_is_deterministic_and_accurate(digits):
    net, images, labels = digits
    assert images.shape == (1797, 64) and labels.shape == (1797,)
    assert images.min() == 0.0 and images.max() == 1.0
    assert net.n_in == 64 and net.widths == [16, 16, 10]
    assert np.mean(net.forward(images).argmax(axis=1) == labels) > 0.95
    again, _, _ = digits_mlp()
    assert all(np.array_equal(a, b) for a, b in zip(net.weights, again.weights))


def test_digits_plane_regions_match_dense_sampling(digits):
    """Regions of the digits net on the plane through a 0, a 1 and a 2: a 400x400 grid finds
    only enumerated patterns, finds every region whose area exceeds 40 grid cells, and each
    region's Chebyshev centre carries its own pattern; the three digits are in the square."""
    net, images, labels = digits
    plane = plane_through_classes(images, labels, (0, 1, 2))
    rs = rk.enumerate_regions(net, plane)
    assert rs.complete and 20 < rs.n_regions
    side = np.linspace(plane.lo[0], plane.hi[0], 402)[1:-1]
    t = np.stack(np.meshgrid(side, side), axis=-1).reshape(-1, 2)
    sampled = {row.tobytes() for row in net.pattern(plane.to_input(t))}
    enumerated = [row.tobytes() for row in rs.pattern_bits()]
    assert len(set(enumerated)) == rs.n_regions
    assert sampled <= set(enumerated)
    cell = (side[1] - side[0]) ** 2
    volumes = rs.volumes()
    missed = [r for r, p in enumerate(enumerated) if p not in sampled]
    assert all(volumes[r] < 40 * cell for r in missed)
    centres = net.pattern(plane.to_input(rs.interior_points))
    np.testing.assert_array_equal(centres, rs.pattern_bits())
    inside = plane.contains(np.linalg.lstsq(plane.basis, (plane.points - plane.origin).T,
                                            rcond=None)[0].T)
    assert inside.all()


def test_line_through_two_digits(digits):
    """Segment.through a 3 and an 8, extended by half their distance: the engine's pieces
    equal the trajectory module's, and the two images sit at t = 1/4 and 3/4."""
    from regionkit import trajectory

    net, images, labels = digits
    a, b = images[np.flatnonzero(labels == 3)[0]], images[np.flatnonzero(labels == 8)[0]]
    seg = rk.Segment.through(a, b, extend=0.5)
    np.testing.assert_allclose(seg.to_input(np.array([[0.25], [0.75]])), [a, b], atol=1e-12)
    np.testing.assert_array_equal(seg.points, [a, b])
    rs = rk.enumerate_regions(net, seg)
    assert rs.n_regions == trajectory.segment(net, seg.x0, seg.x1).n_pieces > 3
    with pytest.raises(rk.DomainError, match="extend"):
        rk.Segment.through(a, b, extend=-1)


def test_plane_through_classes_refuses_bad_classes(digits):
    _, images, labels = digits
    with pytest.raises(rk.DomainError, match="three different classes"):
        plane_through_classes(images, labels, (0, 0, 1))
    with pytest.raises(rk.DomainError, match="no image has label 11"):
        plane_through_classes(images, labels, (0, 1, 11))
