"""Kenya's clock: every school Karo serves keeps Nairobi time (EAT, UTC+3, no daylight saving).

Moments are stored and compared in UTC; a moment becomes a school day, a quiet hour or a due date only here,
so "today" means the same day to the books, the reminders, the jobs and the dashboard.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

NAIROBI = ZoneInfo("Africa/Nairobi")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def school_day(moment: dt.datetime) -> dt.date:
    """The date in Nairobi when ``moment`` (aware) happened: 21:30 UTC is already tomorrow there."""
    return moment.astimezone(NAIROBI).date()
