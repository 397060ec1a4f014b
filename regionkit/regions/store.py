"""Stored runs: an enumeration written to a directory of Parquet shards as it goes, resumable.

Layout of a store directory (docs/store.md):

* ``manifest.json``: format, fingerprint (network, domain, tolerance, method, keep, regionkit
  version), the geometry, the depth-first roots (layer, number, digest of their patterns) and
  the run's state ('running', 'complete' or 'stopped' with its stop_reason and stopped_in).
  Written atomically.
* ``roots-IIIIIIIIIIII-JJJJJJJJJJJJ.parquet``: the final regions (leaves) of roots i..j-1,
  one row per region, in order; its key-value metadata says how many regions each
  remaining layer made for those roots. Written to a temporary name and renamed, so a shard
  is either whole or absent; the shard names, not the manifest, say which roots are done.
* ``tail.parquet``: a stopped run's roots not done, whole (as the in-memory result keeps
  them); removed when the run resumes.
* ``whole.parquet``: the result of a run that never went depth first (small networks, or a
  stop before the depth-first phase), written once at the end.

Rows hold the packed pattern, the depth, and what the run kept: with keep='regions' the
geometry's columns (a column per region, or a list per region for the CSR columns) and the
output map; with keep='patterns' an interior point.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import sys
import time
from typing import Any, Callable, Iterator

import numpy as np

from regionkit.atomic import atomic_path, write_text
from regionkit.core.frontier import Frontier
from regionkit.core.geometry import DIM, OFFSETS, REGION, Geometry
from regionkit.errors import IncompleteError, RegionkitError
from regionkit.model.domains import Domain
from regionkit.model.network import Network
from regionkit.model.tolerance import Tolerance
from regionkit.optional import require

__all__ = ["COMPRESSION", "MANIFEST", "ROW_GROUP_REGIONS", "SHARD_REGIONS", "SHARD_SECONDS",
           "STORE_FORMAT", "RunStore", "ShardWriter", "StoreError", "StoredRegionSet",
           "fingerprint", "is_store"]

STORE_FORMAT = 1
MANIFEST = "manifest.json"
# Each core call's leaves go to the open shard in Parquet row groups of at most
# ROW_GROUP_REGIONS regions (nothing is kept in memory); the shard is closed (renamed into
# place) once it holds this many regions or is this old: a crash loses at most that much
# work, and resuming reads one footer per shard.
SHARD_REGIONS = 1 << 18
SHARD_SECONDS = 30.0
# Streaming readers hold one row group at a time: the 4-80-80-80-1 volume sum peaked at
# 1 683 MB with a row group per core call (up to 264 299 regions), 592 MB with these.
ROW_GROUP_REGIONS = 1 << 15
# Parquet codec: zstd, measured in benchmarks/bench_store.py (docs/store.md).
COMPRESSION = "zstd"
_SHARD = re.compile(r"^roots-(\d{12})-(\d{12})\.parquet$")
_TAIL, _WHOLE, _NETWORK = "tail.parquet", "whole.parquet", "network.npz"
_META_KEY = b"regionkit"


class StoreError(RegionkitError):
    """A store that cannot be read or resumed: not a store, another run's, or damaged."""


def _pa():
    return require("pyarrow", "parquet", "stored runs")


def _pq():
    return require("pyarrow.parquet", "parquet", "stored runs")


def is_store(path: str | os.PathLike) -> bool:
    """Whether `path` is a store directory (it holds a manifest).

    Parameters
    ----------
    path : str or os.PathLike
        The path.

    Returns
    -------
    bool
        True for a directory with a manifest.json.
    """
    return os.path.isfile(os.path.join(os.fspath(path), MANIFEST))


def fingerprint(net: Network, domain: Domain, tol: Tolerance, method: str, keep: str) -> str:
    """A digest of everything a run's result depends on (not the budgets or threads).

    Parameters
    ----------
    net : Network
        The network.
    domain : Domain
        The domain.
    tol : Tolerance
        The tolerance.
    method : str
        The method asked for (enumerate_regions).
    keep : str
        What the run keeps.

    Returns
    -------
    str
        SHA-256 hex digest over the network's and domain's arrays (dtype, shape, bytes),
        the tolerance, method, keep, store format and regionkit version.
    """
    # The package's version, read from the loaded package (always imported before its
    # submodules) rather than imported: regions sits below the top-level namespace.
    version = sys.modules["regionkit"].__version__
    h = hashlib.sha256()
    for prefix, arrays in (("net", net.to_npz_dict()), ("dom", domain.to_dict())):
        for k in sorted(arrays):
            a = np.ascontiguousarray(np.asarray(arrays[k]))
            h.update(f"{prefix}:{k}:{a.dtype.str}:{a.shape}".encode())
            h.update(a.tobytes())
    h.update(json.dumps([tol.rtol, tol.atol, method, keep, STORE_FORMAT, version]).encode())
    return h.hexdigest()


