"""Suite files: TOML naming networks, domains and measures, expanded into jobs with stable ids.

A suite file (docs/suites.md) has a name, a list of measures, ``[[networks]]`` and
``[[domains]]`` entries, and optionally ``[vars]`` with ``[profiles.NAME]`` overrides,
``[options.MEASURE]`` tables, ``[[expect]]`` checks and ``[[plots]]`` for the report. A value
written as the string "$name" is replaced by the variable `name`. An entry's ``grid`` table
maps parameters to lists of values: the entry stands for every combination. Every network
is paired with every domain (or the networks a domain names), and each pair is one job that
runs the measures accepting that domain's form.

A job's id is a hash of everything that determines its result (network and domain
parameters with their defaults filled in, the measures and their options, the contents of
network files), so a rerun recognises finished jobs whatever the order or profile.
"""
from __future__ import annotations

import copy
import hashlib
import itertools
import json
import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import tomllib

from regionkit.errors import SuiteError

__all__ = ["ENTRY_KEYS", "NAME_RE", "TOP_KEYS", "Job", "Suite", "builtin_suites", "job_hash",
           "load_suite", "parse_suite", "read_suite_text"]

TOP_KEYS = {"name", "title", "description", "source", "measures", "imports", "options", "vars",
            "profiles", "networks", "domains", "expect", "plots", "profile"}
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class Job:
    """One network on one domain with the measures that apply there; picklable for workers.

    Parameters
    ----------
    suite : str
        The suite's name.
    index : int
        Position of the job in the suite.
    job_id : str
        Stable hash of what determines the result (see job_hash).
    network : dict
        The network spec, kind and every parameter with its default.
    domain : dict
        The domain spec, likewise.
    measures : tuple of str
        The measures to run.
    options : dict of str to dict
        Checked options of each measure (and of the enumeration).
    imports : tuple of str, default ()
        Plugin modules to import first (they register measures).
    base_dir : str, default "."
        Directory relative network file paths start from.
    save_dir : str or None, default None
        Where to save the job's RegionSet (domains with save_regions = true).
    """

    suite: str
    index: int
    job_id: str
    network: dict[str, Any]
    domain: dict[str, Any]
    measures: tuple[str, ...]
    options: dict[str, dict[str, Any]]
    imports: tuple[str, ...] = ()
    base_dir: str = "."
    save_dir: str | None = None


@dataclass
class Suite:
    """A parsed, validated suite: its resolved spec (for the report) and its jobs.

    Parameters
    ----------
    name : str
        The suite's name.
    spec : dict
        The suite with its variables substituted.
    jobs : list of Job
        Every network x domain pair, in order.
    path : str or None
        The file or built-in name it was loaded from.
    """

    name: str
    spec: dict[str, Any]
    jobs: list[Job] = field(default_factory=list)
    path: str | None = None

    @property
    def title(self) -> str:
        """The suite's title (its name when it has none)."""
        return str(self.spec.get("title", self.name))


def _builtin_dir():
    """The built-in suite files (package data: regionkit/suite/builtin/*.toml)."""
    return resources.files("regionkit.suite") / "builtin"


