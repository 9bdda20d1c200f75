"""Reporter pages rendered once per language, the CSRF token spliced into each response.

What an anonymous visitor's GET of the landing page, the safety advice, the report form or the
follow-up sign-in shows depends only on the language and the open compacts: rendering ~150
choice widgets through WTForms and ~90 translations through Flask-Babel on every request spent
5 ms where a bare Flask route spends 0.3. So the first such request in a language renders the
page with a placeholder where the CSRF token goes, the page is kept for `TTL` seconds (a new
compact or region shows within that time), and later requests only put a freshly masked token
(portal/web/csrf.py) in the placeholder. A page without a form is also kept brotli- and
gzip-compressed at the best level, so serving it costs no compression at all.

Only requests that would see exactly the cached page are served from it: GET, no query string
but `lang`, nobody signed in, no message waiting to be flashed, and no follow-up cookie (which
turns `/report/followup` into the reporter's own report). Everything else renders as before.
The cache is per process, bounded (languages × pages), and holds nothing about any visitor.
"""

from __future__ import annotations

import gzip
import itertools
import struct
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import brotli
from flask import Flask, Response, current_app, g, request, session
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.auth.cookies import staff_token
from portal.domain.models import Compact
from portal.i18n.templating import current_language
from portal.web.compression import choose_encoding
from portal.web.csrf import PLACEHOLDER, masked_csrf_token
from portal.web.services import services

TTL = 60.0
FOLLOWUP_COOKIE = "cw_followup"
# Bumped whenever this process writes a compact: its pages are rendered again at once (other
# processes within TTL).
_generation = itertools.count()
_current = [next(_generation)]


@event.listens_for(Session, "after_flush")
def _compacts_changed(session: Session, _context: object) -> None:
    if any(isinstance(o, Compact) for o in (*session.new, *session.dirty, *session.deleted)):
        _current[0] = next(_generation)


GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


def _deflate(data: bytes, final: bool) -> bytes:
    """Raw deflate blocks for `data`, ending byte-aligned (sync flush) so that other blocks can
    follow, or with the last block (`final`)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush(zlib.Z_FINISH if final else zlib.Z_SYNC_FLUSH)


def _stored(data: bytes) -> bytes:
    """`data` as stored (uncompressed) deflate blocks: a masked token is random bytes that no
    compressor would shrink, so per request nothing is compressed at all."""
    out = []
    for start in range(0, len(data), 0xFFFF):
        chunk = data[start : start + 0xFFFF]
        out.append(b"\x00" + struct.pack("<HH", len(chunk), len(chunk) ^ 0xFFFF) + chunk)
    return b"".join(out)


@dataclass(frozen=True)
class Spliced:
    """A page with tokens to put in: its text between the tokens, each part also deflated once.

    A gzip body is the parts' deflate blocks one after the other with each token's own small
    block between them: per request only the ~250-byte tokens are compressed, not the page.
    """

    parts: tuple[bytes, ...]
    deflated: tuple[bytes, ...]
    crcs: tuple[int, ...]

    @classmethod
    def of(cls, body: bytes) -> Spliced:
        parts = tuple(body.split(PLACEHOLDER.encode()))
        last = len(parts) - 1
        return cls(
            parts,
            tuple(_deflate(p, final=i == last) for i, p in enumerate(parts)),
            tuple(zlib.crc32(p) for p in parts),
        )

    def plain(self, token: bytes) -> bytes:
        return token.join(self.parts)

    def gzip(self, token: bytes) -> bytes:
        out = [GZIP_HEADER]
        crc = 0
        size = 0
        for i, part in enumerate(self.parts):
            if i:
                out.append(_stored(token))
                crc = zlib.crc32(token, crc)
                size += len(token)
            out.append(self.deflated[i])
            crc = zlib.crc32(part, crc)
            size += len(part)
        out.append(struct.pack("<II", crc & 0xFFFFFFFF, size & 0xFFFFFFFF))
        return b"".join(out)


@dataclass(frozen=True)
class Entry:
    expires: float
    # A page without a token: its body, and that body compressed once by encoding.
    body: bytes = b""
    packed: dict[str, bytes] | None = None
    # A page with a token.
    spliced: Spliced | None = None


def _no_followup() -> bool:
    return FOLLOWUP_COOKIE not in request.cookies


# Endpoint → what else must hold for the visitor to see the shared page.
CACHEABLE: dict[str, Callable[[], bool]] = {
    "home.landing": lambda: True,
    "home.about_safety": lambda: True,
    "reporter.new_report": lambda: True,
    "reporter.followup": _no_followup,
}


class PageCache:
    def __init__(self, ttl: float = TTL) -> None:
        self.ttl = ttl
        self._entries: dict[tuple[str, str, str, int], Entry] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def key(self) -> tuple[str, str, str, int] | None:
        endpoint = request.endpoint
        if request.method != "GET" or endpoint not in CACHEABLE or not CACHEABLE[endpoint]():
            return None
        if any(name != "lang" for name in request.args):
            return None
        if request.cookies:
            # Anonymous unless the staff cookie came; messages wait in the session cookie.
            if staff_token(request, services().config) is not None:
                return None
            if current_app.config["SESSION_COOKIE_NAME"] in request.cookies and session.get(
                "_flashes"
            ):
                return None
        return (endpoint, current_language(), request.args.get("lang", ""), _current[0])

    def lookup(self) -> Response | None:
        key = self.key()
        if key is None:
            return None
        entry = self._entries.get(key)
        if entry is None or entry.expires < time.monotonic():
            g.page_cache_key = key
            return None
        return self._respond(entry)

    def store(self, response: Response) -> Response:
        key = g.pop("page_cache_key", None)
        if key is None or response.status_code != 200 or response.mimetype != "text/html":
            return response
        body = response.get_data()
        expires = time.monotonic() + self.ttl
        if PLACEHOLDER.encode() in body:
            entry = Entry(expires, spliced=Spliced.of(body))
        else:
            packed = {
                "br": brotli.compress(body, mode=brotli.MODE_TEXT, quality=11),
                "gzip": gzip.compress(body, compresslevel=9, mtime=0),
            }
            entry = Entry(expires, body=body, packed=packed)
        with self._lock:
            self._entries[key] = entry
        return self._respond(entry, response)

    def _respond(self, entry: Entry, response: Response | None = None) -> Response:
        response = response or Response(mimetype="text/html")
        response.vary.add("Accept-Encoding")
        encoding = choose_encoding(request.headers.get("Accept-Encoding", ""))
        if entry.spliced is not None:
            token = masked_csrf_token().encode()
            if encoding is None:
                response.set_data(entry.spliced.plain(token))
            else:
                response.set_data(entry.spliced.gzip(token))
                response.headers["Content-Encoding"] = "gzip"
            return response
        if encoding is not None and entry.packed:
            response.set_data(entry.packed[encoding])
            response.headers["Content-Encoding"] = encoding
        else:
            response.set_data(entry.body)
        return response


def install_page_cache(app: Flask) -> PageCache:
    cache = PageCache()
    app.extensions["page_cache"] = cache

    @app.before_request
    def _serve_cached() -> Response | None:
        return cache.lookup()

    @app.after_request
    def _keep(response: Response) -> Response:
        return cache.store(response)

    return cache