# --- rows <-> columns ---------------------------------------------------------------------
def _values(pa, flat: np.ndarray, width: int):
    arr = pa.array(np.ascontiguousarray(flat).reshape(-1))
    return pa.FixedSizeListArray.from_arrays(arr, width) if width != 1 else arr


def _numpy(arr, width: int) -> np.ndarray:
    """The flat numpy values of a (fixed-size-list) arrow array, honouring its offset."""
    if width != 1:
        arr = arr.flatten()
    return arr.to_numpy(zero_copy_only=False)


def _table(geometry: Geometry, dim: int, n_out: int, keep: str, n_bytes: int,
           patterns: np.ndarray, depth: np.ndarray, frontier: Frontier | None,
           maps: dict[str, np.ndarray] | None, points: np.ndarray | None,
           meta: dict[str, Any] | None):
    """One row per region: pattern, depth, and the kept geometry, map or point."""
    pa = _pa()
    packed = np.ascontiguousarray(patterns, np.uint8)
    cols: dict[str, Any] = {
        "pattern": pa.FixedSizeBinaryArray.from_buffers(
            pa.binary(n_bytes), len(packed), [None, pa.py_buffer(packed)]),
        "depth": pa.array(np.asarray(depth, np.int64)),
    }
    if keep == "regions":
        F = frontier.data
        for c in geometry.columns:
            width = dim if c.width == DIM else c.width
            if c.by == OFFSETS:
                continue
            if c.by == REGION:
                cols[c.name] = _values(pa, F[c.name], width)
            else:
                cols[c.name] = pa.LargeListArray.from_arrays(
                    pa.array(np.asarray(F[c.by], np.int64)), _values(pa, F[c.name], width))
        cols["output_M"] = _values(pa, maps["M"], n_out * dim)
        cols["output_m"] = _values(pa, maps["m"], n_out)
    elif keep == "patterns":
        cols["point"] = _values(pa, points, dim)
    table = pa.table(cols)
    if meta is None:
        return table
    return table.replace_schema_metadata({_META_KEY: json.dumps(meta).encode()})


def _write_table(table, path: str) -> None:
    with atomic_path(path) as tmp:
        _pq().write_table(table, tmp, compression=COMPRESSION)


class _Chunk:
    """The arrays of one shard (or of several, joined)."""

    def __init__(self, patterns: np.ndarray, depth: np.ndarray, frontier: Frontier | None,
                 maps: dict[str, np.ndarray] | None, points: np.ndarray | None) -> None:
        self.patterns, self.depth, self.frontier = patterns, depth, frontier
        self.maps, self.points = maps, points

    @classmethod
    def read(cls, table, geometry: Geometry, dim: int, n_out: int, keep: str,
             n_bytes: int) -> "_Chunk":
        n = table.num_rows
        names = set(table.column_names)
        patterns = depth = frontier = maps = points = None
        if "pattern" in names:
            raw = table.column("pattern").combine_chunks()
            patterns = (np.frombuffer(raw.buffers()[1], np.uint8, count=n * n_bytes,
                                      offset=raw.offset * n_bytes).reshape(n, n_bytes).copy()
                        if n else np.zeros((0, n_bytes), np.uint8))
        if "depth" in names:
            depth = table.column("depth").to_numpy().astype(np.int64)
        if keep == "regions" and "output_m" in names:
            data: dict[str, np.ndarray] = {}
            for c in geometry.columns:
                width = dim if c.width == DIM else c.width
                if c.by == OFFSETS:
                    continue
                arr = table.column(c.name).combine_chunks()
                if c.by == REGION:
                    flat = _numpy(arr, width)
                else:
                    off = arr.offsets.to_numpy().astype(np.int64)
                    flat = _numpy(arr.values, width)[off[0] * width:off[-1] * width]
                    data[c.by] = off - off[0]
                data[c.name] = (flat.reshape(-1, width) if width != 1 else flat).astype(
                    c.dtype, copy=False)
            frontier = Frontier(geometry, data)
            maps = {"M": _numpy(table.column("output_M").combine_chunks(), n_out * dim)
                    .reshape(n, n_out, dim),
                    "m": _numpy(table.column("output_m").combine_chunks(), n_out)
                    .reshape(n, n_out)}
        if keep == "patterns" and "point" in names:
            points = _numpy(table.column("point").combine_chunks(), dim).reshape(n, dim)
        return cls(patterns, depth, frontier, maps, points)

    @classmethod
    def concat(cls, geometry: Geometry, parts: list["_Chunk"]) -> "_Chunk":
        if len(parts) == 1:
            return parts[0]

        def join(get: Callable[["_Chunk"], Any]) -> Any:
            return None if get(parts[0]) is None else np.concatenate([get(p) for p in parts])

        frontier = (None if parts[0].frontier is None else
                    Frontier.concat(geometry, [p.frontier for p in parts]))
        maps = (None if parts[0].maps is None else
                {k: np.concatenate([p.maps[k] for p in parts]) for k in ("M", "m")})
        return cls(join(lambda p: p.patterns), join(lambda p: p.depth), frontier, maps,
                   join(lambda p: p.points))


