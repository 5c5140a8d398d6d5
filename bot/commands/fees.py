"""``karo fees``: a school's fee rules (late fee, sibling and early discounts) and late fees by hand."""

from __future__ import annotations

import click
from sqlalchemy.orm import Session

from bot.commands.support import Refused, audit_cli, cli_actor, find_school, open_services, parse_date
from ledger.billing.fee_rules import (
    RULES,
    FeeRules,
    RuleChanges,
    parse_late_fee,
    parse_percent,
    percent_text,
)
from ledger.db import transaction
from ledger.money import kes


@click.group()
def fees() -> None:
    """Fee rules per school, and the late fees they charge."""


@fees.command("rules")
@click.option("--school", "slug", required=True, help="The school's slug.")
@click.option("--late-fee", help="A fixed amount in KES (500) or a share of what is overdue (5%).")
@click.option("--grace-days", type=int, help="Days after the due date before the late fee is charged.")
@click.option("--late-fee-head", help='The vote head late fees are charged to (default "Late fee").')
@click.option("--sibling-discount", help="Off tuition for each child after a family's first-admitted (10%).")
@click.option("--sibling-heads", help='Comma-separated vote heads it is off (default "Tuition").')
@click.option("--early-discount", help="Off a term's fees paid in full early enough (5%).")
@click.option("--early-days", type=int, help="How many days before the due date the term must be paid.")
@click.option("--early-heads", help="Comma-separated vote heads the early discount is off (default: all).")
@click.option("--off", "off", multiple=True, type=click.Choice(RULES), help="Turn a rule off (repeatable).")
def rules(
    slug: str,
    late_fee: str | None,
    grace_days: int | None,
    late_fee_head: str | None,
    sibling_discount: str | None,
    sibling_heads: str | None,
    early_discount: str | None,
    early_days: int | None,
    early_heads: str | None,
    off: tuple[str, ...],
) -> None:
    """Show a school's fee rules, changing those given first (a bad value changes nothing)."""
    from ledger.billing.fee_rules import rules_for, set_rules

    fixed, share = _late_fee(late_fee)
    changes = RuleChanges(
        late_fee_cents=fixed,
        late_fee_bp=share,
        grace_days=grace_days,
        late_fee_vote_head=late_fee_head,
        sibling_bp=_percent(sibling_discount, "--sibling-discount"),
        sibling_heads=_names(sibling_heads, "--sibling-heads"),
        early_bp=_percent(early_discount, "--early-discount"),
        early_days=early_days,
        early_heads=_names(early_heads, "--early-heads"),
        off=off,
    )
    with open_services() as services, transaction(services.sessions) as session:
        found = find_school(session, slug)
        current = rules_for(session, found.id)
        if changes != RuleChanges():
            before = describe(current)
            current = set_rules(session, found.id, changes)
            after = describe(current)
            if after != before:
                target = f"school:{found.id}"
                audit_cli(
                    session,
                    found.id,
                    "fees.rules",
                    target=target,
                    before={"rules": before},
                    after={"rules": after},
                )
        click.echo(f"Fee rules for {found.slug}:")
        for line in describe(current):
            click.echo(f"  {line}")


@fees.command("late")
@click.option("--school", "slug", required=True, help="The school's slug.")
@click.option("--at", "at", help="Charge as if it were this day, YYYY-MM-DD (default: today in Nairobi).")
def late(slug: str, at: str | None) -> None:
    """Charge the late fees due (what the daily schedule does); running it again charges nothing twice."""
    from ledger.billing.late_fees import apply_late_fees
    from ledger.clock import school_day, utc_now

    day = parse_date(at, "--at") if at is not None else school_day(utc_now())
    with open_services() as services, transaction(services.sessions) as session:
        found = find_school(session, slug)
        run = apply_late_fees(session, found.id, day, actor=cli_actor())
        if run.charged:
            after = {
                "day": day.isoformat(),
                "terms": list(run.terms),
                "charged": run.charged,
                "total": run.total,
            }
            audit_cli(session, found.id, "fees.late", target=f"school:{found.id}", after=after)
        if not run.terms:
            click.echo(f"No late fees for {found.slug} on {day}: {_why_none(session, found.id)}")
            return
        terms = ", ".join(run.terms)
        total = kes(run.total, always_cents=True)
        click.echo(f"Late fees for {found.slug} on {day}, term {terms}: {run.charged} charged, {total}")


def describe(rules: FeeRules) -> list[str]:
    """The rules as a bursar reads them, one line each."""
    return [
        f"late fee: {_late_fee_text(rules) if rules.late_fee_on else 'off'}",
        f"sibling discount: {_sibling_text(rules) if rules.sibling_discount_bp else 'off'}",
        f"early-payment discount: {_early_text(rules) if rules.early_discount_bp else 'off'}",
    ]


def _late_fee_text(rules: FeeRules) -> str:
    share = f"{percent_text(rules.late_fee_bp)} of what is overdue"
    how = kes(rules.late_fee_cents, always_cents=True) if rules.late_fee_cents else share
    return f"{how}, {rules.late_fee_grace_days} days after the due date, to {rules.late_fee_vote_head}"


def _sibling_text(rules: FeeRules) -> str:
    heads = ", ".join(rules.sibling_vote_heads)
    return f"{percent_text(rules.sibling_discount_bp)} off {heads} for each child after the first-admitted"


def _early_text(rules: FeeRules) -> str:
    heads = ", ".join(rules.early_vote_heads) or "all vote heads"
    days = rules.early_discount_days
    return (
        f"{percent_text(rules.early_discount_bp)} off {heads} for a term paid in full {days} days before due"
    )


def _late_fee(value: str | None) -> tuple[int | None, int | None]:
    return (None, None) if value is None else parse_late_fee(value, "--late-fee")


def _percent(value: str | None, option: str) -> int | None:
    return None if value is None else parse_percent(value, option)


def _names(value: str | None, option: str) -> list[str] | None:
    if value is None:
        return None
    names = [name.strip() for name in value.split(",") if name.strip()]
    if not names:
        raise Refused(f"{option}: name at least one vote head, e.g. Tuition")
    return names


def _why_none(session: Session, school_id: int) -> str:
    from ledger.billing.fee_rules import rules_for

    if not rules_for(session, school_id).late_fee_on:
        return "the late-fee rule is off (karo fees rules --late-fee ...)"
    return "no term is past its due date and grace period"
