"""Benchmark suites: many networks, domains and measures, one table and a report.

    suite = load_suite("hr-fig5", profile="tiny")       # a built-in name or a TOML file
    result = run_suite(suite, "results/", workers=2)     # or scheduler="tcp://host:8786"
    write_report("results/")                             # results/report.md and plots/

See docs/suites.md for the suite file format and the built-in suites.
"""
from regionkit.suite.checks import CheckResult, evaluate
from regionkit.suite.jobs import run_job
from regionkit.suite.measures import MEASURES
from regionkit.suite.measures import register as register_measure
from regionkit.suite.report import write_report
from regionkit.suite.runner import RunResult, SerialExecutor, make_executor, run_suite
from regionkit.suite.spec import Job, Suite, builtin_suites, load_suite, parse_suite
from regionkit.suite.table import read_table, write_table

__all__ = ["CheckResult", "Job", "MEASURES", "RunResult", "SerialExecutor", "Suite",
           "builtin_suites", "evaluate", "load_suite", "make_executor", "parse_suite",
           "read_table", "register_measure", "run_job", "run_suite", "write_report",
           "write_table"]