# --- writing --------------------------------------------------------------------------------
class ShardWriter:
    """Writes root shards into a store directory.

    For the engine's RunStore, and for each task of a distributed run
    (regionkit.regions.distributed) on its own root range.

    Parameters
    ----------
    path : str
        The store directory.
    geometry : Geometry
        The geometry of the regions.
    dim, n_out, n_layers : int
        The domain's dimension, the network's outputs and layers.
    keep : str
        What the run keeps.
    n_bytes : int
        Bytes of a packed pattern.
    """

    def __init__(self, path: str, geometry: Geometry, dim: int, n_out: int, n_layers: int,
                 keep: str, n_bytes: int) -> None:
        self.path, self.geometry, self.dim, self.n_out = path, geometry, dim, n_out
        self.n_layers, self.keep, self.n_bytes = n_layers, keep, n_bytes
        self._open: dict[str, Any] | None = None  # the shard being written

    def table(self, chunk: _Chunk, meta: dict[str, Any] | None = None):
        """The Parquet table of `chunk` (one row per region), with `meta` in its schema.

        Parameters
        ----------
        chunk : _Chunk
            The regions' arrays.
        meta : dict or None
            Key-value metadata (JSON) for the table.

        Returns
        -------
        pyarrow.Table
            The table.
        """
        return _table(self.geometry, self.dim, self.n_out, self.keep, self.n_bytes,
                      chunk.patterns, chunk.depth, chunk.frontier, chunk.maps, chunk.points,
                      meta)

    def add(self, first: int, last: int, frontier: Frontier | None,
            maps: dict[str, np.ndarray] | None, patterns: np.ndarray | None,
            points: np.ndarray | None, made: np.ndarray, regions: int) -> None:
        """Append the leaves of roots first..last-1 to the open shard, in row groups.

        Row groups hold at most ROW_GROUP_REGIONS regions each.

        The shard is closed once it holds SHARD_REGIONS regions or is SHARD_SECONDS old.

        Parameters
        ----------
        first, last : int
            The roots whose leaves these are (all of them, in order).
        frontier, maps, patterns, points
            What expand_roots returned for them (None where not kept).
        made : numpy.ndarray of int
            Regions each remaining layer made for them.
        regions : int
            Their number of leaves.

        Raises
        ------
        StoreError
            If these roots do not follow the open shard's.
        """
        if patterns is None:
            patterns = np.zeros((0, self.n_bytes), np.uint8)
        if self._open is not None and first != self._open["last"]:
            raise StoreError(f"roots {first}.. given after roots ..{self._open['last']}")
        n = len(patterns) if frontier is None else len(frontier)
        # Row groups of at most ROW_GROUP_REGIONS: the Arrow copy of one at a time, and
        # readers that stream a row group at a time, stay small however many leaves came.
        for i in range(0, max(n, 1), ROW_GROUP_REGIONS):
            j = min(n, i + ROW_GROUP_REGIONS)
            table = self.table(_Chunk(
                patterns[i:j], np.full(j - i, self.n_layers, np.int64),
                None if frontier is None else frontier.slice(i, j),
                None if maps is None else {k: v[i:j] for k, v in maps.items()},
                None if points is None else points[i:j]))
            if self._open is None:  # a new shard, under a temporary name until it is closed
                tmp = os.path.join(self.path, f".roots-{first:012d}.{secrets.token_hex(4)}"
                                              ".tmp.parquet")
                writer = _pq().ParquetWriter(tmp, table.schema, compression=COMPRESSION)
                self._open = {"tmp": tmp, "writer": writer, "first": first, "last": first,
                              "regions": 0, "made": np.zeros(len(made), np.int64),
                              "since": time.perf_counter()}
            self._open["writer"].write_table(table)
        shard = self._open
        shard["last"], shard["regions"] = last, shard["regions"] + int(regions)
        shard["made"] += np.asarray(made, np.int64)
        if (shard["regions"] >= SHARD_REGIONS
                or time.perf_counter() - shard["since"] >= SHARD_SECONDS):
            self.flush()

    def flush(self) -> None:
        """Close the open shard: its metadata, then fsync and rename (atomic)."""
        shard, self._open = self._open, None
        if shard is None:
            return
        meta = {"first": shard["first"], "last": shard["last"], "regions": shard["regions"],
                "made": [int(c) for c in shard["made"]]}
        writer = shard["writer"]
        writer.add_key_value_metadata({_META_KEY: json.dumps(meta).encode()})
        writer.close()
        fd = os.open(shard["tmp"], os.O_RDONLY)
        try:
            os.fsync(fd)  # the data reaches the disk before the name does
        finally:
            os.close(fd)
        os.replace(shard["tmp"], os.path.join(
            self.path, f"roots-{shard['first']:012d}-{shard['last']:012d}.parquet"))

    def clear(self, first: int, last: int) -> list[str]:
        """Remove the shards of roots inside first..last-1.

        What an earlier attempt at the same roots left (a distributed task retried after
        its worker died), whose shard boundaries need not match the new attempt's.

        Parameters
        ----------
        first, last : int
            The root range about to be written.

        Returns
        -------
        list of str
            The names of the shards removed.
        """
        gone = [name for a, b, name in _shards(self.path) if first <= a and b <= last]
        for name in gone:
            os.unlink(os.path.join(self.path, name))
        return gone

    def discard(self) -> None:
        """Drop the open shard unwritten.

        Its temporary file stays until a RunStore opens the directory.
        """
        if self._open is not None:
            self._open["writer"].close()
            self._open = None


