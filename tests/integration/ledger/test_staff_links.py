"""One-time staff links (invites and password resets) and the school's profile, on PostgreSQL and SQLite:
a link works once, until it expires, and a newer one voids it; a school always keeps an active head; a USSD
code another school dials is refused as a profile error."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from ledger.db import transaction
from ledger.messaging.bus import session_factory
from ledger.records.profile import InvalidProfile, checked_profile, save_profile
from ledger.staff.invites import (
    LINK_LIFETIME,
    LinkPurpose,
    invite_staff,
    issue_link,
    open_link,
    reset_password,
    set_active,
    set_role,
    use_link,
    waiting_on_link,
)
from ledger.staff.members import InvalidStaff, Role, create_staff
from tests import builders as b

NOW = dt.datetime(2027, 1, 4, 7, 0, tzinfo=dt.UTC)


def test_a_link_sets_the_password_once_before_it_expires(session: Session) -> None:
    school = b.school(session, slug="kilimani")
    issued = invite_staff(session, school.id, "new@kilimani.ac.ke", Role.CLERK, now=NOW)
    member = issued.member
    assert waiting_on_link(member) and member.session_generation == 0
    assert open_link(session, issued.token, NOW + LINK_LIFETIME) is None  # expired at the very moment
    assert use_link(session, issued.token, "hash-1", NOW + dt.timedelta(days=1)) is member
    assert member.password_hash == "hash-1" and member.session_generation == 1
    assert use_link(session, issued.token, "hash-2", NOW + dt.timedelta(days=1)) is None
    assert member.password_hash == "hash-1"

    # A reset: the password stops working at once; of two links issued, only the newer works.
    first = reset_password(session, member, now=NOW)
    assert waiting_on_link(member) and member.session_generation == 2
    second = issue_link(session, member, LinkPurpose.RESET, now=NOW)
    assert open_link(session, first.token, NOW) is None
    assert use_link(session, second.token, "hash-3", NOW) is member
    # A disabled member's link opens nothing.
    third = issue_link(session, member, LinkPurpose.RESET, now=NOW)
    set_active(session, member, False)
    assert open_link(session, third.token, NOW) is None
    for token in ("", "x" * 500, "not-issued"):
        assert open_link(session, token, NOW) is None


def test_a_school_always_keeps_an_active_head(session: Session) -> None:
    school = b.school(session, slug="kilimani")
    head = create_staff(session, school.id, "head@kilimani.ac.ke", Role.HEAD, "h", now=NOW)
    deputy = create_staff(session, school.id, "deputy@kilimani.ac.ke", Role.BURSAR, "h", now=NOW)
    for change in (lambda: set_role(session, head, Role.BURSAR), lambda: set_active(session, head, False)):
        with pytest.raises(InvalidStaff, match="only active head"):
            change()
    assert (head.role, head.active) == (Role.HEAD, True)
    set_role(session, deputy, Role.HEAD)
    set_active(session, head, False)  # the deputy is a head now
    assert not head.active and head.session_generation == 1
    with pytest.raises(InvalidStaff, match="only active head"):
        set_role(session, deputy, Role.CLERK)


def test_a_ussd_code_belongs_to_one_school(session: Session) -> None:
    b.school(session, slug="mwangaza", ussd_code="*384*26#")
    kilimani = b.school(session, slug="kilimani", ussd_code="*384*25#")
    session.flush()
    for typed in (
        ("Kilimani", "", "*384*26#", ""),
        ("Kilimani", "12", "", ""),
        ("Kilimani", "", "", "KJA-1"),
    ):
        with pytest.raises(InvalidProfile):
            save_profile(session, kilimani, checked_profile(*typed))
    assert kilimani.ussd_code == "*384*25#"
    save_profile(session, kilimani, checked_profile(" Kilimani  Junior ", "522533", "", "KJA1"))
    assert (kilimani.name, kilimani.paybill, kilimani.ussd_code, kilimani.sms_sender_id) == (
        "Kilimani Junior",
        "522533",
        None,
        "KJA1",
    )


@pytest.mark.postgres_only
def test_two_uses_at_once_set_one_password(pg: Engine) -> None:
    factory: sessionmaker[Session] = session_factory(pg)
    with transaction(factory) as session:
        school = b.school(session, slug="kilimani")
        token = invite_staff(session, school.id, "new@kilimani.ac.ke", Role.CLERK, now=NOW).token
    results: list[object] = []
    first = factory()
    assert use_link(first, token, "hash-first", NOW) is not None  # its row lock held until it commits

    def second_use() -> None:
        with factory() as other:
            results.append(use_link(other, token, "hash-second", NOW))
            other.commit()

    thread = threading.Thread(target=second_use)
    thread.start()
    thread.join(timeout=0.5)
    assert thread.is_alive()  # waiting on the first use's lock
    first.commit()
    first.close()
    thread.join(timeout=10)
    assert results == [None]
