"""`/report/new` and `/report/followup`: thin views over the reporter services."""

from __future__ import annotations

import base64
import secrets

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask import session as flask_session
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response as BaseResponse

from portal.attachments import AttachmentError, Upload
from portal.auth.loader import current_personal_key
from portal.auth.staff_sessions import PersonalKeyLocked
from portal.config import Config
from portal.crypto import KdfBusy, MalformedInput, PrivateKey
from portal.domain.catalogue import reporter_choice
from portal.domain.models import Role, User
from portal.domain.models.base import today
from portal.domain.workflow import REPORTER_LABELS
from portal.i18n.templating import current_language
from portal.keys.desks import DeskNotReady
from portal.limits.abuse import check_receipt_attempt, check_submission, network_of
from portal.reporter import followup as fu
from portal.reporter import resends
from portal.reporter.forms import OwnReportForm, ReceiptForm, ReplyForm, ReportForm
from portal.reporter.member_reports import MemberListDamaged, open_own_report, own_reports
from portal.reporter.messages import attachment_errors, field_error, megabytes
from portal.reporter.service import Submission, SubmissionInvalid, open_compacts, submit_report
from portal.reporter.submission_tokens import TOKEN_BYTES, issue_form_token, read_form_token
from portal.web.reporter_pages import cookie_prefix, neutral_routes, refuse_cross_site_post
from portal.web.services import db, services
from portal.web.slots import per_response

FOLLOWUP_COOKIE = fu.FOLLOWUP_COOKIE
# Carries a sent form's token from the POST to the one-time receipt view (a session cookie).
SENT_COOKIE = "cw_sent"
# Per receipt look-up key: a guessed receipt is tried at most this often per window. Not per IP,
# so twenty people in a training room behind one address are never locked out together.
RECEIPT_ATTEMPTS = 10
RECEIPT_WINDOW = 15 * 60


def _uploads(files: list[FileStorage]) -> list[Upload]:
    # Browsers send an empty part when no file was chosen.
    return [Upload(_safe_name(f.filename or ""), f.read()) for f in files if f.filename]


def _safe_name(name: str) -> str:
    """Drop a Windows path that lost its backslashes ("C:Users<name>Pictures…").

    Some Windows browsers send the whole path and Werkzeug strips the backslashes, so the folder
    cannot be cut off any more; the account name in it would be sealed into what verifiers read.
    Keep only the extension in that case.
    """
    if len(name) > 2 and name[1] == ":" and name[0].isalpha():
        _stem, dot, extension = name.rpartition(".")
        return f"upload.{extension}" if dot and extension.isalnum() else "upload"
    return name


def _member() -> User | None:
    if current_user.is_authenticated and current_user.has_role(Role.MEMBER):
        user: User = current_user._get_current_object()
        return user
    return None


def _member_key() -> PrivateKey | None:
    """The signed-in member's personal key, for their sealed list of reports; None when their
    session holds none (they still get a receipt)."""
    try:
        return current_personal_key()
    except PersonalKeyLocked:
        return None


def sent_key(token: bytes) -> resends.SentKey:
    return resends.SentKey.derive(token, resends.Door.WEB)


