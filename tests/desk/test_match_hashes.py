"""Keyed match hashes are made when a verifier opens a report, under a key only sessions open.

A submitted report carries no hash of its place, unit or day; the verifier's page computes them
from the opened payload under the desk's match key, which is HPKE-sealed to each desk key version
and nowhere in the clear. An instance upgraded from the first design keeps its key (the file is
sealed to the desks and deleted), so old and new hashes still match.
"""

from __future__ import annotations

import datetime as dt
import secrets

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import Config
from portal.crypto import keyed_hash
from portal.domain.models import Desk, DeskKey, DeskMatchKey, Report
from portal.domain.names import matching_form
from portal.keys.desks import provision_desk_key, unlock_desk_keys
from portal.keys.match import adopt_legacy_match_key, match_key_for
from portal.keys.rotation import run_batches, start_or_resume
from tests.desk.conftest import DEMO_VERIFIER, FileReport, SignedIn


def _reload(session: Session, report: Report) -> Report:
    session.expire_all()
    found = session.get(Report, report.id)
    assert found is not None
    return found


def test_hashes_are_made_when_a_verifier_opens_the_report(
    session: Session, file_report: FileReport, signed_in: SignedIn
) -> None:
    told = {"place": "Checkpoint 12, Airport Road", "unit": "54th Brigade",
            "exact_date": dt.date(2026, 1, 13), "month": dt.date(2026, 1, 1)}  # fmt: skip
    first = file_report(**told, opened=False).report
    again = file_report(**{**told, "place": "airport road checkpoint ١٢"}, opened=False).report
    for report in (first, again):
        assert (report.place_key, report.unit_key, report.day_key) == (None, None, None)
    client = signed_in()
    assert client.get(f"/desk/reports/{first.public_id}").status_code == 200
    # The open that makes its keyed names already suggests the report that shares them (the
    # page reads its candidates while it opens the report, so it must read them again).
    opened_once = client.get(f"/desk/reports/{again.public_id}")
    assert opened_once.status_code == 200
    assert first.public_id in opened_once.get_data(as_text=True)
    first, again = _reload(session, first), _reload(session, again)
    assert first.place_key and first.unit_key and first.day_key
    assert (first.place_key, first.unit_key, first.day_key) == (
        again.place_key, again.unit_key, again.day_key,
    )
    page = client.get(f"/desk/reports/{again.public_id}").get_data(as_text=True)
    assert first.public_id in page  # the first report is suggested as a duplicate


def test_the_match_key_is_sealed_to_every_desk_key_version_and_opens_only_with_one(
    demo: Flask, session: Session, config: Config, file_report: FileReport
) -> None:
    file_report(place="the old bridge")
    desk = session.scalar(select(Desk).where(Desk.code == "IQ"))
    assert desk is not None
    rows = session.scalars(select(DeskMatchKey).where(DeskMatchKey.desk_id == desk.id)).all()
    versions = session.scalars(
        select(DeskKey.id).where(DeskKey.desk_id == desk.id, DeskKey.active.is_(True))
    ).all()
    assert sorted(r.desk_key_id for r in rows) == sorted(versions)
    # Nowhere in the clear: no instance file is the key the stored hashes were made with.
    report = session.scalar(select(Report).where(Report.place_key.is_not(None)))
    assert report is not None
    expected_input = ("place", report.region or "", matching_form("the old bridge"))
    for path in config.instance_path.rglob("*"):
        # Never the suite's SQLite files: reading one outside SQLite drops this process's locks
        # on it, and a gunicorn test later in the run then deletes the WAL under our connections.
        if ".sqlite3" in path.name:
            continue
        if path.is_file() and path.stat().st_size >= 16:
            candidate = path.read_bytes()[:64]
            for key in {candidate[:32], candidate}:
                if len(key) >= 16:
                    assert keyed_hash(key, *expected_input).hex() != report.place_key, path
    assert match_key_for(session, desk.id, {}) is None


def test_a_new_version_gets_the_key_from_the_next_verifier_who_opens_it(
    demo: Flask, session: Session, config: Config, file_report: FileReport
) -> None:
    desk = session.scalar(select(Desk).where(Desk.code == "IQ"))
    assert desk is not None
    file_report(place="the old bridge")  # the match key exists for the current version
    new_row = provision_desk_key(session, desk)
    session.commit()
    for_new_version = select(DeskMatchKey).where(DeskMatchKey.desk_key_id == new_row.id)
    assert session.scalar(for_new_version) is None
    later = file_report(place="the old bridge").report  # opened by the demo verifier
    assert session.scalar(for_new_version) is not None
    first = session.scalar(select(Report).where(Report.id != later.id))
    assert first is not None and first.place_key == later.place_key


def test_a_rotation_carries_the_match_key_to_the_new_version(
    demo: Flask, session: Session, config: Config, file_report: FileReport
) -> None:
    before = file_report(place="the old bridge").report
    desk = session.scalar(select(Desk).where(Desk.code == "IQ"))
    assert desk is not None
    from portal.domain.models import User
    from portal.web.services import EXTENSION

    verifier = session.scalar(select(User).where(User.email == DEMO_VERIFIER))
    assert verifier is not None and verifier.private_key_by_password is not None
    personal = demo.extensions[EXTENSION].keyring.personal.unlock_with_password(
        verifier.private_key_by_password, config.demo_password
    )
    rotation = start_or_resume(session, desk)
    session.commit()
    run_batches(demo.extensions[EXTENSION].database.sessions, rotation.id, verifier.id, personal)
    session.expire_all()
    unlocked = unlock_desk_keys(session, verifier, personal)
    new_only = {k: v for k, v in unlocked.items() if k == rotation.to_key_id}
    key = match_key_for(session, desk.id, new_only)
    assert key is not None
    assert keyed_hash(key, "place", before.region or "", matching_form("the old bridge")).hex() == (
        _reload(session, before).place_key
    )


def test_the_first_designs_key_file_is_sealed_to_the_desks_and_deleted(
    demo: Flask, session: Session, config: Config
) -> None:
    session.execute(DeskMatchKey.__table__.delete())
    session.commit()
    legacy = secrets.token_bytes(32)
    path = config.keys_path / "fingerprint_key"
    path.write_bytes(legacy)
    path.chmod(0o600)
    result = demo.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "now sealed to the desk keys" in result.output
    assert not path.exists()
    versions = session.scalars(select(DeskKey).where(DeskKey.active.is_(True))).all()
    assert len(session.scalars(select(DeskMatchKey)).all()) == len(versions)
    desk = session.scalar(select(Desk).where(Desk.code == "IQ"))
    assert desk is not None
    from portal.domain.models import User
    from portal.web.services import EXTENSION

    verifier = session.scalar(select(User).where(User.email == DEMO_VERIFIER))
    assert verifier is not None and verifier.private_key_by_password is not None
    personal = demo.extensions[EXTENSION].keyring.personal.unlock_with_password(
        verifier.private_key_by_password, config.demo_password
    )
    assert match_key_for(session, desk.id, unlock_desk_keys(session, verifier, personal)) == legacy
    assert adopt_legacy_match_key(session, config.keys_path) == 0  # nothing left to adopt
