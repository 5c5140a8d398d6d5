"""``karo privacy``: a guardian's data exported on request, and erased when they ask (Data Protection Act)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from bot.commands.support import Refused, cli_actor, find_school, open_services
from bot.privacy.erasure import erase_guardian
from bot.privacy.export import export_phone
from ledger.db import transaction
from ledger.errors import InvalidPhone, NotFound
from ledger.phones import normalise_phone


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
