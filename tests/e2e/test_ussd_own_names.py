"""A Kiswahili-speaking parent on USSD reads Karo's own late fee in Kiswahili, on the balance and the
statement, end to end through the app (real Redis and databases)."""

from __future__ import annotations

from sqlalchemy import select

from ledger.billing.fee_rules import RuleChanges, set_rules
from ledger.billing.late_fees import apply_late_fees
from ledger.records.tables import Guardian, Language, School
from tests.e2e.conftest import PARENT, TODAY
from tests.e2e.ussd_helpers import Dial


def test_a_kiswahili_parent_sees_the_late_fee_named_in_kiswahili(client, schools):
    with schools() as session:
        school = session.scalars(select(School).where(School.slug == "kilimani")).one()
        for guardian in session.scalars(select(Guardian).where(Guardian.phone == PARENT)):
            guardian.language = Language.SW
        set_rules(session, school.id, RuleChanges(late_fee_cents=500_00, grace_days=0))
        assert apply_late_fees(session, school.id, TODAY, actor="schedule").charged == 1  # due 5 days ago
        session.commit()
    dial = Dial(client, PARENT, code="*384*25#")
    balance = dial.choose("Salio")
    assert "Faini ya kuchelewa 500" in balance and "Late fee" not in balance
    again = Dial(client, PARENT, code="*384*25#")
    if "Endelea" in again.reply:  # offered to continue the session above: start again
        again.choose("Anza upya")
    statement = again.choose("Taarifa")
    assert "Faini ya kuchelewa 500" in statement and "Late fee" not in statement
