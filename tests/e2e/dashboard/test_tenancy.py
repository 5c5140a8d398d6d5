"""A staff member sees only their own school: every dashboard route, walked with the other school's ids,
answers 404; pages without ids show nothing of the other school."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.dashboard.exports import XLSX
from bot.dashboard.routes import dashboard_routers
from ledger.billing.award_limits import AwardTerms
from ledger.billing.bursaries import award_bursary
from ledger.billing.rollover_planning import plan_rollover, standing_rollover
from ledger.billing.sponsor_tables import BursaryAward, Sponsor
from ledger.billing.sponsors import sponsor_named
from ledger.books.tables import Entry, Payment, PaymentSource
from ledger.db import transaction
from ledger.messaging.announcements import Announcement
from ledger.messaging.webhook_tables import WebhookEndpoint
from ledger.messaging.webhooks import create_endpoint
from ledger.payments.recording import Received, record_payment
from ledger.records.tables import Guardian, School, SchoolClass, Student, Term, VoteHead
from ledger.staff.api_keys import ApiKey
from ledger.staff.approvals import ReversalRequest
from ledger.staff.members import StaffMember
from ledger.staff.rollover import apply_rollover
from tests.e2e.dashboard import conftest as fixtures
from tests.e2e.dashboard.conftest import csrf_of
from tests.e2e.dashboard.test_pages import TODAY

PARAM = re.compile(r"{(\w+)}")
RESULTS_ONLY = {"HX-Request": "true", "HX-Target": "results"}  # the table HTMX swaps in, not the form
# Pages without ids whose answer is the same for everyone (no school data on them).
PUBLIC = {
    "/dashboard/login",
    "/dashboard/logout",
    "/dashboard/static/htmx.min.js",
    "/dashboard/static/dashboard.css",
    "/dashboard/static/print.js",
}


def mwangaza_ids(factory: sessionmaker[Session]) -> dict[str, Callable[[Session], int]]:
    """For each path parameter a route may take, how to find one of Mwangaza's (school B's) ids."""

    def school_id(session: Session) -> int:
        return session.scalars(select(School.id).where(School.slug == "mwangaza")).one()

    def student_id(session: Session) -> int:
        return session.scalars(select(Student.id).where(Student.school_id == school_id(session))).first() or 0

    def payment_id(session: Session) -> int:
        return session.scalars(select(Payment.id).where(Payment.school_id == school_id(session))).first() or 0

    def term_id(session: Session) -> int:
        return session.scalars(select(Term.id).where(Term.school_id == school_id(session))).first() or 0

    def class_id(session: Session) -> int:
        query = select(SchoolClass.id).where(SchoolClass.school_id == school_id(session))
        return session.scalars(query).first() or 0

    def guardian_id(session: Session) -> int:
        query = select(Guardian.id).where(Guardian.school_id == school_id(session))
        return session.scalars(query).first() or 0

    def vote_head_id(session: Session) -> int:
        query = select(VoteHead.id).where(VoteHead.school_id == school_id(session))
        return session.scalars(query).first() or 0

    def sponsor_id(session: Session) -> int:
        return session.scalars(select(Sponsor.id).where(Sponsor.school_id == school_id(session))).first() or 0

    def award_id(session: Session) -> int:
        query = select(BursaryAward.id).where(BursaryAward.school_id == school_id(session))
        return session.scalars(query).first() or 0

    def entry_id(session: Session) -> int:
        return session.scalars(select(Entry.id).where(Entry.school_id == school_id(session))).first() or 0

    def request_id(session: Session) -> int:
        query = select(ReversalRequest.id).where(ReversalRequest.school_id == school_id(session))
        return session.scalars(query).first() or 0

    def staff_id(session: Session) -> int:
        query = select(StaffMember.id).where(StaffMember.school_id == school_id(session))
        return session.scalars(query).first() or 0

    def announcement_id(session: Session) -> int:
        query = select(Announcement.id).where(Announcement.school_id == school_id(session))
        return session.scalars(query).first() or 0

    def key_id(session: Session) -> int:
        return session.scalars(select(ApiKey.id).where(ApiKey.school_id == school_id(session))).first() or 0

    def endpoint_id(session: Session) -> int:
        query = select(WebhookEndpoint.id).where(WebhookEndpoint.school_id == school_id(session))
        return session.scalars(query).first() or 0

    def token(session: Session) -> int:
        return 0  # an invite link's token: another school's is the link itself, so an unknown one is 404

    return {
        "staff_id": staff_id,
        "token": token,
        "student_id": student_id,
        "payment_id": payment_id,
        "term_id": term_id,
        "class_id": class_id,
        "guardian_id": guardian_id,
        "vote_head_id": vote_head_id,
        "sponsor_id": sponsor_id,
        "award_id": award_id,
        "entry_id": entry_id,
        "request_id": request_id,
        "announcement_id": announcement_id,
        "key_id": key_id,
        "endpoint_id": endpoint_id,
    }


def dashboard_routes() -> list[APIRoute]:
    return [route for router in dashboard_routers() for route in router.routes if isinstance(route, APIRoute)]


def test_every_route_with_an_id_answers_404_for_the_other_schools_ids(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    with transaction(staffed) as session:  # something of Mwangaza's in suspense, to allocate
        mwangaza = session.scalars(select(School).where(School.slug == "mwangaza")).one()
        paid = Received(PaymentSource.MPESA_PAYBILL, "TMW9SUSP", 1_000_00, TODAY, "MS 9")
        record_payment(session, mwangaza.id, paid, None, actor="test")
        award_for_baraka(session, mwangaza)
        create_endpoint(  # an endpoint of Mwangaza's, for the webhook routes' ids
            session,
            mwangaza.id,
            url="https://erp.mwangaza.ac.ke/k",
            events=["payment.received"],
            seal=str,
            actor="t",
            now=dt.datetime.now(dt.UTC),
        )
    finders = mwangaza_ids(staffed)
    walked = []
    for route in dashboard_routes():
        names = PARAM.findall(route.path)
        if not names:
            continue
        missing = [name for name in names if name not in finders]
        assert not missing, f"{route.path}: add a finder for {missing} to mwangaza_ids"
        with staffed() as session:  # closed before the app is asked: SQLite has one writer at a time
            path = route.path.format(**{name: finders[name](session) for name in names})
        for method in sorted(route.methods):
            token = csrf_of(bursar.get("/dashboard"))
            data = {"csrf_token": token} if method == "POST" else None
            answer = bursar.request(method, path, data=data)
            assert answer.status_code == 404, f"{method} {path}: {answer.status_code}"
            assert "Baraka" not in answer.text and "Mwangaza" not in answer.text
            walked.append(f"{method} {route.path}")
    assert "GET /dashboard/students/{student_id}" in walked
    assert "POST /dashboard/suspense/{payment_id}/allocate" in walked
    assert "POST /dashboard/terms/{term_id}/classes/{class_id}/invoice" in walked
    assert "POST /dashboard/students/{student_id}/plan" in walked
    assert "POST /dashboard/students/{student_id}/plan/cancel" in walked
    assert "POST /dashboard/settings/webhooks/{endpoint_id}/ping" in walked
    assert "POST /dashboard/students/{student_id}/guardians/{guardian_id}/phone" in walked
    assert "POST /dashboard/students/{student_id}/optional/{vote_head_id}" in walked
    assert "POST /dashboard/students/{student_id}/bursaries/{award_id}/confirm" in walked
    assert "GET /dashboard/sponsors/{sponsor_id}/statement" in walked
    assert "POST /dashboard/settings/terms/{term_id}" in walked
    assert "POST /dashboard/settings/staff/{staff_id}/active" in walked
    assert "POST /dashboard/settings/staff/{staff_id}/reset" in walked
    assert "POST /dashboard/settings/api-keys/{key_id}/revoke" in walked


def award_for_baraka(session: Session, mwangaza: School) -> None:
    """A sponsor of Mwangaza's and its pledge to Baraka, for the bursary routes to be walked with."""
    baraka = session.scalars(select(Student).where(Student.school_id == mwangaza.id)).one()
    term = session.scalars(select(Term).where(Term.school_id == mwangaza.id)).one()
    cdf, _ = sponsor_named(session, mwangaza.id, "NG-CDF Mwangaza")
    pledge = AwardTerms(amount=1_000_00, conditional=True)
    award_bursary(session, baraka, term, cdf, pledge, key="pledge", actor="test", on=TODAY)


