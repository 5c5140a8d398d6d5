"""Commands a bursar or operator runs on a school's records: schools, terms, imports, invoicing."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import click
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.commands.support import (
    Refused,
    audit_cli,
    cli_actor,
    find_school,
    open_services,
    parse_date,
)
from ledger.db import transaction
from ledger.imports import KINDS as IMPORT_KINDS  # the one registry of import kinds
from ledger.money import kes
from ledger.records.profile import PAYBILL, USSD_CODE
from ledger.records.tables import School, SchoolClass, Term

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")


@click.group()
def school() -> None:
    """Schools served by this deployment."""


@school.command("create")
@click.option("--slug", required=True, help="Short name in URLs, e.g. kilimani.")
@click.option("--name", required=True, help="The school's full name.")
@click.option("--paybill", help="M-Pesa Paybill business number.")
@click.option("--ussd-code", help="The school's own USSD code, e.g. *384*25#.")
def create_school(slug: str, name: str, paybill: str | None, ussd_code: str | None) -> None:
    """Create a school; a slug or USSD code already taken is refused."""
    slug, name = slug.strip().lower(), " ".join(name.split())
    _check_school_fields(slug, name, paybill, ussd_code)
    with open_services() as services, transaction(services.sessions) as session:
        _refuse_taken(session, slug, ussd_code)
        made = School(slug=slug, name=name, paybill=paybill, ussd_code=ussd_code)
        session.add(made)
        session.flush()
        after = {"slug": slug, "name": name, "paybill": paybill, "ussd_code": ussd_code}
        audit_cli(session, made.id, "school.create", target=f"school:{made.id}", after=after)
    click.echo(f"Created {name} ({slug})")


def _check_school_fields(slug: str, name: str, paybill: str | None, ussd_code: str | None) -> None:
    if not SLUG.fullmatch(slug):
        raise Refused(f"--slug: {slug!r} should be lower-case letters, digits and dashes (at most 40)")
    if not 0 < len(name) <= 120:
        raise Refused("--name: give the school's name (at most 120 characters)")
    if paybill is not None and not PAYBILL.fullmatch(paybill):
        raise Refused(f"--paybill: {paybill!r} should be a 5 to 7 digit business number")
    if ussd_code is not None and not USSD_CODE.fullmatch(ussd_code):
        raise Refused(f"--ussd-code: {ussd_code!r} should look like *384*25#")


def _refuse_taken(session: Session, slug: str, ussd_code: str | None) -> None:
    if session.scalars(select(School.id).where(School.slug == slug)).first() is not None:
        raise Refused(f"a school with slug {slug!r} already exists")
    if ussd_code and session.scalars(select(School.slug).where(School.ussd_code == ussd_code)).first():
        raise Refused(f"the USSD code {ussd_code} already belongs to another school")


@school.command("senders")
@click.option("--school", "slug", required=True, help="The school's slug.")
@click.option("--twilio-sms-from", help="The school's own Twilio SMS number, E.164 ('' for Karo's).")
@click.option("--twilio-whatsapp-from", help="The school's own WhatsApp sender, E.164 ('' for Karo's).")
def school_senders(slug: str, twilio_sms_from: str | None, twilio_whatsapp_from: str | None) -> None:
    """Set the numbers a school's messages go from on Twilio (an option left out keeps its number)."""
    from ledger.records.profile import InvalidProfile, checked_senders, save_senders, senders_of

    with open_services() as services, transaction(services.sessions) as session:
        found = find_school(session, slug)
        before = senders_of(found)
        sms = before.twilio_sms_from or "" if twilio_sms_from is None else twilio_sms_from
        whatsapp = before.twilio_whatsapp_from or "" if twilio_whatsapp_from is None else twilio_whatsapp_from
        try:
            save_senders(session, found, checked_senders(sms, whatsapp))
        except InvalidProfile as bad:
            raise Refused(str(bad)) from None
        after = senders_of(found)
        audit_cli(
            session,
            found.id,
            "school.senders",
            target=f"school:{found.id}",
            before=before.snapshot(),
            after=after.snapshot(),
        )
    shown = {k: v or "Karo's" for k, v in after.snapshot().items()}
    click.echo(
        f"{found.slug}: SMS from {shown['twilio_sms_from']}, WhatsApp from {shown['twilio_whatsapp_from']}"
    )


