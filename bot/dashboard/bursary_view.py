"""The bursaries section of a student's page: the student's awards and the form to add one.

The form's token is the award's idempotency key: a double submit (or a retry after a lost answer) awards
once; the same token with other values is refused.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.billing.award_limits import AwardTerms
from ledger.billing.sponsor_statements import awards_of
from ledger.billing.sponsors import sponsors_of
from ledger.imports.bursaries import award_amount
from ledger.imports.core import BadRow
from ledger.imports.fields import date_value
from ledger.records.tables import Student, Term, VoteHead
from ledger.records.terms import current_term

FORM_TOKEN = re.compile(r"[0-9A-F]{12}")


class BadBursaryForm(ValueError):
    """What is wrong with the form, in the bursar's words."""


@dataclass(frozen=True)
class BursaryForm:
    form_token: str
    sponsor: str = ""
    term_id: str = ""
    amount: str = ""
    vote_head_id: str = ""
    conditional: bool = False
    valid_from: str = ""
    valid_until: str = ""


def new_bursary_form(term: Term | None) -> BursaryForm:
    return BursaryForm(form_token=secrets.token_hex(6).upper(), term_id=str(term.id) if term else "")


def bursary_context(session: Session, student: Student, today: dt.date) -> dict[str, Any]:
    """The keys the bursaries section of the student page reads."""
    term = current_term(session, student.school_id, today)
    return {
        "bursaries": awards_of(session, student, today),
        "bursary_form": new_bursary_form(term),
        "bursary_error": None,
        "bursary_terms": _terms(session, student.school_id),
        "bursary_heads": _heads(session, student.school_id),
        "sponsor_names": [s.name for s in sponsors_of(session, student.school_id)],
    }


def award_terms_of(session: Session, form: BursaryForm, student: Student) -> tuple[Term, AwardTerms]:
    """The term and what the form awards, or BadBursaryForm."""
    if not FORM_TOKEN.fullmatch(form.form_token):
        raise BadBursaryForm("This form is out of date: open it again from the student's page.")
    if not form.sponsor.strip():
        raise BadBursaryForm("Name the sponsor (e.g. NG-CDF Westlands, or the school for a waiver).")
    term = session.get(Term, int(form.term_id)) if form.term_id.isdigit() else None
    if term is None or term.school_id != student.school_id:
        raise BadBursaryForm("Choose the term.")
    head = session.get(VoteHead, int(form.vote_head_id)) if form.vote_head_id.isdigit() else None
    if head is not None and head.school_id != student.school_id:
        raise BadBursaryForm("Choose a vote head of this school.")
    try:
        amount, percent = award_amount(form.amount, "Amount")
        valid_from = date_value(form.valid_from, "Valid from") if form.valid_from.strip() else None
        valid_until = date_value(form.valid_until, "Valid until") if form.valid_until.strip() else None
    except BadRow as bad:
        raise BadBursaryForm(f"{bad}.") from None
    terms = AwardTerms(amount, percent, head, form.conditional, valid_from, valid_until)
    return term, terms


def _terms(session: Session, school_id: int) -> list[Term]:
    query = select(Term).where(Term.school_id == school_id).order_by(Term.year.desc(), Term.number.desc())
    return list(session.scalars(query))


def _heads(session: Session, school_id: int) -> list[VoteHead]:
    query = select(VoteHead).where(VoteHead.school_id == school_id).order_by(VoteHead.priority, VoteHead.name)
    return list(session.scalars(query))
