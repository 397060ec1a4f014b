"""Type stubs for the compiled core (regionkit/core/_core.pyx).

Checked against the built module by mypy's stubtest (see .ci/run). Every function fails with
CoreInputError (arrays that do not fit together), CoreMemoryError or SolverError only (and
TypeError for an argument of the wrong kind, such as a list where a dict is expected).
"""
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from regionkit.core.geometry import Geometry

LP_STATUS: dict[int, str]

# (kind, breaks, slopes, offsets, pieces): regionkit.model.activations.CoreTable
_CoreTableLike = tuple[int, ArrayLike, ArrayLike, ArrayLike, int]
# Faces listed region by region: owner, dimension, volume, a point, and two int64 arrays
# (vertex_form_faces: the faces' vertices and their counts; vertex_form_owned_faces: the
# vertices to check and their rows).
_FaceArrays = tuple[
    NDArray[np.int64],
    NDArray[np.int64],
    NDArray[np.float64],
    NDArray[np.float64],
    NDArray[np.int64],
    NDArray[np.int64],
]

def activation_kinds() -> dict[str, int]: ...
def vector_kernels() -> str: ...
def hyperplane_count(table: _CoreTableLike) -> int: ...
def maxout_pair_scales(W: ArrayLike, b: ArrayLike, S: ArrayLike) -> NDArray[np.float64]: ...
def maxout_sure_winners(
    off: ArrayLike, X: ArrayLike, ZM: ArrayLike, Zm: ArrayLike, src: ArrayLike, first: int,
    k: int, eps: ArrayLike,
) -> NDArray[np.int64]: ...
def split_frontier(
    geometry: Geometry | str,
    frontier: dict[str, Any],
    maps: dict[str, Any],
    W: ArrayLike,
    b: ArrayLike,
    table: _CoreTableLike,
    rtol: float,
    atol: float,
    label_base: int,
    max_total: int,
    seconds: float,
    hard_seconds: float = ...,
    workers: int = ...,
    batch: int = ...,
    parent_maps: bool = ...,
    partial: bool = ...,
) -> tuple[
    int,
    dict[str, NDArray[Any]],
    dict[str, NDArray[np.float64]],
    NDArray[np.uint8],
    NDArray[np.int64],
    bool,
]: ...
def child_maps(
    parents: dict[str, Any],
    parent: ArrayLike,
    bits: ArrayLike,
    W: ArrayLike,
    b: ArrayLike,
    table: _CoreTableLike,
) -> dict[str, NDArray[np.float64]]: ...
KEEP: dict[str, int]

def expand_roots(
    geometry: Geometry | str,
    frontier: dict[str, Any],
    maps: dict[str, Any],
    layers: list[tuple[ArrayLike, ArrayLike, _CoreTableLike, int]],
    prefix: ArrayLike,
    keep: str,
    rtol: float,
    atol: float,
    max_total: int,
    seconds: float,
    hard_seconds: float = ...,
    workers: int = ...,
    batch: int = ...,
    source: tuple[ArrayLike, ArrayLike, _CoreTableLike, ArrayLike, ArrayLike] | None = ...,
    fixed: tuple[ArrayLike, int] | None = ...,
    call_leaves: int | None = ...,
) -> tuple[
    int,
    int,
    dict[str, NDArray[Any]] | None,
    dict[str, NDArray[np.float64]] | None,
    NDArray[np.uint8] | None,
    NDArray[np.float64] | None,
    list[int],
    bool,
]: ...
def lp_min(
    A: ArrayLike, b: ArrayLike, c: ArrayLike, x0: ArrayLike, stop_below: float = ...
) -> tuple[str, NDArray[np.float64], float]: ...
def chebyshev(
    off: ArrayLike, A: ArrayLike, b: ArrayLike, centers: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]: ...
def vertex_form_measures(
    voff: ArrayLike,
    V: ArrayLike,
    ioff: ArrayLike,
    inc: ArrayLike,
    roff: ArrayLike,
    A: ArrayLike | None = ...,
    conditioning: NDArray[np.float64] | None = ...,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]: ...
def vertex_form_owned_faces(
    voff: ArrayLike,
    V: ArrayLike,
    ioff: ArrayLike,
    inc: ArrayLike,
    roff: ArrayLike,
    A: ArrayLike,
    flag: ArrayLike,
) -> _FaceArrays | None: ...
def vertex_form_faces(
    voff: ArrayLike, V: ArrayLike, ioff: ArrayLike, inc: ArrayLike, roff: ArrayLike
) -> _FaceArrays: ...
def signs_at_points(
    layers: list[tuple[Any, ...]],
    input_map: dict[str, Any],
    T: ArrayLike,
    D: ArrayLike | None,
    rtol: float,
    atol: float,
) -> tuple[NDArray[np.int8], NDArray[np.int8]]: ...
def signs_in_regions(
    layers: list[tuple[Any, ...]],
    input_map: dict[str, Any],
    bits: ArrayLike,
    poff: ArrayLike,
    T: ArrayLike,
    rtol: float,
    atol: float,
) -> NDArray[np.int8]: ...
def certify_row_bounds(
    A: ArrayLike,
    C: ArrayLike,
    EA: ArrayLike,
    EC: ArrayLike,
    centre: ArrayLike,
    lo: ArrayLike,
    hi: ArrayLike,
    tiny: float,
) -> tuple[
    NDArray[np.float64],
    NDArray[np.float64],
    NDArray[np.bool_],
    NDArray[np.bool_],
]: ...
def certify_float_filter(
    layers: list[tuple[Any, ...]],
    input_map: dict[str, Any],
    DA: ArrayLike,
    Db: ArrayLike,
    lo: ArrayLike,
    hi: ArrayLike,
    ids: ArrayLike,
    bits: ArrayLike,
    voff: ArrayLike,
    V: ArrayLike,
    ioff: ArrayLike,
    ineq_A: ArrayLike,
    ineq_b: ArrayLike,
    labels: ArrayLike,
    hint_tol: float,
    box_slack: float,
    box_grow: float,
    tiny: float,
) -> tuple[
    NDArray[np.bool_],
    NDArray[np.float64],
    NDArray[np.int64],
    NDArray[np.int64],
]: ...
def vertex_form_facet_distances(
    voff: ArrayLike,
    V: ArrayLike,
    ioff: ArrayLike,
    inc: ArrayLike,
    roff: ArrayLike,
    f_region: ArrayLike,
    f_row: ArrayLike,
    fA: ArrayLike,
    fb: ArrayLike,
    X: ArrayLike,
) -> NDArray[np.float64]: ...
