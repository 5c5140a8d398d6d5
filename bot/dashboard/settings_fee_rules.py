"""Fee rules on the settings pages: the late fee and its grace days, the sibling and early-payment discounts,
parsed and checked as ``karo fees rules`` does (``ledger.billing.fee_rules``). A bad value changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from bot.dashboard.access import Staff, StaffDep
from bot.dashboard.cookies import config_of
from bot.dashboard.rendering import redirect, render
from bot.dashboard.settings_index import SettingsStaff, may_change_settings
from bot.routes.deps import SessionDep
from ledger.billing.fee_rules import (
    FeeRules,
    InvalidRule,
    RuleChanges,
    parse_late_fee,
    parse_percent,
    percent_text,
    rules_for,
    set_rules,
)
from ledger.money import kes

router = APIRouter()

PAGE = "/dashboard/settings/fee-rules"
FIELD = Annotated[str, Form(max_length=200)]


@dataclass(frozen=True)
class RulesForm:
    late_fee: str  # "500", "500.50" or "5%"; empty or 0: no late fee
    grace_days: str
    late_fee_head: str
    sibling_discount: str  # a percentage; empty or 0: off
    sibling_heads: str  # comma-separated vote heads
    early_discount: str
    early_days: str
    early_heads: str  # comma-separated; empty: all vote heads


def form_of(rules: FeeRules) -> RulesForm:
    late = ""
    if rules.late_fee_cents:
        late = kes(rules.late_fee_cents, label=False).replace(",", "")
    elif rules.late_fee_bp:
        late = percent_text(rules.late_fee_bp)
    return RulesForm(
        late_fee=late,
        grace_days=str(rules.late_fee_grace_days),
        late_fee_head=rules.late_fee_vote_head,
        sibling_discount=percent_text(rules.sibling_discount_bp) if rules.sibling_discount_bp else "",
        sibling_heads=", ".join(rules.sibling_vote_heads),
        early_discount=percent_text(rules.early_discount_bp) if rules.early_discount_bp else "",
        early_days=str(rules.early_discount_days),
        early_heads=", ".join(rules.early_vote_heads),
    )


def rules_snapshot(rules: FeeRules) -> dict[str, Any]:
    """The rules as an audit row keeps them (cents and basis points)."""
    return {
        "late_fee_cents": rules.late_fee_cents,
        "late_fee_bp": rules.late_fee_bp,
        "late_fee_grace_days": rules.late_fee_grace_days,
        "late_fee_vote_head": rules.late_fee_vote_head,
        "sibling_discount_bp": rules.sibling_discount_bp,
        "sibling_vote_heads": list(rules.sibling_vote_heads),
        "early_discount_bp": rules.early_discount_bp,
        "early_discount_days": rules.early_discount_days,
        "early_vote_heads": list(rules.early_vote_heads),
    }


def _whole(text: str, label: str) -> int:
    tidy = text.strip() or "0"
    if not tidy.isdigit() or len(tidy) > 3:
        raise InvalidRule(f"{label}: {text.strip()!r} should be a whole number of days from 0 to 365")
    return int(tidy)


def _heads(text: str) -> list[str] | None:
    names = [name.strip() for name in text.split(",") if name.strip()]
    return names or None


def changes_of(form: RulesForm) -> RuleChanges:
    """The form as the changes ``set_rules`` makes; an empty (or zero) amount turns its rule off."""
    off = []
    late_cents, late_bp = parse_late_fee(form.late_fee or "0", "Late fee")
    if not (late_cents or late_bp):
        off.append("late-fee")
        late_cents = late_bp = None
    sibling = parse_percent(form.sibling_discount or "0", "Sibling discount")
    early = parse_percent(form.early_discount or "0", "Early-payment discount")
    off += ["sibling-discount"] if not sibling else []
    off += ["early-discount"] if not early else []
    return RuleChanges(
        late_fee_cents=late_cents,
        late_fee_bp=late_bp,
        grace_days=_whole(form.grace_days, "Grace days"),
        late_fee_vote_head=form.late_fee_head.strip() or None,
        sibling_bp=sibling or None,
        sibling_heads=_heads(form.sibling_heads) if sibling else None,
        early_bp=early or None,
        early_days=_whole(form.early_days, "Early days"),
        early_heads=_heads(form.early_heads) or [] if early else None,
        off=off,
    )


def _page(
    request: Request,
    staff: Staff,
    session: Session,
    form: RulesForm | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    context = {
        "staff": staff,
        "page": "settings",
        "may_change": may_change_settings(staff),
        "form": form or form_of(rules_for(session, staff.school_id)),
        "error": error,
        "saved": request.query_params.get("saved") == "1",
    }
    return render(request, "settings_fee_rules.html", context, status_code=status)


@router.get("/dashboard/settings/fee-rules")
def fee_rules_page(request: Request, staff: StaffDep, session: SessionDep) -> Response:
    return _page(request, staff, session)


@router.post("/dashboard/settings/fee-rules")
def save_fee_rules(
    request: Request,
    staff: SettingsStaff,
    session: SessionDep,
    late_fee: FIELD = "",
    grace_days: FIELD = "",
    late_fee_head: FIELD = "",
    sibling_discount: FIELD = "",
    sibling_heads: FIELD = "",
    early_discount: FIELD = "",
    early_days: FIELD = "",
    early_heads: FIELD = "",
) -> Response:
    form = RulesForm(
        late_fee,
        grace_days,
        late_fee_head,
        sibling_discount,
        sibling_heads,
        early_discount,
        early_days,
        early_heads,
    )
    before = rules_snapshot(rules_for(session, staff.school_id))
    try:
        rules = set_rules(session, staff.school_id, changes_of(form))
    except InvalidRule as bad:
        session.rollback()
        return _page(request, staff, session, form, str(bad), status=422)
    after = rules_snapshot(rules)
    at, target = config_of(request).clock(), f"school:{staff.school_id}"
    staff.audit_change(session, action="fees.rules", at=at, target=target, before=before, after=after)
    session.commit()
    return redirect(request, f"{PAGE}?saved=1")
