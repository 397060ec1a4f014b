"""Shared pytest configuration: a deterministic hypothesis profile without deadlines.

Enumeration times vary with the generated network, so per-example deadlines would only make
the suite flaky; derandomize keeps every run on the same examples.
"""
from hypothesis import HealthCheck, settings

settings.register_profile("regionkit", deadline=None, derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("regionkit")
