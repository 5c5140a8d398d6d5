"""Fixtures shared by integration tests of several areas."""

from tests.integration.reminders_school import term_school  # noqa: F401  (a fixture)
