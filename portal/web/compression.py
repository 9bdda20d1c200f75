"""Pages compressed with brotli (or gzip for older browsers) before they leave.

`/report/new` is about 17 KB of HTML and compresses to about 3 KB: on 2G that is the difference
between a page that appears and one the reporter gives up on. Compression with a secret and
reflected input in one body is what BREACH exploits; the CSRF token is masked anew in every
response (portal/web/csrf.py) and docs/security.md says why the rest is safe.

Static files are not compressed here: their brotli and gzip copies are made once at install
(portal/web/assets.py).
"""

from __future__ import annotations

import gzip

import brotli
from flask import Flask, Response, request

# Pages only: the JSON API's clients are programs that may not decode what they did not expect
# (and a reverse proxy can compress for them if wanted).
COMPRESSIBLE = frozenset({"text/html"})
# Below this a compressed body plus its header saves nothing worth the CPU.
MIN_BYTES = 512
# Quality 5: within a few per cent of the best ratio for pages of this size, at a fraction of
# the CPU of quality 11 (which the static copies use, compressed once).
BROTLI_QUALITY = 5
GZIP_LEVEL = 6


def choose_encoding(accept_encoding: str) -> str | None:
    """`br` or `gzip` if the browser accepts it (not with q=0), brotli first."""
    accepted: set[str] = set()
    for part in accept_encoding.split(","):
        name, _, params = part.strip().partition(";")
        q = params.strip().removeprefix("q=").strip() if params.strip().startswith("q=") else "1"
        try:
            weight = float(q)
        except ValueError:
            weight = 1.0
        if weight > 0:
            accepted.add(name.strip().lower())
    if "br" in accepted:
        return "br"
    if "gzip" in accepted:
        return "gzip"
    return None


def install_compression(app: Flask) -> None:
    @app.after_request
    def _compress(response: Response) -> Response:
        if (
            response.mimetype not in COMPRESSIBLE
            or response.direct_passthrough
            or response.is_streamed
            or "Content-Encoding" in response.headers
            or response.status_code in (204, 304)
            or request.method == "HEAD"
        ):
            return response
        response.vary.add("Accept-Encoding")
        encoding = choose_encoding(request.headers.get("Accept-Encoding", ""))
        if encoding is None:
            return response
        body = response.get_data()
        if len(body) < MIN_BYTES:
            return response
        if encoding == "br":
            packed = brotli.compress(body, mode=brotli.MODE_TEXT, quality=BROTLI_QUALITY)
        else:
            packed = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
        response.set_data(packed)
        response.headers["Content-Encoding"] = encoding
        return response
