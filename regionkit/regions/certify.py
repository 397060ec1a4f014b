"""certify(): an exact proof that a RegionSet is the activation partition of its domain.

Three checks, all exact (docs/certify.md):

1. genuine: every region has a point where all of its rows (regionkit.regions.rational) are
   strictly negative, so a neighbourhood of it has the region's pattern;
2. complete: every facet of every region lies on the domain's boundary or is crossed into a
   listed region. Crossing a facet at a point of its relative interior flips exactly the
   bits whose rows vanish there, and the region across has that very facet (on its zero
   set the pieces either side meet, so the two regions' other rows agree there); a
   missing region would leave a facet with nothing across it, so if every facet has its
   neighbour listed, the closures cover the domain. Patterns listed twice are reported;
3. the near-degenerate regions (inradius below `near` times the domain's size) and the
   exactly degenerate units (a hyperplane identically at its threshold on a region) are
   reported.

Speed: the regions' rows are first computed in floats with rigorous error bounds (every
dot product of n terms is off by at most gamma(n) times the sum of its absolute terms,
Higham's bound, which holds in any summation order), and a float test is used only where
its bound proves the exact answer: strict margins at the centroid of the stored vertices;
a box around the stored vertices whose sides are proven by Farkas certificates
(multipliers y >= 0 on stored rows, valid for any y >= 0), so rows negative on the whole
box are no facets; for each stored facet, a segment from the centroid across the facet
whose crossing point is strictly inside every other row (then it is in the facet's
relative interior); a Farkas certificate for each remaining row. A region any of these
cannot settle -- degenerate units, coincident hyperplanes, margins below the rounding
error, LP-form RegionSets without vertices -- is checked in exact rational arithmetic
instead (exact LPs for its facets). docs/certify.md has the details.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from regionkit.core import _core
from regionkit.errors import RegionkitError
from regionkit.measures.signs import domain_signs
from regionkit.model.activations import Maxout
from regionkit.regions.rational import BACKEND, RationalNet, facets, interior_point, q

__all__ = ["Certificate", "Failure", "NEAR_DEGENERATE_RTOL", "certify", "verify_interior_points"]

# A region is reported near-degenerate when its inradius is below this fraction of the
# domain's bounding-box diameter (its largest side).
NEAR_DEGENERATE_RTOL = 1e-6
# Float bounds: unit roundoff, a safety factor on every bound, and an absolute floor for
# underflow (each product or sum of subnormals is off by at most 2**-1074).
_U = 2.0 ** -53
_SAFETY = 2.0
_TINY = 1e-290
# Stored vertices lie on a stored row (a hint only, every use is proven) when the residual
# is below this times the domain's size.
_HINT_RTOL = 1e-9
# The box around a region's stored vertices reaches this fraction of the domain's size
# beyond them (its sides are proven, so any slack is sound; a little keeps the proofs easy).
_BOX_SLACK = 1e-6
# ... plus this fraction of the region's own extent: rows negative on the whole box need
# no further proof, and the points beyond each facet stay inside it.
_BOX_GROW = 1e-3
# Regions whose float rows are built at once.
_CHUNK = 1024


def _gamma(n: int | np.ndarray) -> Any:
    """gamma(n) = n u / (1 - n u), taken for n + 2 terms to cover a bias and a subtraction."""
    n = np.asarray(n, dtype=np.float64) + 2.0
    return n * _U / (1.0 - n * _U)


@dataclass(frozen=True)
class Failure:
    """One way a RegionSet differs from the exact partition.

    Parameters
    ----------
    kind : str
        'missing' (a region of the exact partition that is not listed), 'doubled' (a
        pattern listed more than once) or 'not_genuine' (a listed pattern whose region is
        empty or lower-dimensional, or that is no pattern at all).
    region : int
        The listed region involved: for 'missing', the region whose facet leads to it.
    pattern : str
        The pattern concerned, as hex of its packed bits (little bit order).
    point : tuple of float
        'missing': a point of the missing region (domain coordinates, rounded to floats);
        otherwise empty.
    detail : str
        A sentence saying what was found.
    """

    kind: str
    region: int
    pattern: str
    point: tuple[float, ...]
    detail: str


@dataclass
class Certificate:
    """The result of certify().

    Parameters
    ----------
    ok : bool
        True when the RegionSet is exactly the partition: every region genuine, no
        pattern twice, nothing missing.
    n_regions : int
        Regions listed.
    n_facets : int
        Facets checked (boundary facets included).
    n_exact : int
        Regions settled in exact rational arithmetic (the others by float tests whose
        error bounds prove the exact answer).
    failures : list of Failure
        What is missing, doubled or not genuine.
    near_degenerate : list of int
        Regions whose inradius is below `near` times the domain's size.
    degenerate_units : list of int
        Hyperplanes identically at their threshold on some region (a unit that cannot
        switch there).
    backend : str
        The rational arithmetic used: 'flint' or 'fractions'.
    seconds : float
        Wall time of the check.
    complete_run : bool
        Whether the enumeration certified ran to its end.
    """

    ok: bool
    n_regions: int
    n_facets: int
    n_exact: int
    failures: list[Failure] = field(default_factory=list)
    near_degenerate: list[int] = field(default_factory=list)
    degenerate_units: list[int] = field(default_factory=list)
    backend: str = BACKEND
    seconds: float = 0.0
    complete_run: bool = True

    def count(self, kind: str) -> int:
        """Number of failures of one kind.

        Parameters
        ----------
        kind : str
            'missing', 'doubled' or 'not_genuine'.

        Returns
        -------
        int
            How many failures have that kind.
        """
        return sum(f.kind == kind for f in self.failures)

    @property
    def advice(self) -> str:
        """What to run when the certificate fails ('' when it holds)."""
        if self.ok:
            return ""
        if not self.complete_run:
            return ("the enumeration stopped early; rerun it without a budget, or count "
                    "exactly with enumerate_regions(net, domain, method='exact')")
        return ("count exactly with enumerate_regions(net, domain, method='exact') (small "
                "nets), or enumerate again with a smaller tolerance (tol=...)")

    def summary(self) -> str:
        """A few lines for people: verdict, counts, failures, advice.

        Returns
        -------
        str
            The summary.
        """
        head = "CERTIFIED exact" if self.ok else "NOT CERTIFIED"
        lines = [f"{head}: {self.n_regions} regions, {self.n_facets} facets checked "
                 f"({self.n_exact} regions in exact arithmetic, {self.backend}), "
                 f"{self.seconds:.3g} s",
                 f"missing {self.count('missing')}, doubled {self.count('doubled')}, "
                 f"not genuine {self.count('not_genuine')}; near-degenerate regions "
                 f"{len(self.near_degenerate)}, degenerate units {len(self.degenerate_units)}"]
        for f in self.failures[:10]:
            lines.append(f"  {f.kind}: region {f.region}: {f.detail}")
        if len(self.failures) > 10:
            lines.append(f"  ... and {len(self.failures) - 10} more")
        if self.advice:
            lines.append(f"instead: {self.advice}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form.

        Returns
        -------
        dict of str
            Every field, failures as dicts.
        """
        return {"ok": self.ok, "n_regions": self.n_regions, "n_facets": self.n_facets,
                "n_exact": self.n_exact, "missing": self.count("missing"),
                "doubled": self.count("doubled"), "not_genuine": self.count("not_genuine"),
                "failures": [f.__dict__ for f in self.failures],
                "near_degenerate": list(self.near_degenerate),
                "degenerate_units": list(self.degenerate_units), "backend": self.backend,
                "seconds": self.seconds, "complete_run": self.complete_run,
                "advice": self.advice}


