"""`/desk/`: the verification desk. Views parse, call `portal.desk.service`, and render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from portal import audit
from portal.auth.loader import current_personal_key
from portal.auth.staff_sessions import PersonalKeyLocked
from portal.config import Config
from portal.crypto import SealingError
from portal.desk import clusters, duplicates, service
from portal.desk.access_views import add_access_routes
from portal.desk.forms import (
    AssignForm,
    BulkForm,
    GradeForm,
    NoteForm,
    PriorityForm,
    QuestionForm,
)
from portal.desk.incident_views import add_incident_routes, country_regions, filters_from
from portal.desk.incidents import IncidentFilters, incident_list
from portal.desk.labels import (
    OPEN_STATES,
    assignee_choices,
    bulk_assignees,
    bulk_moves,
    cluster_state_label,
    credibility_choices,
    desk_verifiers,
    force_label,
    language_label,
    reliability_choices,
    short_ref,
    weight_grade,
)
from portal.desk.previews import attachment_counts, previews
from portal.desk.queue import Assigned, BadCursor, QueueFilters, Sort, queue_page
from portal.desk.sealed import (
    AttachmentUnavailable,
    CannotOpen,
    data_key_for,
    open_attachment_content,
    open_attachment_meta,
)
from portal.desk.work_forms import work_fields
from portal.domain.catalogue import INDICATOR_CODES
from portal.domain.models import Attachment, Desk, IncidentCluster, Report, User
from portal.domain.workflow import (
    COUNTS_AS_EVIDENCE,
    IllegalTransition,
    ReportStatus,
)
from portal.keys import grants
from portal.keys.desks import UnlockedDeskKey, unlock_desk_keys
from portal.web.errors import error_response
from portal.web.lookups import signed_in_user
from portal.web.services import db, services


def _unlocked(desk_id: int | None = None) -> dict[int, UnlockedDeskKey]:
    """The signed-in person's desk keys, of one desk when a page needs only that one's: a request
    then holds no other desk's private keys, and does not spend a decapsulation on each."""
    return unlock_desk_keys(db(), signed_in_user(), current_personal_key(), desk_id)


# Nothing on the desk is older than the portal's retention allows; a century bounds the filter.
MAX_AGE_DAYS = 36_500


