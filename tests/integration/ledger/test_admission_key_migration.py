"""Migration 0009 re-keys admission numbers stored before the one normaliser (on a SQLite file of its own)."""

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from bot.migrate import downgrade_engine, upgrade_engine
from ledger.db import make_engine
from tests import builders as b


@pytest.fixture
def old_keys(tmp_path):
    """A database at 0008 whose students carry keys stored the old way (punctuation kept)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade_engine(engine)

    def with_students(*numbers: str):
        with Session(engine) as session:
            grade = b.school_class(session, b.school(session, "kja"))
            for number in numbers:
                b.student(session, grade, number)
            session.commit()
        with engine.begin() as conn:
            conn.execute(text("UPDATE students SET admission_key = upper(admission_no)"))
        downgrade_engine(engine, "0008")
        return engine

    yield with_students
    engine.dispose()


def test_a_slashed_number_keyed_the_old_way_is_keyed_by_letters_and_digits(old_keys):
    engine = old_keys("KJA/2024/001", "kja 7")
    upgrade_engine(engine)
    with engine.connect() as conn:
        keys = conn.execute(text("SELECT admission_key FROM students ORDER BY id")).scalars().all()
    assert keys == ["KJA2024001", "KJA7"]


def test_two_numbers_that_differ_only_in_punctuation_stop_the_upgrade_by_name(old_keys):
    engine = old_keys("A/1", "A.1")
    with pytest.raises(RuntimeError, match=r"A/1, A\.1"):
        upgrade_engine(engine)