@school.command("mpesa")
@click.option("--school", "slug", required=True, help="The school's slug.")
@click.option("--shortcode", required=True, help="The Paybill (Daraja business shortcode).")
@click.option("--passkey", required=True, help="The Lipa na M-Pesa Online passkey.")
@click.option("--consumer-key", required=True, help="The Daraja app's consumer key.")
@click.option("--consumer-secret", required=True, help="The Daraja app's consumer secret.")
@click.option("--register-urls", is_flag=True, help="Also register the Paybill's C2B URLs with Daraja.")
def school_mpesa(
    slug: str, shortcode: str, passkey: str, consumer_key: str, consumer_secret: str, register_urls: bool
) -> None:
    """Keep a school's Daraja credentials, sealed with a key derived from KARO_SECRET_KEY."""
    from bot.crypto import SecretKeyMissing
    from bot.mpesa.setup import CannotRegister, register_paybill, save_credentials
    from providers.daraja_types import DarajaError, DarajaUnavailable, Shortcode

    shortcode = shortcode.strip()
    if not PAYBILL.fullmatch(shortcode):
        raise Refused(f"--shortcode: {shortcode!r} should be a 5 to 7 digit business number")
    secrets = {"--passkey": passkey, "--consumer-key": consumer_key, "--consumer-secret": consumer_secret}
    for option, value in secrets.items():
        if not value.strip():
            raise Refused(f"{option}: give the value from the Daraja portal")
    creds = Shortcode(shortcode, passkey.strip(), consumer_key.strip(), consumer_secret.strip())
    with open_services() as services:
        try:
            with transaction(services.sessions) as session:
                found = find_school(session, slug)
                before = {"shortcode": found.daraja_shortcode, "paybill": found.paybill}
                save_credentials(found, creds, services.settings)
                after = {"shortcode": found.daraja_shortcode, "paybill": found.paybill}  # never the secrets
                audit_cli(
                    session, found.id, "school.mpesa", target=f"school:{found.id}", before=before, after=after
                )
            click.echo(f"M-Pesa for {found.slug}: shortcode {shortcode} saved (secrets sealed)")
            if register_urls:  # after the commit: no transaction stays open while Daraja answers
                confirmation, _ = register_paybill(services, found)
                click.echo(f"Paybill {shortcode} confirms to {confirmation.rsplit('/', 1)[0]}/...")
        except (SecretKeyMissing, CannotRegister, DarajaError, DarajaUnavailable, ValueError) as error:
            raise Refused(str(error)) from None


@click.group()
def term() -> None:
    """School terms, named by year and number like 2026-1."""


@term.command("set")
@click.option("--school", "slug", required=True, help="The school's slug.")
@click.option("--term", "code", required=True, help="YEAR-N, e.g. 2026-1.")
@click.option("--start", required=True, help="First day, YYYY-MM-DD.")
@click.option("--end", required=True, help="Last day, YYYY-MM-DD.")
@click.option("--due", required=True, help="Fees due date, YYYY-MM-DD.")
def set_term(slug: str, code: str, start: str, end: str, due: str) -> None:
    """Give a term the school's own dates (instead of the usual Kenyan calendar)."""
    from ledger.records.terms import find_term, parse_term_code, set_term_dates

    starts_on, ends_on = parse_date(start, "--start"), parse_date(end, "--end")
    due_on = parse_date(due, "--due")
    with open_services() as services, transaction(services.sessions) as session:
        found = find_school(session, slug)
        existing = find_term(session, found.id, *parse_term_code(code))
        before = _term_dates(existing) if existing is not None else None
        saved = set_term_dates(session, found.id, code, starts_on, ends_on, due_on)
        target = f"term:{saved.id}"
        audit_cli(session, found.id, "term.set", target=target, before=before, after=_term_dates(saved))
        dates = f"{saved.starts_on} to {saved.ends_on}, fees due {saved.due_on}"
        click.echo(f"Term {saved.code} for {found.slug}: {dates}")


def _term_dates(term: Term) -> dict[str, str]:
    from ledger.records.terms import dates_snapshot

    return dates_snapshot(term)


@click.command("import")
@click.argument("kind", type=click.Choice(IMPORT_KINDS), metavar="KIND")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--school", "slug", required=True, help="The school's slug.")
@click.option("--format", "layout", help="A bank statement's layout (generic, equity, kcb...).")
def import_file(kind: str, file: Path, slug: str, layout: str | None) -> None:
    """Import a CSV file of KIND; a file with any bad row imports nothing and lists every bad row."""
    from ledger.imports import ImportRefused, import_csv

    text = read_csv_text(file)
    with open_services() as services:
        try:
            with transaction(services.sessions) as session:
                found = find_school(session, slug)
                report = import_csv(
                    session, found, kind, text, actor=cli_actor(), today=dt.date.today(), layout=layout
                )
                after = {"rows": report.rows, "created": report.created, "updated": report.updated}
                audit_cli(
                    session, found.id, f"import.{report.kind}", target=f"file:{file.name}"[:80], after=after
                )
        except ImportRefused as refused:
            if not refused.report.errors:
                raise Refused(f"nothing imported from {file}: {refused}") from None
            for error in refused.report.errors:
                click.echo(str(error), err=True)
            raise Refused(f"nothing imported from {file}: {len(refused.report.errors)} bad row(s)") from None
    click.echo(
        f"{file}: {report.rows} {kind} rows: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged"
    )
    for note in report.notes:
        click.echo(note)


