"""Shared set-up for the reporter acceptance tests: the demo seed, the real web form, the verifier.

Everything here goes through the same doors a reporter and a verifier use: the report form and the
follow-up page with the Flask test client, and `open_report` with keys unlocked from the demo
verifier's password. Nothing builds a report row by hand.
"""

from __future__ import annotations

import html
import io
import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from babel.support import Translations
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from portal.blobs import settle_staged_blobs
from portal.config import Config
from portal.desk.sealed import OpenedReport, open_report
from portal.domain.models import Compact, Report, User
from portal.keys.desks import UnlockedDeskKey, unlock_desk_keys
from portal.paths import TRANSLATIONS
from portal.store import Store
from portal.web.services import EXTENSION
from tests.conftest import form_token
from tests.reporter.at_rest import LogCapture
from tests.reporter.server import Server, run_gunicorn

VERIFIER = "verifier@demo.test"
RECEIPT_GROUPS = re.compile(r'<p class="receipt"[^>]*>((?:<span>\d{4}</span>){4})</p>')


@dataclass(frozen=True)
class Sent:
    """What a submission through the form gave back: the response and, on success, the receipt."""

    response: TestResponse
    receipt_groups: tuple[str, ...]

    @property
    def receipt(self) -> str:
        return "".join(self.receipt_groups)

    @property
    def page(self) -> str:
        return html.unescape(self.response.get_data(as_text=True))


def run_demo(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["portal", "demo", "--empty"])
    assert result.exit_code == 0, result.output


@pytest.fixture
def demo(app: Flask) -> Flask:
    """The app with `portal demo` run: desks IQ SO NE PH, their compacts, keys and accounts."""
    run_demo(app)
    return app


@pytest.fixture
def logs(app: Flask) -> Iterator[LogCapture]:
    """Every log record at DEBUG, captured first in line so that no redaction hides a leak.

    Depends on `app` because `create_app` sets the root level; this lowers it afterwards.
    """
    capture = LogCapture()
    root = logging.getLogger()
    old_level = root.level
    root.handlers.insert(0, capture)
    root.setLevel(logging.DEBUG)
    try:
        yield capture
    finally:
        root.removeHandler(capture)
        root.setLevel(old_level)


@pytest.fixture
def gunicorn(demo: Flask, config: Config, tmp_path: Path) -> Iterator[Server]:
    """A freshly started gunicorn worker over the demo data (skipped if it cannot start)."""
    yield from run_gunicorn(config, tmp_path / "gunicorn.log")


def compact_id(session: Session, country: str = "IQ") -> str:
    found = session.scalar(select(Compact.public_id).where(Compact.country == country))
    assert found, f"no compact for {country}: was `portal demo` run?"
    return found


def report_fields(session: Session, **overrides: Any) -> dict[str, Any]:
    """A complete, valid anonymous report about a checkpoint in Baghdad."""
    fields: dict[str, Any] = {
        "compact": compact_id(session),
        "happened": "IC-1.checkpoint-money",
        "month": "1",
        "year": "2026",
        "region": "IQ-BG",
        "force": "police",
        "narrative": "Police at the bridge checkpoint took money from every minibus driver.",
        "identity": "anonymous",
        "place": "",
        "unit": "",
        "contact": "",
    }
    fields.update(overrides)
    return fields


def submit_report(
    client: FlaskClient,
    fields: Mapping[str, Any],
    files: Iterable[tuple[bytes, str]] = (),
    *,
    lang: str | None = None,
    **request: Any,
) -> Sent:
    """POST the report form as a browser would, and read the receipt off the page if there is one.

    `request` goes to the test client as is (`environ_base`, `headers`).
    """
    path = "/report/new" + (f"?lang={lang}" if lang else "")
    data: dict[str, Any] = {**form_token(client, path), **fields}
    data["files"] = [(io.BytesIO(content), name) for content, name in files]
    # The receipt is shown by the GET the form's answer redirects to (post/redirect/get).
    response = client.post(
        path, data=data, content_type="multipart/form-data", follow_redirects=True, **request
    )
    found = RECEIPT_GROUPS.search(response.get_data(as_text=True))
    groups = tuple(re.findall(r"\d{4}", found.group(1))) if found else ()
    return Sent(response, groups)


def submit_ok(client: FlaskClient, fields: Mapping[str, Any], **kwargs: Any) -> Sent:
    sent = submit_report(client, fields, **kwargs)
    assert sent.response.status_code == 200, sent.page[:2000]
    assert len(sent.receipt_groups) == 4, sent.page[:2000]
    return sent


def open_followup(client: FlaskClient, receipt: str, **kwargs: Any) -> TestResponse:
    return client.post(
        "/report/followup",
        data={**form_token(client, "/report/followup"), "receipt": receipt},
        **kwargs,
    )


def reply(
    client: FlaskClient, body: str, files: Iterable[tuple[bytes, str]] = (), **kwargs: Any
) -> TestResponse:
    return client.post(
        "/report/followup/reply",
        data={
            **form_token(client, "/report/followup"),
            "body": body,
            "files": [(io.BytesIO(content), name) for content, name in files],
        },
        content_type="multipart/form-data",
        **kwargs,
    )


def store_of(app: Flask) -> Store:
    found: Store = app.extensions[EXTENSION].store
    return found


def tick(app: Flask) -> int:
    """What every job tick does with staged blobs: move them into the store, dated to the day."""
    services = app.extensions[EXTENSION]
    return settle_staged_blobs(services.database, services.store)


def verifier_keys(
    session: Session, app: Flask, config: Config, email: str = VERIFIER
) -> dict[int, UnlockedDeskKey]:
    """The demo verifier's desk keys, unlocked the way sign-in does it: password, then desks."""
    user = session.scalar(select(User).where(User.email == email))
    assert user is not None and user.private_key_by_password is not None
    personal = app.extensions[EXTENSION].keyring.personal
    private = personal.unlock_with_password(user.private_key_by_password, config.demo_password)
    return unlock_desk_keys(session, user, private)


def only_report(session: Session) -> Report:
    session.expire_all()
    reports = list(session.scalars(select(Report)))
    assert len(reports) == 1, f"expected one report, found {len(reports)}"
    return reports[0]


def open_as_verifier(session: Session, app: Flask, config: Config, report: Report) -> OpenedReport:
    return open_report(session, report, verifier_keys(session, app, config))


def translated(msgid: str, locale: str, **values: Any) -> str:
    """The catalogue's sentence for `msgid`, refusing to pass when the catalogue lacks one."""
    text = Translations.load(str(TRANSLATIONS), [locale]).gettext(msgid)
    assert text != msgid, f"{locale} has no translation of {msgid!r}"
    return text % values if values else text


def jpeg(size: tuple[int, int] = (320, 240), **save: Any) -> bytes:
    """A small photo with some detail (a gradient), encoded as JPEG with any extra save options."""
    red = Image.linear_gradient("L").resize(size)
    green = Image.radial_gradient("L").resize(size)
    picture = Image.merge("RGB", (red, green, red.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85, **save)
    return out.getvalue()
