"""A reversed payment changes what the parent is told, end to end: USSD, SMS and WhatsApp answer the balance
owed again, the family is sent a notice at once, and the reminders planned chase the family again."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ledger.books.tables import PaymentSource
from ledger.clock import NAIROBI
from ledger.db import transaction
from ledger.messaging.outbox import Category, OutboxMessage
from ledger.messaging.reminder_plans import plan_campaign
from ledger.payments.corrections import Destination, find_payment
from ledger.payments.recording import Received, record_payment
from ledger.records.tables import School, Student
from ledger.staff.approvals import Actor, Reversal, ask_to_reverse
from tests.e2e.conftest import PARENT, TODAY
from tests.e2e.test_messaging import app, dispatch, last_reply, services, sms, whatsapp  # noqa: F401
from tests.e2e.ussd_helpers import Dial
from tests.integration.providers.conftest import at_server, at_sim, twilio_server, twilio_sim  # noqa: F401

MORNING = dt.datetime.combine(TODAY, dt.time(9, 0), NAIROBI).astimezone(dt.UTC)  # outside quiet hours


def kilimani(session):
    return session.scalars(select(School).where(School.slug == "kilimani")).one()


def balance_everywhere(app, schools, n: int) -> tuple[str, str, str]:  # noqa: F811
    """What USSD (the school's own code), SMS BAL and WhatsApp BAL answer now."""
    dial = Dial(app, PARENT, code="*384*25#").afresh()
    ussd = dial.choose("Balance")
    sms(app, "BAL", f"ATXid_bal_{n}")
    by_sms = last_reply(schools)
    whatsapp(app, "BAL", f"SMbal{n}")
    return ussd, by_sms, last_reply(schools)


def reminded(schools) -> list[str]:
    """The texts today's reminder run for Kilimani would send (reads only)."""
    with schools() as session:
        return [planned.text for planned in plan_campaign(session, kilimani(session), MORNING).planned]


def test_a_bounced_cheque_reversed_is_owed_again_on_every_channel(app, services, schools, at_sim, twilio_sim):  # noqa: F811
    with transaction(schools) as session:  # Achieng's fees paid in full by cheque
        achieng = session.scalars(select(Student).where(Student.admission_no == "KJA-001")).one()
        paid = Received(PaymentSource.CHEQUE, "CHQ-000451", 35_000_00, TODAY, "KJA-001")
        record_payment(session, kilimani(session).id, paid, achieng, actor="test")
    before = balance_everywhere(app, schools, 1)
    assert all("35,000" not in answer for answer in before), before
    assert not any("Achieng" in text for text in reminded(schools))  # paid up: nobody chases the family

    with transaction(schools) as session:
        school = kilimani(session)
        school.reversal_approval_cents = 50_000_00  # within the bursar's own amount: reversed at once
        cheque = find_payment(session, school.id, "chq-000451")
        asked = Reversal("cheque bounced", payment=cheque, destination=Destination.VOID)
        ask_to_reverse(session, school, asked, key="t1", actor=Actor("bursar@kilimani.ac.ke"), now=MORNING)

    with schools() as session:
        [notice] = session.scalars(
            select(OutboxMessage).where(OutboxMessage.category == Category.REVERSAL_NOTICE)
        )
    assert notice.phone == PARENT and notice.priority == 0  # at once, ahead of any bulk
    assert "cheque CHQ-000451 of KES 35,000 for Achieng Otieno (KJA-001) was reversed: cheque bounced." in (
        notice.body
    )
    after = balance_everywhere(app, schools, 2)
    assert all("35,000" in answer for answer in after), after
    [reminder] = [text for text in reminded(schools) if "Achieng" in text]
    assert "35,000" in reminder
    dispatch(services)  # the notice reaches the phone with the replies
    sent = [m["message"] for m in at_sim.messages()] + [m["body"] for m in twilio_sim.messages()]
    assert any("was reversed: cheque bounced" in text for text in sent)
