"""`/admin/`: failed jobs with a retry button, and the audit log. Admins only (web/access.py)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from redis.exceptions import RedisError
from werkzeug.wrappers import Response as BaseResponse

from portal.admin.accounts import add_account_routes
from portal.admin.audit_detail import detail_lines
from portal.admin.audit_labels import action_sentence, object_label
from portal.admin.audit_log import AuditFilters, audit_page, known_actions
from portal.admin.forms import RetryForm
from portal.admin.organisations import add_organisation_routes
from portal.admin.tokens import add_token_routes
from portal.config import Config
from portal.domain.models import OutboxState
from portal.jobs.failures import NothingToRetry, Retried, list_failed, retry
from portal.jobs.sweeper import OutboxBusy
from portal.web.services import db, services


def _retried_message(retried: Retried) -> str:
    job = retried.job_id
    if retried.state == OutboxState.DONE:
        text = gettext("The job %(job)s ran again and finished.", job=job)
    elif retried.state == OutboxState.FAILED:
        text = gettext(
            "The job %(job)s ran again and failed again. Read its error below, fix the cause, "
            "then retry it.",
            job=job,
        )
    elif retried.state == OutboxState.PENDING:
        text = gettext(
            "The job %(job)s is waiting: the queue is not answering. It is sent as soon as the "
            "queue is back.",
            job=job,
        )
    else:
        text = gettext("The job %(job)s is back in the queue.", job=job)
    return str(text)


def make_blueprint(config: Config) -> Blueprint:
    bp = Blueprint("admin", __name__, url_prefix="/admin")
    bp.add_app_template_global(action_sentence, "action_sentence")
    bp.add_app_template_global(detail_lines, "detail_lines")
    bp.add_app_template_global(object_label, "object_label")
    add_account_routes(bp, config)
    add_organisation_routes(bp, config)
    add_token_routes(bp, config)

    @bp.route("/")
    def index() -> str:
        return render_template("admin/index.html")

    @bp.route("/jobs")
    def jobs() -> str:
        redis = services().dispatcher.redis
        queue_down = False
        try:
            failed = list_failed(services().database, redis)
        except RedisError:
            # The outbox still knows its own failures; rq's registry waits for Redis.
            queue_down = True
            failed = list_failed(services().database, None)
        return render_template(
            "admin/jobs.html",
            failed=failed,
            queue_down=queue_down,
            jobs_inline=config.jobs_inline,
            form=RetryForm(),
        )

    @bp.route("/jobs/retry", methods=["POST"])
    def retry_job() -> BaseResponse:
        form = RetryForm()
        if not form.validate_on_submit():
            flash(gettext("Nothing was retried: reload the page and press Retry again."), "error")
            return redirect(url_for("admin.jobs"))
        try:
            retried = retry(
                services().database,
                services().dispatcher.redis,
                form.job_id.data or "",
                actor_id=current_user.id,
                via="web",
            )
        except NothingToRetry:
            flash(
                gettext(
                    "This job has not failed (any more): someone may have retried it already. "
                    "The list below is up to date."
                ),
                "error",
            )
        except OutboxBusy:
            flash(gettext("A sweep of the outbox is running. Try again in a minute."), "error")
        except RedisError:
            flash(
                gettext(
                    "The job queue is not answering, so nothing was retried. "
                    "Try again once it is back."
                ),
                "error",
            )
        else:
            flash(_retried_message(retried), "info")
        return redirect(url_for("admin.jobs"))

    @bp.route("/audit")
    def audit_log() -> str:
        filters = AuditFilters(
            email=(request.args.get("user") or "").strip() or None,
            action=request.args.get("action") or None,
        )
        page = audit_page(db(), filters, before=request.args.get("before", type=int))
        next_url = None
        if page.next_before is not None:
            keep = [(k, v) for k, v in request.args.items(multi=True) if k != "before"]
            next_url = (
                url_for("admin.audit_log") + "?" + urlencode([*keep, ("before", page.next_before)])
            )
        return render_template(
            "admin/audit.html",
            page=page,
            filters=filters,
            actions=known_actions(db()),
            next_url=next_url,
            paged="before" in request.args,
        )

    return bp
