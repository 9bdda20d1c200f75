"""Translated reasons a new password is refused."""

from __future__ import annotations

from flask_babel import format_decimal, gettext

from portal.auth.passwords import (
    ContainsEmail,
    PolicyViolation,
    Repetitive,
    TooCommon,
    TooLong,
    TooShort,
)


def explain(violation: PolicyViolation) -> str:
    if isinstance(violation, TooShort):
        return str(
            gettext(
                "Use at least %(count)s characters. A few unrelated words make a strong, "
                "memorable password.",
                count=format_decimal(violation.min_length),
            )
        )
    if isinstance(violation, TooLong):
        return str(gettext("This password is too long."))
    if isinstance(violation, TooCommon):
        return str(
            gettext(
                "This password is too common and is among the first an attacker tries. Choose "
                "another one."
            )
        )
    if isinstance(violation, ContainsEmail):
        return str(gettext("Do not use your email address, or part of it, in your password."))
    if isinstance(violation, Repetitive):
        return str(gettext("Do not repeat the same characters over and over."))
    return str(gettext("Choose another password."))
