"""BREACH: a compressed page never carries the same CSRF token twice (docs/security.md)."""

from __future__ import annotations

import gzip
import re

import brotli
from flask import Flask
from flask.testing import FlaskClient

from portal.web.csrf import mask, unmask

TOKEN = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def _tokens(client: FlaskClient, path: str) -> tuple[list[str], str]:
    response = client.get(path, headers={"Accept-Encoding": "br, gzip"})
    encoding = response.headers["Content-Encoding"]
    unpack = {"br": brotli.decompress, "gzip": gzip.decompress}[encoding]
    page = unpack(response.get_data()).decode()
    return TOKEN.findall(page), page


def test_every_response_masks_the_token_afresh(app: Flask) -> None:
    client = app.test_client()
    # The reporter's first forms carry no CSRF token (docs/security.md, "Forms without a
    # cookie"); the sign-in form does.
    first, _ = _tokens(client, "/auth/login")
    second, page = _tokens(client, "/auth/login")
    assert first and second and first[0] != second[0]
    # Both stand for the same session token, which never appears in the page as it is.
    signed = unmask(first[0])
    # The signature carries a one-second timestamp, and the first request of an app takes a
    # quarter of a second or more: compare the session token the two signatures stand for.
    assert signed.split(".")[0] == unmask(second[0]).split(".")[0] and "." in signed
    assert signed not in page
    # No long run of the masked tokens repeats between responses: nothing for an attacker's
    # guesses to be compressed against.
    a, b = first[0], second[0]
    assert not any(a[i : i + 8] in b for i in range(len(a) - 8))


def test_a_masked_token_is_accepted_and_an_altered_one_refused(app: Flask) -> None:
    client = app.test_client()
    token = TOKEN.findall(client.get("/auth/login").get_data(as_text=True))[0]
    stale = "This form was open for too long or was sent twice"
    wrong = {"email": "nobody@example.org", "password": "not the password"}
    ok = client.post("/auth/login", data={"csrf_token": token, **wrong})
    assert stale not in ok.get_data(as_text=True)  # the form's own answer, not a CSRF refusal
    remasked = mask(unmask(token))
    again = client.post("/auth/login", data={"csrf_token": remasked, **wrong})
    assert stale not in again.get_data(as_text=True)
    altered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    refused = client.post("/auth/login", data={"csrf_token": altered, **wrong})
    assert refused.status_code in (400, 403)
    assert stale in refused.get_data(as_text=True)


def test_mask_round_trip() -> None:
    signed = "eyJhIjoxfQ.aBcD.efGh-ij_kl"
    masked = {mask(signed) for _ in range(20)}
    assert len(masked) == 20 and all("." not in m for m in masked)
    assert {unmask(m) for m in masked} == {signed}
    assert unmask("not base64!") == "not base64!"
