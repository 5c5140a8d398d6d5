"""The reminder benchmark's data: many schools of many families, written in bulk as the ledger's own rows.

Per school: a term (due 19 Jan 2026), one vote head, families of one child (four in five) or two; every
child invoiced by a balanced entry (receivable debit, income credit, the receivable's cached balance);
three families in ten paid in full by a payment entry; one in twenty stopped reminders, one in twenty
promised to pay. ``ledger.books.checks`` holds on the result (the benchmark checks it on a sample).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.engine import Connection, Engine

from ledger.billing.promises import PromiseToPay
from ledger.books.accounts import account_key
from ledger.books.journal import body_hash
from ledger.books.tables import Account, AccountKind, Entry, EntryKind, Line, Payment, PaymentSource
from ledger.records.tables import Guardian, School, SchoolClass, Student, StudentGuardian, Term, VoteHead

STARTS, DUE, ENDS = dt.date(2026, 1, 5), dt.date(2026, 1, 19), dt.date(2026, 4, 2)
FEE = 18_500_00
TABLES = {
    model.__name__: cast(Table, model.__table__)
    for model in (
        School,
        Term,
        SchoolClass,
        VoteHead,
        Student,
        Guardian,
        StudentGuardian,
        Account,
        Entry,
        Line,
        Payment,
        PromiseToPay,
    )
}


@dataclass(frozen=True)
class Seeded:
    schools: int
    families: int
    students: int


def seed(engine: Engine, schools: int, families: int) -> Seeded:
    """``schools`` schools of ``families`` families each, one transaction per school."""
    students = 0
    for n in range(schools):
        with engine.begin() as conn:
            students += _school(conn, n, families)
    return Seeded(schools, schools * families, students)


def _ids(conn: Connection, table: str, rows: list[dict[str, Any]]) -> list[int]:
    if not rows:
        return []
    t = TABLES[table]
    return list(conn.scalars(insert(t).returning(t.c.id, sort_by_parameter_order=True), rows))


def _school(conn: Connection, n: int, families: int) -> int:
    (school_id,) = _ids(
        conn,
        "School",
        [
            {
                "slug": f"bench-{n}",
                "name": f"Bench School {n}",
                "paybill": "600100",
                "ussd_code": f"*384*{n + 100}#",
            }
        ],
    )
    (term_id,) = _ids(
        conn,
        "Term",
        [
            {
                "school_id": school_id,
                "year": 2026,
                "number": 1,
                "starts_on": STARTS,
                "ends_on": ENDS,
                "due_on": DUE,
            }
        ],
    )
    (class_id,) = _ids(conn, "SchoolClass", [{"school_id": school_id, "name": "Grade 5"}])
    (head_id,) = _ids(conn, "VoteHead", [{"school_id": school_id, "name": "Tuition", "priority": 1}])
    sizes = [2 if f % 5 == 0 else 1 for f in range(families)]
    student_ids = _ids(
        conn,
        "Student",
        [
            {
                "school_id": school_id,
                "admission_no": f"B{n}-{i:05d}",
                "admission_key": f"B{n}{i:05d}",
                "name": f"Pupil {i} Bench",
                "class_id": class_id,
                "active": True,
            }
            for i in range(sum(sizes))
        ],
    )
    guardian_ids = _ids(
        conn,
        "Guardian",
        [
            {
                "school_id": school_id,
                "phone": f"+2547{n:02d}{f:06d}",
                "name": f"Parent {f}",
                "language": "en" if f % 3 else "sw",
                "preferred_channel": "sms",
                "opted_out": ["reminders"] if f % 20 == 7 else [],
            }
            for f in range(families)
        ],
    )
    links, children, cursor = [], [], 0
    for f, size in enumerate(sizes):
        mine = student_ids[cursor : cursor + size]
        cursor += size
        children.append(mine)
        links += [{"student_id": sid, "guardian_id": guardian_ids[f]} for sid in mine]
    conn.execute(insert(TABLES["StudentGuardian"]), links)
    paid = {sid for f, mine in enumerate(children) if f % 10 < 3 for sid in mine}
    _invoice(conn, school_id, term_id, head_id, student_ids, paid)
    promised = [sid for f, mine in enumerate(children) if f % 20 == 11 for sid in mine]
    conn.execute(
        insert(TABLES["PromiseToPay"]),
        [
            {
                "school_id": school_id,
                "student_id": sid,
                "guardian_id": guardian_ids[0],
                "promised_on": dt.date(2026, 2, 20),
                "made_at": dt.datetime(2026, 1, 30, 9, tzinfo=dt.UTC),
            }
            for sid in promised
        ],
    )
    return len(student_ids)


def _invoice(
    conn: Connection, school_id: int, term_id: int, head_id: int, student_ids: list[int], paid: set[int]
) -> None:
    """Each child's invoice entry, and for the paid ones a payment entry, with their lines and balances."""
    income, clearing = _ids(
        conn,
        "Account",
        [
            {
                "school_id": school_id,
                "key": account_key(AccountKind.INCOME, vote_head_id=head_id),
                "kind": AccountKind.INCOME.value,
                "vote_head_id": head_id,
                "balance": 0,
            },
            {
                "school_id": school_id,
                "key": account_key(AccountKind.MPESA),
                "vote_head_id": None,
                "kind": AccountKind.MPESA.value,
                "balance": 0,
            },
        ],
    )
    receivables = _ids(
        conn,
        "Account",
        [
            {
                "school_id": school_id,
                "key": account_key(AccountKind.RECEIVABLE, sid, term_id, head_id),
                "kind": AccountKind.RECEIVABLE.value,
                "student_id": sid,
                "term_id": term_id,
                "vote_head_id": head_id,
                "balance": 0 if sid in paid else FEE,
            }
            for sid in student_ids
        ],
    )
    invoices = _ids(
        conn,
        "Entry",
        [
            _entry(
                school_id,
                sid,
                EntryKind.INVOICE,
                f"invoice:t{term_id}:s{sid}",
                {"fees": [["Tuition", FEE]]},
                term_id,
            )
            for sid in student_ids
        ],
    )
    lines = []
    for entry_id, account_id in zip(invoices, receivables, strict=True):
        lines += [
            {"entry_id": entry_id, "account_id": account_id, "debit": FEE, "credit": 0},
            {"entry_id": entry_id, "account_id": income, "debit": 0, "credit": FEE},
        ]
    payers = [(sid, acc) for sid, acc in zip(student_ids, receivables, strict=True) if sid in paid]
    payments = _ids(
        conn,
        "Entry",
        [
            _entry(
                school_id, sid, EntryKind.PAYMENT, f"payment:QB{sid}", {"amount": FEE, "student": sid}, None
            )
            for sid, _ in payers
        ],
    )
    for entry_id, (_, account_id) in zip(payments, payers, strict=True):
        lines += [
            {"entry_id": entry_id, "account_id": clearing, "debit": FEE, "credit": 0},
            {"entry_id": entry_id, "account_id": account_id, "debit": 0, "credit": FEE},
        ]
    conn.execute(insert(TABLES["Line"]), lines)
    conn.execute(
        insert(TABLES["Payment"]),
        [
            {
                "school_id": school_id,
                "entry_id": entry_id,
                "source": PaymentSource.MPESA_PAYBILL.value,
                "reference": f"QB{sid}",
                "amount": FEE,
                "student_id": sid,
                "received_on": dt.date(2026, 1, 15),
            }
            for entry_id, (sid, _) in zip(payments, payers, strict=True)
        ],
    )


def _entry(
    school_id: int, student_id: int, kind: EntryKind, key: str, body: dict[str, Any], term_id: int | None
) -> dict[str, Any]:
    return {
        "school_id": school_id,
        "kind": kind.value,
        "memo": "Fees for term 2026-1" if kind == EntryKind.INVOICE else f"M-Pesa payment QB{student_id}",
        "effective_on": STARTS,
        "created_by": "bench",
        "idempotency_key": key,
        "body_hash": body_hash(body),
        "student_id": student_id,
        "term_id": term_id,
    }
