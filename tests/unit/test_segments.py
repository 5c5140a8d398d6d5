"""One SMS part counter (ledger.sms_parts): GSM-7 160/153 with extension characters counting twice, UCS-2
70/67 for anything else, typographic punctuation replaced first; and every family message, whatever names it
carries, is billed as at most two parts, in both languages."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from ledger.books.tables import Payment, PaymentSource
from ledger.events import FailureReason
from ledger.messaging.bursary_notices import bursary_text
from ledger.messaging.notices import payment_failed_text, receipt_text, suspense_text
from ledger.messaging.reminder_texts import Child, instalment_text, invoice_text, reminder_text, thanks_text
from ledger.messaging.reversal_notices import reversal_text
from ledger.records.tables import Language, School, Student
from ledger.sms_parts import gsm_friendly, sms_segments
from providers.simulators.segments import sms_segments as billed  # the stand-in network's own count

TYPOGRAPHIC = "\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00a0"
KENYAN = "ĩũĨŨáéíóúâêîôûāēīōūñç" + TYPOGRAPHIC
NAME_CHARS = st.one_of(st.sampled_from(KENYAN), st.characters(codec="utf-8", exclude_categories=["Cs"]))
NAMES = st.one_of(
    st.sampled_from(
        ["Ng\u2019ang\u2019a Wanjirũ", "Kĩmani Mũthoni", "Njeri \u201cMama\u201d Kamau", "Otieno"]
    ),
    st.text(NAME_CHARS, min_size=1, max_size=60),
)


def test_gsm7_limits():
    assert [sms_segments("a" * n) for n in (1, 160, 161, 306, 307)] == [1, 1, 2, 2, 3]


def test_extension_characters_count_twice():
    assert sms_segments("[" * 80) == 1 and sms_segments("[" * 81) == 2 and sms_segments("\f" * 81) == 2


def test_ucs2_limits():
    assert [sms_segments("ŵ" * n) for n in (70, 71, 134, 135)] == [1, 2, 2, 3]


def test_typographic_punctuation_is_sent_and_counted_as_gsm7():
    assert (
        gsm_friendly("Ng\u2019ang\u2019a \u201cMama\u201d \u2013 ok\u2026\u00a0")
        == "Ng'ang'a \"Mama\" - ok... "
    )
    assert sms_segments("Ng\u2019ang\u2019a " + "a" * 150) == 1
    assert sms_segments("Wanjirũ " + "a" * 70) == 2  # ũ has no GSM-7 twin: the whole text is UCS-2


@given(
    st.text(
        st.one_of(st.sampled_from(KENYAN + "[]{}€^~|\\\f"), st.characters(exclude_categories=["Cs"])),
        max_size=400,
    )
)
def test_the_count_is_what_the_network_bills_for_the_text_as_sent(text):
    assert sms_segments(text) == billed(gsm_friendly(text))


@given(st.text(max_size=400))
def test_more_text_never_takes_fewer_segments(text):
    assert sms_segments(text + "a") >= sms_segments(text)


def _school(name: str, ussd: str | None) -> School:
    return School(slug="s", name=name, paybill="4123456", ussd_code=ussd)


@given(
    st.sampled_from(list(Language)),
    st.lists(NAMES, min_size=1, max_size=6),
    st.one_of(st.just("St. Bakhita Mixed Day and Boarding Secondary School"), NAMES),
    st.sampled_from(["*384*1234*56#", None]),
)
def test_every_family_message_is_billed_as_at_most_two_parts(language, names, school_name, ussd):
    school = _school(school_name, ussd)
    kids = [Child(name, f"KJA/2026/{i:04d}", 123_456_78 + i) for i, name in enumerate(names)]
    student = Student(name=names[0], admission_no="KJA/2026/0001")
    paid = Payment(
        source=PaymentSource.MPESA_PAYBILL,
        reference="TKP0000001",
        amount=2_500_00,
        received_on=dt.date(2026, 1, 9),
        account_text=names[0][:20],
        receipt_no="STBAKH-2026-000123",  # the longest prefix a receipt number takes
    )
    due = dt.date(2026, 1, 19)
    texts = [
        reminder_text(language, school, kids, due, dt.date(2026, 1, 12)),
        instalment_text(language, school, kids, 1_000_000_00, due),
        invoice_text(language, school, "2026-1", kids, due),
        thanks_text(language, school, names),
        receipt_text(language, school, student, paid, 31_500_00),
        payment_failed_text(language, school, student, 2_500_00, FailureReason.FUNDS),
        suspense_text(language, school, paid),
        bursary_text(language, school, names[-1], names[0], "2026-1", 12_345_678_00, 1_000_000_00),
        reversal_text(language, school, student, paid, names[-1] * 3, -4_000_00),
    ]
    for text in texts:
        assert billed(gsm_friendly(text)) <= 2, text
