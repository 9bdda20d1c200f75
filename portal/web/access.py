"""Who may reach which endpoint: one table, deny by default (DESIGN §3).

Every endpoint the app registers must have an entry; an endpoint without one answers 404 to
everybody, and the test suite fails, so a new view cannot ship open by accident.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, abort, current_app, g, request
from flask_login import current_user

from portal.domain.models import Role, User


@dataclass(frozen=True)
class Rule:
    public: bool = False
    roles: frozenset[Role] = frozenset()
    # Machine clients may use the endpoint with a bearer token carrying this scope.
    token_scope: str | None = None

    def allows(self, user: User | None) -> bool:
        if self.public:
            return True
        return user is not None and bool(self.roles & user.role_set)


PUBLIC = Rule(public=True)
STAFF = Rule(roles=frozenset({Role.ADMIN, Role.VERIFIER, Role.ASSESSOR}))
SIGNED_IN = Rule(roles=frozenset(Role))
ADMIN = Rule(roles=frozenset({Role.ADMIN}))
# Only verifiers open sealed content; desk scope is enforced per report by the desk service.
VERIFIER = Rule(roles=frozenset({Role.VERIFIER}))
ASSESSOR = Rule(roles=frozenset({Role.ASSESSOR}))
ASSESSING = Rule(roles=frozenset({Role.ASSESSOR, Role.ADMIN}))
# Who may hold a desk key and so grant it: desk members, and admins holding the escrow copy.
# The grant service checks per desk that the person really holds its key.
KEY_HOLDERS = Rule(roles=frozenset({Role.VERIFIER, Role.ADMIN}))
MEMBER = Rule(roles=frozenset({Role.MEMBER}))


def _read_api(scope: str) -> Rule:
    """Aggregates for machine clients with a token of `scope`, or for signed-in assessors."""
    return Rule(roles=ASSESSING.roles, token_scope=scope)


API_COMPACTS = _read_api("compacts:read")
API_SCORECARDS = _read_api("scorecards:read")
API_EXPORTS = _read_api("exports:read")
# Disbursements, recipient units and overrides: assessors' tokens and sessions only, never public.
API_LEDGER = _read_api("ledger:read")

# `/static/` never reaches this table: WhiteNoise answers it before Flask, with the versioned
# stylesheet anyone may fetch (portal/web/assets.py).
ACCESS: dict[str, Rule] = {
    "home.landing": PUBLIC,
    "home.about_safety": PUBLIC,
    "health.healthz": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": SIGNED_IN,
    "auth.account": SIGNED_IN,
    "auth.password": SIGNED_IN,
    "auth.logout_everywhere": SIGNED_IN,
    # Reached half signed in (password checked, second factor not yet); they check that state.
    "auth.two_factor": PUBLIC,
    "auth.two_factor_setup": PUBLIC,
    # The one-time setup link: its 256-bit token is the credential (portal/auth/setup_links.py).
    "auth.setup": PUBLIC,
    # Reporters need no account: the follow-up pages open with a receipt, not a login.
    "reporter.new_report": PUBLIC,
    # The one-time receipt view: opens only with the session cookie the sent form's answer set.
    "reporter.receipt": PUBLIC,
    "reporter.followup": PUBLIC,
    "reporter.reply": PUBLIC,
    "reporter.leave": PUBLIC,
    # A member's own reports, from the list sealed to them: no receipt needed.
    "reporter.mine": MEMBER,
    "reporter.open_mine": MEMBER,
    # Anonymous submission and what a client needs to build one; no account, like the form.
    "api.submit_report": PUBLIC,
    "api.reference": PUBLIC,
    "api.openapi_document": PUBLIC,
    # Aggregates for machine clients (bearer token with the scope) or signed-in assessors.
    "api.compacts": API_COMPACTS,
    "api.indicators": API_COMPACTS,
    "api.compact_scorecard": API_SCORECARDS,
    "api.export_scorecard_json": API_EXPORTS,
    "api.export_scorecard_csv": API_EXPORTS,
    "api.export_incidents_csv": API_EXPORTS,
    "api.export_incidents_json": API_EXPORTS,
    "api.export_timeseries_csv": API_EXPORTS,
    "api.export_timeseries_json": API_EXPORTS,
    # Background exports: each is visible to the person who asked and to admins only (404 to
    # others), which the export service checks per export.
    "api.request_export": API_EXPORTS,
    "api.list_exports": API_EXPORTS,
    "api.export_status": API_EXPORTS,
    "api.download_export": API_EXPORTS,
    "api.compact_ledger": API_LEDGER,
    "api.export_ledger_json": API_LEDGER,
    "api.export_ledger_csv": API_LEDGER,
    "api.ledger_reconciliation": API_LEDGER,
    # The transparency pages: protected aggregates only, for anyone, with no account.
    "public.compacts": PUBLIC,
    "public.compact": PUBLIC,
    # Assessors read aggregates; the plan page checks the admin role itself before a change.
    "assess.compacts": ASSESSING,
    "assess.scorecard": ASSESSING,
    "assess.compute": ASSESSING,
    "assess.decide": ASSESSOR,
    "assess.plan": ASSESSING,
    "assess.data": ASSESSOR,
    "assess.data_withdraw": ASSESSOR,
    "assess.compact_new": ADMIN,
    "assess.compact_edit": ADMIN,
    "assess.plan_rules_change": ADMIN,
    # The plan's other scoring-rule sections, one page each (issue 12.4): admins change plans.
    "assess.plan_tiers": ADMIN,
    "assess.plan_hurdles": ADMIN,
    "assess.plan_population": ADMIN,
    "assess.exports": ASSESSING,
    "assess.request_export": ASSESSING,
    "assess.export": ASSESSING,
    "assess.download_export": ASSESSING,
    # The assistance ledger (issue 11): disbursements and overrides are for assessors and
    # admins only (the service lets only assessors authorise an override); the catalogue is
    # read by both and changed by admins.
    "ledger.assistance": ASSESSING,
    "ledger.record_disbursement": ASSESSING,
    "ledger.catalogue": ASSESSING,
    "ledger.change_catalogue": ADMIN,
    "ledger.reverse": ASSESSING,
    "ledger.reconciliation": ASSESSING,
    "ledger.reconciliation_csv": ASSESSING,
    "ledger.reconciliation_json": ASSESSING,
    "ledger.levy_rates": ASSESSING,
    "ledger.add_levy_rate": ADMIN,
    # Grants are reviewed, and the vetting list changed, by assessors (audit-logged).
    "ledger.grants": ASSESSING,
    "ledger.propose_grant": ASSESSING,
    "ledger.review_grant": ASSESSOR,
    "ledger.pay_grant": ASSESSING,
    "ledger.vetting": ASSESSING,
    "ledger.refresh_vetting": ASSESSING,
    "ledger.identify_unit": ASSESSOR,
    "ledger.clear_unit": ASSESSOR,
    "desk.queue": VERIFIER,
    "desk.bulk": VERIFIER,
    "desk.bulk_choose": VERIFIER,
    "desk.report": VERIFIER,
    "desk.claim": VERIFIER,
    "desk.assign": VERIFIER,
    "desk.grade": VERIFIER,
    "desk.status": VERIFIER,
    "desk.priority": VERIFIER,
    "desk.note": VERIFIER,
    "desk.ask": VERIFIER,
    "desk.cluster_link": VERIFIER,
    "desk.attachment": VERIFIER,
    "desk.cluster": VERIFIER,
    "desk.incidents": VERIFIER,
    "desk.cluster_join": VERIFIER,
    "desk.cluster_split": VERIFIER,
    "desk.cluster_merge": VERIFIER,
    "desk.access": KEY_HOLDERS,
    "desk.grant_access": KEY_HOLDERS,
    "admin.index": ADMIN,
    "admin.jobs": ADMIN,
    "admin.retry_job": ADMIN,
    "admin.audit_log": ADMIN,
    "admin.users": ADMIN,
    "admin.invite": ADMIN,
    "admin.user": ADMIN,
    "admin.reset_password": ADMIN,
    "admin.renew_invitation": ADMIN,
    "admin.disable": ADMIN,
    "admin.enable": ADMIN,
    "admin.reset_second_factor": ADMIN,
    "admin.unlock": ADMIN,
    "admin.add_desk": ADMIN,
    "admin.remove_desk": ADMIN,
    "admin.organisations": ADMIN,
    "admin.new_organisation": ADMIN,
    "admin.organisation": ADMIN,
    "admin.toggle_organisation": ADMIN,
    "admin.tokens": ADMIN,
    "admin.new_token": ADMIN,
    "admin.revoke_token": ADMIN,
}


def rule_for(endpoint: str) -> Rule | None:
    return ACCESS.get(endpoint)


def may_open(endpoint: str) -> bool:
    """Whether the signed-in visitor may open the page: for navigation links, from the same table
    that guards the page, so a link is never shown to someone the page would refuse."""
    rule = rule_for(endpoint)
    if rule is None or endpoint not in current_app.view_functions:
        return False
    user = current_user._get_current_object() if current_user.is_authenticated else None
    return rule.allows(user)


def install_access_control(app: Flask) -> None:
    app.add_template_global(may_open, "may_open")

    @app.before_request
    def _deny_by_default() -> None:
        endpoint = request.endpoint
        if endpoint is None:
            return  # no route matched: the 404 handler answers
        rule = rule_for(endpoint)
        if rule is None:
            abort(404)
        if rule.public:
            return
        if rule.token_scope is not None and request.headers.get("Authorization"):
            _check_token(rule)
            return
        user = current_user._get_current_object() if current_user.is_authenticated else None
        if user is None:
            abort(401)
        if not rule.allows(user):
            abort(403)


def _check_token(rule: Rule) -> None:
    from portal.auth.api_tokens import resolve_bearer
    from portal.web.services import db

    session = db()
    token = resolve_bearer(session, request.headers.get("Authorization"))
    if token is None:
        abort(401)
    session.commit()
    owner = session.get(User, token.user_id)
    if rule.token_scope not in (token.scopes or []) or owner is None or not rule.allows(owner):
        abort(403)
    g.api_token = token
