"""`/api/v1`: the JSON API for machine clients (partner NGOs' systems, SMS gateways).

As thin as the form views: read the body, call the reporter service, answer in JSON. Validation,
attachment cleaning and sealing are the same code the report form runs, so a report sent through
a partner's system is protected exactly like one typed in the browser.
"""

from __future__ import annotations

import contextlib
import logging
import re
import traceback
from collections.abc import Callable
from functools import wraps
from pathlib import Path

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException
from werkzeug.formparser import FormDataParser

from portal.api import messages
from portal.api.compacts import register_compact_routes
from portal.api.openapi import openapi_document
from portal.api.reference import body_limits, reference
from portal.api.submission import (
    AnswersInvalid,
    BodyUnreadable,
    in_memory_stream,
    json_object,
    read_json,
    read_multipart,
)
from portal.attachments import AttachmentError
from portal.config import Config
from portal.crypto import KdfBusy
from portal.domain.models import SentOnce
from portal.domain.models.base import today
from portal.i18n.templating import current_language
from portal.keys.desks import DeskNotReady
from portal.ledger.api import register_ledger_routes
from portal.limits.abuse import check_submission, network_of
from portal.reporter import resends
from portal.reporter.resends import Door, SentKey
from portal.reporter.service import Submission, SubmissionInvalid, submit_report
from portal.web.errors import error_response, status_for, unavailable_headers
from portal.web.services import db, services

log = logging.getLogger("portal.api")

JSON = "application/json"
MULTIPART = "multipart/form-data"
# The service names the month `month`, as the form does; the API field is `incident_month`.
_API_FIELD = {"month": "incident_month"}
RETRY_AFTER_SECONDS = 120
# A client's retry key (docs/security.md, "Sending twice"): long enough to hold 128 random bits.
IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY = re.compile(resends.IDEMPOTENCY_KEY_PATTERN)


def make_blueprint(config: Config) -> Blueprint:
    bp = Blueprint("api", __name__, url_prefix="/api/v1")
    document = openapi_document(config)
    json_max, multipart_max = body_limits(config.attachments)

    @bp.after_request
    def _say_language(response: Response) -> Response:
        if request.endpoint != "api.openapi_document":
            response.headers["Content-Language"] = current_language()
            response.vary.add("Accept-Language")
        return response

    @bp.post("/reports", endpoint="submit_report")
    @_nothing_sent_in_logs
    def post_report() -> ResponseReturnValue:
        # Anonymous by design: this view never looks at `current_user`. CSRF checks are off for
        # the API, so a signed-in member's cookie riding on a cross-site post must not be able
        # to put their name on a report.
        key = None
        if IDEMPOTENCY_HEADER in request.headers:
            sent = request.headers.get(IDEMPOTENCY_HEADER, "")
            if not IDEMPOTENCY_KEY.fullmatch(sent):
                title, detail = messages.idempotency_key_malformed()
                return _problem(400, title, detail, {})
            key = SentKey.derive(sent.encode("ascii"), Door.API)
        mimetype = request.mimetype
        if mimetype not in {JSON, MULTIPART}:
            title, detail = messages.unsupported_media_type()
            return _problem(415, title, detail, {"Accept-Post": f"{JSON}, {MULTIPART}"})
        try:
            submission = _read_submission(mimetype, json_max, multipart_max)
        except BodyUnreadable as unreadable:
            return _field_errors({"body": unreadable.message}, {"body": "unreadable"}, 400)
        except AnswersInvalid as invalid:
            return _field_errors(invalid.errors, invalid.codes, 422)
        if key is not None and (row := resends.find(db(), key, today())) is not None:
            return _replay(row, key, submission)
        # The same per-network allowance as the form, counted on the same counter: a flood is
        # slowed whichever door it comes through. There is no session to count per client.
        blocked = check_submission(
            services().counters,
            config.submission_limits,
            network=network_of(request.remote_addr),
            session_id=None,
        )
        if blocked is not None:
            wait = max(1, blocked.retry_after_seconds)
            title, detail = messages.too_many_reports(wait)
            return _problem(429, title, detail, {"Retry-After": str(wait)})
        return _seal_and_answer(submission, config, key)

    @bp.get("/reference", endpoint="reference")
    def reference_lists() -> ResponseReturnValue:
        return jsonify(reference(db(), current_language(), config.attachments))

    register_compact_routes(bp)
    register_ledger_routes(bp)

    @bp.get("/openapi.json", endpoint="openapi_document")
    def describe() -> ResponseReturnValue:
        return jsonify(document)

    return bp


