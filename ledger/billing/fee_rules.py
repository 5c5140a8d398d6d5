"""A school's fee rules (issue 6): a late fee, a sibling discount, an early-payment discount. All off by
default; each rule is posted by its own module (``ledger.billing.late_fees``, ``ledger.discounts``).

Money is integer cents and percentages integer basis points (1% = 100 bp). A percentage of an amount is
rounded to the cent half-up (``percent_of``): 5% of KES 10.10 is 50.5 cents, posted as 51.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.db import Base, UtcDateTime, per_transaction
from ledger.errors import LedgerError
from ledger.records.tables import VoteHead
from ledger.types import LATE_FEE_HEAD

WHOLE = 10_000  # basis points in 100%
LATE_FEE_PRIORITY = 1_000  # paid after every ordinary vote head
RULES = ("late-fee", "sibling-discount", "early-discount")
_AMOUNT = re.compile(r"\d{1,9}(\.\d{1,2})?")
_PERCENT = re.compile(r"\d{1,3}(\.\d{1,2})?%?")
_RULES = "ledger.fee_rules"  # Session.info: the schools' rules, read once per transaction


class InvalidRule(LedgerError):
    """A fee rule that cannot be right: a negative amount, more than 100%, an unknown vote head."""


class FeeRules(Base):
    """One row per school; a school with no row has every rule off."""

    __tablename__ = "fee_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), unique=True)
    # Late fee: a fixed amount or a share of what is overdue (at most one is non-zero), charged once per
    # term to a student still owing that term more than grace days after its due date.
    late_fee_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    late_fee_bp: Mapped[int] = mapped_column(Integer, default=0)
    late_fee_grace_days: Mapped[int] = mapped_column(Integer, default=0)
    late_fee_vote_head: Mapped[str] = mapped_column(String(60), default=LATE_FEE_HEAD)
    # Sibling discount: off these vote heads' fees, for every child but the first-admitted of a family.
    sibling_discount_bp: Mapped[int] = mapped_column(Integer, default=0)
    sibling_vote_heads: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["Tuition"])
    # Early-payment discount: off these vote heads' fees (none named: all), for a term paid in full at
    # least early_discount_days before its due date.
    early_discount_bp: Mapped[int] = mapped_column(Integer, default=0)
    early_discount_days: Mapped[int] = mapped_column(Integer, default=0)
    early_vote_heads: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[dt.datetime] = mapped_column(
        UtcDateTime(), server_default=func.now(), onupdate=func.now()
    )

    @property
    def late_fee_on(self) -> bool:
        return bool(self.late_fee_cents or self.late_fee_bp)


@dataclass(frozen=True)
class RuleChanges:
    """What ``karo fees rules`` asks to change; None leaves a setting as it is."""

    late_fee_cents: int | None = None
    late_fee_bp: int | None = None
    grace_days: int | None = None
    late_fee_vote_head: str | None = None
    sibling_bp: int | None = None
    sibling_heads: Sequence[str] | None = None
    early_bp: int | None = None
    early_days: int | None = None
    early_heads: Sequence[str] | None = None
    off: Sequence[str] = ()


def percent_of(amount: int, basis_points: int) -> int:
    """``basis_points`` of ``amount`` cents, to the cent, half-up (amounts here are never negative)."""
    return (amount * basis_points + WHOLE // 2) // WHOLE


def percent_text(basis_points: int) -> str:
    """Basis points as a bursar writes them: 1000 -> "10%", 250 -> "2.5%"."""
    whole, rest = divmod(basis_points, 100)
    return f"{whole}%" if not rest else f"{whole}.{rest:02d}".rstrip("0") + "%"


def rules_for(session: Session, school_id: int) -> FeeRules:
    """The school's rules; every rule off (an unsaved row) when it has none. Read once per transaction
    (every payment asks): the same object comes back, so ``set_rules`` changes what it returns."""
    kept = per_transaction(session, _RULES)
    if school_id not in kept:
        found = session.scalars(select(FeeRules).where(FeeRules.school_id == school_id)).one_or_none()
        kept[school_id] = found if found is not None else _rules_off(school_id)
    rules: FeeRules = kept[school_id]
    return rules


def _rules_off(school_id: int) -> FeeRules:
    return FeeRules(
        school_id=school_id,
        late_fee_cents=0,
        late_fee_bp=0,
        late_fee_grace_days=0,
        late_fee_vote_head=LATE_FEE_HEAD,
        sibling_discount_bp=0,
        sibling_vote_heads=["Tuition"],
        early_discount_bp=0,
        early_discount_days=0,
        early_vote_heads=[],
    )


def set_rules(session: Session, school_id: int, changes: RuleChanges) -> FeeRules:
    """Apply ``changes`` (checked first: a bad one changes nothing) and return the school's rules."""
    rules = rules_for(session, school_id)
    _check(session, school_id, changes)
    _check_sibling_heads_exist(session, school_id, rules, changes)
    if changes.late_fee_cents is not None:
        rules.late_fee_cents, rules.late_fee_bp = changes.late_fee_cents, 0
    if changes.late_fee_bp is not None:
        rules.late_fee_cents, rules.late_fee_bp = 0, changes.late_fee_bp
    _set(rules, "late_fee_grace_days", changes.grace_days)
    _set(rules, "late_fee_vote_head", _tidy(changes.late_fee_vote_head))
    _set(rules, "sibling_discount_bp", changes.sibling_bp)
    _set(rules, "sibling_vote_heads", _heads(session, school_id, changes.sibling_heads))
    _set(rules, "early_discount_bp", changes.early_bp)
    _set(rules, "early_discount_days", changes.early_days)
    _set(rules, "early_vote_heads", _heads(session, school_id, changes.early_heads))
    for rule in changes.off:
        _turn_off(rules, rule)
    session.add(rules)
    session.flush()
    return rules


