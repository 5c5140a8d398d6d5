"""Bursaries by sponsor between two dates (``karo export sponsors --from --to``, the dashboard's Exports):
pledged counts the awards credited in the range, received the sponsors' cheques in it, a reversal counts on
its own day; outstanding is as at the last day. Ranges that follow one another add up, and the whole range
to today agrees with the sponsors page's totals."""

from __future__ import annotations

import datetime as dt

from ledger.billing.award_limits import AwardTerms
from ledger.billing.bursaries import award_bursary
from ledger.billing.invoicing import invoice_class
from ledger.billing.report_kinds import build_report
from ledger.billing.sponsor_cheques import record_cheque
from ledger.billing.sponsors import sponsor_named, sponsor_totals
from ledger.books.reversals import reverse_entry
from ledger.clock import school_day, utc_now
from ledger.types import Report
from tests import builders as b

JAN, FEB, MAR = (
    (dt.date(2026, 1, 1), dt.date(2026, 1, 31)),
    (dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
    (dt.date(2026, 3, 1), dt.date(2026, 3, 31)),
)
COLUMNS = ("Students", "Pledged", "Received", "Outstanding", "Not yet credited")


def sponsored_school(session):
    """NG-CDF awards in January and February, its cheque in February, its February award reversed in
    March; the county's award in March; the school's own waiver in January; a county pledge still waiting
    (made today, conditional)."""
    school = b.school(session, slug="kibra")
    grade = b.school_class(session, school, "Form 1")
    term = b.term(session, school, "2026-1")
    b.fees(session, term, grade, {b.vote_head(session, school, "Tuition", 10): 30_000_00})
    pupils = [b.student(session, grade, f"F1-{n}", f"Pupil {n}") for n in range(4)]
    invoice_class(session, grade, term, actor="t")
    cdf, county, waiver = (
        sponsor_named(session, school.id, name)[0]
        for name in ("NG-CDF Kibra", "Nairobi County", "Kibra School Waiver")
    )

    def give(pupil, sponsor, amount, on, key, **terms):
        return award_bursary(
            session, pupil, term, sponsor, AwardTerms(amount=amount, **terms), key=key, actor="t", on=on
        )[0]

    give(pupils[0], cdf, 5_000_00, dt.date(2026, 1, 10), "a1")
    give(pupils[2], waiver, 2_000_00, dt.date(2026, 1, 12), "w1")
    later = give(pupils[1], cdf, 3_000_00, dt.date(2026, 2, 5), "a2")
    record_cheque(
        session, cdf, term, "CHQ 1", [(pupils[0], 5_000_00)], received_on=dt.date(2026, 2, 20), actor="t"
    )
    assert later.entry_id is not None
    reverse_entry(session, school.id, later.entry_id, reason="duplicate", on=dt.date(2026, 3, 10), actor="t")
    give(pupils[2], county, 4_000_00, dt.date(2026, 3, 3), "c1")
    give(pupils[3], county, 1_500_00, dt.date(2026, 3, 3), "c2", conditional=True)
    session.commit()
    return school


def figures(report: Report) -> dict[str, tuple[object, ...]]:
    names = [c.name for c in report.columns]
    picked = [names.index(name) for name in COLUMNS]
    return {str(row[0]): tuple(row[i] for i in picked) for row in report.rows}


def test_each_month_counts_its_own_pledges_cheques_and_reversals(session):
    school = sponsored_school(session)
    jan, feb, mar = (
        figures(build_report(session, school.id, "sponsors", *month)) for month in (JAN, FEB, MAR)
    )
    assert jan["NG-CDF Kibra"] == ("1", 5_000_00, 0, 5_000_00, 0)
    assert jan["Kibra School Waiver"] == ("1", 2_000_00, 0, 0, 0)
    assert jan["Nairobi County"] == ("0", 0, 0, 0, 0)
    assert feb["NG-CDF Kibra"] == ("1", 3_000_00, 5_000_00, 3_000_00, 0)
    assert mar["NG-CDF Kibra"] == ("0", -3_000_00, 0, 0, 0)
    # The pledge waiting for confirmation was made today: not yet made as at March.
    assert mar["Nairobi County"] == ("1", 4_000_00, 0, 4_000_00, 0)
    title = build_report(session, school.id, "sponsors", *FEB).title
    assert title == "Bursaries by sponsor 2026-02-01 to 2026-02-28"


def test_months_add_up_to_the_quarter_and_the_whole_range_to_the_sponsors_totals(session):
    school = sponsored_school(session)
    months = [figures(build_report(session, school.id, "sponsors", *month)) for month in (JAN, FEB, MAR)]
    quarter = figures(build_report(session, school.id, "sponsors", JAN[0], MAR[1]))
    for name, row in quarter.items():
        assert row[1:3] == tuple(sum(m[name][i] for m in months) for i in (1, 2)), name
        assert row[3] == months[-1][name][3], name  # outstanding as at the quarter's last day
    today = school_day(utc_now())
    whole = figures(build_report(session, school.id, "sponsors", JAN[0], today))
    for totals in sponsor_totals(session, school.id):
        expected = (str(totals.students), totals.pledged, totals.received, totals.outstanding, totals.pending)
        assert whole[totals.sponsor.name] == expected, totals.sponsor.name
    assert whole["Nairobi County"][4] == 1_500_00
