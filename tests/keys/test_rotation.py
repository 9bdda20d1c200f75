"""`portal keys rotate`: every report moves to the new desk key, in resumable batches."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import Config
from portal.desk.sealed import open_report
from portal.domain.models import Compact, Desk, DeskKey, DeskKeyWrap, KeyRotation, Report, User
from portal.keys.desks import unlock_desk_keys
from portal.keys.rotation import run_batches, start_or_resume
from portal.reporter.service import Submission, submit_report
from portal.web.services import EXTENSION


def _seed(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["portal", "demo", "--empty"])
    assert result.exit_code == 0, result.output


def _submit(app: Flask, session: Session, n: int) -> list[str]:
    services = app.extensions[EXTENSION]
    compact = session.scalar(select(Compact).where(Compact.country == "IQ"))
    assert compact is not None
    ids = []
    for i in range(n):
        receipted = submit_report(
            session,
            Submission(
                compact_public_id=compact.public_id,
                choice_keys=("IC-1.checkpoint-money",),
                incident_month=dt.date(2026, 3, 1),
                region="IQ-BG",
                force_branch="police",
                narrative=f"report {i}",
                language="en",
            ),
            keyring=services.keyring,
            limits=services.config.attachments,
        )
        ids.append(receipted.public_id)
    session.commit()
    return ids


def _verifier_keys(app: Flask, session: Session, config: Config):  # type: ignore[no-untyped-def]
    user = session.scalar(select(User).where(User.email == "verifier@demo.test"))
    assert user is not None and user.private_key_by_password is not None
    private = app.extensions[EXTENSION].keyring.personal.unlock_with_password(
        user.private_key_by_password, config.demo_password
    )
    return user, private


def test_interrupted_rotation_resumes_and_every_report_opens(
    app: Flask, session: Session, config: Config
) -> None:
    _seed(app)
    public_ids = _submit(app, session, 5)
    desk = session.scalar(select(Desk).where(Desk.code == "IQ"))
    assert desk is not None
    admin = session.scalar(select(User).where(User.email == "admin@demo.test"))
    assert admin is not None and admin.private_key_by_password is not None
    admin_key = app.extensions[EXTENSION].keyring.personal.unlock_with_password(
        admin.private_key_by_password, config.demo_password
    )
    rotation = start_or_resume(session, desk)
    session.commit()
    database = app.extensions[EXTENSION].database

    first = run_batches(database.sessions, rotation.id, admin.id, admin_key, batch=2, max_batches=1)
    assert (first.moved, first.done) == (2, False)
    # Interrupted here; the next run picks up the same rotation and finishes it.
    session.expire_all()
    assert start_or_resume(session, desk).id == rotation.id
    rest = run_batches(database.sessions, rotation.id, admin.id, admin_key, batch=2)
    assert rest.done and rest.moved == 3

    session.expire_all()
    versions = session.scalars(select(DeskKey).where(DeskKey.desk_id == desk.id)).all()
    assert [(k.version, k.active) for k in sorted(versions, key=lambda k: k.version)] == [
        (1, False),
        (2, True),
    ]
    old = next(k for k in versions if k.version == 1)
    assert session.scalars(select(DeskKeyWrap).where(DeskKeyWrap.desk_key_id == old.id)).all() == []
    stored = session.get(KeyRotation, rotation.id)
    assert stored is not None and stored.done

    # The demo verifier, a member of the desk, opens every report with the new key alone.
    verifier, private = _verifier_keys(app, session, config)
    unlocked = unlock_desk_keys(session, verifier, private, desk.id)
    assert {u.key.key_id.version for u in unlocked.values()} == {2}
    for public_id in public_ids:
        report = session.scalar(select(Report).where(Report.public_id == public_id))
        assert report is not None
        assert open_report(session, report, unlocked).payload["narrative"].startswith("report ")
    # New reports are sealed to the new version straight away.
    newer = _submit(app, session, 1)[0]
    report = session.scalar(select(Report).where(Report.public_id == newer))
    assert report is not None
    assert open_report(session, report, unlocked).payload["narrative"] == "report 0"
