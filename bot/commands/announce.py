"""``karo announce``: a message from the school to its families (``ledger.messaging.announcements``)."""

from __future__ import annotations

import click

from bot.channels.compose import conversation_store
from bot.channels.handlers.registry import sends_email
from bot.commands.support import audit_cli, cli_actor, find_school, open_services
from bot.outbox.senders import whatsapp_window
from ledger.clock import utc_now
from ledger.db import transaction
from ledger.messaging.announcement_reports import SMS_PART_CENTS, Preview, preview
from ledger.messaging.announcements import announce, checked_audience, checked_texts
from ledger.money import kes
from ledger.records.tables import Language

LANGUAGE_NAMES = {Language.EN: "English", Language.SW: "Kiswahili"}


@click.command("announce")
@click.option("--school", "slug", required=True, help="The school's slug.")
@click.option("--class", "classes", multiple=True, help="Only this class's families (repeat for more).")
@click.option("--owing-over", help="Only families owing more than this, in KES (e.g. 5000).")
@click.option("--leavers", is_flag=True, help="The families of students who left, instead of current ones.")
@click.option("--text", required=True, help="The message, in English.")
@click.option("--text-sw", help="The message in Kiswahili (families who chose it get it; else English).")
@click.option("--dry-run", is_flag=True, help="Only show who would get it, by which channel, and the cost.")
def announce_command(
    slug: str,
    classes: tuple[str, ...],
    owing_over: str | None,
    leavers: bool,
    text: str,
    text_sw: str | None,
    dry_run: bool,
) -> None:
    """Send an announcement: one message per family, after quiet hours; sending the same words to the same
    families again reaches only those it has not reached."""
    texts = checked_texts(text, text_sw)
    with open_services() as services, transaction(services.sessions) as session:
        school = find_school(session, slug)
        audience = checked_audience(session, school, classes, owing_over, leavers)
        window_open = whatsapp_window(services, conversation_store(services))
        shown = preview(session, school, audience, texts, window_open, sends_email(services.settings))
        if dry_run:
            click.echo(describe(audience.describe(), shown) + "\nDry run: nothing sent.")
            return
        now = utc_now()
        made, queued = announce(session, school, audience, texts, author=cli_actor(), now=now)
        if queued:
            after = {"announcement": made.id, "audience": audience.describe(), "queued": queued}
            audit_cli(session, school.id, "announcement.send", target=f"announcement:{made.id}", after=after)
    click.echo(describe(audience.describe(), shown))
    already = shown.families - queued
    click.echo(
        f"Announcement {made.id}: queued {queued} message(s)"
        + (f"; {already} family(ies) already had it" if already > 0 else "")
        + ". They go out after quiet hours."
    )


def describe(who: str, shown: Preview) -> str:
    """The preview in a few lines, as the dry run prints it."""
    channels = ", ".join(f"{channel} {n}" for channel, n in shown.by_channel.items()) or "none"
    parts = ", ".join(
        f"{LANGUAGE_NAMES[language]} {n}" + (" (UCS-2)" if language in shown.ucs2 else "")
        for language, n in shown.parts.items()
    )
    lines = [
        f"To: {who}",
        f"Families: {shown.families} ({channels}); {shown.opted_out} opted out",
        f"SMS parts per message: {parts}",
        f"Estimated cost: {kes(shown.cost_cents, always_cents=True)} "
        f"({shown.sms_parts} SMS parts at {kes(SMS_PART_CENTS, always_cents=True)})",
    ]
    if shown.ucs2:
        lines.append("Note: a character outside the GSM alphabet makes a text UCS-2: 70 characters a part.")
    return "\n".join(lines)
