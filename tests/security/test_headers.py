"""Every page carries the security headers, and no page points at another origin."""

from __future__ import annotations

import dataclasses
import re

from flask import Flask

from portal import create_app
from portal.config import DEFAULT_EXIT_URL, Config
from portal.web.reporter_pages import NOT_REPORTER_PREFIXES, QUICK_EXIT_HASH, QUICK_EXIT_SCRIPT

from .conftest import Persona
from .test_access_matrix import url_for_rule

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
# Reporter pages run one script, the quick exit, allowed by its hash and nothing else.
REPORTER_CSP = f"{CSP}; script-src '{QUICK_EXIT_HASH}'; connect-src 'self'"
# Any absolute URL or protocol-relative reference in an attribute or a stylesheet.
FOREIGN = re.compile(
    r"""(?:src|href|action|formaction|poster|data)\s*=\s*["']?\s*(?:https?:)?//""", re.I
)


def _pages(app: Flask, personas: list[Persona]):  # type: ignore[no-untyped-def]
    for url_rule in app.url_map.iter_rules():
        if "GET" not in (url_rule.methods or set()) or url_rule.endpoint == "static":
            continue
        path = url_for_rule(url_rule)
        for persona in personas:
            yield path, persona, persona.client.get(path, headers=persona.headers)
    for persona in personas:  # pages reached with real ids and query strings
        for path in ("/?lang=ar", "/report/followup", "/desk/?status=received", "/auth/account"):
            yield path, persona, persona.client.get(path, headers=persona.headers)


def test_every_page_has_the_security_headers(app: Flask, personas: list[Persona]) -> None:
    seen = 0
    for path, persona, response in _pages(app, personas):
        h = response.headers
        where = f"{path} as {persona.name} ({response.status_code})"
        reporter = not path.split("?")[0].startswith(NOT_REPORTER_PREFIXES)
        html_page = response.mimetype == "text/html"
        expected = REPORTER_CSP if reporter and html_page else CSP
        assert h.get("Content-Security-Policy") == expected, where
        assert h.get("X-Content-Type-Options") == "nosniff", where
        assert h.get("Referrer-Policy") == "no-referrer", where
        assert h.get("Cross-Origin-Opener-Policy") == "same-origin", where
        assert h.get("Cross-Origin-Resource-Policy") == "same-origin", where
        assert h.get("X-Frame-Options") == "DENY", where
        # No page may be kept by a seized phone's browser cache.
        assert "no-store" in h.get("Cache-Control", ""), where
        assert "Strict-Transport-Security" not in h, where  # only behind TLS
        if response.mimetype == "text/html":
            body = response.get_data(as_text=True)
            if reporter and response.status_code // 100 != 3:
                # The quick exit's link is the one way to another site, on purpose.
                assert body.count(f'href="{DEFAULT_EXIT_URL}"') == 1, where
                body = body.replace(DEFAULT_EXIT_URL, "")
            assert not FOREIGN.search(body), f"{where}: {FOREIGN.search(body)}"
            scripts = re.findall(r"<script>(.*?)</script>", body, re.S)
            assert body.count("<script") == len(scripts), where
            expected_scripts = [QUICK_EXIT_SCRIPT] if reporter and "data-exit=" in body else []
            assert scripts == expected_scripts, where
            assert " style=" not in body, where
        seen += 1
    assert seen > 40


def test_stylesheet_references_no_other_origin(app: Flask) -> None:
    page = app.test_client().get("/").get_data(as_text=True)
    found = re.search(r'<link rel="stylesheet" href="(/static/[^"]+)"', page)
    assert found
    css = app.test_client().get(found.group(1)).get_data(as_text=True)
    assert "url(" not in css and "@import" not in css


def test_hsts_and_secure_cookies_behind_tls(config: Config) -> None:
    app = create_app(dataclasses.replace(config, behind_tls=True))
    client = app.test_client()
    response = client.get("/auth/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies and all("Secure" in c for c in cookies)
    assert all("SameSite=Strict" in c for c in cookies if c.startswith("cw_"))


def test_the_landing_page_sets_no_cookie(app: Flask) -> None:
    # A reporter gets no cookie before submitting anything, except the CSRF one forms need.
    response = app.test_client().get("/")
    assert response.headers.getlist("Set-Cookie") == []