def builtin_suites() -> dict[str, str]:
    """The built-in suites.

    Returns
    -------
    dict of str to str
        Name to title, in name order.

    Examples
    --------
    >>> from regionkit.suite.spec import builtin_suites
    >>> "hr-fig6-distance" in builtin_suites()
    True
    """
    out = {}
    for entry in sorted(_builtin_dir().iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
            out[entry.name[:-5]] = str(data.get("title", entry.name[:-5]))
    return out


def read_suite_text(source: str | os.PathLike) -> tuple[str, str]:
    """The TOML text of a suite file or built-in suite.

    Parameters
    ----------
    source : str or os.PathLike
        A path (anything ending in .toml, or an existing file) or a built-in name.

    Returns
    -------
    text : str
        The TOML text.
    base_dir : str
        The directory relative paths in it start from ("." for a built-in suite).

    Raises
    ------
    SuiteError
        If the file cannot be read, or the name is neither a file nor a built-in suite.
    """
    path = Path(source)
    if path.suffix == ".toml" or path.exists():
        try:
            return path.read_text(encoding="utf-8"), str(path.resolve().parent)
        except OSError as exc:
            raise SuiteError(f"{path}: cannot read suite file ({exc})") from None
    name = str(source)
    entry = _builtin_dir() / f"{name}.toml"
    if not entry.is_file():
        known = ", ".join(builtin_suites())
        raise SuiteError(f"{name!r} is neither a suite file nor a built-in suite ({known})")
    return entry.read_text(encoding="utf-8"), "."


def load_suite(source: str | os.PathLike, profile: str | None = None,
               overrides: dict[str, Any] | None = None) -> Suite:
    """Parse a suite file or built-in suite into jobs.

    Parameters
    ----------
    source : str or os.PathLike
        A .toml file or the name of a built-in suite.
    profile : str, optional
        Use the variables of [profiles.NAME].
    overrides : dict, optional
        Variables set last, after the profile (as the CLI's --set).

    Returns
    -------
    Suite
        The validated suite with its jobs.

    Raises
    ------
    SuiteError
        If the source cannot be read, is not valid TOML, or is not a valid suite.

    Examples
    --------
    >>> from regionkit.suite.spec import load_suite
    >>> suite = load_suite("hr-fig6-distance", profile="tiny")
    >>> suite.name, suite.jobs[0].measures
    ('hr-fig6-distance', ('distances',))
    """
    text, base = read_suite_text(source)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SuiteError(f"{source}: not valid TOML ({exc})") from None
    suite = parse_suite(raw, profile=profile, overrides=overrides, base_dir=base)
    suite.path = str(source)
    return suite


def parse_suite(raw: dict[str, Any], *, profile: str | None = None,
                overrides: dict[str, Any] | None = None, base_dir: str = ".") -> Suite:
    """Validate a suite dict and expand it into jobs (see the module notes).

    Parameters
    ----------
    raw : dict
        The suite, as read from TOML.
    profile : str, optional
        Use the variables of [profiles.NAME].
    overrides : dict, optional
        Variables set last.
    base_dir : str, default "."
        Directory relative network file paths start from.

    Returns
    -------
    Suite
        The validated suite with its jobs.

    Raises
    ------
    SuiteError
        If anything in the suite is unknown, missing or malformed.

    Examples
    --------
    >>> raw = {"name": "tiny", "measures": ["counts"],
    ...        "networks": [{"kind": "torch_default", "arch": [2, 8, 1], "grid": {"seed": [0, 1]}}],
    ...        "domains": [{"kind": "box"}]}
    >>> from regionkit.suite.spec import parse_suite
    >>> suite = parse_suite(raw)
    >>> [(job.network["seed"], job.domain["lo"], job.measures) for job in suite.jobs]
    [(0, -1.0, ('counts',)), (1, -1.0, ('counts',))]
    """
    from regionkit.suite import checks, domains, measures, networks, report

    unknown = set(raw) - TOP_KEYS
    if unknown:
        raise SuiteError(f"unknown top-level keys {sorted(unknown)}; allowed: {sorted(TOP_KEYS)}")
    name = raw.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise SuiteError("a suite needs a name of letters, digits, '-', '_' and '.', "
                         f"got {name!r}")
    imports = _string_list(raw.get("imports", []), "imports")
    measures.import_plugins(imports)
    variables = _variables(raw, profile, overrides or {})
    spec = _substitute(copy.deepcopy({k: v for k, v in raw.items()
                                      if k not in ("vars", "profiles")}), variables)
    spec["vars"] = variables
    if profile is not None:
        spec["profile"] = profile
    for e in _tables(spec, "expect"):
        checks.validate(e)
    for p in _tables(spec, "plots"):
        report.validate_plot(p)
    wanted = _string_list(spec.get("measures"), "measures")
    if not wanted:
        raise SuiteError("a suite needs a non-empty list of measures")
    for m in wanted:
        measures.get(m)
    options = _options(spec.get("options", {}), wanted)
    nets = [_expand(e, i, "networks", networks.get_kind) for i, e in
            enumerate(_entries(spec, "networks"))]
    doms = [_expand(e, i, "domains", domains.get_kind) for i, e in
            enumerate(_entries(spec, "domains"))]
    names = [n for n, _ in nets]
    if len(set(names)) != len(names):
        raise SuiteError(f"network entries need different names, got {names}")
    jobs: list[Job] = []
    seen: set[str] = set()
    for (dname, dspecs), entry in zip(doms, _entries(spec, "domains")):
        form = domains.get_kind(dspecs[0]["kind"]).form
        mine = _string_list(entry.get("measures", wanted), f"domains {dname!r} measures")
        applicable = tuple(m for m in mine if form in measures.get(m).forms)
        if not applicable:
            raise SuiteError(f"domain entry {dname!r} ({form} form) gets none of the measures "
                             f"{mine}")
        targets = _string_list(entry.get("networks", names), f"domains {dname!r} networks")
        missing = [t for t in targets if t not in names]
        if missing:
            raise SuiteError(f"domain entry {dname!r} names unknown networks {missing}; "
                             f"entries are {names}")
        job_opts = measures.job_options(applicable, options)
        for nname, nspecs in nets:
            if nname not in targets:
                continue
            for nspec, dspec in itertools.product(nspecs, dspecs):
                job_id = job_hash(nspec, dspec, applicable, job_opts, base_dir)
                if job_id in seen:
                    raise SuiteError(f"two jobs are identical (network {nspec}, domain {dspec})")
                seen.add(job_id)
                jobs.append(Job(name, len(jobs), job_id, nspec, dspec, applicable, job_opts,
                                tuple(imports), base_dir, None))
    for m in wanted:
        if not any(m in j.measures for j in jobs):
            raise SuiteError(f"measure {m!r} applies to no domain of the suite")
    return Suite(name, spec, jobs)


def job_hash(network: dict[str, Any], domain: dict[str, Any], measures: tuple[str, ...],
             options: dict[str, Any], base_dir: str) -> str:
    """A job's stable id: a hash of everything that determines its result.

    Parameters
    ----------
    network, domain : dict
        The network and domain specs, defaults filled in.
    measures : tuple of str
        The measures.
    options : dict
        Their checked options.
    base_dir : str
        Directory a network file's path starts from (the file's contents are hashed too).

    Returns
    -------
    str
        The first 16 hex digits of the sha256 of the canonical JSON of all that.
    """
    payload = {"network": network, "domain": domain, "measures": list(measures),
               "options": options}
    if network.get("kind") == "file":
        payload["file_sha256"] = _file_digest(os.path.join(base_dir, str(network["path"])))
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _file_digest(path: str) -> str | None:
    try:
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    except OSError:
        return None  # the job itself reports the missing file


def _string_list(v: Any, what: str) -> list[str]:
    if v is None:
        return []
    if not isinstance(v, list) or not all(isinstance(s, str) for s in v):
        raise SuiteError(f"{what} must be a list of strings, got {v!r}")
    return list(v)


def _variables(raw: dict[str, Any], profile: str | None,
               overrides: dict[str, Any]) -> dict[str, Any]:
    variables = raw.get("vars", {})
    profiles = raw.get("profiles", {})
    if not isinstance(variables, dict) or not isinstance(profiles, dict):
        raise SuiteError("[vars] and [profiles] must be tables")
    variables = dict(variables)
    if profile is not None:
        if profile not in profiles:
            raise SuiteError(f"no profile {profile!r}; the suite has {sorted(profiles) or 'none'}")
        extra = set(profiles[profile]) - set(variables)
        if extra:
            raise SuiteError(f"profile {profile!r} sets undeclared variables {sorted(extra)}")
        variables.update(profiles[profile])
    extra = set(overrides) - set(variables)
    if extra:
        raise SuiteError(f"--set names undeclared variables {sorted(extra)}; "
                         f"declared: {sorted(variables)}")
    variables.update(overrides)
    return variables


def _substitute(value: Any, variables: dict[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("$"):
        key = value[1:]
        if key not in variables:
            raise SuiteError(f"{value!r} names no variable; declared: {sorted(variables)}")
        return copy.deepcopy(variables[key])
    if isinstance(value, dict):
        return {k: _substitute(v, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, variables) for v in value]
    return value


def _options(opts: Any, wanted: list[str]) -> dict[str, dict[str, Any]]:
    from regionkit.suite import measures

    if not isinstance(opts, dict) or not all(isinstance(v, dict) for v in opts.values()):
        raise SuiteError("[options] must hold one table per measure, e.g. [options.distances]")
    known = set(wanted) | {measures.ENUMERATE}
    extra = set(opts) - known
    if extra:
        raise SuiteError(f"[options] names {sorted(extra)}, which the suite does not measure")
    return opts


def _tables(spec: dict[str, Any], key: str) -> list[dict[str, Any]]:
    entries = spec.get(key, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise SuiteError(f"[[{key}]] must be an array of tables")
    return entries


def _entries(spec: dict[str, Any], key: str) -> list[dict[str, Any]]:
    entries = spec.get(key)
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict)
                                                                for e in entries):
        raise SuiteError(f"a suite needs at least one [[{key}]] table")
    return entries


ENTRY_KEYS = {"name", "kind", "grid", "networks", "measures", "save_regions"}


def _expand(entry: dict[str, Any], i: int, what: str, get_kind) -> tuple[str, list[dict]]:
    """(name, specs): the entry's kind and parameters with defaults, one spec per grid point."""
    name = entry.get("name", f"{what[:-1]}{i}")
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise SuiteError(f"[[{what}]] entry {i}: bad name {name!r}")
    if "kind" not in entry:
        raise SuiteError(f"[[{what}]] entry {name!r} needs a kind")
    kind = get_kind(entry["kind"])
    grid = entry.get("grid", {})
    if not isinstance(grid, dict) or not all(isinstance(v, list) and v for v in grid.values()):
        raise SuiteError(f"[[{what}]] entry {name!r}: grid must map parameters to non-empty "
                         "lists")
    fixed = {k: v for k, v in entry.items() if k not in ENTRY_KEYS}
    if what == "networks":
        extra = set(entry) & {"networks", "measures", "save_regions"}
        if extra:
            raise SuiteError(f"[[networks]] entry {name!r}: {sorted(extra)} belong to domains")
    both = set(fixed) & set(grid)
    if both:
        raise SuiteError(f"[[{what}]] entry {name!r}: {sorted(both)} both fixed and in grid")
    specs = []
    for combo in itertools.product(*grid.values()):
        params = dict(fixed, **dict(zip(grid, combo)))
        spec = {"name": name, "kind": kind.name}
        spec.update(kind.check(params, f"[[{what}]] entry {name!r}"))
        if what == "domains":
            spec["save_regions"] = bool(entry.get("save_regions", False))
        specs.append(spec)
    return name, specs