class RunStore(ShardWriter):
    """The writing side of a store: the engine hands it regions as they are finished.

    Opening checks the fingerprint of an existing store (or starts a new one), removes the
    temporary files a killed writer left and a stopped run's tail, and reads which roots
    the shards already cover.

    Parameters
    ----------
    path : str or os.PathLike
        The store directory (created if missing).
    net, domain, tol, method, keep
        The run's arguments (enumerate_regions), fingerprinted.
    geometry : Geometry
        The geometry the regions are split in.

    Raises
    ------
    StoreError
        If the directory holds another run's store (fingerprint mismatch), a store of
        another format, or files that are not a store's.
    """

    def __init__(self, path: str | os.PathLike, net: Network, domain: Domain, tol: Tolerance,
                 method: str, keep: str, geometry: Geometry) -> None:
        self.path = os.fspath(path)
        self.net, self.domain, self.keep = net, domain, keep
        self.n_bytes = (net.n_hyperplanes + 7) // 8
        self.fingerprint = fingerprint(net, domain, tol, method, keep)
        if os.path.exists(self.path) and not os.path.isdir(self.path):
            raise StoreError(f"{self.path}: not a directory (a store is a directory)")
        os.makedirs(self.path, exist_ok=True)
        manifest = _read_manifest(self.path) if is_store(self.path) else None
        if manifest is None:
            # (network.npz alone: a writer killed before its first manifest)
            if any(not n.startswith(".") and n != _NETWORK for n in os.listdir(self.path)):
                raise StoreError(f"{self.path}: not empty and not a regionkit store")
            manifest = {"format": STORE_FORMAT, "fingerprint": self.fingerprint,
                        "geometry": geometry.value, "keep": keep, "state": "running"}
            arrays = {f"net_{k}": v for k, v in net.to_npz_dict().items()}
            arrays.update({f"dom_{k}": np.asarray(v) for k, v in domain.to_dict().items()})
            with atomic_path(os.path.join(self.path, _NETWORK)) as tmp:
                np.savez(tmp, rtol=tol.rtol, atol=tol.atol, **arrays)
            write_text(os.path.join(self.path, MANIFEST), json.dumps(manifest, indent=1))
        elif manifest["fingerprint"] != self.fingerprint:
            raise StoreError(
                f"{self.path} holds another run (its network, domain, tolerance, method, keep "
                "or regionkit version differ from this call's); give a new store path or "
                "remove this one")
        self.manifest = manifest
        for name in os.listdir(self.path):  # a killed writer's temporary files
            if name.startswith(".") and ".tmp" in name:
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(self.path, name))
        # (the geometry: the LP form may have fallen back to the vertex form)
        super().__init__(self.path, Geometry(manifest["geometry"]), domain.dim, net.n_out,
                         net.n_layers, keep, self.n_bytes)

    @property
    def complete(self) -> bool:
        """Whether the store already holds a complete run."""
        return self.manifest["state"] == "complete"

    def restart(self, geometry: Geometry) -> None:
        """Drop every shard and start again in `geometry` (the LP form's fallback).

        Parameters
        ----------
        geometry : Geometry
            The geometry of the new run.
        """
        self.discard()
        for name in os.listdir(self.path):
            if name not in (MANIFEST, _NETWORK):
                os.unlink(os.path.join(self.path, name))
        self.geometry = geometry
        self.manifest.update(geometry=geometry.value, state="running")
        self.manifest.pop("roots", None)
        self._write_manifest()

    def begin_roots(self, layer: int, patterns: np.ndarray) -> tuple[int, int, np.ndarray]:
        """Start (or resume) the depth-first phase over these roots.

        Parameters
        ----------
        layer : int
            The first layer the roots go through (0-based).
        patterns : numpy.ndarray of uint8
            The roots' packed patterns (their digest must match a resumed run's).

        Returns
        -------
        tuple
            The first root not yet done, the regions the done roots made, and the regions
            each remaining layer made for them.

        Raises
        ------
        StoreError
            If the store's roots differ from these (a different DFS_MIN_ROOTS), or two
            shards overlap. Shards after a gap (a distributed run's, docs/distributed.md)
            are removed: this run does their roots again, in order.
        """
        self.claim_roots(layer, patterns)
        done, regions, made = 0, 0, np.zeros(self.net.n_layers - layer, np.int64)
        for first, last, shard_regions, shard_made in self.stored_ranges():
            if first != done:  # a distributed run's gap: later shards are done again here
                for _, _, name in _shards(self.path):
                    if name >= f"roots-{first:012d}":
                        os.unlink(os.path.join(self.path, name))
                break
            done, regions = last, regions + shard_regions
            made += shard_made
        return done, regions, made

    def claim_roots(self, layer: int, patterns: np.ndarray) -> None:
        """Record the depth-first roots in the manifest (the same as a resumed run's).

        Parameters
        ----------
        layer : int
            The first layer the roots go through (0-based).
        patterns : numpy.ndarray of uint8
            The roots' packed patterns.

        Raises
        ------
        StoreError
            If the store's roots differ from these (a different DFS_MIN_ROOTS or
            SPLIT_MAX_PIECES).
        """
        digest = hashlib.sha256(np.ascontiguousarray(patterns).tobytes()).hexdigest()
        roots = {"layer": int(layer), "n": int(len(patterns)), "digest": digest}
        if self.manifest.get("roots") not in (None, roots):
            raise StoreError(f"{self.path}: the stored run split other roots "
                             f"({self.manifest['roots']}, now {roots}): was DFS_MIN_ROOTS "
                             "or SPLIT_MAX_PIECES changed? Use a new store")
        for name in (_TAIL, _WHOLE):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(self.path, name))
        self.manifest.update(roots=roots, state="running")
        self.manifest.pop("stop_reason", None)
        self.manifest.pop("stopped_in", None)
        self._write_manifest()

    def stored_ranges(self) -> list[tuple[int, int, int, np.ndarray]]:
        """The root ranges the shards hold, by first root (a distributed run leaves gaps).

        Returns
        -------
        list of tuple
            (first, last, regions, made) per shard: roots first..last-1, their number of
            regions and the regions each remaining layer made for them.

        Raises
        ------
        StoreError
            If two shards overlap.
        """
        out: list[tuple[int, int, int, np.ndarray]] = []
        for first, last, name in _shards(self.path):
            if out and first < out[-1][1]:
                raise StoreError(f"{self.path}: shard {name} overlaps roots ..{out[-1][1]}")
            meta = _shard_meta(os.path.join(self.path, name))
            out.append((first, last, int(meta["regions"]), np.asarray(meta["made"], np.int64)))
        return out

    def finish(self, per_layer: list[int], seconds: float, stop_reason: str | None,
               stopped_in: dict[str, int] | None, count: int,
               tail: tuple[np.ndarray, np.ndarray, Frontier | None, np.ndarray | None] | None
               = None) -> None:
        """Write what is buffered, a stopped run's tail, and the final manifest.

        Parameters
        ----------
        per_layer : list of int
            The run's per-layer counts.
        seconds : float
            Wall time of this call.
        stop_reason, stopped_in
            As RegionSet has them.
        count : int
            The number of regions of the result (tail included).
        tail : tuple or None
            A stopped run's roots not done: (patterns, depth, frontier, interior points).
        """
        self.flush()
        if tail is not None and self.keep != "count":  # counts only: the manifest has them
            patterns, depth, frontier, points = tail
            maps = None
            if self.keep == "regions":
                n, n_out, dim = len(patterns), self.net.n_out, self.domain.dim
                maps = {"M": np.full((n, n_out, dim), np.nan), "m": np.full((n, n_out), np.nan)}
            _write_table(_table(self.geometry, self.domain.dim, self.net.n_out, self.keep,
                                self.n_bytes, patterns, depth, frontier, maps, points,
                                {"regions": len(patterns)}),
                         os.path.join(self.path, _TAIL))
        self._settle(per_layer, seconds, stop_reason, stopped_in, count)

    def write_whole(self, rs: Any, frontier: Frontier | None) -> bool:
        """Store a result computed in memory (a run that never went depth first).

        A resumed call stopped (by its budget or Ctrl-C) before the depth-first phase
        writes nothing: the store keeps the roots its earlier calls finished.

        Parameters
        ----------
        rs : RegionSet
            The result.
        frontier : Frontier or None
            Its regions (keep='regions').

        Returns
        -------
        bool
            Whether it was written (False: the store is as it was).
        """
        if rs.stop_reason is not None and _shards(self.path):
            return False
        for first, last, name in _shards(self.path):
            os.unlink(os.path.join(self.path, name))
        if rs.keep == "regions":
            chunk = _Chunk(rs.patterns, rs.depth, frontier,
                           {"M": rs.output_M, "m": rs.output_m}, None)
        elif rs.keep == "patterns":
            chunk = _Chunk(rs.patterns, rs.depth, None, None, rs.interior_points)
        else:
            chunk = _Chunk(np.zeros((0, self.n_bytes), np.uint8), np.zeros(0, np.int64),
                           None, None, None)
        _write_table(self.table(chunk, {"regions": rs.n_regions}),
                     os.path.join(self.path, _WHOLE))
        self.manifest.pop("roots", None)
        self._settle(rs.per_layer, rs.seconds, rs.stop_reason, rs.stopped_in, rs.n_regions)
        return True

    def _settle(self, per_layer: list[int], seconds: float, stop_reason: str | None,
                stopped_in: dict[str, int] | None, count: int) -> None:
        self.manifest.update(state="complete" if stop_reason is None else "stopped",
                             per_layer=[int(c) for c in per_layer], count=int(count),
                             stop_reason=stop_reason, stopped_in=stopped_in,
                             seconds=float(seconds) + float(self.manifest.get("seconds", 0.0)))
        self._write_manifest()

    def _write_manifest(self) -> None:
        write_text(os.path.join(self.path, MANIFEST), json.dumps(self.manifest, indent=1))


