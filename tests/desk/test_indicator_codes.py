"""`reports.indicator_codes` says the same as the report's indicator rows, however they were set.

The duplicate suggestions read a candidate's codes from this one column (portal/desk/duplicates.py),
so a report whose column disagreed with its rows would be weighed on the wrong indicators.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.models import Report, ReportIndicator
from tests.desk.conftest import FileReport


def codes_by_rows(session: Session) -> dict[int, str]:
    """Each report's codes as its indicator rows give them, sorted and joined."""
    codes: dict[int, list[str]] = {}
    for report_id, code in session.execute(
        select(ReportIndicator.report_id, ReportIndicator.indicator_code)
    ):
        codes.setdefault(report_id, []).append(code)
    return {report_id: ",".join(sorted(found)) for report_id, found in codes.items()}


def test_a_filed_report_holds_its_codes_sorted(file_report: FileReport, session: Session) -> None:
    filed = file_report(choices=("IN-2.targeted-group", "HR-2.held-no-reason"))
    session.expire_all()
    report = session.get(Report, filed.report.id)
    assert report is not None
    assert report.indicator_codes == "HR-2,IN-2"
    assert report.codes == ["HR-2", "IN-2"]
    assert codes_by_rows(session)[report.id] == report.indicator_codes


def test_the_column_follows_every_change_to_the_rows() -> None:
    report = Report(
        primary_indicator="OA-1",
        indicators=[ReportIndicator(indicator_code=c) for c in ("OA-1", "HR-1", "OA-1")],
    )
    assert report.indicator_codes == "HR-1,OA-1"
    report.indicators.append(ReportIndicator(indicator_code="CH-2"))
    assert report.indicator_codes == "CH-2,HR-1,OA-1"
    report.indicators.remove(report.indicators[0])  # one of the two OA-1 rows
    assert report.indicator_codes == "CH-2,HR-1,OA-1"
    report.indicators = [ReportIndicator(indicator_code="IN-2")]
    assert report.indicator_codes == "IN-2"
    report.indicators.clear()
    assert report.indicator_codes is None
    assert report.codes == ["OA-1"]  # no rows: its primary indicator, as the suggestions take it
