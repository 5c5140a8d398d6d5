"""The daily close: a school day's money on one printable page, and who gets it by SMS at the close hour.

Every member reads it (the head checks the bursar's day); a bursar chooses the phones and the hour, audited
with before and after. The figures are the ledger's (``ledger.payments.daily_close``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from bot.dashboard.access import MoneyStaff, Staff, StaffDep
from bot.dashboard.cookies import config_of
from bot.dashboard.rendering import redirect, render
from bot.routes.deps import SessionDep
from ledger.clock import school_day
from ledger.errors import InvalidPhone
from ledger.messaging.daily_close_notices import CLOSE_HOURS, close_phones_of, parse_close_phones
from ledger.payments.daily_close import daily_close
from ledger.records.tables import School

router = APIRouter()

PAGE = "/dashboard/close"


def _day(text: str, today: dt.date) -> dt.date:
    try:
        day = dt.date.fromisoformat(text) if text else today
    except ValueError:
        raise HTTPException(404, f"{text!r} is not a day: give it as YYYY-MM-DD.") from None
    if day > today:
        raise HTTPException(404, f"{day} has not come yet: the close is made at the end of a day.")
    return day


def _page(
    request: Request,
    staff: Staff,
    session: Session,
    day: dt.date,
    *,
    phones: str | None = None,
    hour: str | None = None,
    error: str | None = None,
) -> Response:
    today = school_day(config_of(request).clock())
    one = dt.timedelta(days=1)
    context: dict[str, Any] = {
        "staff": staff,
        "page": "close",
        "close": daily_close(session, staff.school_id, day),
        "previous": day - one,
        "next": day + one if day < today else None,
        "today": today,
        "phones": ", ".join(close_phones_of(staff.school)) if phones is None else phones,
        "hour": str(staff.school.close_hour) if hour is None else hour,
        "hours": CLOSE_HOURS,
        "error": error,
        "saved": request.query_params.get("saved") == "1",
    }
    return render(request, "close.html", context, status_code=422 if error else 200)


@router.get("/dashboard/close")
def close_page(
    request: Request, staff: StaffDep, session: SessionDep, day: str = Query("", max_length=10)
) -> Response:
    return _page(request, staff, session, _day(day, school_day(config_of(request).clock())))


@router.post("/dashboard/close/sms")
def save_close_sms(
    request: Request,
    staff: MoneyStaff,
    session: SessionDep,
    phones: Annotated[str, Form(max_length=200)] = "",
    hour: Annotated[str, Form(max_length=4)] = "",
) -> Response:
    """The phones that get the close by SMS, and the Nairobi hour it goes at."""
    today = school_day(config_of(request).clock())
    try:
        numbers = parse_close_phones(phones)
    except InvalidPhone as bad:
        return _page(request, staff, session, today, phones=phones, hour=hour, error=f"Phones: {bad}.")
    if not hour.strip().isdigit() or int(hour) not in CLOSE_HOURS:
        error = f"Hour: give a whole hour from {CLOSE_HOURS[0]} to {CLOSE_HOURS[-1]}."
        return _page(request, staff, session, today, phones=phones, hour=hour, error=error)
    school = staff.school
    before = _snapshot(school)
    school.close_phones, school.close_hour = ",".join(numbers) or None, int(hour)
    after = _snapshot(school)
    at = config_of(request).clock()
    staff.audit_change(
        session, action="close.sms", at=at, target=f"school:{school.id}", before=before, after=after
    )
    session.commit()
    return redirect(request, f"{PAGE}?saved=1")


def _snapshot(school: School) -> dict[str, Any]:
    return {"phones": close_phones_of(school), "hour": school.close_hour}
