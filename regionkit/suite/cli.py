"""`regionkit suite list | run | report`: the command line of regionkit.suite.

Examples
--------
>>> from click.testing import CliRunner
>>> from regionkit.suite.cli import suite
>>> print(CliRunner().invoke(suite, ["list"]).output)
bounds ...
hr-fig6-distance ...
"""
from __future__ import annotations

import sys
from typing import Any

import click
import tomllib

from regionkit.errors import RegionkitError

__all__ = ["suite"]


def _assignment(text: str) -> tuple[str, Any]:
    """NAME=VALUE with VALUE read as a TOML value (a bare word stays text)."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise click.BadParameter(f"{text!r} is not NAME=VALUE", param_hint="--set")
    try:
        return name.strip(), tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        return name.strip(), value


@click.group("suite")
def suite() -> None:
    """Benchmark suites: many networks x domains x measures, one table, a report."""


@suite.command("list")
def list_cmd() -> None:
    """The built-in suites."""
    from regionkit.suite.spec import builtin_suites

    for name, title in builtin_suites().items():
        click.echo(f"{name:24s} {title}")


@suite.command("run")
@click.argument("suite_file", metavar="SUITE")
@click.option("-o", "--output", default="results", show_default=True,
              type=click.Path(file_okay=False), help="Results directory.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Run jobs in a pool of this many processes.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Run jobs on this Dask cluster (e.g. tcp://host:8786; needs regionkit[dask]).")
@click.option("--profile", default=None, help="Use the suite's [profiles.NAME] variables.")
@click.option("--set", "assignments", multiple=True, metavar="NAME=VALUE",
              help="Set a suite variable (a TOML value), after the profile. Repeatable.")
@click.option("--format", "fmt", type=click.Choice(["auto", "parquet", "csv"]), default="auto",
              show_default=True, help="Table format (auto: Parquet if pyarrow is installed).")
@click.option("--retry-failed/--no-retry-failed", default=True, show_default=True,
              help="Rerun jobs whose recorded result is an error.")
@click.option("--report/--no-report", "with_report", default=False,
              help="Write the report when the run ends.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a TTY).")
def run_cmd(suite_file: str, output: str, workers: int | None, scheduler: str | None,
            profile: str | None, assignments: tuple[str, ...], fmt: str, retry_failed: bool,
            with_report: bool, progress: bool | None) -> None:
    """Run SUITE (a .toml file or a built-in name), skipping jobs already in OUTPUT."""
    from regionkit.suite.report import write_report
    from regionkit.suite.runner import run_suite
    from regionkit.suite.spec import load_suite

    try:
        s = load_suite(suite_file, profile, dict(_assignment(a) for a in assignments))
        result = run_suite(s, output, workers=workers, scheduler=scheduler, fmt=fmt,
                           retry_failed=retry_failed, progress=progress)
        click.echo(f"{s.name}: {result}")
        if with_report:
            click.echo(f"wrote {write_report(output)}")
    except RegionkitError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("interrupted: finished jobs are saved; rerun to resume", err=True)
        sys.exit(130)
    if result.n_failed:
        sys.exit(1)


@suite.command("report")
@click.argument("results", type=click.Path(file_okay=False, exists=True))
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False),
              help="Markdown file to write (default RESULTS/report.md; plots go beside it).")
@click.option("--plots/--no-plots", default=True, show_default=True)
def report_cmd(results: str, output: str | None, plots: bool) -> None:
    """Write the Markdown report (expectations, plots, failures) of a results directory."""
    from regionkit.suite.report import write_report

    try:
        path = write_report(results, output, plots)
    except RegionkitError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(f"wrote {path}")
