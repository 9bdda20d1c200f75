"""`/desk/incidents` and `/desk/clusters/<id>`: incidents as a first-class list (issue 12.1).

A verifier finds an incident by state, indicator, region and month, opens it, sees its reports
with their grades and states, adds reports to it by choosing them, splits some off, or merges it
into another. Every change is audit-logged by `portal.desk.clusters`, and an incident whose
reports no longer carry its state steps down there (issue 10.5).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from portal.desk import clusters, service
from portal.desk.forms import ClusterStateForm
from portal.desk.incidents import (
    IncidentFilters,
    IncidentSort,
    incident_list,
    join_candidates,
    members,
    parse_month,
)
from portal.desk.labels import CLUSTER_STATE_LABELS
from portal.domain.catalogue import INDICATOR_CODES
from portal.domain.models import ClusterState, Desk, IncidentCluster, Report, User
from portal.domain.models.base import today
from portal.i18n.places import regions
from portal.i18n.templating import current_language
from portal.web.lookups import signed_in_user
from portal.web.services import db, services


def incident_for(session: Session, user: User, public_id: str) -> IncidentCluster:
    """An incident of the verifier's desks; one of another desk does not exist for them."""
    found = session.scalar(select(IncidentCluster).where(IncidentCluster.public_id == public_id))
    if found is None or found.desk_id not in user.desk_ids:
        raise service.NotFound()
    return found


def region_choices(session: Session, user: User) -> list[tuple[str, str]]:
    """The regions of every country the verifier's desks cover."""
    countries = session.scalars(select(Desk.country).where(Desk.id.in_(user.desk_ids)))
    return country_regions(countries)


def country_regions(countries: Iterable[str]) -> list[tuple[str, str]]:
    """The regions of these countries as choices, in the reader's language."""
    choices: list[tuple[str, str]] = []
    for country in sorted(set(countries)):
        choices.extend((p.code, p.name) for p in regions(country, current_language()))
    return choices


def filters_from(args: Any, default: IncidentFilters | None = None) -> IncidentFilters:
    """Filters from a query string; a field absent from it keeps `default`'s value, a field
    given empty means "any"."""
    base = default or IncidentFilters()
    state_text = args.get("state", "")
    state = ClusterState(state_text) if state_text in {s.value for s in ClusterState} else None
    indicator = args.get("indicator", base.indicator or "")
    month = args.get("month")
    return IncidentFilters(
        state=state,
        indicator=indicator if indicator in INDICATOR_CODES else None,
        region=(args.get("region", base.region or "") or None),
        month=parse_month(month) if month is not None else base.month,
    )


def _dispatch_after_commit() -> None:
    jobs = clusters.take_queued_jobs(db())
    db().commit()
    services().dispatcher.dispatch(jobs)


