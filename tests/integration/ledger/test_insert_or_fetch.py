"""Insert-or-fetch in one statement (ON CONFLICT DO NOTHING): a writer that did not see the row another
committed first gets that row, and its transaction stays usable for the rest of its work."""

from __future__ import annotations

from sqlalchemy import select

from ledger.bulk import insert_or_fetch
from ledger.records.tables import Term
from ledger.records.terms import find_term, get_or_create_term
from tests import builders as b


def test_a_key_committed_first_by_another_is_fetched_and_the_transaction_goes_on(factory):
    with factory() as first:
        school = b.school(first, slug="kilimani")
        term = get_or_create_term(first, school.id, "2026-1")
        first.commit()
    looks = []

    def late_find() -> Term | None:  # the racing writer's view: nothing yet, then the winner's row
        looks.append(1)
        return None if len(looks) == 1 else find_term(second, school.id, 2026, 1)

    with factory() as second:
        values = {"school_id": school.id, "year": 2026, "number": 1}
        dates = {"starts_on": term.starts_on, "ends_on": term.ends_on, "due_on": term.due_on}
        found, created = insert_or_fetch(second, Term, values | dates, late_find)
        assert (found.id, created) == (term.id, False)
        assert get_or_create_term(second, school.id, "2026-2").number == 2
        second.commit()
        assert [t.number for t in second.scalars(select(Term).order_by(Term.number))] == [1, 2]