def _read_manifest(path: str) -> dict[str, Any]:
    try:
        with open(os.path.join(path, MANIFEST), encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, ValueError) as exc:
        raise StoreError(f"{path}: unreadable store manifest ({exc})") from None
    if manifest.get("format") != STORE_FORMAT:
        raise StoreError(f"{path}: unsupported store format {manifest.get('format')!r}")
    return manifest


def _shards(path: str) -> list[tuple[int, int, str]]:
    """The root shards in the directory, by first root."""
    found = []
    for name in os.listdir(path):
        m = _SHARD.match(name)
        if m:
            found.append((int(m.group(1)), int(m.group(2)), name))
    return sorted(found)


def _shard_meta(path: str) -> dict[str, Any]:
    return json.loads(_pq().read_metadata(path).metadata[_META_KEY])


# --- reading --------------------------------------------------------------------------------
class StoredRegionSet:
    """A stored run, read lazily: counts from the manifest, regions a shard at a time.

    Made by RegionSet.open. What streams (the counts, per-layer counts, iteration over
    shards, volumes and their sum, the activation boundary volume, face counts and strata,
    the adjacency, bounds.check) reads one shard at a time; load() builds the whole
    in-memory RegionSet.

    Parameters
    ----------
    path : str or os.PathLike
        The store directory.
    region_set : type
        The RegionSet class, whose instances the chunks and load() are.

    Raises
    ------
    StoreError
        If `path` is not a store, or holds a run that has not finished or stopped cleanly
        (resume it with the same enumerate_regions call).
    """

    def __init__(self, path: str | os.PathLike, region_set: type) -> None:
        self.path = os.fspath(path)
        if not is_store(self.path):
            raise StoreError(f"{self.path}: not a regionkit store (no {MANIFEST})")
        m = _read_manifest(self.path)
        if m["state"] == "running":
            raise StoreError(f"{self.path}: the run stored here did not finish (killed?); "
                             "call enumerate_regions again with the same arguments and "
                             "store to resume it")
        self._cls = region_set
        self.manifest = m
        net_file = os.path.join(self.path, _NETWORK)
        with np.load(net_file, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
        self.network = Network.from_npz_dict(
            {k[4:]: v for k, v in data.items() if k.startswith("net_")}, source=net_file)
        self.domain = Domain.from_dict(
            {k[4:]: v for k, v in data.items() if k.startswith("dom_")})
        self.tol = Tolerance.saved(data["rtol"], data["atol"])
        self.kind = Geometry(m["geometry"])
        self.keep = m["keep"]
        self.per_layer = list(m["per_layer"])
        self.stop_reason = m["stop_reason"]
        self.stopped_in = m["stopped_in"]
        self.seconds = float(m["seconds"])
        self.n_regions = int(m["count"])
        files = [name for _, _, name in _shards(self.path)]
        for extra in (_WHOLE, _TAIL):
            if os.path.isfile(os.path.join(self.path, extra)):
                files.append(extra)
        self.files = [os.path.join(self.path, name) for name in files]

    @property
    def complete(self) -> bool:
        """Whether the stored run ran to the end."""
        return self.stop_reason is None

    @property
    def dim(self) -> int:
        """Dimension of the domain's coordinates."""
        return self.domain.dim

    def __len__(self) -> int:
        return self.n_regions

    def __repr__(self) -> str:
        state = "complete" if self.complete else f"INCOMPLETE ({self.stop_reason})"
        return (f"StoredRegionSet({self.n_regions} activation regions in {self.path!r}, "
                f"{len(self.files)} shards, per layer {self.per_layer}, {state}, "
                f"keep={self.keep!r})")

    def summary(self) -> dict[str, Any]:
        """JSON-ready scalars, as RegionSet.summary gives them (read from the manifest).

        Returns
        -------
        dict of str
            n_regions, per_layer, complete, stop_reason, seconds, dim, kind, keep and
            architecture.
        """
        return {"n_regions": self.n_regions, "per_layer": [int(c) for c in self.per_layer],
                "complete": self.complete, "stop_reason": self.stop_reason,
                "seconds": self.seconds, "dim": self.dim, "kind": self.kind.value,
                "keep": self.keep, "architecture": [self.network.n_in] + self.network.widths}

    def _read(self, table) -> _Chunk:
        return _Chunk.read(table, self.kind, self.dim, self.network.n_out, self.keep,
                           (self.network.n_hyperplanes + 7) // 8)

    def _row_groups(self, columns: list[str] | None = None) -> Iterator[Any]:
        """Every row group (the leaves of one core call) of every shard, in order."""
        for path in self.files:
            f = _pq().ParquetFile(path)
            for k in range(f.num_row_groups):
                yield f.read_row_group(k, columns=columns)

    def _region_set(self, chunk: _Chunk, count: int) -> Any:
        common = dict(network=self.network, domain=self.domain, tol=self.tol,
                      per_layer=self.per_layer, seconds=self.seconds,
                      stop_reason=self.stop_reason, stopped_in=self.stopped_in)
        if self.keep == "regions":
            maps = chunk.maps
            if not self.complete:  # as in memory: a stopped run's maps are all NaN
                maps = {k: np.full_like(v, np.nan) for k, v in maps.items()}
            return self._cls.from_frontier(frontier=chunk.frontier, patterns=chunk.patterns,
                                           output_M=maps["M"], output_m=maps["m"],
                                           depth=chunk.depth, **common)
        return self._cls.without_geometry(
            kind=self.kind, keep=self.keep, count=count,
            patterns=chunk.patterns if self.keep == "patterns" else None,
            interior_points=chunk.points, depth=chunk.depth if self.keep == "patterns" else None,
            **common)

    def iter_chunks(self) -> Iterator[Any]:
        """The regions, a Parquet row group (one core call's leaves) at a time, in order.

        Yields
        ------
        RegionSet
            Consecutive regions (per_layer, stop_reason: the whole run's); with
            keep='count', one per shard, holding its count.
        """
        if self.keep == "count":
            for path in self.files:
                yield self._region_set(_Chunk(None, None, None, None, None),
                                       _file_regions(path))
            return
        for table in self._row_groups():
            yield self._region_set(self._read(table), table.num_rows)

    def patterns(self) -> np.ndarray:
        """Every region's packed pattern (reads the pattern column only).

        Returns
        -------
        numpy.ndarray of uint8, shape (n_regions, ceil(n_hyperplanes / 8))
            The patterns.

        Raises
        ------
        RegionkitError
            If the run kept counts only.
        """
        self._require("patterns", "patterns")
        n_bytes = (self.network.n_hyperplanes + 7) // 8
        parts = [self._read(t).patterns for t in self._row_groups(["pattern"])]
        return np.concatenate(parts) if parts else np.zeros((0, n_bytes), np.uint8)

    def volumes(self) -> np.ndarray:
        """Every region's volume, measured a shard at a time.

        Returns
        -------
        numpy.ndarray, shape (n_regions,)
            As RegionSet.volumes.
        """
        self._require("regions", "volumes")
        parts = [c.volumes() for c in self.iter_chunks()]
        return np.concatenate(parts) if parts else np.zeros(0)

    def volume_sum(self) -> float:
        """The regions' total volume (the domain's, for a complete run), a shard at a time.

        Returns
        -------
        float
            The sum of the region volumes.
        """
        return float(sum(float(c.volumes().sum()) for c in self._checked_chunks("volumes")))

    def boundary_volume(self, kind: str = "activation") -> float:
        """Total (d-1)-volume of the boundaries between regions, a shard at a time.

        Every facet on a network hyperplane inside the open domain is shared by the regions
        on its two sides, so half the sum of the regions' facets on network hyperplanes is
        the boundary volume (as RegionSet.boundary_volume('activation') measures it
        through the adjacency graph). The linear boundary needs both sides' maps: load().

        Parameters
        ----------
        kind : {"activation"}
            Only the activation boundary streams.

        Returns
        -------
        float
            The volume; in 1-D the number of breakpoints.

        Raises
        ------
        RegionkitError
            If the run is incomplete, kept no geometry, or `kind` is not 'activation'.
        """
        from regionkit.measures.facets import facet_table

        if kind != "activation":
            raise RegionkitError(f"only the 'activation' boundary volume streams, not {kind!r}"
                                 "; use .load().boundary_volume(kind)")
        if not self.complete:
            raise IncompleteError(f"boundary_volume needs a complete enumeration (the stored "
                                  f"run stopped early: {self.stop_reason}); resume it",
                                  str(self.stop_reason))
        total = 0.0
        for c in self._checked_chunks("boundary_volume"):
            ft = facet_table(c)
            total += float(ft.facet_volume[c.ineq_labels >= 0].sum())
        return total / 2

    def adjacency(self) -> Any:
        """The adjacency of the stored regions, read a shard at a time (two passes).

        Returns
        -------
        Adjacency
            Equal to load().adjacency(); memory: the patterns, a key per row, the output
            maps, the edges and one row group (regionkit.measures.graph.adjacency_in_chunks).

        Raises
        ------
        RegionkitError
            If the run is incomplete or kept no geometry.
        """
        from regionkit.measures.graph import adjacency_in_chunks

        self._require("regions", "adjacency")
        if not self.complete:
            raise IncompleteError(f"adjacency needs a complete enumeration (the stored run "
                                  f"stopped early: {self.stop_reason}); resume it",
                                  str(self.stop_reason))
        return adjacency_in_chunks(self.iter_chunks, self.n_regions, self.patterns())

    def interior_points(self) -> np.ndarray:
        """Every region's interior point, a shard at a time.

        Returns
        -------
        numpy.ndarray, shape (n_regions, dim)
            As RegionSet.interior_points.

        Raises
        ------
        RegionkitError
            If the run kept counts only.
        """
        self._require("patterns", "interior_points")
        parts = [c.interior_points for c in self.iter_chunks()]
        return np.concatenate(parts) if parts else np.zeros((0, self.dim))

    def face_counts(self) -> np.ndarray:
        """Number of faces of each dimension inside the open domain, a shard at a time.

        Each face is counted from the one region that owns it (owned_faces); where that
        premise fails (a region that is not simple, a degenerate vertex, maxout, 1-D) the
        run is loaded and counted by sign vectors, as RegionSet.face_counts does.

        Returns
        -------
        numpy.ndarray of int, shape (dim + 1,)
            As RegionSet.face_counts.

        Raises
        ------
        RegionkitError
            If the run is incomplete or kept no geometry.
        """
        got = self._owned_face_sums("face_counts")
        return self.load().face_counts() if got is None else got[0]

    def codim_volumes(self) -> np.ndarray:
        """Hanin & Rolnick's strata (volume of the faces of each codimension), streamed.

        Returns
        -------
        numpy.ndarray, shape (dim + 1,)
            As RegionSet.codim_volumes (see face_counts for how it streams).

        Raises
        ------
        RegionkitError
            If the run is incomplete or kept no geometry.
        """
        got = self._owned_face_sums("codim_volumes")
        return self.load().codim_volumes() if got is None else got[1]

    def _owned_face_sums(self, feature: str) -> tuple[np.ndarray, np.ndarray] | None:
        """f-vector and strata summed over the shards' owned faces; None when a shard's
        faces are not all owned, or the sum's alternating count is not (-1)^d."""
        from regionkit.measures.faces import euler_characteristic, owned_faces

        if not self.complete:
            raise IncompleteError(f"{feature} needs a complete enumeration (the stored run "
                                  f"stopped early: {self.stop_reason}); resume it",
                                  str(self.stop_reason))
        d = self.dim
        f, strata = np.zeros(d + 1, dtype=np.int64), np.zeros(d + 1)
        for c in self._checked_chunks(feature):
            got = owned_faces(c, check_euler=False)
            if got is None:
                return None
            f += got.f_vector(d)
            strata += got.strata(d)
        if euler_characteristic(f) != (-1) ** d:
            return None
        return f, strata

    def _checked_chunks(self, feature: str) -> Iterator[Any]:
        self._require("regions", feature)
        return self.iter_chunks()

    def _require(self, what: str, feature: str) -> None:
        order = ("count", "patterns", "regions")
        if order.index(self.keep) < order.index(what):
            raise RegionkitError(f"{feature} needs the regions' "
                                 f"{'geometry' if what == 'regions' else 'patterns'}, which "
                                 f"this run did not keep (keep={self.keep!r})")

    def load(self) -> Any:
        """The whole run as an in-memory RegionSet (every shard read).

        Returns
        -------
        RegionSet
            Equal, array by array, to the RegionSet the run returns without a store.
        """
        chunks = [self._read(_pq().read_table(p)) for p in self.files]
        return self._region_set(_Chunk.concat(self.kind, chunks), self.n_regions)


def _file_regions(path: str) -> int:
    return int(_shard_meta(path)["regions"])