def _check(session: Session, school_id: int, changes: RuleChanges) -> None:
    if changes.late_fee_cents is not None and changes.late_fee_bp is not None:
        raise InvalidRule("a late fee is a fixed amount or a percentage, not both")
    if changes.late_fee_cents is not None and changes.late_fee_cents < 0:
        raise InvalidRule("a late fee cannot be negative")
    for name, bp in (("late fee", changes.late_fee_bp), ("sibling discount", changes.sibling_bp)):
        _check_percent(name, bp)
    _check_percent("early-payment discount", changes.early_bp)
    for name, days in (("grace days", changes.grace_days), ("early days", changes.early_days)):
        if days is not None and not 0 <= days <= 365:
            raise InvalidRule(f"{name} must be 0 to 365, not {days}")
    if changes.late_fee_vote_head is not None and not 0 < len(_tidy(changes.late_fee_vote_head) or "") <= 60:
        raise InvalidRule("the late fee's vote head needs a name of at most 60 characters")
    for rule in changes.off:
        if rule not in RULES:
            raise InvalidRule(f"no rule {rule!r}: the rules are {', '.join(RULES)}")
    for heads in (changes.sibling_heads, changes.early_heads):
        _heads(session, school_id, heads)


def _check_sibling_heads_exist(
    session: Session, school_id: int, rules: FeeRules, changes: RuleChanges
) -> None:
    """A sibling discount on heads the school does not have would quietly take nothing off: refuse it."""
    turned_on = (changes.sibling_bp if changes.sibling_bp is not None else rules.sibling_discount_bp) > 0
    if turned_on and "sibling-discount" not in changes.off and changes.sibling_heads is None:
        try:
            _heads(session, school_id, rules.sibling_vote_heads)
        except InvalidRule as missing:
            raise InvalidRule(f"{missing}: name the vote heads the sibling discount comes off") from None


def _check_percent(name: str, bp: int | None) -> None:
    if bp is not None and not 0 <= bp <= WHOLE:
        raise InvalidRule(f"a {name} must be 0% to 100%")


def _heads(session: Session, school_id: int, names: Sequence[str] | None) -> list[str] | None:
    """The vote heads named, as the school spells them; an unknown name (a typo) is refused."""
    if names is None:
        return None
    known = {
        head.lower(): head
        for head in session.scalars(select(VoteHead.name).where(VoteHead.school_id == school_id))
    }
    wanted = [_tidy(name) or "" for name in names]
    unknown = [name for name in wanted if name.lower() not in known]
    if unknown:
        raise InvalidRule(
            f"no vote head {unknown[0]!r} in this school (known: {', '.join(sorted(known.values()))})"
        )
    return sorted({known[name.lower()] for name in wanted})


def _turn_off(rules: FeeRules, rule: str) -> None:
    if rule == "late-fee":
        rules.late_fee_cents = rules.late_fee_bp = 0
    elif rule == "sibling-discount":
        rules.sibling_discount_bp = 0
    else:
        rules.early_discount_bp = 0


def _set(rules: FeeRules, field: str, value: object) -> None:
    if value is not None:
        setattr(rules, field, value)


def _tidy(name: str | None) -> str | None:
    return " ".join(name.split()) if name is not None else None


def parse_late_fee(text: str, field: str) -> tuple[int | None, int | None]:
    """``500`` or ``500.50`` -> (cents, None); ``5%`` -> (None, basis points); as ``karo fees rules
    --late-fee`` and the dashboard take it. ``field`` names the input in the error."""
    tidy = text.strip().replace(",", "")
    if tidy.endswith("%"):
        return None, parse_percent(tidy, field)
    if not _AMOUNT.fullmatch(tidy):
        raise InvalidRule(
            f"{field}: {text!r} should be an amount in KES (500 or 500.50) or a percentage (5%)"
        )
    return int(Decimal(tidy) * 100), None


def parse_percent(text: str, field: str) -> int:
    """``10%``, ``10`` or ``2.5%`` -> basis points (Decimal arithmetic, never a float)."""
    tidy = text.strip()
    if not _PERCENT.fullmatch(tidy):
        raise InvalidRule(f"{field}: {text!r} should be a percentage such as 10% or 2.5%")
    basis_points = int(Decimal(tidy.rstrip("%")) * 100)
    if basis_points > WHOLE:
        raise InvalidRule(f"{field}: {text!r} is more than 100%")
    return basis_points
