"""A child's fees: term by term (list and one term's detail) and the summary of what is owed now."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from pydantic import BaseModel

from bot.api.pages import Page
from bot.api.parent.deps import Cursor, Db, Id, Limit, Phone, own_child
from bot.api.parent.paging import in_memory_page
from bot.api.problems import PROBLEM_RESPONSES, Problem
from ledger.books.balances import student_balance
from ledger.books.term_fees import TermFees, term_fees

router = APIRouter(
    prefix="/parent/children/{child_id}/fees", tags=["parent: fees"], responses=PROBLEM_RESPONSES
)


class FeeLine(BaseModel):
    vote_head: str
    invoiced: int  # cents
    paid: int  # cents paid or credited (bursaries, discounts) against it
    balance: int


class TermFeesOut(BaseModel):
    term: str
    due_on: dt.date
    invoiced: int
    paid: int
    balance: int
    lines: list[FeeLine]

    @classmethod
    def of(cls, fees: TermFees) -> TermFeesOut:
        return cls(
            term=fees.term,
            due_on=fees.due_on,
            invoiced=fees.invoiced,
            paid=fees.paid,
            balance=fees.balance,
            lines=[
                FeeLine(vote_head=x.vote_head, invoiced=x.invoiced, paid=x.paid, balance=x.balance)
                for x in fees.lines
            ],
        )


class HeadBalance(BaseModel):
    vote_head: str
    balance: int


class FeesSummary(BaseModel):
    invoiced: int  # every term together, cents
    paid: int
    balance: int  # what the family owes now (negative: credit carried forward)
    credit: int  # unallocated credit
    due_on: dt.date | None  # of the oldest term still owing
    by_vote_head: list[HeadBalance]


@router.get("", response_model=Page[TermFeesOut])
def fees(
    child_id: Id, phone: Phone, session: Db, cursor: Cursor = None, limit: Limit = 20
) -> Page[TermFeesOut]:
    """The child's fees per term, newest term first."""
    terms = term_fees(session, own_child(session, phone, child_id))
    return in_memory_page([TermFeesOut.of(t) for t in terms], lambda t: [t.term], cursor, limit)


@router.get("/summary", response_model=FeesSummary)
def summary(child_id: Id, phone: Phone, session: Db) -> FeesSummary:
    child = own_child(session, phone, child_id)
    balance, terms = student_balance(session, child), term_fees(session, child)
    return FeesSummary(
        invoiced=sum(t.invoiced for t in terms),
        paid=sum(t.paid for t in terms),
        balance=balance.total,
        credit=balance.credit,
        due_on=balance.due_on,
        by_vote_head=[HeadBalance(vote_head=h.vote_head, balance=h.balance) for h in balance.by_vote_head],
    )


@router.get("/{term}", response_model=TermFeesOut)
def term_detail(child_id: Id, term: str, phone: Phone, session: Db) -> TermFeesOut:
    """One term's fees (``term`` as YEAR-N, e.g. 2026-1)."""
    for fees in term_fees(session, own_child(session, phone, child_id)):
        if fees.term == term:
            return TermFeesOut.of(fees)
    raise Problem(404, "Not found", f"No fees for term {term} on this child.")
