"""The announcements page: write a message to all families, some classes, families owing more than an amount,
or leavers' families, in English and Kiswahili; preview it (HTMX: families, channels, SMS parts, cost, UCS-2);
send it (the head or a bursar); and see past announcements with each family's delivery.

Sending is keyed by the audience and the words (``ledger.messaging.announcements``): pressing Send twice,
or from two tabs at once, queues each family once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.channels.handlers.registry import sends_email
from bot.dashboard.access import Staff, StaffDep, in_roles
from bot.dashboard.cookies import config_of
from bot.dashboard.rendering import redirect, render
from bot.outbox.senders import whatsapp_window
from bot.routes.deps import SessionDep
from ledger.messaging.announcement_reports import (
    SMS_PART_CENTS,
    Preview,
    at_nairobi,
    counts,
    delivery,
    past,
    preview,
)
from ledger.messaging.announcements import (
    MAX_TEXT,
    Announcement,
    Audience,
    BadAnnouncement,
    Texts,
    announce,
    audience_of,
    checked_audience,
    checked_texts,
    texts_of,
)
from ledger.records.tables import SchoolClass
from ledger.staff.members import Role

router = APIRouter()
PAGE = "/dashboard/announcements"
ANNOUNCERS = frozenset({Role.HEAD, Role.BURSAR})  # who speaks for the school to every family


AnnouncingStaff = Annotated[Staff, Depends(in_roles(ANNOUNCERS, "send announcements"))]


@dataclass
class Draft:
    """The form as typed, shown back with the preview or an error."""

    classes: list[str] = field(default_factory=list)
    owing_over: str = ""
    leavers: bool = False
    text: str = ""
    text_sw: str = ""


def _draft(
    classes: Annotated[list[str] | None, Form()] = None,
    owing_over: Annotated[str, Form(max_length=20)] = "",
    leavers: Annotated[str, Form(max_length=5)] = "",
    text: Annotated[str, Form(max_length=2 * MAX_TEXT)] = "",
    text_sw: Annotated[str, Form(max_length=2 * MAX_TEXT)] = "",
) -> Draft:
    return Draft(list(classes or [])[:100], owing_over, leavers == "on", text, text_sw)


DraftForm = Annotated[Draft, Depends(_draft)]


def _previewed(
    request: Request, session: Session, staff: Staff, draft: Draft
) -> tuple[Audience, Texts, Preview]:
    """The draft checked (BadAnnouncement if it cannot go) and previewed as the outbox would send it now."""
    texts = checked_texts(draft.text, draft.text_sw)
    audience = checked_audience(session, staff.school, draft.classes, draft.owing_over, draft.leavers)
    services = request.app.state.services
    window_open = whatsapp_window(services, request.app.state.inbound.store)
    email_on = sends_email(services.settings)
    return audience, texts, preview(session, staff.school, audience, texts, window_open, email_on)


def _page(
    request: Request,
    staff: Staff,
    session: Session,
    *,
    draft: Draft | None = None,
    shown: Preview | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    classes = session.scalars(
        select(SchoolClass.name).where(SchoolClass.school_id == staff.school_id).order_by(SchoolClass.name)
    )
    announcements = past(session, staff.school_id)
    context = {
        "staff": staff,
        "page": "announcements",
        "classes": list(classes),
        "draft": draft or Draft(),
        "shown": shown,
        "error": error,
        "part_price": SMS_PART_CENTS,
        "may_send": staff.member.role in ANNOUNCERS,
        "max_text": MAX_TEXT,
        "past": [(a, audience_of(a).describe(), counts(delivery(session, a))) for a in announcements],
        "at": at_nairobi,
    }
    template = (
        "announcement_preview.html" if shown and request.headers.get("HX-Request") else "announcements.html"
    )
    return render(request, template, context, status_code=status)


@router.get(PAGE)
def announcements_page(request: Request, staff: StaffDep, session: SessionDep) -> Response:
    return _page(request, staff, session)


@router.post(f"{PAGE}/preview")
def preview_announcement(
    request: Request, staff: StaffDep, session: SessionDep, draft: DraftForm
) -> Response:
    try:
        _, _, shown = _previewed(request, session, staff, draft)
    except BadAnnouncement as bad:
        return _refused(request, staff, session, draft, bad)
    return _page(request, staff, session, draft=draft, shown=shown)


@router.post(f"{PAGE}/send")
def send_announcement(
    request: Request, staff: AnnouncingStaff, session: SessionDep, draft: DraftForm
) -> Response:
    now = config_of(request).clock()
    try:
        audience, texts, _ = _previewed(request, session, staff, draft)
        made, queued = announce(session, staff.school, audience, texts, author=staff.member.email, now=now)
    except BadAnnouncement as bad:
        return _refused(request, staff, session, draft, bad)
    if queued:
        after = {"announcement": made.id, "audience": audience.describe(), "queued": queued}
        staff.audit(
            session, action="announcement.send", at=now, target=f"announcement:{made.id}", after=after
        )
    session.commit()
    return redirect(request, f"{PAGE}/{made.id}?queued={queued}")


def _refused(
    request: Request, staff: Staff, session: Session, draft: Draft, bad: BadAnnouncement
) -> Response:
    message = str(bad)
    error = message[:1].upper() + message[1:] + "."
    if request.headers.get("HX-Request"):  # the preview pane says it; the form stays as typed
        return render(request, "announcement_preview.html", {"error": error})  # HTMX swaps only a 2xx
    return _page(request, staff, session, draft=draft, error=error, status=422)


@router.get(PAGE + "/{announcement_id}")
def announcement_page(
    request: Request, announcement_id: int, staff: StaffDep, session: SessionDep
) -> Response:
    announcement = session.get(Announcement, announcement_id)
    if announcement is None or announcement.school_id != staff.school_id:
        raise HTTPException(404, "No such announcement.")
    rows = delivery(session, announcement)
    queued = request.query_params.get("queued")
    context = {
        "staff": staff,
        "page": "announcements",
        "announcement": announcement,
        "who": audience_of(announcement).describe(),
        "texts": texts_of(announcement),
        "rows": rows,
        "counts": counts(rows),
        "queued": int(queued) if queued and queued.isdigit() else None,
        "at": at_nairobi,
    }
    return render(request, "announcement.html", context)
