"""Demo money: a fee structure, opening balances, and the payments families made (Paybill, bank, cash)."""

from __future__ import annotations

import datetime as dt
import random
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from bot.demo.people import Pupil
from ledger.books.tables import PaymentSource

# KES per term for a Nairobi day school: tuition rises with the grade; Exam fee covers assessments.
KILIMANI_FEES: dict[str, dict[str, int]] = {
    f"Grade {grade}": {
        "Tuition": 18_500 + 1_500 * (grade - 4),
        "Lunch": 6_500,
        "Transport": 9_000,
        "Activity": 1_500,
        "Exam fee": 800 if grade < 9 else 1_500,
    }
    for grade in range(4, 10)
}
MWANGAZA_FEES: dict[str, dict[str, int]] = {
    "Form 1": {"Tuition": 15_000, "Lunch": 7_200, "Activity": 2_000, "Exam fee": 1_200},
    "Form 2": {"Tuition": 15_000, "Lunch": 7_200, "Activity": 2_000, "Exam fee": 1_200},
}
ALPHANUMERIC = string.ascii_uppercase + string.digits
SUSPENSE_ACCOUNT = "KJ 9047"  # what a parent typed: no such admission number


@dataclass(frozen=True)
class DemoPayment:
    admission_no: str | None  # None: into suspense
    source: PaymentSource
    reference: str
    amount: int  # KES, whole shillings
    days_after_start: int
    account_text: str | None = None
    payer: str | None = None


def fees_csv(term_code: str, fees: Mapping[str, Mapping[str, int]]) -> str:
    lines = ["term,class,vote_head,amount"]
    for class_name, heads in fees.items():
        lines += [f"{term_code},{class_name},{head},{amount}" for head, amount in heads.items()]
    return "\n".join(lines) + "\n"


def opening_balances(rng: random.Random, pupils: Sequence[Pupil]) -> dict[str, int]:
    """Arrears brought forward for about one child in twelve, and a few credits (negative), in KES."""
    chosen = rng.sample(list(pupils), k=max(2, len(pupils) // 10))
    balances = {p.admission_no: rng.randrange(2_500, 18_001, 500) for p in chosen[2:]}
    balances |= {p.admission_no: -rng.randrange(1_000, 5_001, 500) for p in chosen[:2]}
    return balances


def balances_csv(balances: Mapping[str, int]) -> str:
    return "admission_no,amount\n" + "".join(f"{adm},{amount}\n" for adm, amount in balances.items())


class References:
    """Payment references, unique as the ledger requires: M-Pesa receipts, bank slips, cash receipts."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.seen: set[str] = set()
        self.cash = 1000

    def mpesa(self) -> str:
        """An M-Pesa receipt number as 2026 ones look: TKL4 and six letters or digits."""
        return self._unique(lambda: "TKL4" + "".join(self.rng.choices(ALPHANUMERIC, k=6)))

    def bank(self) -> str:
        return self._unique(lambda: f"FT26{self.rng.randrange(10**7, 10**8)}")

    def cash_receipt(self) -> str:
        self.cash += 1
        return f"CR{self.cash}"

    def _unique(self, make: Callable[[], str]) -> str:
        while (reference := make()) in self.seen:
            pass
        self.seen.add(reference)
        return reference


def make_payments(
    rng: random.Random, pupils: Sequence[Pupil], owed: Mapping[str, int], *, oddities: bool
) -> list[DemoPayment]:
    """Payments for about two children in three, some in full, some in part; with ``oddities``, one
    family pays twice (credit carried forward) and one payment names no known admission number.

    ``owed`` is each child's KES due this term (fees plus opening balance): fixed by the seed, so the
    same payments come out on every run whatever the ledger already holds.
    """
    references = References(rng)
    payments = []
    for pupil in pupils:
        share, due = rng.random(), owed[pupil.admission_no]
        if share < 0.35 and due > 0:
            payments.append(_payment(rng, references, pupil, due))
        elif share < 0.65 and due > 0:
            part = max(1_000, due * rng.randrange(30, 81) // 100 // 1_000 * 1_000)
            payments.append(_payment(rng, references, pupil, part))
    if not oddities:
        return payments
    full = next(p for p in payments if p.amount == owed[p.admission_no or ""])
    payer = next(x for x in pupils if x.admission_no == full.admission_no)
    payments.append(_payment(rng, references, payer, 5_000, days=5))  # paid twice: credit carried forward
    unknown = DemoPayment(
        None, PaymentSource.MPESA_PAYBILL, references.mpesa(), 12_000, 3, SUSPENSE_ACCOUNT, "JOHN OTIENO"
    )
    return [*payments, unknown]


def _payment(
    rng: random.Random, references: References, pupil: Pupil, amount: int, days: int | None = None
) -> DemoPayment:
    """A payment made ``days`` after the term starts (negative: before), by Paybill, bank or cash."""
    drawn, kind, payer = rng.randrange(-10, 30), rng.random(), pupil.parents[0].name
    days = drawn if days is None else days
    if kind < 0.7:
        source, reference, account = PaymentSource.MPESA_PAYBILL, references.mpesa(), pupil.admission_no
    elif kind < 0.9:
        source, reference, account = PaymentSource.BANK, references.bank(), None
    else:
        source, reference, account = PaymentSource.CASH, references.cash_receipt(), None
    return DemoPayment(pupil.admission_no, source, reference, amount, days, account, payer)


def paid_on(term_start: dt.date, payment: DemoPayment) -> dt.date:
    return term_start + dt.timedelta(days=payment.days_after_start)
