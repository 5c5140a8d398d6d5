"""A leaver as the family meets it on every channel: USSD, SMS and WhatsApp still answer with the final
balance and statement (the child marked as left), and reminders stop unless the school chases leavers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ledger.messaging.reminder_plans import plan_campaign
from ledger.messaging.reminder_policy import NAIROBI
from ledger.records.leavers import LeaveReason, mark_left
from ledger.records.tables import School, Student
from tests.e2e.conftest import PARENT, TODAY
from tests.e2e.test_messaging import app, dispatch, services, sms, whatsapp  # noqa: F401  (fixtures)
from tests.e2e.ussd_helpers import Dial
from tests.integration.providers.conftest import at_server, at_sim, twilio_server, twilio_sim  # noqa: F401

NOON = dt.datetime.combine(TODAY, dt.time(12), NAIROBI).astimezone(dt.UTC)


def achieng_leaves(schools) -> None:
    with schools() as session:
        achieng = session.scalars(select(Student).where(Student.admission_no == "KJA-001")).one()
        mark_left(achieng, TODAY - dt.timedelta(days=2), LeaveReason.TRANSFERRED, today=TODAY)
        session.commit()


def kilimani_reminded(schools, *, chase: bool = False) -> list[tuple[str, tuple[str, ...]]]:
    """(phone, admission numbers) of each Kilimani reminder a run at noon today would plan."""
    with schools() as session:
        kilimani = session.scalars(select(School).where(School.slug == "kilimani")).one()
        kilimani.chase_leavers = chase
        planned = plan_campaign(session, kilimani, NOON).planned
        session.commit()
        return [(p.family.phone, tuple(c.child.admission_no for c in p.children)) for p in planned]


def test_on_ussd_a_leaver_is_marked_as_left_and_keeps_a_final_balance_and_statement(app, schools):  # noqa: F811
    before = Dial(app, PARENT, code="*384*25#")
    assert before.reply.startswith("CON Achieng Otieno\n")
    achieng_leaves(schools)
    dial = Dial(app, PARENT, code="*384*25#").afresh()
    assert "Achieng Otieno (left school)" in dial.reply
    assert "35,000" in dial.choose("Balance")
    statement = Dial(app, PARENT, code="*384*25#").afresh()
    assert "Fees" in statement.choose("Statement") and "35,000" in statement.reply
    shared = Dial(app, PARENT).afresh()  # the shared code still offers the school of the leaver
    assert "Kilimani Junior Academy" in shared.reply


def test_a_child_who_leaves_mid_session_is_still_answered(app, schools):  # noqa: F811
    dial = Dial(app, PARENT, code="*384*25#")
    achieng_leaves(schools)
    assert "35,000" in dial.choose("Balance") and not dial.reply.startswith("END Sorry")


def test_on_sms_and_whatsapp_the_family_still_reads_a_leavers_balance(
    app,  # noqa: F811
    services,  # noqa: F811
    schools,
    at_sim,  # noqa: F811
    twilio_sim,  # noqa: F811
):
    achieng_leaves(schools)
    sms(app, "BAL", "ATXid_leaver_1")
    whatsapp(app, "BAL", "SMleaver1")
    dispatch(services)
    (texted,) = at_sim.messages()
    assert "Achieng Otieno" in texted["message"] and "35,000" in texted["message"]
    assert "Baraka Otieno" in texted["message"]  # the child still at school, as before
    (chat,) = twilio_sim.messages()
    assert "Achieng Otieno" in chat["body"] and "35,000" in chat["body"]


def test_a_leavers_family_is_not_reminded_unless_the_school_chases_leavers(schools):
    assert kilimani_reminded(schools) == [(PARENT, ("KJA-001",))]
    achieng_leaves(schools)
    assert kilimani_reminded(schools) == []
    assert kilimani_reminded(schools, chase=True) == [(PARENT, ("KJA-001",))]
