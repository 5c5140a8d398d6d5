"""The one-child family of the M-Pesa ledger tests: when things happen, and the parent's phone."""

from __future__ import annotations

import datetime as dt

NOW = dt.datetime(2026, 11, 22, 7, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 22)
PARENT = "+254712000001"
