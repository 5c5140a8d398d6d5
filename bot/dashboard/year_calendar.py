"""The calendar page: the school year month by month, so a bursar sees when families will hear from Karo
(``ledger.messaging.school_calendar`` derives it from the terms and the policy)."""

from __future__ import annotations

import datetime as dt
import itertools

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from bot.dashboard.access import StaffDep
from bot.dashboard.cookies import config_of
from bot.dashboard.rendering import render
from bot.routes.deps import SessionDep
from ledger.clock import school_day
from ledger.messaging.school_calendar import CalendarDay, school_calendar

router = APIRouter()


@router.get("/dashboard/calendar")
def calendar_page(
    request: Request,
    staff: StaffDep,
    session: SessionDep,
    year: int | None = Query(None, ge=2000, le=2100),
) -> Response:
    today = school_day(config_of(request).clock())
    shown = year or today.year
    days = school_calendar(session, staff.school, shown)
    context = {
        "staff": staff,
        "page": "calendar",
        "year": shown,
        "today": today,
        "months": _by_month(days),
    }
    return render(request, "calendar.html", context)


def _by_month(days: list[CalendarDay]) -> list[tuple[str, list[CalendarDay]]]:
    grouped = itertools.groupby(days, key=lambda day: dt.date(day.on.year, day.on.month, 1))
    return [(first.strftime("%B %Y"), list(month)) for first, month in grouped]
