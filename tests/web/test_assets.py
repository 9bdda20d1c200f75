"""Static assets: hashed names, immutable caching, precompressed copies, nothing unused."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import brotli
from flask import Flask
from werkzeug.test import Client

from portal.paths import STATIC, TEMPLATES
from portal.web import assets

IMMUTABLE = "public, max-age=31536000, immutable"
# Rules landed ahead of the page that uses them (none now: the ledger's totals are in use).
AWAITED: frozenset[str] = frozenset()


def _stylesheet_url(app: Flask) -> str:
    page = app.test_client().get("/").get_data(as_text=True)
    found = re.search(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert found
    return found.group(1)


def test_pages_link_the_hashed_stylesheet_cached_for_a_year(app: Flask) -> None:
    url = _stylesheet_url(app)
    assert re.fullmatch(r"/static/css/portal\.[0-9a-f]{16}\.css", url)
    client = app.test_client()
    plain = client.get(url)
    assert plain.status_code == 200
    assert plain.headers["Cache-Control"] == IMMUTABLE
    assert plain.headers["Content-Type"].startswith("text/css")
    assert plain.headers["X-Content-Type-Options"] == "nosniff"
    assert "Access-Control-Allow-Origin" not in plain.headers
    # The same bytes, precompressed, for browsers that accept them.
    for encoding, decode in (("br", brotli.decompress), ("gzip", gzip.decompress)):
        packed = client.get(url, headers={"Accept-Encoding": encoding})
        assert packed.headers["Content-Encoding"] == encoding
        assert packed.headers["Cache-Control"] == IMMUTABLE
        assert "Accept-Encoding" in packed.headers["Vary"]
        assert len(packed.data) < len(plain.data) / 3
        assert decode(packed.data) == plain.data
    # Pages themselves are never cached.
    assert client.get("/").headers["Cache-Control"] == "no-store"
    # The unversioned name is not served: nothing could be cached under a name that stays.
    assert client.get("/static/css/portal.css").status_code == 404


def test_a_changed_asset_gets_a_new_name(tmp_path: Path) -> None:
    source, dest = tmp_path / "static", tmp_path / "build"
    (source / "css").mkdir(parents=True)
    sheet = source / "css" / "portal.css"
    sheet.write_text("body { color: #111; }\n" * 40)
    first = assets.load(source, dest)
    sheet.write_text("body { color: #222; }\n" * 40)
    second = assets.load(source, dest)
    old, new = first.url("css/portal.css"), second.url("css/portal.css")
    assert old != new and old.startswith("/static/css/portal.") and new.endswith(".css")

    def app(_environ: object, start: object) -> list[bytes]:
        raise AssertionError("a static file must not reach the app")

    client = Client(assets.serve(app, second))
    response = client.get(new, headers={"Accept-Encoding": "br"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert b"#222" in brotli.decompress(response.get_data())
    # Both versions stay on disk: a page rendered before the change may still ask for the old.
    assert (dest / "static" / old.removeprefix("/static/")).is_file()
    assert (dest / "static" / (new.removeprefix("/static/") + ".br")).is_file()
    assert (dest / "static" / (new.removeprefix("/static/") + ".gz")).is_file()


def test_the_stylesheet_has_no_fonts_no_other_origin_and_no_unused_class() -> None:
    css = (STATIC / "css" / "portal.css").read_text()
    assert "@font-face" not in css and "url(" not in css and "@import" not in css
    fonts = (".woff", ".woff2", ".ttf", ".otf", ".eot")
    assert not [p for p in STATIC.rglob("*") if p.suffix.lower() in fonts]
    rules = re.sub(r"\{[^}]*\}", "{}", re.sub(r"/\*.*?\*/", "", css, flags=re.S))
    classes = set(re.findall(r"\.([a-zA-Z][\w-]*)", rules))
    # Class names as written in templates and views; `state-{{ x }}` counts for every state-*.
    written: set[str] = set()
    prefixes: set[str] = set()
    sources = [*TEMPLATES.rglob("*.html"), *(STATIC.parent / "portal").rglob("*.py")]
    for path in sources:
        for value in re.findall(r'class="([^"]*)"', path.read_text()):
            prefixes.update(re.findall(r"([\w-]+-)\{\{", value))
            value = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", " ", value)
            written.update(re.findall(r"[\w-]+", value))
            written.update(re.findall(r"'([\w-]+)'", value))
        written.update(re.findall(r"""['"]([a-z][\w-]+)['"]""", path.read_text()))
    unused = sorted(
        c
        for c in classes
        if c not in written and c not in AWAITED and not any(c.startswith(p) for p in prefixes)
    )
    assert not unused, f"rules for classes no page uses: {unused}"


def test_the_built_stylesheet_is_minified_and_equivalent() -> None:
    css = assets.minify_css(
        "/* note */\na , b > c {\n  color: red;\n}\n@media (min-width: 40rem) {\n  a { x: y; }\n}\n"
    )
    assert css == "a,b>c{color: red}@media (min-width: 40rem){a{x: y}}\n"
