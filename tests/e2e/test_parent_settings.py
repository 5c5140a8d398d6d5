"""A parent's choices from any channel, end to end: the USSD settings menu (reminders, announcements, the
channel) and the SMS keywords (STOP/START per category, CHANNEL, in both languages), written to the
guardian and to the school's audit log, real Redis and databases."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ledger.messaging.outbox import OutboxMessage
from ledger.records.tables import Guardian, School
from ledger.staff.audit import AuditEntry
from tests.e2e.conftest import PARENT
from tests.e2e.ussd_helpers import TOKEN, Dial


def guardians(schools) -> dict[str, Guardian]:
    """The parent as a guardian in each school, by slug."""
    with schools() as session:
        rows = session.execute(
            select(School.slug, Guardian).join(Guardian, Guardian.school_id == School.id)
        ).all()
        return {slug: guardian for slug, guardian in rows if guardian.phone == PARENT}


def audit_actions(schools) -> list[tuple[str, dict | None, dict | None]]:
    with schools() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.actor == f"parent:{PARENT}"))
        return [(row.action, row.before, row.after) for row in rows.all()]


def test_the_ussd_settings_menu_switches_each_category_and_the_channel(client, schools):
    dial = Dial(client, PARENT, code="*384*25#")  # Kilimani's own code
    settings = dial.choose("Settings")
    assert "Reminders: ON\nAnnouncements: ON\nMessages by: SMS" in settings
    assert "Turn announcements off" in settings
    assert "Announcements turned off." in dial.choose("Turn announcements off")
    assert "Reminders: ON\nAnnouncements: OFF" in dial.choose("Settings")
    dial.choose("Change channel")
    assert "Messages now by WhatsApp." in dial.choose("WhatsApp")
    dial.choose("Settings")
    dial.choose("Change channel")
    refused = dial.choose("Email")  # no address on file: said, and nothing changes
    assert "No email address on file" in refused and "Receive messages by:" in refused
    assert "Reminders turned off." in dial.press("0", "1")
    kilimani, mwangaza = guardians(schools)["kilimani"], guardians(schools)["mwangaza"]
    assert sorted(kilimani.opted_out) == ["announcements", "reminders"]
    assert kilimani.preferred_channel.value == "whatsapp"
    assert (mwangaza.opted_out, mwangaza.preferred_channel.value) == ([], "sms")  # the other school's own
    assert [action for action, _, _ in audit_actions(schools)] == [
        "guardian.stop",
        "guardian.channel",
        "guardian.stop",
    ]
    _, before, after = audit_actions(schools)[1]
    assert (before["preferred_channel"], after["preferred_channel"]) == ("sms", "whatsapp")


def test_the_ussd_settings_menu_in_kiswahili(client, schools):
    dial = Dial(client, PARENT, code="*384*26#")
    dial.choose("Language")
    dial.choose("Kiswahili")
    settings = dial.choose("Mipangilio")
    assert "Vikumbusho: vimewashwa\nMatangazo: yamewashwa\nUjumbe kwa: SMS" in settings
    assert "Matangazo yamezimwa." in dial.choose("Zima matangazo")
    dial.choose("Mipangilio")
    dial.choose("Badilisha njia")
    assert "Ujumbe kwa WhatsApp." in dial.choose("WhatsApp")
    mwangaza = guardians(schools)["mwangaza"]
    assert (mwangaza.opted_out, mwangaza.preferred_channel.value) == (["announcements"], "whatsapp")


def sms(client, text: str, message_id: str) -> str:
    response = client.post(
        f"/at/sms/{TOKEN}",
        data={"from": PARENT, "to": "22384", "text": text, "id": message_id, "date": "2026-11-22 10:00:00"},
    )
    assert response.status_code == 200, response.text
    with client.app.state.services.sessions() as session:
        return session.scalars(select(OutboxMessage.body).order_by(OutboxMessage.id.desc())).first() or ""


def test_keywords_by_sms_stop_and_start_each_category_and_set_the_channel_in_every_school(client, schools):
    steps = [
        ("STOP ANNOUNCEMENTS", "Announcements are now off.", ["announcements"], "sms"),
        ("ACHA VIKUMBUSHO", "Vikumbusho vya karo vimezimwa.", ["announcements", "reminders"], "sms"),
        ("ANZA MATANGAZO", "Matangazo yamewashwa.", ["reminders"], "sms"),
        ("START", "Fee reminders are now on.", [], "sms"),
        ("NJIA WHATSAPP", "Ujumbe sasa utakuja kwa WhatsApp.", [], "whatsapp"),
        ("CHANNEL EMAIL", "No email address on file", [], "whatsapp"),
        ("channel sms", "Messages will now come by SMS.", [], "sms"),
    ]
    for n, (text, reply, opted_out, channel) in enumerate(steps):
        assert sms(client, text, f"ATXid_kw{n}").startswith(reply), text
        for slug, guardian in guardians(schools).items():
            chosen = (sorted(guardian.opted_out), guardian.preferred_channel.value)
            assert chosen == (opted_out, channel), slug
    actions = [action for action, _, _ in audit_actions(schools)]
    assert actions.count("guardian.stop") == 4 and actions.count("guardian.channel") == 4  # x 2 schools


def test_channel_email_takes_a_working_address_and_refuses_a_bounced_one(client, schools):
    with schools.begin() as session:
        for guardian in session.scalars(select(Guardian).where(Guardian.phone == PARENT)):
            guardian.email = "mama.otieno@example.com"
    assert sms(client, "CHANNEL EMAIL", "ATXid_em1").lower().startswith("messages will now come by email")
    assert {g.preferred_channel.value for g in guardians(schools).values()} == {"email"}
    assert sms(client, "channel sms", "ATXid_em2").startswith("Messages will now come by SMS.")
    with schools.begin() as session:  # the address bounced: as good as none until it is changed
        for guardian in session.scalars(select(Guardian).where(Guardian.phone == PARENT)):
            guardian.email_bounced_at = dt.datetime(2026, 11, 22, 9, tzinfo=dt.UTC)
    assert sms(client, "CHANNEL EMAIL", "ATXid_em3").startswith("No email address on file")
    assert {g.preferred_channel.value for g in guardians(schools).values()} == {"sms"}
