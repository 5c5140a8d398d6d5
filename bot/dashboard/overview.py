"""The overview for the term: invoiced, collected, outstanding, collection rate, today's M-Pesa, and charts
of daily collections and of arrears by aging bucket."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TypeVarTuple

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from bot.dashboard.access import StaffDep
from bot.dashboard.charts import BarChart, bar_chart
from bot.dashboard.cookies import config_of
from bot.dashboard.rendering import render
from bot.mpesa.credentials import can_prompt
from bot.routes.deps import SessionDep
from ledger.books.reports import arrears, term_totals
from ledger.books.tables import Entry, Payment, PaymentSource
from ledger.clock import school_day
from ledger.records.tables import School, Term
from ledger.records.terms import current_term
from ledger.types import TermTotals

router = APIRouter()

MPESA = (PaymentSource.MPESA_STK, PaymentSource.MPESA_PAYBILL)
AGING_LABELS = ("0-30 days", "31-60 days", "61-90 days", "over 90 days", "not yet due")

Row = TypeVarTuple("Row")  # a query's column types, kept through the helpers that refine it


@dataclass(frozen=True)
class TodaysMpesa:
    count: int
    amount: int


@dataclass(frozen=True)
class Overview:
    term: Term | None
    totals: TermTotals | None
    mpesa_today: TodaysMpesa
    daily: BarChart
    aging: BarChart


def overview(session: Session, school_id: int, today: dt.date) -> Overview:
    term = current_term(session, school_id, today)
    return Overview(
        term=term,
        totals=term_totals(session, school_id, term) if term is not None else None,
        mpesa_today=mpesa_on(session, school_id, today),
        daily=bar_chart("Collections per day", daily_collections(session, school_id, term, today)),
        aging=bar_chart("Arrears by age", aging_totals(session, school_id, today)),
    )


def _not_reversed(query: Select[*Row]) -> Select[*Row]:
    # A reversed payment was never money in: leave it out of what was collected.
    reversal = aliased(Entry)
    return query.outerjoin(reversal, reversal.reverses_id == Payment.entry_id).where(reversal.id.is_(None))


def mpesa_on(session: Session, school_id: int, day: dt.date) -> TodaysMpesa:
    query = select(func.count(Payment.id), func.coalesce(func.sum(Payment.amount), 0)).where(
        Payment.school_id == school_id, Payment.source.in_(MPESA), Payment.received_on == day
    )
    count, amount = session.execute(_not_reversed(query)).one()
    return TodaysMpesa(int(count), int(amount))


def daily_collections(
    session: Session, school_id: int, term: Term | None, today: dt.date
) -> list[tuple[str, int]]:
    """Money received per day from the term's start to today (or its end), every source together."""
    if term is None:
        return []
    last = min(today, term.ends_on)
    query = (
        select(Payment.received_on, func.sum(Payment.amount))
        .where(Payment.school_id == school_id, Payment.received_on.between(term.starts_on, last))
        .group_by(Payment.received_on)
    )
    per_day = {on: int(total) for on, total in session.execute(_not_reversed(query))}
    days = [term.starts_on + dt.timedelta(days=n) for n in range((last - term.starts_on).days + 1)]
    return [(day.strftime("%d %b"), per_day.get(day, 0)) for day in days]


def aging_totals(session: Session, school_id: int, today: dt.date) -> list[tuple[str, int]]:
    sums = [0, 0, 0, 0, 0]
    for row in arrears(session, school_id, as_of=today):
        for index, owed in enumerate((*row.buckets, row.not_yet_due)):
            sums[index] += owed
    return list(zip(AGING_LABELS, sums, strict=True))


@router.get("/dashboard")
def overview_page(request: Request, staff: StaffDep, session: SessionDep) -> Response:
    today = school_day(config_of(request).clock())
    school = session.get(School, staff.school_id)
    daraja_api_url = request.app.state.services.settings.daraja_api_url
    context = {
        "staff": staff,
        "page": "overview",
        "today": today,
        "view": overview(session, staff.school_id, today),
        # Why parents are shown the Paybill rather than an M-Pesa prompt (the same rule the ports use).
        "prompts_off": school is not None and not can_prompt(school, daraja_api_url),
        "paybill": school.paybill if school is not None else None,
    }
    return render(request, "overview.html", context)
