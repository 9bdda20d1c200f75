"""An audit event's detail as lines an admin reads (issue 12.8): field names in words, values
in the reader's language (days, states, roles, numbers), a change as "before → after".

Nothing is left out: a key without a label shows under its own name, a value without a label
as itself, so a newer release's events still read completely.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import format_decimal, gettext

from portal.admin.tokens import SCOPE_LABELS
from portal.assess.compacts_admin import FIELD_LABELS, FRAGILITY_BANDS, STATUS_LABELS
from portal.assess.data_kinds import KIND_LABELS as DATA_KINDS
from portal.desk.labels import CLUSTER_STATE_LABELS
from portal.domain.models import ClusterState, CompactStatus, Role
from portal.domain.models.people import ROLE_LABELS
from portal.domain.workflow import STAFF_LABELS, ReportStatus
from portal.i18n.markers import N_
from portal.i18n.templating import format_day, format_moment

ARROW = "→"

KEY_LABELS: dict[str, str] = {
    "amount": N_("Amount"),
    "as_of": N_("As of"),
    "attachments": N_("Files"),
    "because": N_("Because of"),
    "by": N_("By"),
    "category": N_("Category"),
    "changes": N_("Changes"),
    "cluster": N_("Incident"),
    "code": N_("Code"),
    "compact": N_("Compact"),
    "complete": N_("Complete"),
    "days": N_("Valid for (days)"),
    "desk": N_("Desk"),
    "desks": N_("Desks"),
    "effective_from": N_("Effective from"),
    "entry": N_("Entry"),
    "epsilon": N_("Privacy budget (ε)"),
    "exposure": N_("Exposure values changed"),
    "failures": N_("Failed attempts"),
    "fields": N_("Fields changed"),
    "format": N_("Format"),
    "grade": N_("Grade"),
    "incidents": N_("Incidents"),
    "indicator": N_("Indicator"),
    "indicators": N_("Indicators"),
    "into": N_("Into incident"),
    "job": N_("Job"),
    "kind": N_("Kind"),
    "late_writes_cleared": N_("Late writes cleared"),
    "mechanism": N_("Noise"),
    "min_tier": N_("Lowest tier"),
    "organisation": N_("Organisation"),
    "override": N_("Override"),
    "owner": N_("Owner"),
    "period": N_("Period"),
    "personal_key": N_("Personal key"),
    "priority": N_("Priority"),
    "purged": N_("Exports deleted"),
    "purpose": N_("Purpose"),
    "quarters": N_("Quarters"),
    "queue": N_("Queue"),
    "rate": N_("Rate"),
    "reason": N_("Reason"),
    "recommended": N_("Recommended tier"),
    "release": N_("Release"),
    "replaces": N_("Replaces entry"),
    "reports": N_("Reports"),
    "reverses": N_("Reverses transaction"),
    "roles": N_("Roles"),
    "rotation": N_("Rotation"),
    "rules": N_("Scoring rules changed"),
    "scopes": N_("Scopes"),
    "second_factor": N_("Second factor"),
    "tier": N_("Tier"),
    "to": N_("To"),
    "from": N_("From"),
    "txn": N_("Transaction"),
    "version": N_("Version"),
    "versions": N_("Key versions"),
    "via": N_("Through"),
    "what": N_("What"),
}
# The same key names another thing in some actions.
ACTION_KEY_LABELS: dict[tuple[str, str], str] = {
    ("report.assign", "to"): N_("Assigned to"),
    ("keys.grant", "to"): N_("Granted to"),
    ("desk.access_granted", "to"): N_("Granted to"),
    ("coverage.disruption", "to"): N_("Until"),
    ("export.download", "owner"): N_("Asked for it themselves"),
}
# Keys whose value is an account id: shown as the account's email.
PERSON_KEYS: frozenset[tuple[str, str]] = frozenset(
    {
        ("report.assign", "to"),
        ("keys.grant", "to"),
        ("desk.access_granted", "to"),
        ("token.created", "owner"),
        ("token.revoked", "owner"),
    }
)
# A state change: one line "before → after", with the states in words.
STATE_CHANGES: dict[str, tuple[str, Callable[[str], str]]] = {
    "report.transition": (
        N_("Status"),
        lambda v: _label(STAFF_LABELS, ReportStatus, v),
    ),
    "cluster.state": (
        N_("Verification"),
        lambda v: _label(CLUSTER_STATE_LABELS, ClusterState, v),
    ),
}
WORDS: dict[str, str] = {
    "reporter": N_("the reporter"),
    "kept": N_("kept"),
    "new": N_("new"),
    "enrolled": N_("turned on"),
    "demo-skipped": N_("skipped (demonstration)"),
    "totp": N_("authenticator app"),
    "recovery": N_("recovery code"),
    "invitation": N_("invitation"),
    "reset": N_("password reset"),
    "term": N_("the whole term"),
    "web": N_("the web page"),
    "api": N_("the API"),
    "cli": N_("a shell command"),
    "suspension": N_("Suspension of the compact or its monitoring"),
    "channel_shutdown": N_("Reporting channels shut down"),
    "rejected_days": N_("Rejected reports kept (days)"),
    "closed_days": N_("Closed reports kept (days)"),
}
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?")


@dataclass(frozen=True)
class DetailLine:
    label: str
    value: str


def _label(labels: Mapping[Any, str], kind: Callable[[str], Any], value: str) -> str:
    try:
        return str(gettext(labels[kind(value)]))
    except (KeyError, ValueError):
        return value


def _key_label(action: str, key: str) -> str:
    label = ACTION_KEY_LABELS.get((action, key)) or KEY_LABELS.get(key) or FIELD_LABELS.get(key)
    if label:
        return str(gettext(label))
    return str(gettext(WORDS[key])) if key in WORDS else key.replace("_", " ")


def _text(key: str, value: str) -> str:
    if key == "roles":
        return _label(ROLE_LABELS, Role, value)
    if key == "status":
        return _label(STATUS_LABELS, CompactStatus, value)
    if key == "fragility_band" and value in FRAGILITY_BANDS:
        return str(gettext(FRAGILITY_BANDS[value]))
    if key == "scopes" and value in SCOPE_LABELS:
        return str(SCOPE_LABELS[value])
    if key == "kind" and value in DATA_KINDS:
        return str(gettext(DATA_KINDS[value]))
    if value in WORDS:
        return str(gettext(WORDS[value]))
    if _DAY.fullmatch(value):
        return format_day(dt.date.fromisoformat(value))
    if _MOMENT.fullmatch(value):
        moment = dt.datetime.fromisoformat(value)
        return format_moment(moment.replace(tzinfo=None)) + " UTC"
    return value


def value_text(key: str, value: Any, people: Mapping[int, str] | None = None) -> str:
    """One value in words; `people` maps account ids to emails for the person keys."""
    if value is None and people is not None:
        return str(gettext("Nobody"))
    if value is None or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return str(gettext("Yes")) if value else str(gettext("No"))
    if people is not None and isinstance(value, int) and value in people:
        return people[value]
    if isinstance(value, int | float):
        return str(format_decimal(value))
    if isinstance(value, str):
        return _text(key, value)
    if isinstance(value, list | tuple):
        return ", ".join(value_text(key, item) for item in value)
    if isinstance(value, Mapping):
        return ", ".join(
            f"{_key_label('', str(k))}: {value_text(str(k), v)}" for k, v in value.items()
        )
    return str(value)


def _change(key: str, before: Any, after: Any) -> str:
    if before is None:
        return value_text(key, after)
    return f"{value_text(key, before)} {ARROW} {value_text(key, after)}"


def detail_lines(
    action: str, detail: Mapping[str, Any], emails: Mapping[int, str] | None = None
) -> list[DetailLine]:
    """Every key of the detail, as labelled lines in the reader's language."""
    rest = dict(detail)
    lines: list[DetailLine] = []
    if action in STATE_CHANGES and "from" in rest and "to" in rest:
        label, words = STATE_CHANGES[action]
        before, after = rest.pop("from"), rest.pop("to")
        lines.append(DetailLine(str(gettext(label)), f"{words(before)} {ARROW} {words(after)}"))
    changes = rest.pop("changes", None)
    if isinstance(changes, Mapping):
        for key, pair in changes.items():
            before, after = (
                pair
                if isinstance(pair, list | tuple) and len(pair) == 2
                else (
                    None,
                    pair,
                )
            )
            lines.append(DetailLine(_key_label(action, key), _change(key, before, after)))
    elif changes is not None:
        rest["changes"] = changes
    before, after = rest.get("before"), rest.get("after")
    if isinstance(after, Mapping) and (before is None or isinstance(before, Mapping)):
        rest.pop("before", None)
        rest.pop("after")
        old = before or {}
        for key in [*after, *(k for k in old if k not in after)]:
            lines.append(
                DetailLine(_key_label(action, key), _change(key, old.get(key), after.get(key)))
            )
    for key, value in rest.items():
        people = emails if (action, key) in PERSON_KEYS else None
        lines.append(DetailLine(_key_label(action, key), value_text(key, value, people)))
    return lines


def person_ids(events: Iterable[tuple[str, Mapping[str, Any]]]) -> set[int]:
    """The account ids named in these events' details, to look their emails up at once."""
    found: set[int] = set()
    for action, detail in events:
        for key, value in detail.items():
            if (action, key) in PERSON_KEYS and isinstance(value, int):
                found.add(value)
    return found
