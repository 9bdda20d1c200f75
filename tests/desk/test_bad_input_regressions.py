"""Every 500 the fuzzing of issue 13 found, replayed: each is now a clear 4xx (point 6), and the API
contract points of point 7 that a request can show.

One test per reproduction, named after it. They run on SQLite and on PostgreSQL; the NUL byte ones
only ever failed on PostgreSQL (its text type refuses NUL), and are refused before any query now.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import EnvironBuilder

from portal.auth.api_tokens import SCOPES, issue_token
from portal.domain.models import Compact, DataExport, ExportState, Role, User
from portal.web.services import EXTENSION
from tests.conftest import csrf_token, form_token
from tests.desk.conftest import SignedIn

pytestmark = pytest.mark.filterwarnings("ignore")


def _token(demo: Flask, make_user: Any) -> dict[str, str]:
    make_user("fuzz@example.org", roles=(Role.ASSESSOR,))
    with demo.extensions[EXTENSION].database.transaction() as session:
        owner = session.query(User).filter_by(email="fuzz@example.org").one()
        return {"Authorization": f"Bearer {issue_token(session, owner, 'regressions', SCOPES)}"}


def _slug(session: Session) -> str:
    slug = session.scalars(select(Compact.slug)).first()
    assert slug
    return slug


# -- a NUL byte reaching a PostgreSQL query ---------------------------------------------------


def test_nul_in_a_public_compact_address(demo: Flask) -> None:
    assert demo.test_client().get("/public/compacts/%00").status_code == 404


def test_nul_in_a_login_email(demo: Flask) -> None:
    client = demo.test_client()
    answer = client.post(
        "/auth/login",
        data={"csrf_token": csrf_token(client), "email": "\x00", "password": "x"},
    )
    assert answer.status_code == 400
    assert "not right" in answer.get_data(as_text=True)


def test_nul_in_an_export_id_and_its_download(demo: Flask, make_user: Any) -> None:
    bearer = _token(demo, make_user)
    client = demo.test_client()
    for path in ("/api/v1/exports/%00", "/api/v1/exports/%00/download"):
        answer = client.get(path, headers=bearer)
        assert answer.status_code == 404, path
        assert answer.get_json()["error"]["status"] == 404


def test_nul_in_a_query_parameter(signed_in: SignedIn) -> None:
    assert signed_in().get("/desk/?region=%00").status_code == 400


# -- a multipart part with no name ------------------------------------------------------------


def test_a_multipart_part_without_a_name(demo: Flask) -> None:
    client = demo.test_client()
    ((name, token),) = form_token(client, "/report/new").items()
    boundary = "xyzzy"
    body = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="{name}"\r\n\r\n'
        f"{token}\r\n"
        f"--{boundary}\r\n"
        "Content-Disposition: form-data\r\n\r\n"
        "nameless\r\n"
        f"--{boundary}--\r\n"
    ).encode()
    answer = client.post(
        "/report/new", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert answer.status_code == 400


# -- deeply nested JSON -----------------------------------------------------------------------


def test_deeply_nested_json_to_the_exports_endpoint(demo: Flask, make_user: Any) -> None:
    bearer = _token(demo, make_user)
    with demo.extensions[EXTENSION].database.transaction() as session:
        slug = _slug(session)
    body = "[" * 100_000 + "]" * 100_000
    answer = demo.test_client().post(
        f"/api/v1/compacts/{slug}/exports",
        data=body,
        content_type="application/json",
        headers=bearer,
    )
    assert answer.status_code == 422
    assert answer.get_json()["codes"] == {"body": "type"}


# -- invalid chunked encoding -----------------------------------------------------------------


def test_invalid_chunked_encoding_to_reports(demo: Flask) -> None:
    """gunicorn raises its own parse errors from the body stream; the test stream does the same."""
    from gunicorn.http.errors import InvalidChunkSize

    class Broken(io.RawIOBase):
        def readinto(self, _buffer: Any) -> int:
            raise InvalidChunkSize(b"zz")

    environ = EnvironBuilder(
        path="/api/v1/reports", method="POST", content_type="application/json"
    ).get_environ()
    environ.pop("CONTENT_LENGTH", None)
    environ.update(
        {"wsgi.input": Broken(), "wsgi.input_terminated": True, "HTTP_TRANSFER_ENCODING": "chunked"}
    )
    status: list[str] = []
    body = b"".join(demo.wsgi_app(environ, lambda s, _h, *_: status.append(s)))  # type: ignore[arg-type]
    assert status[0].startswith("400"), (status, body[:300])
    assert json.loads(body)["error"]["status"] == 400


# -- the desk and assessment pages ------------------------------------------------------------


def test_desk_older_than_days_overflow(signed_in: SignedIn) -> None:
    client = signed_in()
    assert client.get("/desk/?older_than_days=99999999999").status_code == 400
    assert client.get("/desk/?older_than_days=-3").status_code == 400
    assert client.get("/desk/?older_than_days=30").status_code == 200


@pytest.mark.parametrize("period", ["0001", "9999", "0000", "0"])
def test_compute_with_an_impossible_period(
    signed_in: SignedIn, session: Session, period: str
) -> None:
    client = signed_in("assessor@demo.test")
    slug = _slug(session)
    page = f"/assess/compacts/{slug}"
    token = csrf_token(client, page)
    answer = client.post(f"{page}/compute?period={period}", data={"csrf_token": token})
    assert answer.status_code == 400
    assert client.get(f"{page}?period={period}").status_code == 400


def test_cluster_form_naming_a_report_of_another_desk(
    signed_in: SignedIn, session: Session, file_report: Any
) -> None:
    mine = file_report("IQ").report
    theirs = file_report("SO").report
    client = signed_in()
    token = csrf_token(client, f"/desk/reports/{mine.public_id}")
    answer = client.post(
        f"/desk/reports/{mine.public_id}/cluster",
        data={"csrf_token": token, "cluster": "with", "with_report": theirs.public_id},
    )
    assert answer.status_code == 302
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Only reports of the same desk can be grouped as one incident." in page


# -- point 7: the contract --------------------------------------------------------------------


def test_405_says_what_is_allowed(demo: Flask) -> None:
    answer = demo.test_client().delete("/api/v1/reports")
    assert answer.status_code == 405
    assert "POST" in answer.headers["Allow"].split(", ")
    assert demo.test_client().put("/report/new").headers["Allow"]


def test_an_export_period_the_server_cannot_build_is_refused_up_front(
    demo: Flask, make_user: Any
) -> None:
    bearer = _token(demo, make_user)
    with demo.extensions[EXTENSION].database.transaction() as session:
        slug = _slug(session)
    for period in ("0", "0000", "0001", "9999"):
        answer = demo.test_client().post(
            f"/api/v1/compacts/{slug}/exports",
            json={"kind": "incidents", "period": period},
            headers=bearer,
        )
        assert answer.status_code == 422, period
        assert answer.get_json()["codes"] == {"period": "format"}


def test_an_export_job_that_cannot_be_built_is_marked_failed_with_a_reason(
    demo: Flask, make_user: Any
) -> None:
    """A row from before the up-front check (period "0000"): the job marks it failed."""
    from portal.assess.export_worker import build_export_file

    make_user("old@example.org", roles=(Role.ASSESSOR,))
    database = demo.extensions[EXTENSION].database
    with database.transaction() as session:
        owner = session.query(User).filter_by(email="old@example.org").one()
        compact = session.scalars(select(Compact)).first()
        assert compact is not None
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        export = DataExport(
            compact_id=compact.id,
            requested_by_id=owner.id,
            kind="incidents",
            format="csv",
            period="0000",
            requested_at=now,
            expires_at=now + dt.timedelta(hours=1),
        )
        session.add(export)
        session.flush()
        export_id = export.id
    with database.transaction() as session:
        build_export_file(session, export_id)
    with database.transaction() as session:
        failed = session.get(DataExport, export_id)
        assert failed is not None
        assert failed.state is ExportState.FAILED
        assert failed.error == "period"


def test_web_form_refuses_thousands_of_repeated_happened_values(demo: Flask) -> None:
    client = demo.test_client()
    token = form_token(client, "/report/new")
    # As a form: refused, with the reason next to the field (the API says the same, 422).
    answer = client.post(
        "/report/new", data={**token, "happened": ["HR-1.torture"] * 10_000}
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and 'class="receipt"' not in page
    assert "Tick each thing that happened only once." in page
    # As multipart, 10,000 parts are over the parts limit: 413 before anything is parsed.
    answer = client.post(
        "/report/new",
        data={**token, "happened": ["HR-1.torture"] * 10_000},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 413


def test_json_errors_name_the_field(demo: Flask) -> None:
    answer = demo.test_client().post(
        "/api/v1/reports", data=json.dumps([]), content_type="application/json"
    )
    assert 400 <= answer.status_code < 500
