"""Guardians' email addresses from the students file (``guardian_email``, ``guardian2_email``): kept, changed
(which forgets an earlier bounce), left alone by a blank cell, and a bad one is a bad row."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from ledger.imports import ImportRefused
from ledger.records.tables import Guardian
from tests import builders as b
from tests.integration.ledger.test_imports import run

WITH_EMAILS = """\
admission_no,name,class,guardian_name,guardian_phone,guardian_email,guardian2_name,guardian2_phone,guardian2_email
A001,Achieng,Grade 7,Mary Otieno,712345678,Mary.Otieno@Example.COM,John Otieno,110123456,john@example.org
A002,Baraka Otieno,Grade 5,Mary Otieno,0712345678,,,,
A003,Chebet Kiprop,Grade 7,Ruth Kiprop,0722000111,,,,
"""


@pytest.fixture
def school(session):
    return b.school(session)


def emails(session) -> dict[str, str | None]:
    return {g.phone: g.email for g in session.scalars(select(Guardian).order_by(Guardian.phone))}


def test_addresses_land_with_their_guardians_and_a_blank_cell_changes_nothing(session, school):
    report = run(session, school, "students", WITH_EMAILS)
    assert report.created == 3
    assert emails(session) == {
        "+254110123456": "john@example.org",
        "+254712345678": "Mary.Otieno@example.com",  # the domain in lower case, the mailbox as typed
        "+254722000111": None,
    }
    assert run(session, school, "students", WITH_EMAILS).unchanged == 3


def test_a_new_address_forgets_the_old_ones_bounce(session, school):
    run(session, school, "students", WITH_EMAILS)
    mary = session.scalars(select(Guardian).where(Guardian.phone == "+254712345678")).one()
    mary.email_bounced_at = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    session.flush()
    changed = WITH_EMAILS.replace("Mary.Otieno@Example.COM", "mary@otieno.co.ke")
    assert run(session, school, "students", changed).updated == 1
    session.expire_all()
    mary = session.get_one(Guardian, mary.id)
    assert (mary.email, mary.email_bounced_at) == ("mary@otieno.co.ke", None)


def test_a_bad_address_is_a_bad_row_and_nothing_lands(session, school):
    bad = WITH_EMAILS.replace("john@example.org", "john at example").replace(
        "A003,Chebet Kiprop,Grade 7,Ruth Kiprop,0722000111,,,,",
        "A003,Chebet Kiprop,Grade 7,Ruth,0722000111,,,,x@y.ke",
    )
    with pytest.raises(ImportRefused) as refused:
        run(session, school, "students", bad)
    lines = str(refused.value)
    assert "line 2: guardian2_email: 'john at example' is not an email address" in lines
    assert "line 4: guardian2_email is given without guardian2_name and guardian2_phone" in lines
    assert session.scalars(select(Guardian)).all() == []
