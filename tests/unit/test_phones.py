"""Phone numbers as bursars and parents type them, stored one way (E.164) and sent to M-Pesa another."""

import pytest

from ledger.errors import InvalidPhone
from ledger.phones import msisdn, normalise_phone


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0712345678", "+254712345678"),
        ("712345678", "+254712345678"),
        ("+254712345678", "+254712345678"),
        ("254712345678", "+254712345678"),
        ("0712 345 678", "+254712345678"),
        ("0712-345-678", "+254712345678"),
        (" +254 712 345678 ", "+254712345678"),
        ("0110 123456", "+254110123456"),
        ("0110-123-456", "+254110123456"),
        ("254110123456", "+254110123456"),
    ],
)
def test_every_kenyan_form_becomes_e164(typed, stored):
    assert normalise_phone(typed) == stored


def test_a_foreign_mobile_with_its_country_code_is_kept():
    assert normalise_phone("+44 7911 123456") == "+447911123456"


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("abc", "not a phone number"),
        ("12345", "not a valid phone number"),
        ("0712", "not a valid phone number"),
        ("07123456789", "not a valid phone number"),
        ("020 1234567", "not a mobile number"),  # a Nairobi landline cannot take SMS
    ],
)
def test_anything_but_a_mobile_is_refused_in_words_a_bursar_can_act_on(typed, says):
    with pytest.raises(InvalidPhone, match=says):
        normalise_phone(typed)


@pytest.mark.parametrize("typed", ["+254712345678", "0712345678", "0110 123456"])
def test_msisdn_is_the_number_without_the_plus(typed):
    assert msisdn(typed) == normalise_phone(typed).removeprefix("+")
    assert msisdn(typed).startswith("254")


def test_msisdn_refuses_a_number_m_pesa_cannot_charge():
    with pytest.raises(InvalidPhone, match="Kenyan"):
        msisdn("+447911123456")
