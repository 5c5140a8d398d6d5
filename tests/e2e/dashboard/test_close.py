"""The daily close page: this school's day only, the days before it a link away, a bad or future day
refused with a page; the SMS phones and hour set by a bursar (audited, a bad phone refused beside the
form) and only read by the head."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ledger.books.tables import Payment, PaymentSource
from ledger.clock import school_day
from ledger.db import transaction
from ledger.payments.recording import Received, record_payment
from ledger.records.tables import School, Student
from ledger.staff.audit import AuditEntry
from tests.e2e.dashboard.conftest import HEAD_A, Clock, post_form, sign_in


def pay_both_schools(factory: sessionmaker[Session], today: dt.date) -> str:
    """Cash to each school's pupil today; Kilimani's receipt number."""
    with transaction(factory) as session:
        for pupil in session.scalars(select(Student)):
            paid = Received(PaymentSource.CASH, f"CASH-{pupil.admission_no}", 2_345_00, today)
            record_payment(session, pupil.school_id, paid, pupil, actor="test", notify=False)
        kilimani = session.scalars(select(School).where(School.slug == "kilimani")).one()
        query = select(Payment.receipt_no).where(Payment.school_id == kilimani.id)
        return session.scalars(query).one()


def test_the_close_shows_this_schools_day_and_links_the_day_before(
    bursar: TestClient, staffed: sessionmaker[Session], clock: Clock
) -> None:
    today = school_day(clock.now)
    receipt = pay_both_schools(staffed, today)
    page = bursar.get("/dashboard/close")
    assert page.status_code == 200
    assert receipt in page.text and "KES 2,345.00" in page.text and 'id="print"' in page.text
    assert "MS-100" not in page.text and "Baraka" not in page.text
    assert f'href="/dashboard/close?day={today - dt.timedelta(days=1)}"' in page.text
    assert 'id="next-day"' not in page.text
    before = bursar.get("/dashboard/close", params={"day": str(today - dt.timedelta(days=1))})
    assert "No receipts this day." in before.text and f"/dashboard/close?day={today}" in before.text
    for bad, said in (("yesterday", "is not a day"), (str(today + dt.timedelta(days=1)), "has not come yet")):
        refused = bursar.get("/dashboard/close", params={"day": bad})
        assert refused.status_code == 404 and said in refused.text


def test_a_bursar_sets_the_sms_phones_audited_and_a_bad_phone_is_refused(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    refused = post_form(bursar, "/dashboard/close/sms", {"phones": "0712 345 678, 0712", "hour": "18"})
    assert refused.status_code == 422 and "Phones:" in refused.text and "0712 345 678, 0712" in refused.text
    saved = post_form(bursar, "/dashboard/close/sms", {"phones": "0712 345 678; +254722000111", "hour": "19"})
    assert saved.status_code == 303
    with staffed() as session:
        school = session.scalars(select(School).where(School.slug == "kilimani")).one()
        assert (school.close_phones, school.close_hour) == ("+254712345678,+254722000111", 19)
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "close.sms")).one()
    assert audit.before == {"phones": [], "hour": 18}
    assert audit.after == {"phones": ["+254712345678", "+254722000111"], "hour": 19}
    page = bursar.get("/dashboard/close?saved=1")
    assert "+254712345678, +254722000111" in page.text and 'id="close-saved"' in page.text
    assert post_form(bursar, "/dashboard/close/sms", {"phones": "", "hour": "7"}).status_code == 422


def test_the_head_reads_the_close_but_cannot_change_who_gets_it(web: TestClient) -> None:
    assert sign_in(web, HEAD_A).status_code == 303
    page = web.get("/dashboard/close")
    assert page.status_code == 200 and 'id="close-sms-read"' in page.text and "Not sent by SMS." in page.text
    changed = post_form(web, "/dashboard/close/sms", {"phones": "0712345678", "hour": "18"})
    assert changed.status_code == 403
