"""Values that must differ in every response, even in a page rendered once for many.

The page cache (portal/web/page_cache.py) renders a reporter page once per language. Anything in
it that must be new for each visitor (the masked CSRF token, the report form's one-time
submission token) is asked for through `per_response`: while a page is rendered for the cache it
answers with a mark and remembers how to make the value; each response then gets values made for
it in the marks' places. Outside that rendering `per_response` just makes the value.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

from flask import g

# Random per process, so no text a page shows can be taken for a mark.
PREFIX = "cw-slot-" + secrets.token_hex(8) + "-"
MARK = re.compile(re.escape(PREFIX).encode() + rb"[a-z-]+")


def rendering_for_cache() -> bool:
    return bool(g.get("page_cache_key"))


def per_response(name: str, make: Callable[[], str]) -> str:
    """`make()` now; while the page is rendered for the cache, a mark for each response's own."""
    if not rendering_for_cache():
        return make()
    slots: dict[str, Callable[[], str]] = g.setdefault("page_cache_slots", {})
    mark = PREFIX + name
    slots[mark] = make
    return mark