def test_pages_without_ids_show_nothing_of_the_other_school(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    with transaction(
        staffed
    ) as session:  # money in both schools today, for the exports to leak if they could
        for pupil in session.scalars(select(Student)):
            paid = Received(PaymentSource.CASH, f"CASH-{pupil.admission_no}", 100_00, TODAY)
            record_payment(session, pupil.school_id, paid, pupil, actor="test")
    for route in dashboard_routes():
        if PARAM.search(route.path) or route.path in PUBLIC or "GET" not in route.methods:
            continue
        page = bursar.get(route.path)
        assert page.status_code == 200, route.path
        shown = page.text
        if page.headers["content-type"].startswith("text/html"):
            assert "Kilimani Junior Academy" in shown, route.path
        else:  # an export (CSV, or Excel read cell by cell): this school's rows only
            if page.headers["content-type"].startswith(XLSX):
                sheet = load_workbook(io.BytesIO(page.content)).active
                shown = " ".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row)
            assert "KJA-001" in shown, route.path
        assert "Baraka" not in shown and "Mwangaza" not in shown and "MS-100" not in shown, route.path


def test_a_search_for_the_other_schools_pupil_finds_nothing(bursar: TestClient) -> None:
    for query in ("Baraka", "MS-100"):
        table = bursar.get("/dashboard/students", params={"q": query}, headers=RESULTS_ONLY)
        assert "0 students" in table.text and "Baraka" not in table.text, query
    # The parent's phone is in both schools: here it finds only this school's child.
    table = bursar.get("/dashboard/students", params={"q": "0712000001"}, headers=RESULTS_ONLY)
    assert "1 student" in table.text and "Achieng Otieno" in table.text and "Baraka" not in table.text


