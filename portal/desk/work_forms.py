"""The report page's form fields, rendered once per language and value, not on every GET.

The desk's report page shows six forms (assignment, grade, status, priority, question, note).
Building them through WTForms and rendering their fields through the `field` macro on every GET
cost the page more CPU than anything but the decryption. What a field's markup shows depends only
on the language, its choices and its current value: a new report page has no submitted data and
no errors (the POST views redirect back). So each field's markup is rendered once per (language,
choices, value), through the same forms and the same macro as before, and kept here.

Nothing per response is in it: each form's CSRF token is written by the template with
`csrf_token()`, masked anew per form as before. Nothing about a report's content is in it either,
only codes, a priority and the desk's verifier names as the page shows them; the cache is per
process and bounded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from flask import get_template_attribute
from flask_babel import gettext
from markupsafe import Markup

from portal.desk.forms import (
    AssignForm,
    GradeForm,
    NoteForm,
    PriorityForm,
    QuestionForm,
    StatusForm,
)
from portal.desk.labels import credibility_choices, reliability_choices, status_choices
from portal.domain.models import Report
from portal.domain.workflow import TRANSITIONS
from portal.i18n.templating import current_language

# Languages × (grades 7 × 7 + statuses + priorities 0-999 + a few assignee sets): a few thousand
# small strings at most in practice; emptied whole if something grows it past this.
LIMIT = 8192

_markup: dict[Hashable, Markup | None] = {}
_lock = threading.Lock()


def _cached(key: Hashable, render: Callable[[], Markup | None]) -> Markup | None:
    try:
        return _markup[key]
    except KeyError:
        pass
    made = render()
    with _lock:
        if len(_markup) >= LIMIT:
            _markup.clear()
        _markup[key] = made
    return made


def _field(form_field: object, macro: str = "plain") -> Markup:
    """`form_field` through the `field` macro, as the page's template called it."""
    rendered: Markup = get_template_attribute("desk/_work_fields.html", macro)(form_field)
    return rendered


@dataclass(frozen=True)
class WorkFields:
    """The report page's fields as markup; `status` is None when no move is legal."""

    assignee: Markup
    grade: Markup  # reliability, then credibility
    status: Markup | None
    priority: Markup
    question: Markup
    note: Markup


def work_fields(report: Report, assignees: list[tuple[str, str]]) -> WorkFields:
    language = current_language()
    assigned = str(report.assigned_to_id or "")

    def assignee() -> Markup:
        form = AssignForm(assignee=assigned)
        form.assignee.choices = assignees
        return _field(form.assignee)

    def grade() -> Markup:
        form = GradeForm(
            reliability=report.source_reliability, credibility=report.information_credibility
        )
        # Boxes start empty on an ungraded report: one careless click must not save "A1".
        form.reliability.choices = [("", gettext("Choose a grade")), *reliability_choices()]
        form.credibility.choices = [("", gettext("Choose a grade")), *credibility_choices()]
        return _field(form.reliability) + _field(form.credibility)

    def status() -> Markup | None:
        form = StatusForm()
        form.status.choices = status_choices(TRANSITIONS[report.status])
        return _field(form.status) if form.status.choices else None

    def priority() -> Markup:
        return _field(PriorityForm(priority=report.priority).priority)

    def question() -> Markup:
        return _field(QuestionForm().body, "question")

    def note() -> Markup:
        return _field(NoteForm().body)

    shown_grade = _cached(
        ("grade", language, report.source_reliability, report.information_credibility), grade
    )
    shown_assignee = _cached(("assignee", language, assigned, tuple(assignees)), assignee)
    shown_priority = _cached(("priority", language, report.priority), priority)
    shown_question = _cached(("question", language), question)
    shown_note = _cached(("note", language), note)
    assert shown_grade and shown_assignee and shown_priority and shown_question and shown_note
    return WorkFields(
        assignee=shown_assignee,
        grade=shown_grade,
        status=_cached(("status", language, report.status), status),
        priority=shown_priority,
        question=shown_question,
        note=shown_note,
    )
