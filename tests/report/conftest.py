"""Fixtures the report tests share with the analysis tests."""

from tests.analysis.test_published import published  # noqa: F401 (a fixture)