def _hex(bits: np.ndarray) -> str:
    return np.packbits(np.asarray(bits, bool), bitorder="little").tobytes().hex()


class _Rows:
    """Float rows of a chunk of regions with error bounds.

    A (n, m, d), C (n, m): row j of region r is A[r, j] . t + C[r, j], negative on the
    region; the exact row's gradient differs from A[r, j] by at most EA[r, j] in every
    component and its constant by at most EC[r, j]. present[r, j] is False for a maxout
    winner's own bit (no row); zero[r, j] marks rows that are exactly the zero function (a
    unit identically at its threshold) and not strict. Maps are kept as (n, d, units), so
    each layer is one matrix product.
    """

    def __init__(self, net, domain, bits: np.ndarray) -> None:
        n = bits.shape[0]
        d = domain.dim
        # Regions with the same bits in the layers so far share their maps: the maps are
        # kept once per group (grp: each region's group) and each layer's rows are read
        # from them.
        grp = np.zeros(n, np.int64)
        M = domain.basis.T[None].astype(np.float64)  # (groups, d, units)
        m = domain.origin[None].astype(np.float64)
        EM = np.zeros((1, domain.input_dim))  # per unit, a bound for every component
        Em = np.zeros_like(m)
        As, Cs, EAs, ECs, pres, strict = [], [], [], [], [], []
        h0 = 0
        take = np.arange(n)[:, None]
        for W, b, act in zip(net.weights, net.biases, net.activations):
            W = np.asarray(W, np.float64)
            aW = np.abs(W)
            g = _gamma(W.shape[1])
            Z = (M.reshape(-1, M.shape[2]) @ W.T).reshape(M.shape[0], d, -1)  # (groups, d, o)
            z0 = m @ W.T + b
            EZ = (g * np.abs(M).max(axis=1) + EM) @ aW.T
            Ez = (g * np.abs(m) + Em) @ aW.T + g * np.abs(b)
            nh = act.bits_per_unit * (W.shape[0] // act.rows_per_unit)
            ub = bits[:, h0:h0 + nh]
            rep, newgrp = _groups(grp, ub)
            Zr, z0r, EZr, Ezr = Z[grp], z0[grp], EZ[grp], Ez[grp]  # per region
            if isinstance(act, Maxout):
                k = act.pieces
                U = W.shape[0] // k
                wins = ub.reshape(n, U, k)
                if np.any(wins.sum(axis=2) != 1):
                    raise _Inconclusive  # not a pattern: callers filter these out first
                a = np.argmax(wins, axis=2) + k * np.arange(U)  # (n, U) winning rows
                ai = np.repeat(a, k, axis=1)  # the winner of every row's unit
                A = Zr - np.take_along_axis(Zr, ai[:, None, :], axis=2)
                C = z0r - z0r[take, ai]
                EA = EZr + EZr[take, ai] + _U * np.abs(A).max(axis=1)
                EC = Ezr + Ezr[take, ai] + _U * np.abs(C)
                present = ai != np.arange(W.shape[0])
                st = np.arange(W.shape[0])[None, :] % k < (ai % k)
                ar = a[rep]
                M = np.take_along_axis(Zr[rep], ar[:, None, :], axis=2)
                m, EM, Em = z0r[rep][np.arange(len(rep))[:, None], ar], \
                    EZr[rep][np.arange(len(rep))[:, None], ar], \
                    Ezr[rep][np.arange(len(rep))[:, None], ar]
            else:
                c = np.asarray(act.breakpoints, np.float64)
                nb = len(c)
                if nb:
                    sb = ub.reshape(n, -1, nb)
                    sign = np.where(sb, -1.0, 1.0)  # (n, units, nb)
                    A = (sign[:, None, :, :] * Zr[:, :, :, None]).reshape(n, d, nh)
                    G = z0r[:, :, None] - c
                    C = (sign * G).reshape(n, nh)
                    EA = np.repeat(EZr, nb, axis=1)
                    EC = (Ezr[:, :, None] + _U * np.abs(G)).reshape(n, nh)
                    present = np.ones((n, nh), bool)
                    st = sb.reshape(n, nh)
                    piece = sb[rep].sum(axis=2)
                else:
                    piece = np.zeros((len(rep), W.shape[0]), np.int64)
                s = np.asarray(act.slopes)[piece]
                o = np.asarray(act.offsets)[piece]
                Zg, z0g = Zr[rep], z0r[rep]
                M = s[:, None, :] * Zg
                EM = np.abs(s) * EZr[rep] + _U * np.abs(M).max(axis=1)
                m = s * z0g + o
                Em = np.abs(s) * Ezr[rep] + _gamma(2) * (np.abs(s * z0g) + np.abs(o))
            grp = newgrp
            if nh:
                As.append(A)
                Cs.append(C)
                EAs.append(EA)
                ECs.append(EC)
                pres.append(present)
                strict.append(st)
            h0 += nh
        mD = domain.A.shape[0]
        As.append(np.broadcast_to(domain.A.T, (n, d, mD)))
        Cs.append(np.broadcast_to(-domain.b, (n, mD)))
        EAs.append(np.zeros((n, mD)))
        ECs.append(np.zeros((n, mD)))
        pres.append(np.ones((n, mD), bool))
        strict.append(np.ones((n, mD), bool))
        self.A = np.ascontiguousarray(np.concatenate(As, axis=2).transpose(0, 2, 1))
        self.C = np.concatenate(Cs, axis=1)
        EA0, EC0 = np.concatenate(EAs, axis=1), np.concatenate(ECs, axis=1)
        self.EA = _SAFETY * EA0 + _TINY
        self.EC = _SAFETY * EC0 + _TINY
        self.present = np.concatenate(pres, axis=1)
        # Rows that may be exactly the zero function (a unit identically at its threshold):
        # these, where A is exactly 0 too (known after the row pass, set_zero).
        self.maybe_zero = ((self.C == 0) & (EA0 == 0) & (EC0 == 0) & self.present
                           & ~np.concatenate(strict, axis=1))
        self.H = h0

    def set_zero(self, azero: np.ndarray) -> None:
        """zero and live, once the row pass has said which rows have A exactly 0."""
        self.zero = azero & self.maybe_zero
        self.live = self.present & ~self.zero


class _Inconclusive(Exception):
    """A float test could not prove the answer: the region goes to exact arithmetic."""


def _groups(grp: np.ndarray, ub: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Groups of regions with the same group and the same bits ub: (a representative of
    each new group, each region's new group)."""
    n = len(grp)
    key = np.concatenate([grp.astype(">i8").view(np.uint8).reshape(n, 8),
                          np.packbits(ub, axis=1)], axis=1)
    key = np.ascontiguousarray(key).view(np.dtype((np.void, key.shape[1]))).reshape(-1)
    _, rep, inv = np.unique(key, return_index=True, return_inverse=True)
    return rep, inv.reshape(-1)


def _valid(net, bits: np.ndarray) -> np.ndarray:
    """Whether every maxout unit of each pattern has exactly one winning piece."""
    ok = np.ones(bits.shape[0], bool)
    offs = net.layer_hyperplane_offsets()
    for li, act in enumerate(net.activations):
        if isinstance(act, Maxout):
            ub = bits[:, offs[li]:offs[li + 1]].reshape(bits.shape[0], -1, act.pieces)
            ok &= np.all(ub.sum(axis=2) == 1, axis=1)
    return ok


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenated aranges starts[i] .. starts[i] + counts[i]."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    shift = np.repeat(starts - np.r_[0, np.cumsum(counts)[:-1]], counts)
    return np.arange(total) + shift


def _vertex_hints(rs, chunk: np.ndarray, H: int, scale: float, valid: np.ndarray):
    """Stored vertices of the chunk's regions with, per vertex, the d rows (indices into the
    float rows: hyperplanes, then domain rows) whose stored versions pass through it.

    Returns (good, V, vreg, tight): good marks the valid regions whose every vertex lies on
    exactly d stored rows (a hint only: every use is proven); V, vreg (index into the good
    regions) and tight (n_vertices, d) for those regions.
    """
    d = rs.dim
    voff, ioff = rs.vertex_offsets, rs.ineq_offsets
    nv = voff[chunk + 1] - voff[chunk]
    ns = ioff[chunk + 1] - ioff[chunk]
    vid = _ranges(voff[chunk], nv)
    vreg = np.repeat(np.arange(len(chunk)), nv)
    V = rs.vertices[vid]
    pv = np.repeat(np.arange(len(vid)), ns[vreg])
    prow = _ranges(ioff[chunk][vreg], ns[vreg])
    res = np.abs(np.einsum("pd,pd->p", rs.ineq_A[prow], V[pv]) - rs.ineq_b[prow])
    tight = res <= _HINT_RTOL * scale
    per_vertex = np.bincount(pv[tight], minlength=len(vid))
    good = ((np.bincount(vreg, weights=(per_vertex != d), minlength=len(chunk)) == 0)
            & (nv > 0) & valid)
    keep_v = good[vreg]
    lab = rs.ineq_labels[prow[tight & keep_v[pv]]]
    T = np.where(lab >= 0, lab, H - 1 - lab).reshape(-1, d)
    newid = np.cumsum(good) - 1
    return good, V[keep_v], newid[vreg[keep_v]], np.sort(T, axis=1)


def _float_chunk(rows: _Rows, V: np.ndarray, vreg: np.ndarray, T: np.ndarray,
                 lo: np.ndarray, hi: np.ndarray):
    """The float path for a chunk of regions, all at once.

    Returns (ok, fac_region, fac_row, radius): which regions the float bounds settle, their
    facets as (region, row) pairs, and a lower bound of each region's inradius.
    """
    n, m, d = rows.A.shape
    counts = np.bincount(vreg, minlength=n)
    centre = np.stack([np.bincount(vreg, V[:, i], n) for i in range(d)], axis=1)
    centre /= np.maximum(counts, 1)[:, None]
    # A box around each region's stored vertices, each side proven by a Farkas certificate
    # below (so the region's closure lies in it); rows negative on the whole box ("far")
    # cannot be facets and hold everywhere the proofs below look.
    vmax = int(counts.max())
    start = np.r_[0, np.cumsum(counts)[:-1]]
    vlo, vhi = np.minimum.reduceat(V, start, axis=0), np.maximum.reduceat(V, start, axis=0)
    sigma = _BOX_SLACK * float(np.max(hi - lo)) + _BOX_GROW * np.max(vhi - vlo, axis=1)
    bl, bh = vlo - sigma[:, None], vhi + sigma[:, None]
    # Every row of every region in one compiled pass (csrc/certfilter.hpp, which derives
    # the bounds): its value at the centre with an error bound, whether it is proven
    # negative on the box, the centre's margin to it, whether its gradient is exactly 0.
    vin, ein, below, margin, azero = _core.certify_row_bounds(rows.A, rows.C, rows.EA, rows.EC,
                                                              centre, bl, bh, _TINY)
    rows.set_zero(azero)
    live = rows.live
    L = np.zeros((n, m), bool)
    L[np.repeat(vreg, d), T.reshape(-1)] = True
    # A unit identically at its threshold may switch across a facet of an earlier layer (its
    # function changes there), so the pattern across is not one flip: exact path.
    ok = ~np.any(L & ~live, axis=1) & ~np.any(rows.zero, axis=1)
    ok &= np.all((vin + ein < 0) | ~live, axis=1)
    radius = np.where(live, margin, np.inf).min(axis=1)
    slot = np.arange(len(vreg)) - start[vreg]
    P = np.zeros((n, vmax, d))
    P[vreg, slot] = V
    pad = np.arange(vmax)[None, :] >= counts[:, None]
    eye = np.eye(d)
    side_r = np.repeat(np.arange(n), 2 * d)
    side_a = np.tile(np.concatenate([eye, -eye]), (n, 1))
    side_c = np.concatenate([-bh, bl], axis=1).reshape(-1)
    idx = np.broadcast_to(np.arange(len(V))[:, None], V.shape)
    big = len(V)
    side_v = np.concatenate(  # the first stored vertex where each coordinate is extreme
        [np.minimum.reduceat(np.where(V == vhi[vreg], idx, big), start, axis=0),
         np.minimum.reduceat(np.where(V == vlo[vreg], idx, big), start, axis=0)],
        axis=1).reshape(-1)
    good = _farkas(rows, side_r, side_a, side_c, np.zeros(len(side_r)), np.zeros(len(side_r)),
                   T[side_v], lo, hi)
    ok &= np.bincount(side_r, weights=~good, minlength=n) == 0
    A, C = rows.A, rows.C
    near = live & ~below
    ok &= np.all((centre >= bl) & (centre <= bh), axis=1)
    # Facets: a point just beyond the centroid of the facet's stored vertices, away from
    # the centre and inside the box. The segment from the centre crosses row k where every
    # far row is negative; each near row j needs g_k(out) g_j(in) - g_k(in) g_j(out) < 0
    # (with its bound): then the crossing point is in the facet's relative interior.
    fr, fk = np.nonzero(L)
    nf = len(fr)
    slots = np.repeat(vreg, d) * m + T.reshape(-1)  # (vertex, row through it) pairs
    Vd = np.repeat(V, d, axis=0)
    cF = np.stack([np.bincount(slots, Vd[:, i], n * m)[fr * m + fk] for i in range(d)], axis=1)
    cF /= np.bincount(slots, None, n * m)[fr * m + fk][:, None]
    step = cF - centre[fr]
    eps = np.minimum(1.0, sigma[fr] / (2.0 * np.maximum(np.abs(step).max(axis=1), 1e-300)))
    out = cF + eps[:, None] * step
    inbox = np.all((out >= bl[fr]) & (out <= bh[fr]), axis=1)
    f, j = np.nonzero(near[fr])
    j = np.concatenate([fk, j])
    f = np.concatenate([np.arange(nf), f])
    Ap, Cp = A[fr[f], j], C[fr[f], j]
    ao = np.abs(out[f])
    vo = (Ap * out[f]).sum(axis=1) + Cp
    eo = (_SAFETY * _gamma(d) * ((np.abs(Ap) * ao).sum(axis=1) + np.abs(Cp))
          + rows.EA[fr[f], j] * ao.sum(axis=1) + rows.EC[fr[f], j] + _TINY)
    gko, eko = vo[:nf], eo[:nf]
    gki, eki = vin[fr, fk], ein[fr, fk]
    f, j, vo, eo = f[nf:], j[nf:], vo[nf:], eo[nf:]
    keep = (j != fk[f]) & ~(vo + eo < 0)  # negative at both ends: negative at the crossing
    f, j, vo, eo = f[keep], j[keep], vo[keep], eo[keep]
    vi, ei = vin[fr[f], j], ein[fr[f], j]
    N = gko[f] * vi - gki[f] * vo
    Nerr = (np.abs(gko[f]) * ei + eko[f] * np.abs(vi) + eko[f] * ei
            + np.abs(gki[f]) * eo + eki[f] * np.abs(vo) + eki[f] * eo
            + _SAFETY * _gamma(2) * (np.abs(gko[f] * vi) + np.abs(gki[f] * vo)) + _TINY)
    fine = (inbox & (gko - eko > 0)
            & (np.bincount(f, weights=~(N + Nerr < 0), minlength=nf) == 0))
    ok &= np.bincount(fr, weights=~fine, minlength=n) == 0
    # Near rows that are not stored: a Farkas certificate each.
    orr, oj = np.nonzero(near & ~L)
    if len(orr):
        Pr = np.where(pad[orr][:, :, None], 0.0, P[orr])
        vals = np.where(pad[orr], -np.inf, np.matmul(Pr, A[orr, oj][:, :, None])[..., 0])
        best = np.argmax(vals, axis=1)
        good = _farkas(rows, orr, A[orr, oj], C[orr, oj], rows.EA[orr, oj], rows.EC[orr, oj],
                       T[start[orr] + best], lo, hi)
        ok &= np.bincount(orr, weights=~good, minlength=n) == 0
    return ok, fr, fk, radius


def _farkas(rows: _Rows, reg: np.ndarray, a: np.ndarray, c: np.ndarray, Ea: np.ndarray,
            Ec: np.ndarray, basis: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Whether a.t + c < 0 (exact within Ea per component, Ec) wherever region reg's d basis
    rows are <= 0 inside the domain's bounding box: y >= 0 with sum y_i a_i ~ a (any y >= 0
    is valid) and the residual bounded over the box."""
    d = a.shape[1]
    B = rows.A[reg[:, None], basis]  # (p, d, d): the basis rows
    sing = np.abs(np.linalg.det(B)) <= 1e-300
    B2 = np.where(sing[:, None, None], np.eye(d), B)
    y = np.maximum(np.linalg.solve(np.transpose(B2, (0, 2, 1)), a[..., None])[..., 0], 0.0)
    ra = a - np.matmul(y[:, None, :], B)[:, 0]
    cb = rows.C[reg[:, None], basis]
    rc = c - (y * cb).sum(axis=1)
    g = _SAFETY * _gamma(d + 1)
    Era = ((Ea + (y * rows.EA[reg[:, None], basis]).sum(axis=1))[:, None]
           + g * (np.abs(a) + np.matmul(y[:, None, :], np.abs(B))[:, 0]))
    Erc = Ec + (y * rows.EC[reg[:, None], basis]).sum(axis=1) + g * (np.abs(c)
                                                                    + (y * np.abs(cb)).sum(1))
    R = np.maximum(np.abs(lo), np.abs(hi))
    top = (rc + np.maximum(ra * lo, ra * hi).sum(axis=1) + Erc + (Era * R).sum(axis=1)
           + g * (np.abs(rc) + (np.abs(ra) * R).sum(axis=1)) + _TINY)
    return (top < 0) & ~sing


def _flips(net, bits: np.ndarray, k: np.ndarray) -> np.ndarray:
    """The patterns across facets of hyperplane rows k of regions with these bits: the bit
    flipped (a table unit), or the unit's winner handed to k's piece (maxout)."""
    H = bits.shape[1]
    start = np.zeros(H, np.int64)
    width = np.ones(H, np.int64)
    maxout = np.zeros(H, bool)
    offs = net.layer_hyperplane_offsets()
    for li, act in enumerate(net.activations):
        if isinstance(act, Maxout):
            h = np.arange(offs[li], offs[li + 1])
            start[h] = offs[li] + (h - offs[li]) // act.pieces * act.pieces
            width[h] = act.pieces
            maxout[h] = True
        else:
            start[offs[li]:offs[li + 1]] = np.arange(offs[li], offs[li + 1])
    out = bits.copy()
    cols = np.arange(H)
    unit = (cols >= start[k][:, None]) & (cols < (start[k] + width[k])[:, None])
    out[unit & maxout[k][:, None]] = False
    rows = np.arange(len(k))
    out[rows, k] = np.where(maxout[k], True, ~bits[rows, k])
    return out


def certify(rs, *, near: float = NEAR_DEGENERATE_RTOL, exact: bool = False) -> Certificate:
    """Prove in exact arithmetic that `rs` is the activation partition of its domain.

    Parameters
    ----------
    rs : RegionSet
        The enumeration to check (any method; complete or not).
    near : float, default NEAR_DEGENERATE_RTOL
        Regions whose inradius is below near times the domain's largest side are reported
        as near-degenerate.
    exact : bool, default False
        Check every region in exact rational arithmetic, without the float filter (slower;
        the answer is the same).

    Returns
    -------
    Certificate
        ok, counts, the failures with their reasons, the near-degenerate regions and the
        degenerate units, the time taken.

    Raises
    ------
    RegionkitError
        If near is not a number in [0, 1), or the run kept counts only (keep='count'; with
        keep='patterns' every region is checked in exact arithmetic).

    Examples
    --------
    >>> import regionkit as rk
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
    ...                              [[0, 0, 0.5], [0]])
    >>> cert = certify(rk.enumerate_regions(net, rk.Box(-1, 1, dim=2)))
    >>> cert.ok, cert.n_regions, cert.n_facets
    (True, 7, 28)
    """
    if not isinstance(near, (int, float)) or not 0 <= near < 1:
        raise RegionkitError(f"near must be a number in [0, 1), got {near!r}")
    rs.require_kept("patterns", "certify")
    start = time.perf_counter()
    net, domain = rs.network, rs.domain
    n = rs.n_regions
    H = net.n_hyperplanes
    bits = rs.pattern_bits()
    index = rs.pattern_index()
    failures: list[Failure] = []
    size = float(np.max(domain.hi - domain.lo))
    scale = float(np.max(np.maximum(np.abs(domain.lo), np.abs(domain.hi)))) + size
    # Doubled patterns: the first copy stands for the pattern, the others fail.
    packed = np.ascontiguousarray(rs.patterns)
    keys = packed.view(np.dtype((np.void, packed.shape[1]))).reshape(-1)
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    for r in range(n):
        if first[inverse[r]] != r:
            failures.append(Failure("doubled", r, rs.patterns[r].tobytes().hex(), (),
                                    f"pattern listed again (first as region "
                                    f"{int(first[inverse[r]])})"))
    todo = [r for r in range(n) if first[inverse[r]] == r]
    across_r: list[np.ndarray] = []  # float path: regions and their neighbours' bits
    across_b: list[np.ndarray] = []
    found: list[tuple[int, Any, np.ndarray]] = []  # exact path: (region, point, bits)
    radius = np.full(n, np.inf)
    degenerate: set[int] = set()
    n_facets = 0
    slow: list[int] = []
    if exact:
        slow = todo
    else:
        lo, hi = domain.lo, domain.hi
        valid = _valid(net, bits)
        if rs.vertices is None:  # LP form keeps no vertices: nothing to guide the floats
            slow = todo
            todo = []
        for c0 in range(0, len(todo), _CHUNK):
            chunk = np.array(todo[c0:c0 + _CHUNK], np.int64)
            good, V, vreg, T = _vertex_hints(rs, chunk, H, scale, valid[chunk])
            slow.extend(chunk[~good].tolist())
            if not np.any(good):
                continue
            sub = chunk[good]
            rows = _Rows(net, domain, bits[sub])
            ok, fr, fk, rad = _float_chunk(rows, V, vreg, T, lo, hi)
            slow.extend(sub[~ok].tolist())
            radius[sub[ok]] = rad[ok]
            take = ok[fr]
            fr, fk = fr[take], fk[take]
            n_facets += len(fr)
            inner = fk < H
            if np.any(inner):
                nb = _flips(net, bits[sub[fr[inner]]], fk[inner])
                across_r.append(sub[fr[inner]])
                across_b.append(nb)
    cache: list[RationalNet] = []

    def exact_net() -> RationalNet:  # converts every weight once, when first needed
        if not cache:
            cache.append(RationalNet(net, domain))
        return cache[0]

    centres = None
    for r in slow:
        out = exact_net().rows(bits[r])
        if out is None:
            failures.append(Failure("not_genuine", r, rs.patterns[r].tobytes().hex(), (),
                                    "not a pattern: a maxout unit without exactly one "
                                    "winning piece"))
            continue
        rws = out[0]
        bad = [rw for rw in rws if not any(rw.a) and (rw.c > 0 or (rw.c == 0 and rw.strict))]
        if bad:
            failures.append(Failure("not_genuine", r, rs.patterns[r].tobytes().hex(), (),
                                    f"empty: hyperplane {bad[0].label} is constant on the "
                                    "wrong side of its threshold"))
            continue
        degenerate.update(rw.label for rw in rws if not any(rw.a) and rw.c == 0)
        if centres is None:
            centres = rs.interior_points
        point, margin = interior_point(rws, [[q(x) for x in centres[r]]])
        if point is None:
            failures.append(Failure("not_genuine", r, rs.patterns[r].tobytes().hex(), (),
                                    "empty or lower-dimensional: no point makes every row "
                                    "strictly negative (exact LP)"))
            continue
        radius[r] = _radius(rws, point)
        for f in facets(rws, point):
            n_facets += 1
            if any(rws[j].label < 0 for j in f.rows):
                continue
            nb = np.array(exact_net().pattern(f.point, [rws[f.rows[0]].a]), bool)
            found.append((r, f.point, nb))
    # Look every neighbour up; a pattern not listed is a missing region.
    pats = np.concatenate(across_b + [np.array([nb for _, _, nb in found], bool).reshape(-1, H)])
    owners = np.concatenate(across_r + [np.array([r for r, _, _ in found], np.int64)])
    points = [None] * (len(pats) - len(found)) + [p for _, p, _ in found]
    if len(pats):
        packed = np.packbits(pats, axis=1, bitorder="little")
        hit = index.lookup(packed)
        seen: set[bytes] = set()
        for j in np.flatnonzero(hit < 0):
            key = packed[j].tobytes()
            if key in seen:
                continue
            seen.add(key)
            failures.append(_missing(exact_net(), int(owners[j]), pats[j], points[j], size,
                                     near))
    # The certified margin at the interior point bounds the inradius from below; regions
    # it does not clear are judged by their Chebyshev radius.
    near_list = [r for r in todo if radius[r] < near * size]
    if near_list and rs.keep == "regions":
        cheb = rs.chebyshev_radii
        near_list = [r for r in near_list if cheb[r] < near * size]
    elif near_list:  # no stored geometry: the exact LP's margin, a lower bound of the radius
        near_list = [r for r in near_list if _lp_margin(exact_net(), bits[r]) < near * size]
    return Certificate(ok=not failures, n_regions=n, n_facets=n_facets, n_exact=len(slow),
                       failures=failures, near_degenerate=near_list,
                       degenerate_units=sorted(int(h) for h in degenerate if 0 <= h < H),
                       seconds=time.perf_counter() - start, complete_run=rs.complete)


def _lp_margin(ex: RationalNet, bits: np.ndarray) -> float:
    """The largest L1-weighted margin of a region (exact LP), a lower bound of its inradius."""
    out = ex.rows(bits)
    return 0.0 if out is None else float(interior_point(out[0])[1])


def _radius(rows, point) -> float:
    """Distance from an exact interior point to the nearest row (a lower bound of the
    inradius), in floats."""
    best = np.inf
    for rw in rows:
        if any(rw.a):
            a = np.array([float(x) for x in rw.a])
            best = min(best, float(-(sum(x * y for x, y in zip(rw.a, point)) + rw.c))
                       / float(np.linalg.norm(a)))
    return best


def _missing(ex: RationalNet, region: int, nb: np.ndarray, point, size: float,
             near: float) -> Failure:
    """A Failure for a neighbour pattern not listed, with a point of it and its thickness."""
    out = ex.rows(nb)
    p = None
    if out is not None:
        rws = out[0]
        p, _ = interior_point(rws, [point] if point is not None else [])
    if p is None:  # cannot happen for a genuine neighbour; say so rather than guess
        return Failure("missing", region, _hex(nb), (),
                       "the pattern across a facet is not listed (no interior point found)")
    r = _radius(rws, p)
    thin = (f"; it is thin (inradius about {r:.3g} < {near:g} x domain size): regions "
            "thinner than the enumeration's tolerance may be merged into a neighbour"
            if r < near * size else f"; inradius about {r:.3g}")
    return Failure("missing", region, _hex(nb), tuple(float(x) for x in p),
                   f"the region across one of its facets (pattern {_hex(nb)}) is not "
                   f"listed{thin}")


def verify_interior_points(rs, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Check that each region's interior point has the region's pattern, with a margin.

    A point passes when its float pattern is the region's and every hyperplane is farther
    from its threshold than the engine's tolerance (regionkit.measures.signs, which also
    breaks maxout ties the engine's way). A point that fails is checked in exact arithmetic
    (every row of the region strictly negative there); if it fails that too, an exact
    interior point is solved for (an exact LP) and rounded to floats. What exact arithmetic
    finds no point for is no region at all.

    Parameters
    ----------
    rs : RegionSet
        A RegionSet that keeps its regions.
    points : numpy.ndarray, shape (n_regions, dim)
        A point of each region (domain coordinates), e.g. its Chebyshev centre.

    Returns
    -------
    points : numpy.ndarray, shape (n_regions, dim)
        The points, those that failed replaced by exact ones (rounded).
    empty : numpy.ndarray of int64
        Regions with no interior point in exact arithmetic (not genuine).

    Examples
    --------
    >>> import numpy as np
    >>> import regionkit as rk
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1]], [[1, 1]]], [[0, 0], [0]])
    >>> box = rk.Box(-1, 1, dim=2)
    >>> rs = rk.enumerate_regions(net, box, method="lp")
    >>> bad = rs.interior_points[[1, 0, 2, 3]]  # regions 0 and 1 swap points
    >>> points, empty = verify_interior_points(rs, bad)
    >>> bool(np.all(net.pattern(box.to_input(points)) == rs.pattern_bits())), empty.tolist()
    (True, [])
    """
    net, domain = rs.network, rs.domain
    P = np.array(points, dtype=np.float64)
    bits = rs.pattern_bits()
    empty: list[int] = []
    if not len(P) or net.n_hyperplanes == 0:
        return P, np.zeros(0, np.int64)
    at, _ = domain_signs(net, domain, P, None, rs.tol)
    pattern = net.pattern(domain.to_input(P)).astype(bool)
    # A stopped run's region at depth k has bits of its first k layers only.
    depth = np.full(len(P), net.n_layers) if rs.depth is None else np.asarray(rs.depth)
    decided = np.arange(net.n_hyperplanes) < net.layer_hyperplane_offsets()[depth][:, None]
    suspect = np.flatnonzero(np.any((pattern != bits) & decided, axis=1)
                             | np.any((at != np.where(bits, 1, -1)) & decided, axis=1))
    if len(suspect):
        ex = RationalNet(net, domain)
        for r in suspect:
            out = ex.rows(bits[r], int(depth[r]))
            point = None if out is None else interior_point(out[0], [[q(x) for x in P[r]]])[0]
            if point is None:
                empty.append(int(r))
            else:
                P[r] = [float(x) for x in point]
    return P, np.array(empty, np.int64)