def _read_submission(mimetype: str, json_max: int, multipart_max: int) -> Submission:
    language, today_ = current_language(), today()
    if mimetype == JSON:
        # Base64 makes files a third larger than in multipart, so JSON gets its own limit.
        request.max_content_length = json_max
        body = json_object(request.get_data(cache=False))
        return read_json(body, language=language, today_=today_)
    request.max_content_length = multipart_max
    parser = FormDataParser(
        stream_factory=in_memory_stream,
        max_content_length=multipart_max,
        max_form_memory_size=request.max_form_memory_size,
        max_form_parts=request.max_form_parts,
        silent=False,
    )
    try:
        _rest, form, files = parser.parse_from_environ(request.environ)
    except ValueError:
        raise BodyUnreadable(messages.report_part_missing()) from None
    return read_multipart(form, files, language=language, today_=today_)


def _replay(row: SentOnce, key: SentKey, submission: Submission) -> ResponseReturnValue:
    """A retried request: the first one's receipt again, and no second report."""
    try:
        receipt = resends.replay(row, key, submission)
    except resends.KeyReused:
        title, detail = messages.idempotency_key_reused()
        return _problem(422, title, detail, {})
    if receipt is None:  # cannot happen for API rows, whose receipt stays until they expire
        title, detail = messages.not_received_now()
        return _problem(409, title, detail, {})
    response = _receipt_answer(receipt, submission)
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _seal_and_answer(
    submission: Submission, config: Config, key: SentKey | None
) -> ResponseReturnValue:
    session = db()
    try:
        receipted = submit_report(
            session,
            submission,
            keyring=services().keyring,
            limits=config.attachments,
            gate=services().decoding,
        )
        if key is not None and receipted.receipt is not None:
            resends.record(session, key, receipted.receipt, today(), submission)
        session.commit()
    except IntegrityError:
        # The same key committed by a request racing this one: answer with that report.
        session.rollback()
        row = resends.find(session, key, today()) if key is not None else None
        if row is None or key is None:
            raise
        return _replay(row, key, submission)
    except AttachmentError as error:
        session.rollback()
        return _field_errors({"files": messages.attachment(error)}, {"files": error.code}, 422)
    except SubmissionInvalid as invalid:
        session.rollback()
        field = _API_FIELD.get(invalid.field, invalid.field)
        message = messages.service_refused(field, invalid.code)
        return _field_errors({field: message}, {field: invalid.code}, 422)
    except (DeskNotReady, KdfBusy):
        session.rollback()
        title, detail = messages.not_received_now()
        return _problem(503, title, detail, {"Retry-After": str(RETRY_AFTER_SECONDS)})
    services().dispatcher.dispatch(receipted.outbox_ids)
    assert receipted.receipt is not None  # anonymous API submissions always get one
    return _receipt_answer(receipted.receipt.display(), submission)


def _receipt_answer(receipt: str, submission: Submission) -> Response:
    month = submission.incident_month
    response = jsonify(
        {
            "receipt": receipt,
            "status": "received",
            "report": {"month": f"{month.year:04d}-{month.month:02d}", "region": submission.region},
        }
    )
    response.status_code = 201
    # The receipt is shown once and opens the report: no cache on the way may keep a copy.
    # No Location header either: there is deliberately no URL that shows a report again.
    response.headers["Cache-Control"] = "no-store"
    return response


def _field_errors(errors: dict[str, str], codes: dict[str, str], status: int) -> Response:
    response = jsonify({"errors": errors, "codes": codes})
    response.status_code = status
    return response


def _problem(status: int, title: str, detail: str, headers: dict[str, str]) -> Response:
    response = jsonify({"error": {"status": status, "title": title, "detail": detail}})
    response.status_code = status
    response.headers.update(headers)
    return response


def _nothing_sent_in_logs(
    view: Callable[[], ResponseReturnValue],
) -> Callable[[], ResponseReturnValue]:
    """Answer an unexpected error with the uniform 500 and log where it happened, never what.

    The app-wide handler logs the traceback, and exception messages quote values: a database
    error lists its parameters, a decoding error the bytes it choked on. Here the log gets the
    exception type and the code locations only, so nothing a reporter sent reaches it.
    """

    @wraps(view)
    def guarded() -> ResponseReturnValue:
        try:
            return view()
        except HTTPException:
            raise  # 413 and the like: answered by the app's handlers, which log nothing
        except Exception as error:
            with contextlib.suppress(Exception):
                db().rollback()  # the connection may be gone with the database
            known = status_for(error)
            if known is not None:
                log.warning("%s answered %d on %s", type(error).__name__, known, request.url_rule)
                body, status = error_response(known)
                answer = jsonify(body)
                answer.status_code = status
                if status == 503:
                    answer.headers.update(unavailable_headers())
                return answer
            frames = traceback.extract_tb(error.__traceback__)[-6:]
            where = " < ".join(
                f"{Path(frame.filename).name}:{frame.lineno} {frame.name}"
                for frame in reversed(frames)
            )
            log.error("unhandled %s on %s: %s", type(error).__name__, request.url_rule, where)
            body, status = error_response(500)
            return jsonify(body), status

    return guarded
