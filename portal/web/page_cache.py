"""Reporter pages rendered once per language, each response's own tokens spliced in.

What an anonymous visitor's GET of the landing page, the safety advice, the report form or the
follow-up sign-in shows depends only on the language and the open compacts: rendering ~150
choice widgets through WTForms and ~90 translations through Flask-Babel on every request spent
5 ms where a bare Flask route spends 0.3. So the first such request in a language renders the
page with marks where per-response values go (the report form's one-time submission token, a
masked CSRF token: portal/web/slots.py), the page is kept for `TTL` seconds (a compact written in
this process renders it again at once, other processes within TTL), and later requests only put
values made for them in the marks. A page without such values is also kept brotli- and
gzip-compressed at the best level, so serving it costs no compression at all.

Only requests that would see exactly the cached page are served from it: GET, no query string
but `lang`, nobody signed in, no message waiting to be flashed, and no follow-up cookie (which
turns `/report/followup` into the reporter's own report and adds a way out of it to the others).
Everything else renders as before. The cache is per process, bounded (languages × pages), and
holds nothing about any visitor.
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
from portal.reporter.followup import FOLLOWUP_COOKIE
from portal.web.compression import choose_encoding
from portal.web.services import services
from portal.web.slots import MARK

TTL = 60.0
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
    """A page with per-response values: its text between the marks, each part deflated once.

    A gzip body is the parts' deflate blocks one after the other with each value as a stored
    block between them: per request nothing is compressed (a masked token is random bytes that no
    compressor would shrink anyway).
    """

    parts: tuple[bytes, ...]
    marks: tuple[str, ...]
    deflated: tuple[bytes, ...]
    makers: dict[str, Callable[[], str]]

    @classmethod
    def of(cls, body: bytes, makers: dict[str, Callable[[], str]]) -> Spliced:
        pieces = MARK.split(body)
        marks = tuple(m.decode() for m in MARK.findall(body))
        last = len(pieces) - 1
        return cls(
            tuple(pieces),
            marks,
            tuple(_deflate(p, final=i == last) for i, p in enumerate(pieces)),
            makers,
        )

    def values(self) -> list[bytes]:
        made = {mark: make().encode() for mark, make in self.makers.items()}
        return [made[mark] for mark in self.marks]

    def plain(self, values: list[bytes]) -> bytes:
        out = [self.parts[0]]
        for value, part in zip(values, self.parts[1:], strict=True):
            out += [value, part]
        return b"".join(out)

    def gzip(self, values: list[bytes]) -> bytes:
        out = [GZIP_HEADER, self.deflated[0]]
        crc = zlib.crc32(self.parts[0])
        size = len(self.parts[0])
        for value, part, packed in zip(values, self.parts[1:], self.deflated[1:], strict=True):
            out += [_stored(value), packed]
            crc = zlib.crc32(part, zlib.crc32(value, crc))
            size += len(value) + len(part)
        out.append(struct.pack("<II", crc & 0xFFFFFFFF, size & 0xFFFFFFFF))
        return b"".join(out)


@dataclass(frozen=True)
class Entry:
    expires: float
    # A page without per-response values: its body, and that body compressed once by encoding.
    body: bytes = b""
    packed: dict[str, bytes] | None = None
    # A page with some.
    spliced: Spliced | None = None


CACHEABLE = frozenset(
    {"home.landing", "home.about_safety", "reporter.new_report", "reporter.followup"}
)


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
        if request.method != "GET" or endpoint not in CACHEABLE:
            return None
        if any(name != "lang" for name in request.args):
            return None
        if FOLLOWUP_COOKIE in request.cookies:
            # An open follow-up session changes the reporter pages (the quick exit ends it).
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
        makers = g.pop("page_cache_slots", {})
        expires = time.monotonic() + self.ttl
        if MARK.search(body):
            if set(m.decode() for m in MARK.findall(body)) - set(makers):
                return response  # a mark nothing can fill: never keep such a page
            entry = Entry(expires, spliced=Spliced.of(body, makers))
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
            values = entry.spliced.values()
            if encoding is None:
                response.set_data(entry.spliced.plain(values))
            else:
                response.set_data(entry.spliced.gzip(values))
                response.headers["Content-Encoding"] = "gzip"
            return response
        if encoding is not None and entry.packed:
            response.set_data(entry.packed[encoding])
            response.headers["Content-Encoding"] = encoding
        else:
            response.set_data(entry.body)
        return response


def keep_out_of_cache() -> None:
    """This response changes from one request to the next (the demo's landing page while its
    story is being seeded): serve it, do not keep it."""
    g.pop("page_cache_key", None)


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