def test_the_other_schools_class_as_a_filter_lists_nobody(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    with staffed() as session:
        theirs = session.scalars(
            select(Student.class_id).join(School).where(School.slug == "mwangaza")
        ).first()
    page = bursar.get("/dashboard/students", params={"class_id": str(theirs)})
    assert "0 students" in page.text and "Baraka" not in page.text


def test_the_rollover_pages_neither_show_nor_undo_the_other_schools_rollover(
    web: TestClient, staffed: sessionmaker[Session], clock: fixtures.Clock
) -> None:
    """The year-end rollover's routes take no ids: the walk above reaches its page; here its forms."""
    clock.now += dt.timedelta(days=90)  # both schools' terms are over
    with transaction(staffed) as session:
        mwangaza = session.scalars(select(School).where(School.slug == "mwangaza")).one()
        plan = plan_rollover(session, mwangaza, TODAY.year + 1, today=clock.now.date())
        apply_rollover(session, plan, by="bursar@mwangaza.ac.ke", at=clock.now)
    assert fixtures.sign_in(web, fixtures.HEAD_A).status_code == 303
    page = web.get("/dashboard/year/rollover")
    assert "Undo the rollover" not in page.text and "Baraka" not in page.text and "Mwangaza" not in page.text
    form = {"csrf_token": csrf_of(page), "to_year": str(TODAY.year + 1)}
    refused = web.post("/dashboard/year/rollover/undo", data=form)
    assert refused.status_code == 422 and f"No rollover to {TODAY.year + 1} stands" in refused.text
    with staffed() as session:
        assert standing_rollover(session, mwangaza.id, TODAY.year + 1) is not None