def add_incident_routes(bp: Blueprint) -> None:
    @bp.route("/incidents")
    def incidents() -> str:
        user = signed_in_user()
        filters = filters_from(request.args)
        try:
            sort = IncidentSort(request.args.get("sort", "activity"))
        except ValueError:
            sort = IncidentSort.ACTIVITY
        rows = incident_list(db(), user.desk_ids, filters, sort)
        return render_template(
            "desk/incidents.html",
            rows=rows,
            filters=filters,
            sort=sort,
            args=request.args,
            states=list(ClusterState),
            indicators=INDICATOR_CODES,
            region_choices=region_choices(db(), user),
        )

    @bp.route("/clusters/<public_id>", methods=["GET", "POST"])
    def cluster(public_id: str) -> str | BaseResponse | tuple[str, int]:
        user = signed_in_user()
        found = incident_for(db(), user, public_id)
        form = ClusterStateForm(
            state=found.state.value,
            mass_casualty=found.mass_casualty,
            investigation_opened_day=found.investigation_opened_day,
            harm_acknowledged_day=found.harm_acknowledged_day,
        )
        form.state.choices = [(s.value, gettext(CLUSTER_STATE_LABELS[s])) for s in ClusterState]
        refused = False
        if form.validate_on_submit():
            try:
                outbox_ids = clusters.set_state(
                    db(),
                    user,
                    found,
                    ClusterState(form.state.data),
                    mass_casualty=form.mass_casualty.data,
                    responses=(form.investigation_opened_day.data, form.harm_acknowledged_day.data),
                )
            except clusters.NotSupported:
                db().rollback()
                clusters.forget_queued_jobs(db())
                refused = True
                form.state.errors = [
                    gettext(
                        "An incident can be marked verified only when at least one of its "
                        "reports is verified and graded (partially verified: at least one "
                        "verified or partially verified, graded report)."
                    )
                ]
            else:
                db().commit()
                services().dispatcher.dispatch(outbox_ids)
                flash(gettext("Incident verification saved."), "info")
                return redirect(url_for("desk.cluster", public_id=public_id))
        default = IncidentFilters(
            indicator=found.indicator_code, region=found.region, month=found.incident_month
        )
        search = filters_from(request.args, default)
        page = render_template(
            "desk/cluster.html",
            cluster=found,
            members=members(db(), found),
            form=form,
            search=search,
            candidates=join_candidates(db(), found, search),
            others=incident_list(
                db(),
                [found.desk_id],
                IncidentFilters(
                    indicator=search.indicator, region=search.region, month=search.month
                ),
                exclude=found.id,
                limit=20,
            ),
            indicators=INDICATOR_CODES,
            region_choices=region_choices(db(), user),
            allowed=clusters.supported_states(db(), found.id),
            counted=found.state in clusters.EVIDENCE_STATES,
        )
        return (page, 400) if refused else page

    def _chosen(found: IncidentCluster) -> list[Report]:
        ids = request.form.getlist("reports")
        if not ids:
            return []
        return service.reports_for(db(), signed_in_user(), ids)

    def _back(found: IncidentCluster) -> BaseResponse:
        return redirect(url_for("desk.cluster", public_id=found.public_id))

    def _refused(found: IncidentCluster, message: str) -> BaseResponse:
        db().rollback()
        clusters.forget_queued_jobs(db())
        flash(message, "error")
        return _back(found)

    @bp.route("/clusters/<public_id>/join", methods=["POST"])
    def cluster_join(public_id: str) -> BaseResponse:
        user = signed_in_user()
        found = incident_for(db(), user, public_id)
        chosen = _chosen(found)
        if not chosen:
            return _refused(found, gettext("Choose at least one report."))
        for report in chosen:
            if report.desk_id != found.desk_id:
                return _refused(found, gettext("Choose reports of this incident's desk."))
            clusters.link(db(), user, report, found)
            report.last_activity_day = today()
        _dispatch_after_commit()
        flash(
            ngettext(
                "%(num)s report added to the incident.",
                "%(num)s reports added to the incident.",
                len(chosen),
            ),
            "info",
        )
        return _back(found)

    @bp.route("/clusters/<public_id>/split", methods=["POST"])
    def cluster_split(public_id: str) -> BaseResponse:
        user = signed_in_user()
        found = incident_for(db(), user, public_id)
        chosen = _chosen(found)
        try:
            fresh = clusters.split(db(), user, found, chosen)
        except ValueError:
            return _refused(
                found,
                gettext("Choose some of this incident's reports to move, and leave at least one."),
            )
        _dispatch_after_commit()
        flash(gettext("The chosen reports are now a new incident."), "info")
        return redirect(url_for("desk.cluster", public_id=fresh.public_id))

    @bp.route("/clusters/<public_id>/merge", methods=["POST"])
    def cluster_merge(public_id: str) -> BaseResponse:
        user = signed_in_user()
        found = incident_for(db(), user, public_id)
        try:
            into = incident_for(db(), user, request.form.get("into", ""))
            clusters.merge(db(), user, found, into)
        except (service.NotFound, ValueError):
            return _refused(found, gettext("Choose another incident of this desk."))
        _dispatch_after_commit()
        flash(gettext("The incidents are merged into this one."), "info")
        return redirect(url_for("desk.cluster", public_id=into.public_id))
