"""Every endpoint × every kind of visitor gets what the access table says (DESIGN §3).

The table in portal/web/access.py is the single place that opens an endpoint; this test walks
the app's URL map, so an endpoint added without an entry fails here before it can ship.
"""

from __future__ import annotations

import re

from flask import Flask
from werkzeug.routing import IntegerConverter
from werkzeug.routing import Rule as UrlRule

from portal.domain.models import Role
from portal.web.access import ACCESS, Rule

from .conftest import Persona


def url_for_rule(rule: UrlRule) -> str:
    """The rule's path with placeholder values: 1 for integers, an unknown public id otherwise."""
    path = rule.rule
    for arg in rule.arguments:
        number = isinstance(rule._converters.get(arg), IntegerConverter)
        path = re.sub(rf"<(?:[^:<>]+:)?{arg}>", "1" if number else "x" * 22, path)
    return path


def _allowed(rule: Rule, persona: Persona) -> bool:
    if rule.public:
        return True
    if persona.name == "API token":
        return rule.token_scope is not None and Role.ASSESSOR in rule.roles
    return bool(rule.roles & persona.roles)


def test_every_endpoint_has_an_access_rule(app: Flask) -> None:
    missing = sorted(r.endpoint for r in app.url_map.iter_rules() if r.endpoint not in ACCESS)
    assert missing == [], f"endpoints without an entry in portal/web/access.py: {missing}"
    stale = sorted(set(ACCESS) - {r.endpoint for r in app.url_map.iter_rules()})
    assert stale == [], f"access rules for endpoints that do not exist: {stale}"


def test_every_endpoint_for_every_visitor(app: Flask, personas: list[Persona]) -> None:
    checked = 0
    for url_rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        rule = ACCESS[url_rule.endpoint]
        path = url_for_rule(url_rule)
        for method in sorted((url_rule.methods or set()) - {"HEAD", "OPTIONS"}):
            for persona in personas:
                response = persona.client.open(path, method=method, headers=persona.headers)
                status = response.status_code
                where = f"{method} {path} as {persona.name} → {status}"
                to_login = status == 302 and response.headers.get("Location", "").endswith(
                    "/auth/login"
                )
                if rule.public:
                    # Public pages that need a flow state (the second sign-in step) send a
                    # visitor without it to sign in; that is not a refusal.
                    assert status not in (401, 403), where
                elif _allowed(rule, persona):
                    assert status not in (401, 403) and not to_login, where
                elif persona.roles:
                    assert status == 403, where
                else:
                    assert status in (401, 403) or to_login, where
                checked += 1
    assert checked > 50
