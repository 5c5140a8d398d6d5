"""Failure and suspense notices: GSM-7, within two SMS segments in both languages, even for long names."""

from __future__ import annotations

import datetime as dt

import pytest

from ledger.books.tables import Payment, PaymentSource
from ledger.events import FailureReason
from ledger.messaging.notices import payment_failed_text, suspense_text
from ledger.records.tables import Language, School, Student
from ledger.sms_parts import is_gsm7, sms_segments


@pytest.fixture
def school():
    return School(
        slug="x",
        name="St. Bakhita Mwangaza Girls Secondary School, Kilimani",
        paybill="6001000",
        ussd_code="*384*2500*12#",
    )


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("reason", list(FailureReason))
def test_failure_notices_fit_two_segments(school, language, reason):
    pupil = Student(admission_no="ADM-2026-00001234", name="Wanjiru Nyambura Akinyi Chepkoech Wairimu Kamau")
    text = payment_failed_text(language, school, pupil, 250_000_00, reason)
    assert is_gsm7(text) and sms_segments(text) <= 2, (len(text), text)


@pytest.mark.parametrize("language", list(Language))
def test_suspense_notices_fit_two_segments(school, language):
    payment = Payment(
        reference="TKL4AB12CD",
        amount=250_000_00,
        account_text="x" * 40,
        source=PaymentSource.MPESA_PAYBILL,
        received_on=dt.date(2026, 11, 22),
    )
    text = suspense_text(language, school, payment)
    assert is_gsm7(text) and sms_segments(text) <= 2, (len(text), text)
