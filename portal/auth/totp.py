"""Time-based one-time passwords (RFC 6238) as the staff second factor.

A stolen or guessed password alone must not open a verifier's account: the keys to sealed reports
sit behind it. The parameters are the ones every authenticator app understands (SHA-1, 6 digits, 30
s); HMAC-SHA-1 is still sound as a PRF, which is all TOTP needs from it.

What the caller owns: the secret (sealed to the server key at rest), the last accepted time step per
user (for replay refusal), and a limit on failed attempts — a 6-digit code with a ±1 step window is
guessed with probability 3 in a million per try, so attempts must be rate limited and counted.
"""

from __future__ import annotations

import base64
import hmac
import re
import secrets
import xml.etree.ElementTree as ET
from datetime import datetime
from urllib.parse import quote, urlencode

import segno
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP

ISSUER = "Compact Watch"
DIGITS = 6
STEP_SECONDS = 30
# RFC 4226 §4 asks for at least 128 bits and recommends 160, the size of an HMAC-SHA-1 block output.
SECRET_BYTES = 20
# One step either side absorbs phone clocks that run up to about 30 s fast or slow, and the time a
# person takes to type the code; a wider window only multiplies what a guesser gets per try.
DRIFT_STEPS = 1

# Anything longer is not a code someone typed; refuse it before doing any work on it.
_MAX_TYPED_LENGTH = 64

# Arabic-Indic (Arabic, Somali keyboards) and Extended Arabic-Indic (Persian layout, often used for
# Sorani Kurdish) digits: staff in Iraq and Somalia may type the code on such keyboards.
_DIGIT_FOLDING = str.maketrans(
    {chr(0x0660 + i): str(i) for i in range(10)} | {chr(0x06F0 + i): str(i) for i in range(10)}
)
# Apps show codes as "123 456"; copying from an RTL page can bring invisible direction marks along.
_TYPING_NOISE = re.compile(r"[\s\-\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069]+")

_SVG_NS = "http://www.w3.org/2000/svg"
_CLASS_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
# XML 1.0 forbids most C0 controls even when escaped; drop them so the SVG always parses.
_XML_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class TotpError(Exception):
    """Base of every one-time-password failure."""


class InvalidCode(TotpError):
    """The code does not match the secret within the allowed clock drift, or is not a code."""


class CodeAlreadyUsed(InvalidCode):
    """The code matched a time step already accepted: a replay, or the same code submitted twice.

    A subclass of InvalidCode so that a caller catching only InvalidCode still refuses it.
    """


def new_secret() -> bytes:
    """Return a fresh random 160-bit TOTP secret."""
    return secrets.token_bytes(SECRET_BYTES)


def provisioning_uri(secret: bytes, email: str, *, issuer: str = ISSUER) -> str:
    """Return the otpauth:// URI that an authenticator app reads from the enrolment QR code.

    Built here rather than with TOTP.get_provisioning_uri because that form-encodes spaces as "+",
    which Google Authenticator and others show literally ("Compact+Watch"); %20 reads right in all.
    """
    _check_secret(secret)
    label = f"{quote(issuer, safe='')}:{quote(email, safe='@')}"
    query = urlencode(
        [
            ("secret", _base32(secret)),
            ("issuer", issuer),
            ("algorithm", "SHA1"),
            ("digits", str(DIGITS)),
            ("period", str(STEP_SECONDS)),
        ],
        quote_via=quote,
    )
    return f"otpauth://totp/{label}?{query}"


def secret_for_manual_entry(secret: bytes) -> str:
    """Return the secret as grouped base32 ("ABCD EFGH …") for people who cannot scan a QR code."""
    _check_secret(secret)
    text = _base32(secret)
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def time_step(now: datetime) -> int:
    """Return the RFC 6238 time step (counter) that contains the instant `now`."""
    if now.tzinfo is None:
        # A naive datetime is read in the server's local zone: codes would drift by hours.
        raise ValueError("now must be timezone-aware")
    return int(now.timestamp()) // STEP_SECONDS


def code_for_step(secret: bytes, step: int, *, digits: int = DIGITS) -> str:
    """Return the code an authenticator shows during `step` (used by tests and demo tooling)."""
    _check_secret(secret)
    totp = TOTP(secret, digits, SHA1(), STEP_SECONDS)  # noqa: S303 - what the apps implement
    return totp.generate(step * STEP_SECONDS).decode("ascii")