def _sent_token(value: str) -> bytes | None:
    try:
        token = base64.urlsafe_b64decode(value.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return None
    return token if len(token) == TOKEN_BYTES else None


def _stale_form_message() -> str:
    return str(
        gettext(
            "This form was open for too long. Everything you typed is still below: press the "
            "button again to send it."
        )
    )


def make_blueprint(config: Config) -> Blueprint:
    bp = Blueprint("reporter", __name__)
    route = neutral_routes(bp, config)
    prefix = cookie_prefix(config)

    def _to_receipt(token: bytes) -> BaseResponse:
        """Post/redirect/get: the receipt is shown by a GET the browser may not repeat. The token
        rides in a session cookie scoped to the reporter pages, read and deleted by that GET."""
        response = redirect(url_for("reporter.receipt"), 303)
        response.set_cookie(
            SENT_COOKIE,
            base64.urlsafe_b64encode(token).decode(),
            httponly=True,
            secure=config.behind_tls,
            samesite="Strict",
            path=prefix,
        )
        return response

    @route("/report/new", "new", methods=["GET", "POST"])
    def new_report() -> str | tuple[str, int] | BaseResponse:
        session = db()
        compacts = open_compacts(session)
        member = _member()
        org_name = member.organisation.name if member and member.organisation else None
        form = ReportForm()
        form.fill_choices(compacts, current_language(), org_name)
        files_lost = False
        blocked = None
        token = None
        if request.method == "POST":
            refuse_cross_site_post()
            token = read_form_token(config.secret_key, form.submission.data)
        if request.method == "POST" and token is None:
            form.form_errors.append(_stale_form_message())
            form.validate()
            form.submission.data = issue_form_token(config.secret_key)
            files_lost = bool(request.files.getlist(form.files.name))
        elif token is not None and resends.find(session, sent_key(token), today()):
            # Sent before (a resend, a second press, a retry after a lost answer): the same
            # single report; its receipt is shown if it has not been yet.
            return _to_receipt(token)
        elif request.method == "POST" and form.validate():
            blocked = check_submission(
                services().counters,
                config.submission_limits,
                network=network_of(request.remote_addr),
                session_id=flask_session.setdefault("sid", secrets.token_urlsafe(16)),
            )
        if blocked is not None:
            minutes = max(1, -(-blocked.retry_after_seconds // 60))
            form.form_errors.append(
                gettext(
                    "Many reports were just sent from your network or this browser. Please wait "
                    "%(minutes)s minutes, then press the button again: everything you typed is "
                    "still below.",
                    minutes=minutes,
                )
            )
            files_lost = bool(request.files.getlist(form.files.name))
        elif request.method == "POST" and form.errors == {} and not form.form_errors:
            month = form.incident_month()
            assert month is not None and token is not None
            submission = Submission(
                compact_public_id=form.compact.data,
                choice_keys=tuple(form.happened.data),
                incident_month=month,
                region=form.region.data,
                force_branch=form.force.data,
                narrative=form.narrative.data or "",
                language=current_language(),
                exact_date=form.exact_date.data,
                place=form.place.data or "",
                unit=form.unit.data or "",
                contact=form.contact.data or "",
                uploads=_uploads(request.files.getlist(form.files.name)),
                member=member if form.identity.data in {"member", "member_hidden"} else None,
                member_key=_member_key() if member is not None else None,
                hide_organisation=form.identity.data == "member_hidden",
            )
            try:
                receipted = submit_report(
                    session,
                    submission,
                    keyring=services().keyring,
                    limits=config.attachments,
                    gate=services().decoding,
                )
                assert receipted.receipt is not None  # the form always asks for one
                resends.record(session, sent_key(token), receipted.receipt, today())
                session.commit()
            except IntegrityError:
                # The same form committed by a request racing this one: that report stands.
                session.rollback()
                return _to_receipt(token)
            except AttachmentError as error:
                session.rollback()
                form.files.errors = attachment_errors(error)
                files_lost = True
            except SubmissionInvalid as invalid:
                session.rollback()
                target = getattr(form, invalid.field, None)
                message = field_error(invalid.field, invalid.code)
                if target is not None:
                    target.errors = [*target.errors, message]
                else:
                    form.form_errors.append(message)
                files_lost = bool(request.files.getlist(form.files.name))
            except (DeskNotReady, KdfBusy):
                session.rollback()
                form.form_errors.append(
                    gettext(
                        "Your report could not be received right now. Everything you typed is "
                        "still below: please press the button again in a few minutes."
                    )
                )
                files_lost = True
            else:
                services().dispatcher.dispatch(receipted.outbox_ids)
                return _to_receipt(token)
        elif request.method == "POST":
            files_lost = bool(request.files.getlist(form.files.name))
        else:
            # New for each visitor even when the page itself is rendered once (page cache).
            form.submission.data = per_response(
                "submission", lambda: issue_form_token(config.secret_key)
            )
        status = 429 if blocked is not None else 400 if request.method == "POST" else 200
        return (
            render_template(
                "reporter/new.html",
                form=form,
                member_org=org_name,
                limits=config.attachments,
                limits_file_size=megabytes(config.attachments.max_file_bytes),
                files_lost=files_lost,
            ),
            status,
        )

    @route("/report/receipt", "done", methods=["GET"])
    def receipt() -> tuple[str, int]:
        """The receipt, once. Reloading, Back or the history find only a page saying so."""
        token = _sent_token(request.cookies.get(SENT_COOKIE, ""))
        code = None
        if token is not None:
            code = resends.take_receipt(db(), sent_key(token), today())
            db().commit()
        if code is None:
            page = render_template("reporter/receipt_gone.html"), 410
        else:
            page = render_template("reporter/receipt.html", receipt_groups=code.split()), 200
        response = make_response(page)
        response.delete_cookie(SENT_COOKIE, path=prefix, httponly=True, samesite="Strict")
        return response  # type: ignore[return-value]

    def _current_followup() -> fu.FollowupSession | None:
        value = request.cookies.get(FOLLOWUP_COOKIE, "")
        return (
            fu.FollowupSession.from_cookie(value, services().keyring.server_key) if value else None
        )

    @route("/report/followup", "check", methods=["GET", "POST"])
    def followup() -> str | tuple[str, int] | BaseResponse:
        session_ = _current_followup()
        if request.method == "GET" and session_ is not None:
            try:
                own = fu.read_own_report(db(), session_)
            except fu.ReportCannotOpen:
                return render_template("reporter/cannot_open.html"), 409
            if own is not None:
                return render_template(
                    "reporter/followup.html",
                    own=own,
                    status_text=gettext(REPORTER_LABELS[own.report.status]),
                    choices=[gettext(reporter_choice(k).text) for k in own.choices],
                    form=ReplyForm(),
                    limits=config.attachments,
                )
        form = ReceiptForm()
        if request.method == "POST":
            refuse_cross_site_post()
        if form.validate_on_submit():
            opened = _open_receipt(form)
            if opened is not None:
                return _enter_followup(opened)
        status = 400 if request.method == "POST" else 200
        return render_template("reporter/followup_login.html", form=form), status

    def _enter_followup(opened: fu.FollowupSession) -> BaseResponse:
        response = redirect(url_for("reporter.followup"))
        response.set_cookie(
            FOLLOWUP_COOKIE,
            opened.to_cookie(services().keyring.server_key),
            httponly=True,
            secure=config.behind_tls,
            samesite="Strict",
            path=prefix,
        )
        return response

    @route("/report/mine", "mine", methods=["GET"])
    def mine() -> str | tuple[str, int]:
        """A member's own reports, from the list sealed to them (no receipt needed)."""
        personal = _member_key()
        if personal is None:
            return render_template("reporter/mine.html", lines=None, form=OwnReportForm()), 409
        try:
            lines = own_reports(db(), personal)
        except MemberListDamaged:
            return render_template("reporter/mine.html", lines=None, form=OwnReportForm()), 409
        return render_template(
            "reporter/mine.html",
            lines=lines,
            form=OwnReportForm(),
            reporter_status=lambda status: gettext(REPORTER_LABELS[status]),
        )

    @route("/report/mine/open", "mine/open", methods=["POST"])
    def open_mine() -> BaseResponse:
        personal = _member_key()
        form = OwnReportForm()
        if personal is None or not form.validate_on_submit():
            return redirect(url_for("reporter.mine"))
        try:
            opened = open_own_report(db(), personal, form.report.data or "")
        except MemberListDamaged:
            opened = None
        if opened is None:
            return redirect(url_for("reporter.mine"))
        return _enter_followup(opened)

    def _open_receipt(form: ReceiptForm) -> fu.FollowupSession | None:
        try:
            receipt = fu.parse_receipt(form.receipt.data or "")
        except MalformedInput:
            form.receipt.errors = [
                gettext(
                    "A receipt code has 16 digits. Check the code you wrote down and try again."
                )
            ]
            return None
        state = check_receipt_attempt(
            services().counters,
            receipt.display(),
            limit=RECEIPT_ATTEMPTS,
            window_seconds=RECEIPT_WINDOW,
        )
        if state.blocked:
            form.form_errors.append(
                gettext("Too many attempts with this code. Please wait 15 minutes, then try again.")
            )
            return None
        try:
            opened = fu.open_with_receipt(db(), services().keyring, receipt.display())
            db().commit()
            return opened
        except fu.ReceiptNotAccepted:
            db().rollback()
            form.form_errors.append(
                gettext(
                    "No report opens with this code. Check each digit against the code you wrote "
                    "down and try again."
                )
            )
        except KdfBusy:
            db().rollback()
            form.form_errors.append(
                gettext("The server is busy. Please wait a moment and try again.")
            )
        return None

    @route("/report/followup/reply", "check/reply", methods=["POST"])
    def reply() -> str | tuple[str, int] | BaseResponse:
        session_ = _current_followup()
        if session_ is None:
            flash(gettext("Your follow-up time ended. Enter your receipt code again."), "info")
            return redirect(url_for("reporter.followup"))
        form = ReplyForm()
        uploads = _uploads(request.files.getlist(form.files.name))
        if form.validate_on_submit() and ((form.body.data or "").strip() or uploads):
            try:
                fu.add_reply(
                    db(),
                    session_,
                    form.body.data or "",
                    uploads,
                    limits=config.attachments,
                    gate=services().decoding,
                )
                db().commit()
            except AttachmentError as error:
                db().rollback()
                form.files.errors = attachment_errors(error)
            except fu.ReceiptNotAccepted:
                db().rollback()
                return redirect(url_for("reporter.followup"))
            else:
                flash(gettext("Your answer was sent safely to the verification team."), "info")
                return redirect(url_for("reporter.followup"))
        elif not form.errors:
            form.body.errors = [gettext("Write an answer or choose a file to send.")]
        try:
            own = fu.read_own_report(db(), session_)
        except fu.ReportCannotOpen:
            return render_template("reporter/cannot_open.html"), 409
        if own is None:
            return redirect(url_for("reporter.followup"))
        return (
            render_template(
                "reporter/followup.html",
                own=own,
                status_text=gettext(REPORTER_LABELS[own.report.status]),
                choices=[gettext(reporter_choice(k).text) for k in own.choices],
                form=form,
                limits=config.attachments,
            ),
            400,
        )

    @route("/report/followup/leave", "check/leave", methods=["POST"])
    def leave() -> BaseResponse:
        response = redirect(url_for("home.landing"))
        response.delete_cookie(FOLLOWUP_COOKIE, path=prefix)
        return response

    return bp
