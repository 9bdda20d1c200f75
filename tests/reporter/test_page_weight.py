"""What each reporter page costs a phone on 2G, in bytes on the wire (issue 14).

First visit: the page and every stylesheet it links, as a browser that accepts brotli fetches
them. Revisit: the page alone, since the stylesheet is cached for a year under its hashed name
(tests/web/test_assets.py checks the caching). Each response counts its status line, headers and
body as sent; gunicorn adds `Server`, `Date` and `Connection`, counted as SERVER_HEADERS.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable
from dataclasses import dataclass

import brotli
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from tests.conftest import form_token
from tests.reporter.conftest import open_followup, report_fields, submit_ok

FIRST_VISIT_BUDGET = 20 * 1024
REVISIT_BUDGET = 8 * 1024
SERVER_HEADERS = len(
    "Server: gunicorn\r\nDate: Sun, 06 Dec 2026 22:00:00 GMT\r\nConnection: keep-alive\r\n"
)
BROWSER = {
    "Accept-Encoding": "gzip, deflate, br",
    "Accept-Language": "ar,en;q=0.5",
    "Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
}
LINKED = re.compile(r'<(?:link|script|img)\b[^>]*(?:href|src)="([^"]+)"')


def wire_bytes(response: TestResponse) -> int:
    status = f"HTTP/1.1 {response.status}\r\n"
    headers = "".join(f"{k}: {v}\r\n" for k, v in response.headers.items())
    body = response.get_data()  # as sent: compressed when Content-Encoding says so
    return len(status.encode()) + len(headers.encode()) + SERVER_HEADERS + 2 + len(body)


@dataclass
class Weight:
    page: str
    html: int
    assets: int

    @property
    def first(self) -> int:
        return self.html + self.assets

    @property
    def revisit(self) -> int:
        return self.html


def weigh(client: FlaskClient, name: str, response: TestResponse) -> Weight:
    assert response.status_code in (200, 400), (name, response.status_code)
    # Brotli, or gzip where the page's token is spliced into blocks compressed once.
    encoding = response.headers.get("Content-Encoding")
    assert encoding in ("br", "gzip"), name
    html = response.get_data()
    text = (brotli.decompress if encoding == "br" else gzip.decompress)(html).decode()
    linked = LINKED.findall(text)
    assets = 0
    for url in linked:
        assert url.startswith("/") and not url.startswith("//"), (name, url)
        asset = client.get(url, headers=BROWSER)
        assert asset.status_code == 200, (name, url)
        assert not url.endswith((".woff", ".woff2", ".ttf", ".otf")), (name, url)
        assets += wire_bytes(asset)
    return Weight(name, wire_bytes(response), assets)


def test_each_reporter_page_fits_the_budget(demo: Flask, session: Session) -> None:
    client = demo.test_client()
    fields = report_fields(session)
    pages: list[tuple[str, Callable[[], TestResponse]]] = [
        ("landing /", lambda: client.get("/", headers=BROWSER)),
        ("new report /report/new", lambda: client.get("/report/new", headers=BROWSER)),
        (
            "new report, error state",
            lambda: client.post(
                "/report/new",
                data={**fields, "narrative": "", **form_token(client, "/report/new")},
                headers=BROWSER,
            ),
        ),
        (
            "receipt",
            lambda: client.post(
                "/report/new",
                data={**fields, **form_token(client, "/report/new")},
                headers=BROWSER,
                follow_redirects=True,
            ),
        ),
        ("follow-up sign-in", lambda: client.get("/report/followup", headers=BROWSER)),
        ("safety advice /safety", lambda: client.get("/safety", headers=BROWSER)),
    ]
    weights = [weigh(client, name, make()) for name, make in pages]
    assert 'class="receipt"' in brotli.decompress(client.post(
        "/report/new",
        data={**fields, **form_token(client, "/report/new")},
        headers=BROWSER,
        follow_redirects=True,
    ).get_data()).decode()

    # The follow-up page itself, opened with a receipt.
    reporter = demo.test_client()
    receipt = submit_ok(reporter, fields).receipt
    assert open_followup(reporter, receipt).status_code == 302
    weights.append(
        weigh(reporter, "follow-up, report open", reporter.get("/report/followup", headers=BROWSER))
    )

    print()
    print(f"{'page':40} {'first visit':>12} {'revisit':>9}   (bytes on the wire)")
    for w in weights:
        print(f"{w.page:40} {w.first:>12,} {w.revisit:>9,}")
    over = [
        w.page
        for w in weights
        if w.first > FIRST_VISIT_BUDGET or w.revisit > REVISIT_BUDGET
    ]
    assert not over, f"over the budget ({FIRST_VISIT_BUDGET} / {REVISIT_BUDGET} bytes): {over}"
