"""Audit action codes as sentences an admin reads (issue 12.8); the code stays beside them."""

from __future__ import annotations

from flask_babel import gettext

from portal.i18n.markers import N_

ACTION_SENTENCES: dict[str, str] = {
    "account.invited": N_("Invited a person"),
    "account.invitation_renewed": N_("Renewed an invitation link"),
    "account.setup_completed": N_("Set their password through a one-time link"),
    "account.password_reset": N_("Sent a password reset link"),
    "account.disabled": N_("Disabled an account"),
    "account.enabled": N_("Re-enabled an account"),
    "account.second_factor_reset": N_("Reset a second factor"),
    "account.sign_in_unlocked": N_("Unlocked someone's sign-in"),
    "account.desk_added": N_("Added a person to a desk"),
    "account.desk_removed": N_("Removed a person from a desk"),
    "auth.login": N_("Signed in"),
    "auth.logout": N_("Signed out"),
    "auth.logout_everywhere": N_("Signed out on every device"),
    "auth.password_changed": N_("Changed their password"),
    "auth.sign_in_held": N_("Sign-in held after too many failed attempts"),
    "auth.2fa_enrolled": N_("Turned on two-step sign-in"),
    "organisation.created": N_("Added an organisation"),
    "organisation.changed": N_("Changed an organisation"),
    "organisation.enabled": N_("Re-enabled an organisation"),
    "organisation.disabled": N_("Disabled an organisation"),
    "token.created": N_("Made an API token"),
    "token.revoked": N_("Revoked an API token"),
    "keys.grant": N_("Granted desk key access"),
    "keys.rotate": N_("Rotated a desk key"),
    "desk.access_granted": N_("Granted desk access"),
    "report.open": N_("Opened a report"),
    "report.preview": N_("Read the first words of the reports on a queue page"),
    "report.attachment": N_("Opened a report's file"),
    "report.grade": N_("Graded a report"),
    "report.transition": N_("Moved a report to another status"),
    "report.assign": N_("Assigned a report"),
    "report.priority": N_("Changed a report's priority"),
    "report.note": N_("Wrote a desk note"),
    "report.message": N_("Sent a question to a reporter"),
    "cluster.create": N_("Started an incident"),
    "cluster.link": N_("Added a report to an incident"),
    "cluster.unlink": N_("Took a report out of an incident"),
    "cluster.state": N_("Changed an incident's verification"),
    "cluster.split": N_("Split an incident"),
    "cluster.merge": N_("Merged an incident into another"),
    "compact.create": N_("Created a compact"),
    "compact.edit": N_("Changed a compact"),
    "assess.plan_version": N_("Saved a new monitoring plan version"),
    "assess.decision": N_("Recorded a tier decision"),
    "assess.data": N_("Entered audited data"),
    "assess.data.correct": N_("Corrected audited data"),
    "assess.data.withdraw": N_("Withdrew audited data"),
    "coverage.attestation": N_("Recorded a partner's attestation"),
    "coverage.disruption": N_("Recorded a monitoring disruption"),
    "export.request": N_("Asked for an export"),
    "export.download": N_("Downloaded an export"),
    "export.purge": N_("Deleted expired exports"),
    "jobs.retry": N_("Retried a failed job"),
    "public.release": N_("Published a public release"),
    "retention.purge": N_("Destroyed expired report content"),
    "retention.set": N_("Changed a desk's retention"),
    "ledger.catalogue_changed": N_("Changed the assistance catalogue"),
    "ledger.disbursement_recorded": N_("Recorded a disbursement"),
    "ledger.disbursement_reversed": N_("Reversed a disbursement"),
    "ledger.levy_rate_added": N_("Added an endowment levy rate"),
    "ledger.override_recorded": N_("Recorded an override of the assistance gate"),
    "ledger.grant_proposed": N_("Proposed a reform grant"),
    "ledger.grant_awarded": N_("Awarded a reform grant"),
    "ledger.grant_declined": N_("Declined a reform grant"),
    "ledger.grant_paid": N_("Paid a reform grant"),
    "ledger.unit_flagged": N_("Flagged a unit"),
    "ledger.unit_identified": N_("Identified a flagged unit"),
    "ledger.unit_cleared": N_("Cleared a flagged unit"),
}


# What an event acted on, in words; the id stays beside it as recorded.
OBJECT_LABELS: dict[str, str] = {
    "api_token": N_("API token"),
    "assistance_catalogue": N_("Assistance catalogue"),
    "attachment": N_("File"),
    "cluster": N_("Incident"),
    "compact": N_("Compact"),
    "desk": N_("Desk"),
    "disbursement": N_("Disbursement"),
    "export": N_("Export"),
    "job": N_("Job"),
    "levy_rate": N_("Levy rate"),
    "organisation": N_("Organisation"),
    "queue": N_("Queue"),
    "reform_grant": N_("Reform grant"),
    "report": N_("Report"),
    "unit_flag": N_("Flagged unit"),
    "user": N_("Account"),
}


def object_label(kind: str) -> str:
    """The kind of thing an event acted on; an unknown kind (a newer release) shows as itself."""
    label = OBJECT_LABELS.get(kind)
    return str(gettext(label)) if label else kind


def action_sentence(code: str) -> str:
    """The sentence for an audit code; an unknown code (a newer release) shows as itself."""
    sentence = ACTION_SENTENCES.get(code)
    return str(gettext(sentence)) if sentence else code
