"""``karo privacy``: a guardian's data exported on request, and erased when they ask (Data Protection Act)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click
from sqlalchemy import select

from bot.commands.support import Refused, audit_cli, cli_actor, find_school, open_services
from bot.privacy.erasure import erase_guardian
from bot.privacy.export import export_phone
from ledger.db import transaction
from ledger.errors import InvalidPhone, NotFound
from ledger.phones import normalise_phone
from ledger.records.consent import record_consent
from ledger.records.tables import Guardian, School


def _phone(text: str) -> str:
    try:
        return normalise_phone(text)
    except InvalidPhone as error:
        raise Refused(f"--phone: {error}") from None


@click.group("privacy")
def privacy() -> None:
    """A guardian's data: exported on request, erased when they ask."""


@privacy.command("export")
@click.option("--phone", "phone_text", required=True, help="The guardian's phone, in any Kenyan form.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), help="Write here.")
def export(phone_text: str, out: Path | None) -> None:
    """Everything Karo holds about a phone, in every school, as JSON."""
    phone = _phone(phone_text)
    with open_services() as services, services.sessions() as session:
        document = export_phone(session, phone)
    text = json.dumps(document, indent=2, ensure_ascii=False)
    if out is None:
        click.echo(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
        click.echo(f"wrote what Karo holds about the phone to {out}")


@privacy.command("erase")
@click.option("--school", "slug", required=True, help="The school's slug.")
@click.option("--phone", "phone_text", required=True, help="The guardian's phone, in any Kenyan form.")
@click.option("--reason", required=True, help="Why (e.g. the parent's written request of a date).")
def erase(slug: str, phone_text: str, reason: str) -> None:
    """Erase a guardian's identity from a school; the payments and the books stay as they are."""
    phone = _phone(phone_text)
    if not reason.strip():
        raise Refused("--reason: say why the guardian is erased")
    with open_services() as services, transaction(services.sessions) as session:
        school = find_school(session, slug)
        try:
            erased = erase_guardian(
                session,
                school.id,
                phone,
                reason=reason.strip(),
                actor=cli_actor(),
                now=dt.datetime.now(dt.UTC),
            )
        except NotFound as error:
            raise Refused(f"--phone: {error}") from None
    click.echo(
        f"erased {erased.guardians} guardian row(s): {erased.messages} messages blanked, "
        f"{erased.payments} payments' payer removed, {erased.inbound} inbound messages blanked, "
        f"{erased.ussd_sessions} USSD sessions deleted; the books are unchanged"
    )


POLICY = {
    "ussd_days": "keep_ussd_days",
    "message_days": "keep_message_days",
    "delivery_days": "keep_delivery_days",
    "audit_days": "keep_audit_days",
}
DAYS = click.IntRange(1, 36_500)


@privacy.command("policy")
@click.option("--school", "slug", required=True, help="The school's slug.")
@click.option("--ussd-days", type=DAYS, help="Days USSD session reports are kept (default 90).")
@click.option("--message-days", type=DAYS, help="Days message bodies, in and out, are kept (default 365).")
@click.option("--delivery-days", type=DAYS, help="Days delivery-report details are kept (default 365).")
@click.option("--audit-days", type=DAYS, help="Days audit rows are kept (default 2555, seven years).")
@click.option(
    "--require-consent/--no-require-consent", default=None, help="Announcements to consenting only."
)
def policy(slug: str, require_consent: bool | None, **days: int | None) -> None:
    """Show, or change, the school's retention periods and whether announcements need consent."""
    with open_services() as services, transaction(services.sessions) as session:
        school = find_school(session, slug)
        before = _policy_of(school)
        for option, column in POLICY.items():
            if days[option] is not None:
                setattr(school, column, days[option])
        if require_consent is not None:
            school.announcements_need_consent = require_consent
        after = _policy_of(school)
        if after != before:
            audit_cli(
                session, school.id, "privacy.policy", target=f"school:{school.id}", before=before, after=after
            )
    click.echo(", ".join(f"{name} {value}" for name, value in after.items()))


def _policy_of(school: School) -> dict[str, int | bool]:
    kept: dict[str, int | bool] = {option: getattr(school, column) for option, column in POLICY.items()}
    return kept | {"require_consent": school.announcements_need_consent}


@privacy.command("consent")
@click.option("--school", "slug", required=True, help="The school's slug.")
@click.option("--phone", "phone_text", required=True, help="The guardian's phone, in any Kenyan form.")
@click.option("--given/--withdrawn", required=True, help="Consent to announcements given or withdrawn.")
@click.option("--via", "channel", required=True, help="How it came: sms, ussd, whatsapp, paper, ...")
def consent(slug: str, phone_text: str, given: bool, channel: str) -> None:
    """Record a guardian's consent to announcements (or its withdrawal), audited."""
    phone = _phone(phone_text)
    now = dt.datetime.now(dt.UTC)
    with open_services() as services, transaction(services.sessions) as session:
        school = find_school(session, slug)
        guardian = session.scalars(
            select(Guardian).where(Guardian.school_id == school.id, Guardian.phone == phone)
        ).one_or_none()
        if guardian is None:
            raise Refused("--phone: that phone is no guardian of this school")
        record_consent(guardian, given=given, channel=channel, now=now)
        word = "given" if given else "withdrawn"
        audit_cli(
            session, school.id, "privacy.consent", target=f"guardian:{guardian.id}", after={"consent": word}
        )
    click.echo(f"consent to announcements {word} (via {guardian.consent_channel})")
