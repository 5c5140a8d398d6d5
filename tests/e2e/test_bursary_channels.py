"""A bursary changes what the parent is told everywhere: the balance on USSD, SMS and WhatsApp, and the
reminders planned (what they say is owed, and none once the bursary covers the fees)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ledger.billing.award_limits import AwardTerms
from ledger.billing.bursaries import award_bursary
from ledger.billing.sponsors import sponsor_named
from ledger.messaging.reminder_plans import plan_campaign
from ledger.messaging.reminder_policy import NAIROBI
from ledger.records.tables import School, Student, Term
from tests.e2e.conftest import PARENT, TODAY
from tests.e2e.test_messaging import app, dispatch, services, sms, whatsapp  # noqa: F401  (fixtures)
from tests.e2e.ussd_helpers import Dial
from tests.integration.providers.conftest import at_server, at_sim, twilio_server, twilio_sim  # noqa: F401

MORNING = dt.datetime.combine(TODAY, dt.time(10), NAIROBI).astimezone(dt.UTC)


def award(schools, sponsor: str, amount: int) -> None:
    with schools() as session:
        kilimani = session.scalars(select(School).where(School.slug == "kilimani")).one()
        achieng = session.scalars(select(Student).where(Student.admission_no == "KJA-001")).one()
        term = session.scalars(select(Term).where(Term.school_id == kilimani.id)).one()
        found, _ = sponsor_named(session, kilimani.id, sponsor)
        terms = AwardTerms(amount=amount)
        award_bursary(session, achieng, term, found, terms, key=sponsor, actor="bursar", on=TODAY)
        session.commit()


def planned(schools) -> list[tuple[int, str]]:
    """Kilimani's reminders planned this morning: (cents owed, text) per family."""
    with schools() as session:
        kilimani = session.scalars(select(School).where(School.slug == "kilimani")).one()
        campaign = plan_campaign(session, kilimani, MORNING)
        return [(p.total, p.text) for p in campaign.planned]


def ussd_balance(app) -> str:  # noqa: F811
    dial = Dial(app, PARENT, code="*384*25#").afresh()
    return dial.choose("Balance")


def test_a_bursary_changes_the_balance_on_every_channel_and_the_reminders(
    app,  # noqa: F811
    services,  # noqa: F811
    schools,
    at_sim,  # noqa: F811
    twilio_sim,  # noqa: F811
):
    [(owed, text)] = planned(schools)
    assert owed == 35_000_00 and "35,000" in text
    award(schools, "NG-CDF Westlands", 10_000_00)

    assert "25,000" in ussd_balance(app) and "35,000" not in ussd_balance(app)
    sms(app, "BAL", "ATXid_bursary_1")
    whatsapp(app, "BAL", "SM_bursary_1")
    dispatch(services)
    (texted,) = at_sim.messages()
    assert "25,000" in texted["message"] and "48,000" in texted["message"]  # Mwangaza's child unchanged
    assert "35,000" not in texted["message"]
    (chatted,) = twilio_sim.messages()
    assert "25,000" in chatted["body"] and "35,000" not in chatted["body"]
    [(owed, text)] = planned(schools)
    assert owed == 25_000_00 and "25,000" in text

    award(schools, "Kilimani waiver", 25_000_00)  # the school waives the rest
    assert planned(schools) == []  # nothing owed: no reminder
    assert "35,000" not in ussd_balance(app) and "25,000" not in ussd_balance(app)
