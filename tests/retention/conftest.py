"""Reports for the retention tests, made through the same doors a reporter and a verifier use.

Reports are submitted with `submit_report` (photos included), worked on with the desk services
(notes, questions, transitions, clusters) and opened with the demo verifier's unlocked keys. Only
`age` reaches into a row, to move a report's last change into the past for the scheduled job,
which runs on the real calendar.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.attachments import Upload
from portal.blobs import settle_staged_blobs
from portal.config import Config
from portal.crypto import ReceiptCode
from portal.desk import service as desk
from portal.desk.matching import refresh_match_hashes
from portal.desk.sealed import OpenedReport, open_report
from portal.domain.models import Attachment, Compact, Report, User
from portal.domain.models.base import today
from portal.domain.workflow import ReportStatus
from portal.keys.desks import UnlockedDeskKey, unlock_desk_keys
from portal.reporter.service import Submission, submit_report
from portal.store import Store
from portal.web.services import EXTENSION

S = ReportStatus
# The legal way from a fresh report to each end state (DESIGN §8).
PATHS: dict[ReportStatus, tuple[ReportStatus, ...]] = {
    S.REJECTED: (S.REJECTED,),
    S.CLOSED: (S.REJECTED, S.CLOSED),
    S.VERIFIED: (S.TRIAGED, S.IN_REVIEW, S.VERIFIED),
    S.PARTIALLY_VERIFIED: (S.TRIAGED, S.IN_REVIEW, S.PARTIALLY_VERIFIED),
    S.IN_REVIEW: (S.TRIAGED, S.IN_REVIEW),
}
TODAY = today()


@dataclass(frozen=True)
class Filed:
    public_id: str
    receipt: ReceiptCode = field(repr=False)
    blob_keys: tuple[str, ...]


@pytest.fixture
def demo(app: Flask) -> Flask:
    result = app.test_cli_runner().invoke(args=["portal", "demo", "--empty"])
    assert result.exit_code == 0, result.output
    return app


def store_of(app: Flask) -> Store:
    found: Store = app.extensions[EXTENSION].store
    return found


def photo(shade: int = 90) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (shade, 120, 200)).save(out, "JPEG", quality=80)
    return out.getvalue()


def file_report(
    app: Flask,
    session: Session,
    *,
    country: str = "IQ",
    photos: int = 1,
    narrative: str = "Police at the bridge checkpoint took money from every driver.",
    member: User | None = None,
) -> Filed:
    services = app.extensions[EXTENSION]
    compact = session.scalar(select(Compact).where(Compact.country == country))
    assert compact is not None, "was `portal demo` run?"
    region = {"IQ": "IQ-BG", "SO": "SO-BN"}[country]
    receipted = submit_report(
        session,
        Submission(
            compact_public_id=compact.public_id,
            choice_keys=("IC-1.checkpoint-money",),
            incident_month=dt.date(2026, 1, 1),
            region=region,
            force_branch="police",
            narrative=narrative,
            language="en",
            exact_date=dt.date(2026, 1, 13),
            place="the old bridge checkpoint",
            unit="the men in grey",
            contact="ask for Umm Ali at the bakery",
            uploads=[Upload(f"IMG_{i:04}.jpg", photo(40 * i)) for i in range(photos)],
            member=member,
        ),
        keyring=services.keyring,
        limits=services.config.attachments,
    )
    session.commit()
    # The job tick that follows moves the staged blobs into the store (portal/blobs).
    settle_staged_blobs(services.database, services.store)
    # A verifier opens it, which makes its keyed match hashes (portal/desk/matching.py): the
    # reports retention shreds were all worked on at the desk.
    report = session.get(Report, receipted.report_id)
    assert report is not None
    unlocked = desk_keys(app, session, services.config)
    refresh_match_hashes(session, open_report(session, report, unlocked), unlocked)
    session.commit()
    keys = session.scalars(
        select(Attachment.blob_key).where(Attachment.report_id == receipted.report_id)
    ).all()
    return Filed(receipted.public_id, receipted.receipt, tuple(keys))


def report_of(session: Session, filed: Filed) -> Report:
    session.expire_all()
    found = session.scalar(select(Report).where(Report.public_id == filed.public_id))
    assert found is not None
    return found


def verifier(session: Session) -> User:
    found = session.scalar(select(User).where(User.email == "verifier@demo.test"))
    assert found is not None
    return found


def desk_keys(app: Flask, session: Session, config: Config) -> dict[int, UnlockedDeskKey]:
    user = verifier(session)
    assert user.private_key_by_password is not None
    private = app.extensions[EXTENSION].keyring.personal.unlock_with_password(
        user.private_key_by_password, config.demo_password
    )
    return unlock_desk_keys(session, user, private)


def open_as_verifier(app: Flask, session: Session, config: Config, filed: Filed) -> OpenedReport:
    return open_report(session, report_of(session, filed), desk_keys(app, session, config))


def work_on(app: Flask, session: Session, config: Config, filed: Filed) -> None:
    """A verifier's working note and a question to the reporter: sealed rows beside the report."""
    opened = open_as_verifier(app, session, config, filed)
    user = verifier(session)
    desk.add_note(session, user, opened.report, opened.data_key, "Source known to the desk.")
    desk.ask_reporter(session, user, opened.report, opened.data_key, "Which day was it?")
    desk.transition(session, user, opened.report, S.IN_REVIEW)
    session.commit()


def move(session: Session, filed: Filed, target: ReportStatus) -> None:
    """Walk the report to `target` through the desk service (last change: today)."""
    report = report_of(session, filed)
    user = verifier(session)
    path = PATHS[target]
    if report.status == S.IN_REVIEW:
        path = path[path.index(S.IN_REVIEW) + 1 :] if S.IN_REVIEW in path else path
    for step in path:
        desk.transition(session, user, report, step)
    session.commit()


def age(session: Session, filed: Filed, days: int) -> None:
    """Pretend the report last changed `days` ago (for jobs that read the real calendar)."""
    report = report_of(session, filed)
    report.last_activity_day = TODAY - dt.timedelta(days=days)
    session.commit()


def count(session: Session, model: type[object], filed: Filed) -> int:
    report = report_of(session, filed)
    column = model.report_id  # type: ignore[attr-defined]
    return session.scalar(select(func.count()).where(column == report.id)) or 0


def blob_files(config: Config) -> Iterator[str]:
    root = config.blob_path
    if root.exists():
        for path in root.rglob("*"):
            if path.is_file():
                yield path.name
