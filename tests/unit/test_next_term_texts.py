"""The next term's notice fits two SMS segments in both languages (however many children, however long or
accented their names, with arrears, credit or neither) and says the opening day, fees, balance and total."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.messaging.reminder_texts import Child, NextTerm, next_term_text
from ledger.records.tables import Language, School
from ledger.sms_parts import gsm_friendly
from providers.simulators.segments import sms_segments as billed  # the stand-in network's own count
from tests.unit.test_segments import NAMES

OPENS, DUE = dt.date(2026, 5, 4), dt.date(2026, 5, 18)
LONG = "St. Bakhita Mixed Day and Boarding Secondary School"


def notice(balance: int, fees: int = 36_000_00) -> NextTerm:
    return NextTerm(2, OPENS, DUE, fees, balance, max(fees + balance, 0))


@given(
    st.sampled_from(list(Language)),
    st.lists(NAMES, min_size=1, max_size=7),
    st.sampled_from([0, 12_345_678_00, -2_500_00]),
    st.sampled_from(["*384*1234*56#", None]),
)
def test_every_next_term_notice_is_billed_as_at_most_two_parts(language, names, balance, ussd):
    school = School(slug="s", name=LONG, paybill="4123456", ussd_code=ussd)
    kids = [Child(name, f"KJA/2026/{i:04d}", 0) for i, name in enumerate(names)]
    text = next_term_text(language, school, kids, notice(balance, 1_000_000_00 * len(kids)))
    assert billed(gsm_friendly(text)) <= 2, text


@pytest.mark.parametrize(
    ("language", "balance", "says"),
    [
        (Language.EN, 12_000_00, "Term 2 opens on 4 May 2026. Fees for Amani KES 36,000, arrears KES 12,000, "
         "total KES 48,000 due by 18 May 2026. Pay by Paybill 522533 account KJA-1 or reply PAY."),
        (Language.EN, -6_000_00, "Fees for Amani KES 36,000, credit KES 6,000, total KES 30,000 due by"),
        (Language.EN, 0, "Fees for Amani KES 36,000, total KES 36,000 due by 18 May 2026."),
        (Language.SW, 12_000_00, "Muhula wa 2 unaanza 4 Mei 2026. Ada ya Amani KES 36,000, deni KES 12,000, "
         "jumla KES 48,000 ifikapo 18 Mei 2026. Lipa kwa Paybill 522533 akaunti KJA-1 au jibu LIPA."),
    ],
)  # fmt: skip
def test_a_notice_says_when_the_term_opens_and_what_is_due(language, balance, says):
    school = School(slug="k", name="Kilimani Junior", paybill="522533")
    text = next_term_text(language, school, [Child("Amani Wekesa", "KJA-1", balance)], notice(balance))
    assert text.startswith("Kilimani Junior: ") and says in text
