"""A register's phones are read quickly and exactly as ``normalise_phone`` reads them, refusals included."""

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ledger.errors import InvalidPhone
from ledger.imports.phones import register_phone
from ledger.phones import normalise_phone

PREFIXES = st.sampled_from(["", "0", "+254", "254", "+2540", "00254", "+1", "+255", "07", "(0", "+ 254 "])
DIGITS = st.text(alphabet="0123456789 -().\t\u00a0/", max_size=14)


def read(reader, text):  # type: ignore[no-untyped-def]
    try:
        return reader(text)
    except InvalidPhone as bad:
        return f"refused: {bad}"


@settings(max_examples=300)
@given(prefix=PREFIXES, rest=DIGITS)
@example(prefix="0", rest="712 345 678")
@example(prefix="", rest="110123456")
@example(prefix="+254", rest="200123456")  # a Nairobi landline: not a mobile
@example(prefix="0", rest="900123456")
@example(prefix="254", rest="7123456789")
@example(prefix="0", rest="712\t345678")
def test_a_register_phone_reads_as_normalise_phone_does(prefix, rest):  # type: ignore[no-untyped-def]
    text = prefix + rest
    assert read(register_phone, text) == read(normalise_phone, text)


@pytest.mark.parametrize("typed", ["0712 345 678", "712345678", "254712345678", "+254 712-345-678"])
def test_the_usual_forms_of_a_kenyan_mobile_are_one_number(typed):  # type: ignore[no-untyped-def]
    assert register_phone(typed) == "+254712345678"