def _bounded(name: str, low: int, high: int) -> int | None:
    """An optional whole number between `low` and `high`; 400 for anything else."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        abort(400)
    if not low <= value <= high:
        abort(400)
    return value


def _filters() -> QueueFilters:
    args = request.args
    known = {s.value for s in ReportStatus}
    statuses = tuple(ReportStatus(s) for s in args.getlist("status") if s in known)
    if not statuses and args.get("closed") != "1":
        # Open work by default; finished reports are one filter away.
        statuses = OPEN_STATES
    try:
        assigned = Assigned(args.get("assigned", "any"))
    except ValueError:
        assigned = Assigned.ANY
    return QueueFilters(
        statuses=statuses,
        indicator=args.get("indicator") if args.get("indicator") in INDICATOR_CODES else None,
        region=args.get("region") or None,
        min_priority=args.get("min_priority", type=int),
        language=args.get("language") or None,
        assigned=assigned,
        older_than_days=_bounded("older_than_days", 0, MAX_AGE_DAYS),
        desk_id=args.get("desk", type=int),
    )


def make_blueprint(config: Config) -> Blueprint:
    bp = Blueprint("desk", __name__, url_prefix="/desk")
    bp.add_app_template_global(weight_grade, "weight_grade")
    bp.add_app_template_global(short_ref, "short_ref")
    bp.add_app_template_global(cluster_state_label, "cluster_state_label")
    bp.add_app_template_global(force_label, "force_label")
    bp.add_app_template_global(language_label, "language_label")
    add_access_routes(bp, config)
    add_incident_routes(bp)

    @bp.errorhandler(service.NotFound)
    def _not_found(_error: service.NotFound) -> tuple[str | dict[str, object], int]:
        return error_response(404)

    @bp.errorhandler(PersonalKeyLocked)
    def _locked(_error: PersonalKeyLocked) -> tuple[str, int]:
        return render_template("desk/locked.html"), 403

    @bp.route("/")
    def queue() -> str:
        user = signed_in_user()
        try:
            sort = Sort(request.args.get("sort", "priority"))
        except ValueError:
            sort = Sort.PRIORITY
        filters = _filters()
        try:
            page = queue_page(
                db(), user.desk_ids, user.id, filters, sort=sort, cursor=request.args.get("after")
            )
        except BadCursor:
            abort(400)
        desks = db().scalars(select(Desk).where(Desk.id.in_(user.desk_ids))).all()
        bulk = BulkForm()
        try:
            unlocked = _unlocked()
        except PersonalKeyLocked:
            unlocked = {}
        shown = previews(db(), user, page.reports, unlocked)
        db().commit()  # the preview's audit event
        next_url = None
        if page.next_cursor:
            keep = [(k, v) for k, v in request.args.items(multi=True) if k != "after"]
            next_url = url_for("desk.queue") + "?" + urlencode([*keep, ("after", page.next_cursor)])
        return render_template(
            "desk/queue.html",
            next_url=next_url,
            page=page,
            desks=desks,
            bulk=bulk,
            statuses=list(ReportStatus),
            open_states=OPEN_STATES,
            indicators=INDICATOR_CODES,
            args=request.args,
            user=user,
            previews=shown,
            files=attachment_counts(db(), page.reports),
            bulk_moves=bulk_moves(page.reports),
            bulk_assignees=bulk_assignees(db(), page.reports, user),
            mixed_states=len({r.status for r in page.reports}) > 1,
            # Visible to both sides: key holders see who waits, on the page they work on.
            waiting_access=len(grants.waiting_for(db(), user)),
        )

    @bp.route("/bulk", methods=["POST"])
    def bulk() -> BaseResponse:
        user = signed_in_user()
        form = BulkForm()
        if not form.validate_on_submit() or not form.reports.data:
            flash(gettext("Choose at least one report and an action."), "error")
            return redirect(url_for("desk.queue"))
        reports = service.reports_for(db(), user, form.reports.data)
        action = form.action.data or ""
        try:
            if action.startswith("status:"):
                service.bulk_transition(db(), user, reports, ReportStatus(action[7:]))
            elif action == "assign:me":
                service.bulk_assign(db(), user, reports, user)
            elif action == "assign:none":
                service.bulk_assign(db(), user, reports, None)
            elif action.startswith("assign:"):
                assignee = db().get(User, int(action[7:]))
                allowed = {u.id for u in desk_verifiers(db(), {r.desk_id for r in reports})}
                if assignee is None or assignee.id not in allowed:
                    # Never silently "nobody": say why nothing changed.
                    db().rollback()
                    flash(
                        gettext(
                            "Nothing was changed: that person does not work at the desk of "
                            "every chosen report."
                        ),
                        "error",
                    )
                    return redirect(url_for("desk.queue"))
                service.bulk_assign(db(), user, reports, assignee)
            else:
                abort(400)
        except (IllegalTransition, service.InvalidAction, ValueError):
            db().rollback()
            clusters.forget_queued_jobs(db())
            flash(
                gettext("Nothing was changed: the action is not possible for every chosen report."),
                "error",
            )
            return redirect(url_for("desk.queue"))
        jobs = clusters.take_queued_jobs(db())
        db().commit()
        services().dispatcher.dispatch(jobs)
        flash(ngettext("%(num)s report updated.", "%(num)s reports updated.", len(reports)), "info")
        return redirect(url_for("desk.queue"))

    @bp.route("/bulk/choose", methods=["POST"])
    def bulk_choose() -> BaseResponse | str:
        """The second step of a mixed page: the moves legal for exactly the ticked reports.

        The queue's menu must suit every report on the page; ticking some and asking here
        offers what suits those, without script (the form posts, the server answers).
        """
        user = signed_in_user()
        form = BulkForm()
        if not form.validate_on_submit() or not form.reports.data:
            flash(gettext("Tick at least one report first."), "error")
            return redirect(url_for("desk.queue"))
        chosen = service.reports_for(db(), user, form.reports.data)
        chosen.sort(key=lambda r: form.reports.data.index(r.public_id))
        return render_template(
            "desk/bulk_choose.html",
            bulk=BulkForm(formdata=None),
            chosen=chosen,
            bulk_moves=bulk_moves(chosen),
            bulk_assignees=bulk_assignees(db(), chosen, user),
        )

    @bp.route("/reports/<public_id>")
    def report(public_id: str) -> str | tuple[str, int]:
        user = signed_in_user()
        session = db()
        found = service.report_for(session, user, public_id)
        # The duplicate candidates are read while the report is opened and the page is built.
        suggestions = duplicates.start_suggesting(session, found)
        try:
            opened = service.open_for(session, user, found, _unlocked(found.desk_id))
        except CannotOpen:
            session.commit()  # the attempt is audit-logged too
            return render_template("desk/cannot_open.html", report=found), 409
        session.commit()
        return render_template("desk/report.html", **_report_context(user, opened, suggestions))

    def _report_context(
        user: User, opened: Any, suggestions: Callable[[], list[duplicates.Suggestion]]
    ) -> dict[str, Any]:
        report: Report = opened.report
        cluster = db().get(IncidentCluster, report.cluster_id) if report.cluster_id else None
        default = IncidentFilters(
            indicator=report.primary_indicator, region=report.region, month=report.incident_month
        )
        search = filters_from(request.args, default)
        return {
            "search": search,
            "incidents": incident_list(
                db(),
                [report.desk_id],
                IncidentFilters(
                    indicator=search.indicator, region=search.region, month=search.month
                ),
                exclude=report.cluster_id,
                limit=20,
            ),
            # The search finds incidents of the report's desk only: its country's regions.
            "region_choices": country_regions([report.country]),
            "indicators": INDICATOR_CODES,
            "counted": cluster is not None and cluster.state in clusters.EVIDENCE_STATES,
            "opened": opened,
            "report": report,
            "work": work_fields(report, assignee_choices(db(), report.desk_id)),
            "cluster": cluster,
            "suggestions": suggestions(),
            "user": user,
        }

    def _back(public_id: str) -> BaseResponse:
        return redirect(url_for("desk.report", public_id=public_id))

    def _done(public_id: str, message: str) -> BaseResponse:
        jobs = clusters.take_queued_jobs(db())
        db().commit()
        services().dispatcher.dispatch(jobs)
        flash(message, "info")
        return _back(public_id)

    def _refused(public_id: str, message: str) -> BaseResponse:
        db().rollback()
        clusters.forget_queued_jobs(db())
        flash(message, "error")
        return _back(public_id)

    @bp.route("/reports/<public_id>/claim", methods=["POST"])
    def claim(public_id: str) -> BaseResponse:
        user = signed_in_user()
        service.assign(db(), user, service.report_for(db(), user, public_id), user)
        return _done(public_id, gettext("The report is assigned to you."))

    @bp.route("/reports/<public_id>/assign", methods=["POST"])
    def assign(public_id: str) -> BaseResponse:
        user = signed_in_user()
        found = service.report_for(db(), user, public_id)
        form = AssignForm()
        form.assignee.choices = assignee_choices(db(), found.desk_id)
        if not form.validate_on_submit():
            return _refused(public_id, gettext("Choose someone of this desk."))
        assignee = db().get(User, int(form.assignee.data)) if form.assignee.data else None
        try:
            service.assign(db(), user, found, assignee)
        except service.InvalidAction:
            return _refused(public_id, gettext("Choose someone of this desk."))
        return _done(public_id, gettext("Assignment saved."))

    @bp.route("/reports/<public_id>/grade", methods=["POST"])
    def grade(public_id: str) -> BaseResponse:
        user = signed_in_user()
        found = service.report_for(db(), user, public_id)
        form = GradeForm()
        form.reliability.choices = [("", ""), *reliability_choices()]
        form.credibility.choices = [("", ""), *credibility_choices()]
        if not form.validate_on_submit() or not form.reliability.data or not form.credibility.data:
            return _refused(
                public_id, gettext("Choose a grade for both the source and the information.")
            )
        service.grade(db(), user, found, form.reliability.data, int(form.credibility.data))
        return _done(public_id, gettext("Grade saved."))

    @bp.route("/reports/<public_id>/status", methods=["POST"])
    def status(public_id: str) -> BaseResponse:
        user = signed_in_user()
        found = service.report_for(db(), user, public_id)
        target = request.form.get("status", "")
        try:
            service.transition(db(), user, found, ReportStatus(target))
        except (ValueError, IllegalTransition):
            return _refused(
                public_id, gettext("This report cannot move to that status from where it is.")
            )
        return _done(public_id, _status_sentence(found))

    def _status_sentence(found: Report) -> str:
        """What the move means for the scorecard: a verification must visibly lead somewhere."""
        if found.status not in COUNTS_AS_EVIDENCE:
            return str(gettext("Status changed."))
        incident = db().get(IncidentCluster, found.cluster_id) if found.cluster_id else None
        if incident is None:
            return str(
                gettext(
                    "Status changed. A verified report counts on the scorecard only through an "
                    "incident: start one or join one below."
                )
            )
        if incident.state in clusters.EVIDENCE_STATES:
            return str(
                gettext(
                    "Status changed. Its incident counts on the scorecard with weight %(weight)s.",
                    weight=weight_grade(incident.weight),
                )
            )
        return str(
            gettext(
                "Status changed. Its incident is not verified yet, so it does not count on the "
                "scorecard: open the incident to verify it."
            )
        )

    @bp.route("/reports/<public_id>/priority", methods=["POST"])
    def priority(public_id: str) -> BaseResponse:
        user = signed_in_user()
        found = service.report_for(db(), user, public_id)
        form = PriorityForm()
        if not form.validate_on_submit():
            return _refused(public_id, gettext("Priority is a number from 0 to 999."))
        service.set_priority(db(), user, found, int(form.priority.data))
        return _done(public_id, gettext("Priority saved."))

    @bp.route("/reports/<public_id>/notes", methods=["POST"])
    def note(public_id: str) -> BaseResponse:
        user = signed_in_user()
        found = service.report_for(db(), user, public_id)
        form = NoteForm()
        if not form.validate_on_submit():
            return _refused(public_id, gettext("Write the note first."))
        key = data_key_for(db(), found, _unlocked(found.desk_id))
        service.add_note(db(), user, found, key, form.body.data or "")
        return _done(public_id, gettext("Note saved, sealed for the desk."))

    @bp.route("/reports/<public_id>/messages", methods=["POST"])
    def ask(public_id: str) -> BaseResponse:
        user = signed_in_user()
        found = service.report_for(db(), user, public_id)
        form = QuestionForm()
        if not form.validate_on_submit():
            return _refused(public_id, gettext("Write the question first."))
        key = data_key_for(db(), found, _unlocked(found.desk_id))
        try:
            service.ask_reporter(db(), user, found, key, form.body.data or "")
        except IllegalTransition:
            return _refused(public_id, gettext("A closed report cannot receive questions."))
        return _done(
            public_id,
            gettext("Question sent. The reporter sees it when they follow up with their receipt."),
        )

    @bp.route("/reports/<public_id>/cluster", methods=["POST"])
    def cluster_link(public_id: str) -> BaseResponse:
        user = signed_in_user()
        found = service.report_for(db(), user, public_id)
        target = request.form.get("cluster", "")
        if target == "new":
            clusters.new_cluster(db(), user, found)
        elif target == "none":
            clusters.unlink(db(), user, found)
        elif target == "join":
            chosen = db().scalar(
                select(IncidentCluster).where(
                    IncidentCluster.public_id == request.form.get("incident", "")
                )
            )
            if chosen is None or chosen.desk_id != found.desk_id:
                return _refused(public_id, gettext("Choose an incident of this report's desk."))
            clusters.link(db(), user, found, chosen)
        else:
            other = service.report_for(db(), user, request.form.get("with_report", ""))
            if other.desk_id != found.desk_id:
                return _refused(
                    public_id,
                    gettext("Only reports of the same desk can be grouped as one incident."),
                )
            if other.cluster_id is None:
                cluster = clusters.new_cluster(db(), user, other)
            else:
                existing = db().get(IncidentCluster, other.cluster_id)
                assert existing is not None
                cluster = existing
            clusters.link(db(), user, found, cluster)
        return _done(public_id, gettext("Incident grouping saved."))

    @bp.route("/attachments/<public_id>")
    def attachment(public_id: str) -> BaseResponse:
        user = signed_in_user()
        item = db().scalar(select(Attachment).where(Attachment.public_id == public_id))
        if item is None:
            abort(404)
        found = service.report_for(db(), user, item.report.public_id)
        audit.record(
            db(),
            actor_id=user.id,
            action="report.attachment",
            object_type="attachment",
            object_id=item.public_id,
        )
        try:
            key = data_key_for(db(), found, _unlocked(found.desk_id))
            content = open_attachment_content(db(), services().store, found, item, key)
            opened = open_attachment_meta(key, found, item)
        except AttachmentUnavailable:
            db().commit()  # the attempt is audit-logged too
            return BaseResponse(
                render_template("desk/attachment_unavailable.html", report=found),
                status=404,
                mimetype="text/html",
            )
        except (CannotOpen, SealingError):
            db().commit()  # the attempt is audit-logged too
            return BaseResponse(
                render_template("desk/attachment_cannot_open.html", report=found),
                status=409,
                mimetype="text/html",
            )
        db().commit()
        response = BaseResponse(content, mimetype=opened.media_type)
        # Served inline for images only; PDFs download, so no viewer script runs on our origin.
        disposition = "inline" if item.kind.value == "image" else "attachment"
        response.headers["Content-Disposition"] = (
            f'{disposition}; filename="attachment-{item.public_id}"'
        )
        response.headers["Cache-Control"] = "no-store"
        return response

    return bp
