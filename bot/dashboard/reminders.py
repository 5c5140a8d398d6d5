"""The reminders page: the school's policy (a bursar edits it), a preview of what a run now would do,
"Run now" for this school alone, what reminders achieved this term, and the last reminders with the fate
of their messages.

The preview and the run plan with ``ledger.messaging.reminder_plans.plan_campaign`` at the dashboard's clock,
so the page
shows exactly what the button then queues. A run is keyed by family, term and reminder day: a second click
plans nothing new and queues nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.dashboard.access import MoneyStaff, Staff, StaffDep
from bot.dashboard.cookies import config_of
from bot.dashboard.messages_text import plain_reason
from bot.dashboard.reminder_policy import (
    BadPolicy,
    PolicyForm,
    apply_policy,
    checked,
    policy_form,
    policy_snapshot,
    typed_form,
)
from bot.dashboard.rendering import redirect, render
from bot.routes.deps import ServicesDep, SessionDep
from ledger.clock import NAIROBI, school_day
from ledger.messaging.campaigns import Effectiveness, effectiveness, write_campaign
from ledger.messaging.outbox import OutboxMessage
from ledger.messaging.reminder_plans import Campaign, Planned, Reminder, plan_campaign, skipped_by_reason
from ledger.messaging.school_calendar import next_heard
from ledger.records.terms import current_term

router = APIRouter()

PER_PAGE = 50  # planned families shown per page of the preview
LAST_SHOWN = 20
PAGE = "/dashboard/reminders"


@dataclass(frozen=True)
class Preview:
    campaign: Campaign
    shown: list[Planned]  # this page of the planned families
    page: int
    pages: int
    skipped: list[tuple[str, int]]  # reason (without its date) -> families, most first


@dataclass(frozen=True)
class SentReminder:
    at: str  # Nairobi time
    phone: str
    kind: str
    total: int
    status: str
    reason: str | None  # why it was held back, or why sending failed, in plain words


def preview_of(campaign: Campaign, page: int) -> Preview:
    pages = max(1, -(-len(campaign.planned) // PER_PAGE))
    page = min(page, pages)
    shown = campaign.planned[(page - 1) * PER_PAGE : page * PER_PAGE]
    return Preview(campaign, shown, page, pages, skipped_by_reason(campaign))


def last_reminders(session: Session, school_id: int, limit: int = LAST_SHOWN) -> list[SentReminder]:
    query = (
        select(Reminder, OutboxMessage)
        .outerjoin(
            OutboxMessage,
            (OutboxMessage.dedupe_key == Reminder.message_key) & (OutboxMessage.school_id == school_id),
        )
        .where(Reminder.school_id == school_id)
        .order_by(Reminder.id.desc())
        .limit(limit)
    )
    return [_sent(reminder, message) for reminder, message in session.execute(query)]


def _sent(reminder: Reminder, message: OutboxMessage | None) -> SentReminder:
    failure = message.failure_reason if message is not None else None
    return SentReminder(
        at=reminder.planned_at.astimezone(NAIROBI).strftime("%Y-%m-%d %H:%M"),
        phone=message.phone if message is not None else "-",
        kind=reminder.kind.value.replace("_", " "),
        total=reminder.total,
        status=message.status.value if message is not None else "not queued",
        reason=reminder.held_reason or (plain_reason(failure) if failure else None),
    )


def reminded_this_term(session: Session, school_id: int, term_id: int) -> int:
    query = select(func.count(Reminder.id)).where(
        Reminder.school_id == school_id, Reminder.term_id == term_id
    )
    return session.scalar(query) or 0


def _page(
    request: Request,
    staff: Staff,
    session: Session,
    *,
    form: PolicyForm | None = None,
    error: str | None = None,
    page: int = 1,
    queued: int | None = None,
    status: int = 200,
) -> Response:
    now = config_of(request).clock()
    campaign = plan_campaign(session, staff.school, now)
    term = campaign.term or current_term(session, staff.school_id, school_day(now))
    result = effectiveness(session, staff.school_id, term.id, now) if term else Effectiveness(0, 0, 0)
    context = {
        "staff": staff,
        "page": "reminders",
        "form": form or policy_form(staff.school),
        "error": error,
        "preview": preview_of(campaign, page),
        "coming": next_heard(session, staff.school, school_day(now)),
        "at": now.astimezone(NAIROBI).strftime("%Y-%m-%d %H:%M"),
        "term": term,
        "effect": result,
        "rate": round(result.rate * 100),
        "sent": last_reminders(session, staff.school_id),
        "queued": queued,
        "saved": request.query_params.get("saved") == "1",
    }
    return render(request, "reminders.html", context, status_code=status)


@router.get("/dashboard/reminders")
def reminders_page(
    request: Request,
    staff: StaffDep,
    session: SessionDep,
    page: int = Query(1, ge=1, le=10_000),
    queued: int | None = Query(None, ge=0),
) -> Response:
    return _page(request, staff, session, page=page, queued=queued)


@router.post("/dashboard/reminders/policy")
def save_policy(
    request: Request,
    staff: MoneyStaff,
    session: SessionDep,
    reminders_on: Annotated[str, Form(max_length=10)] = "",
    chase_leavers: Annotated[str, Form(max_length=10)] = "",
    # The holiday settings came later: left out (or empty) they keep the school's values.
    holiday_reminders_on: Annotated[str | None, Form(max_length=10)] = None,
    remind_days_before_due: Annotated[str, Form(max_length=10)] = "",
    remind_every_days: Annotated[str, Form(max_length=10)] = "",
    remind_max_per_term: Annotated[str, Form(max_length=10)] = "",
    quiet_hours_start: Annotated[str, Form(max_length=10)] = "",
    quiet_hours_end: Annotated[str, Form(max_length=10)] = "",
    holiday_remind_every_days: Annotated[str | None, Form(max_length=10)] = None,
    holiday_remind_max: Annotated[str | None, Form(max_length=10)] = None,
    next_term_notice_days: Annotated[str | None, Form(max_length=10)] = None,
) -> Response:
    switches = {
        "reminders_on": reminders_on,
        "chase_leavers": chase_leavers,
        "holiday_reminders_on": holiday_reminders_on,
    }
    typed = {
        "remind_days_before_due": remind_days_before_due,
        "remind_every_days": remind_every_days,
        "remind_max_per_term": remind_max_per_term,
        "quiet_hours_start": quiet_hours_start,
        "quiet_hours_end": quiet_hours_end,
        "holiday_remind_every_days": holiday_remind_every_days,
        "holiday_remind_max": holiday_remind_max,
        "next_term_notice_days": next_term_notice_days,
    }
    form = typed_form(staff.school, switches, typed)
    try:
        numbers = checked(form)
    except BadPolicy as bad:
        return _page(request, staff, session, form=form, error=str(bad), status=422)
    school = staff.school
    before = policy_snapshot(school)
    apply_policy(school, form, numbers)
    after = policy_snapshot(school)
    at, target = config_of(request).clock(), f"school:{school.id}"
    staff.audit_change(session, action="reminders.policy", at=at, target=target, before=before, after=after)
    session.commit()
    return redirect(request, f"{PAGE}?saved=1")


@router.post("/dashboard/reminders/run")
def run_now(request: Request, staff: MoneyStaff, session: SessionDep, services: ServicesDep) -> Response:
    now = config_of(request).clock()
    campaign = plan_campaign(session, staff.school, now)
    if campaign.term is None:  # halted: nothing to queue, the page says why
        return redirect(request, f"{PAGE}?queued=0")
    term = campaign.term
    before = reminded_this_term(session, staff.school_id, term.id)
    templates = services.settings.whatsapp_reminder_templates
    queued = write_campaign(session, staff.school, campaign.planned, now=now, templates=templates)
    if queued:
        staff.audit(
            session,
            action="reminders.run",
            at=now,
            target=f"term:{term.id}",
            before={"term": term.code, "reminders": before},
            after={
                "term": term.code,
                "reminders": before + queued,
                "queued": queued,
                "skipped": len(campaign.skipped),
            },
        )
    session.commit()
    return redirect(request, f"{PAGE}?queued={queued}")