def verify(
    secret: bytes,
    code: str,
    last_used_step: int | None,
    now: datetime,
    *,
    digits: int = DIGITS,
) -> int:
    """Check a typed code and return the time step it matched.

    `last_used_step` is the step returned by the previous successful call for this user (None
    before the first); any match at or before it is refused, so a code seen over a shoulder or
    captured by a phishing proxy cannot be used a second time. The caller must store the returned
    step in the same transaction that lets the person in, with a conditional update, so two
    concurrent requests cannot both spend one code.

    Raises InvalidCode (malformed or wrong) or CodeAlreadyUsed (replayed).
    """
    _check_secret(secret)
    typed = _normalise_code(code, digits).encode("ascii")
    current = time_step(now)
    totp = TOTP(secret, digits, SHA1(), STEP_SECONDS)  # noqa: S303 - see module docstring

    matched: list[int] = []
    # Every candidate step is computed and compared, with no early exit, so the response time does
    # not tell which step (if any) matched.
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if step < 0:
            continue
        expected = totp.generate(step * STEP_SECONDS)
        if hmac.compare_digest(expected, typed):
            matched.append(step)

    fresh = [step for step in matched if last_used_step is None or step > last_used_step]
    if fresh:
        return max(fresh)
    if matched:
        raise CodeAlreadyUsed("this code was already used; wait for the next one")
    raise InvalidCode("the code does not match")


def provisioning_qr_svg(
    uri: str, label: str, *, css_class: str = "totp-qr", module_px: int = 5
) -> str:
    """Return the provisioning URI as an inline SVG QR code.

    Safe under `style-src 'self'` without 'unsafe-inline': colours and rendering hints are SVG
    presentation attributes, never a style attribute or a <style> element, and the page's
    stylesheet may size it through `css_class`. Rendered on the server because a third-party QR
    service would see the TOTP secret. `label` (already translated) becomes the accessible name:
    role="img", aria-label, and a <title>. Black on an explicit white square with the standard
    4-module quiet zone, so it scans on a dark page too.
    """
    if not _CLASS_NAME.fullmatch(css_class):
        raise ValueError("css_class must be a single CSS class name")
    if module_px < 1:
        raise ValueError("module_px must be positive")
    # Always a full QR symbol: authenticator apps do not read Micro QR.
    qr = segno.make_qr(uri, error="m")
    rows = [list(row) for row in qr.matrix_iter(scale=1, border=4)]
    size = len(rows)
    accessible_name = _XML_FORBIDDEN.sub("", label)

    svg = ET.Element(
        "svg",
        {
            "xmlns": _SVG_NS,
            "viewBox": f"0 0 {size} {size}",
            "width": str(size * module_px),
            "height": str(size * module_px),
            "class": css_class,
            "role": "img",
            "aria-label": accessible_name,
            "shape-rendering": "crispEdges",
        },
    )
    ET.SubElement(svg, "title").text = accessible_name
    ET.SubElement(svg, "rect", {"width": str(size), "height": str(size), "fill": "#ffffff"})
    ET.SubElement(svg, "path", {"d": _dark_module_path(rows), "fill": "#000000"})
    return ET.tostring(svg, encoding="unicode")


def _dark_module_path(rows: list[list[int]]) -> str:
    # One rectangle per horizontal run of dark modules keeps the path a few kilobytes, which matters
    # on the slow links some staff work over.
    parts: list[str] = []
    for y, row in enumerate(rows):
        x = 0
        while x < len(row):
            if not row[x]:
                x += 1
                continue
            start = x
            while x < len(row) and row[x]:
                x += 1
            width = x - start
            parts.append(f"M{start} {y}h{width}v1h-{width}z")
    return "".join(parts)


def _normalise_code(code: str, digits: int) -> str:
    if len(code) > _MAX_TYPED_LENGTH:
        raise InvalidCode("not a one-time code")
    cleaned = _TYPING_NOISE.sub("", code).translate(_DIGIT_FOLDING)
    # str.isdigit would accept superscripts and other scripts' digits; only ASCII after folding.
    if len(cleaned) != digits or not cleaned.isascii() or not cleaned.isdigit():
        raise InvalidCode("not a one-time code")
    return cleaned


def _check_secret(secret: bytes) -> None:
    if len(secret) < 16:
        raise ValueError("a TOTP secret must be at least 128 bits")


def _base32(secret: bytes) -> str:
    # Apps reject or mis-handle "=" padding; RFC 4648 padding carries no information here.
    return base64.b32encode(secret).decode("ascii").rstrip("=")
