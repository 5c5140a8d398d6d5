"""Fixtures of the M-Pesa ledger tests: a school with one child, invoiced, and one guardian."""

from __future__ import annotations

import pytest

from ledger.billing.invoicing import invoice_student
from tests import builders as b
from tests.integration.mpesa.family import PARENT


@pytest.fixture
def family(session):
    school = b.school(session, slug="kilimani", paybill="600100", ussd_code="*384*25#")
    school.name = "Kilimani Junior Academy"
    term = b.term(session, school, "2026-3")
    grade = b.school_class(session, school, "Grade 6")
    b.fees(session, term, grade, {b.vote_head(session, school, "Tuition", 10): 35_000_00})
    pupil = b.student(session, grade, "KJA-001", "Achieng Otieno")
    b.guardian(session, school, PARENT, pupil, name="Mama Otieno")
    invoice_student(session, pupil, term, actor="test")
    session.commit()
    return school, pupil