def read_csv_text(file: Path) -> str:
    """The file as text; a byte-order mark (as Excel writes) is dropped."""
    try:
        return file.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise Refused(f"cannot read {file}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise Refused(f"{file} is not UTF-8 text (in Excel: Save As, CSV UTF-8)") from None


@click.command("invoice")
@click.option("--school", "slug", required=True, help="The school's slug.")
@click.option("--term", "code", required=True, help="YEAR-N, e.g. 2026-1.")
@click.option("--class", "class_name", help="One class only (default: every class).")
def invoice(slug: str, code: str, class_name: str | None) -> None:
    """Invoice every student of the school (or one class) for a term; running it again adds nothing."""
    with open_services() as services:
        with transaction(services.sessions) as session:
            told_before = invoice_notices(session, slug)
            total = _invoice(session, slug, code, class_name)
        with transaction(services.sessions) as session:
            told = invoice_notices(session, slug) - told_before
    click.echo(
        f"Term {code} total invoiced now: {kes(total, always_cents=True)}; {told} family notice(s) queued"
    )


def _invoice(session: Session, slug: str, code: str, class_name: str | None) -> int:
    from ledger.billing.invoicing import invoice_class
    from ledger.records.terms import find_term, parse_term_code

    found = find_school(session, slug)
    chosen = find_term(session, found.id, *parse_term_code(code))
    if chosen is None:
        raise Refused(f"{found.slug} has no term {code} yet: import its fees first (karo import fees ...)")
    total = 0
    for school_class in classes_named(session, found, class_name):
        run = invoice_class(session, school_class, chosen, actor=cli_actor())
        total += run.total
        if run.invoiced:
            after = {
                "class": run.class_name,
                "term": chosen.code,
                "students": run.invoiced,
                "total": run.total,
            }
            target = f"class:{school_class.id}:term:{chosen.id}"
            audit_cli(session, found.id, "invoice.class", target=target, after=after)
        amount = kes(run.total, always_cents=True)
        click.echo(f"{run.class_name}: invoiced {run.invoiced}, already {run.already}, {amount}")
    return total


def invoice_notices(session: Session, slug: str) -> int:
    """How many invoice notices the school's outbox holds (they are written as the invoicing commits)."""
    from ledger.messaging.outbox import Category, OutboxMessage

    school = find_school(session, slug)
    query = select(func.count(OutboxMessage.id)).where(
        OutboxMessage.school_id == school.id, OutboxMessage.category == Category.INVOICE_NOTICE
    )
    return session.scalar(query) or 0


def classes_named(session: Session, school: School, name: str | None) -> list[SchoolClass]:
    query = select(SchoolClass).where(SchoolClass.school_id == school.id).order_by(SchoolClass.id)
    if name is not None:
        query = query.where(func.lower(SchoolClass.name) == " ".join(name.split()).lower())
    classes = list(session.scalars(query))
    if not classes:
        raise Refused(f"{school.slug} has no class {name!r}" if name else f"{school.slug} has no classes yet")
    return classes


@click.group()
def user() -> None:
    """Staff accounts for a school's dashboard."""


@user.command("create")
@click.option("--school", "slug", required=True, help="The school's slug.")
@click.option("--email", required=True, help="The staff member's email (their login).")
@click.option("--password", required=True, help="At least 10 characters.")
@click.option("--role", required=True, help="bursar (money), head (reads everything) or clerk (records).")
def create_user(slug: str, email: str, password: str, role: str) -> None:
    """Create a staff login; an email already in use (in any school) is refused."""
    from bot.dashboard.passwords import Passwords, WeakPassword
    from ledger.staff.members import create_staff, parse_role

    chosen = parse_role(role)
    try:
        password_hash = Passwords().hash(password)
    except WeakPassword as weak:
        raise Refused(f"--password: {weak}") from None
    now = dt.datetime.now(dt.UTC)
    with open_services() as services, transaction(services.sessions) as session:
        found = find_school(session, slug)
        member = create_staff(session, found.id, email, chosen, password_hash, now=now)
        after = {"email": member.email, "role": member.role.value}
        audit_cli(session, found.id, "staff.create", target=f"staff:{member.id}", after=after)
    click.echo(f"Created {member.role.value} {member.email} for {found.slug}")
