"""Static assets: content-hashed names, gzip and brotli copies made once, cached for a year.

A reporter on 2G pays for every byte and every round trip. Each file under `static/` is copied
to `build/assets/static/` under a name that carries a hash of its content (`css/portal.css` →
`css/portal.3f9c…e1.css`), next to a `.br` and a `.gz` copy compressed once at the highest
level. WhiteNoise serves them under `/static/` before the request reaches Flask, picking the
copy the browser accepts, with `Cache-Control: public, max-age=31536000, immutable`: a phone
asks for the stylesheet once, and a changed stylesheet has a new name, so nobody keeps an old one.

`make install` builds the copies (`python -m portal.web.assets`). An app that starts without
them, or with copies of an older stylesheet, builds them itself, so a fresh clone still works.
Writes go through a temporary file and a rename, so two gunicorn workers starting together
never serve a half-written file.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import brotli
from whitenoise import WhiteNoise

from portal.paths import ROOT, STATIC

log = logging.getLogger(__name__)

BUILD = ROOT / "build" / "assets"
PREFIX = "/static/"
ONE_YEAR = 365 * 24 * 3600
CACHE_CONTROL = f"public, max-age={ONE_YEAR}, immutable"
# Already compressed: a second pass only costs CPU.
NOT_COMPRESSED = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".woff2", ".gz", ".br"})
ENCODINGS = (".br", ".gz")


def hashed_name(logical: str, data: bytes) -> str:
    path = PurePosixPath(logical)
    digest = hashlib.sha256(data).hexdigest()[:16]
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


def _sources(source: Path) -> dict[str, Path]:
    return {
        path.relative_to(source).as_posix(): path
        for path in sorted(source.rglob("*"))
        if path.is_file() and not any(part.startswith(".") for part in path.parts[-1:])
    }


@dataclass(frozen=True)
class Assets:
    """Where the built files are and the hashed name of each source file."""

    root: Path
    names: dict[str, str]

    def url(self, logical: str) -> str:
        return PREFIX + self.names[logical]


_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_SPACE = re.compile(r"\s+")
_AROUND = re.compile(r"\s*([{};,>])\s*")


def minify_css(text: str) -> str:
    """Comments and layout whitespace out: what the phone downloads is only rules. Strings in
    the stylesheet hold no braces, semicolons or commas whose spacing matters."""
    text = _SPACE.sub(" ", _COMMENT.sub("", text))
    text = _AROUND.sub(r"\1", text).replace(";}", "}")
    return text.strip() + "\n"


def _content(path: Path) -> bytes:
    data = path.read_bytes()
    if path.suffix == ".css":
        return minify_css(data.decode()).encode()
    return data


def _write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _compressed(data: bytes) -> dict[str, bytes]:
    copies = {
        ".br": brotli.compress(data, quality=11),
        ".gz": gzip.compress(data, compresslevel=9, mtime=0),
    }
    return {suffix: body for suffix, body in copies.items() if len(body) < len(data)}


def _complete(target: Path, data: bytes) -> bool:
    if not target.is_file():
        return False
    if target.suffix in NOT_COMPRESSED:
        return True
    return all(Path(f"{target}{suffix}").is_file() for suffix in _compressed(data))


def build(source: Path = STATIC, dest: Path = BUILD) -> Assets:
    """Copy every source file to its hashed name with its compressed copies; keep older builds'
    files (a page rendered a moment ago may still ask for them)."""
    root = dest / "static"
    names: dict[str, str] = {}
    for logical, path in _sources(source).items():
        data = _content(path)
        names[logical] = hashed_name(logical, data)
        target = root / names[logical]
        if _complete(target, data):
            continue
        if target.suffix not in NOT_COMPRESSED:
            for suffix, body in _compressed(data).items():
                _write(Path(f"{target}{suffix}"), body)
        # The plain file last: its presence says the copies are there.
        _write(target, data)
    return Assets(root, names)


def load(source: Path = STATIC, dest: Path = BUILD) -> Assets:
    """The built assets, building what is missing (a fresh clone, a changed stylesheet)."""
    sources = _sources(source)
    root = dest / "static"
    contents = {logical: _content(path) for logical, path in sources.items()}
    for logical, data in contents.items():
        if not _complete(root / hashed_name(logical, data), data):
            log.info("Building static assets in %s", dest)
            return build(source, dest)
    return Assets(root, {k: hashed_name(k, data) for k, data in contents.items()})


def serve(
    wsgi_app: Callable[..., Any],
    assets: Assets,
    add_headers: Callable[[Any, str, str], None] | None = None,
) -> WhiteNoise:
    """Wrap the app: `/static/<hashed name>` answered by WhiteNoise, everything else by Flask."""

    def headers(h: Any, path: str, url: str) -> None:
        h["Cache-Control"] = CACHE_CONTROL
        if add_headers is not None:
            add_headers(h, path, url)

    return WhiteNoise(
        wsgi_app,
        root=str(assets.root),
        prefix=PREFIX,
        max_age=None,
        # Every file under the root has its content's hash in its name.
        immutable_file_test=lambda _path, _url: True,
        allow_all_origins=False,
        add_headers_function=headers,
    )


if __name__ == "__main__":
    built = build()
    for logical, name in sorted(built.names.items()):
        print(f"{logical} -> {built.root / name}")
