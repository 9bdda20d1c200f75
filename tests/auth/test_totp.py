"""TOTP second factor: RFC 6238 vectors, drift window, replay refusal, typing leniency, QR SVG."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import segno
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.auth import totp
from portal.auth.totp import CodeAlreadyUsed, InvalidCode

RFC_SEED = b"12345678901234567890"
SVG = "{http://www.w3.org/2000/svg}"

# RFC 6238 Appendix B, SHA-1 column: (unix time, 8-digit TOTP).
RFC_VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]


def at(unix_seconds: float) -> datetime:
    return datetime.fromtimestamp(unix_seconds, UTC)


@pytest.mark.parametrize(("unix_seconds", "expected"), RFC_VECTORS)
def test_rfc6238_vectors_with_eight_digits(unix_seconds: int, expected: str) -> None:
    step = unix_seconds // 30
    assert totp.code_for_step(RFC_SEED, step, digits=8) == expected
    assert totp.verify(RFC_SEED, expected, None, at(unix_seconds), digits=8) == step


@pytest.mark.parametrize(("unix_seconds", "expected"), RFC_VECTORS)
def test_six_digit_code_is_the_last_six_digits_of_the_rfc_value(
    unix_seconds: int, expected: str
) -> None:
    assert totp.verify(RFC_SEED, expected[-6:], None, at(unix_seconds)) == unix_seconds // 30


def test_one_step_of_drift_either_way_is_accepted() -> None:
    secret = totp.new_secret()
    now = at(1_700_000_000)
    step = totp.time_step(now)
    for drift in (-1, 0, 1):
        code = totp.code_for_step(secret, step + drift)
        assert totp.verify(secret, code, None, now) == step + drift


def test_two_steps_of_drift_are_refused_as_invalid_not_as_replay() -> None:
    secret = totp.new_secret()
    now = at(1_700_000_000)
    step = totp.time_step(now)
    for drift in (-2, 2):
        code = totp.code_for_step(secret, step + drift)
        if code in {totp.code_for_step(secret, step + d) for d in (-1, 0, 1)}:
            pytest.skip("one-in-a-million collision between neighbouring steps")
        with pytest.raises(InvalidCode) as refused:
            totp.verify(secret, code, None, now)
        assert type(refused.value) is InvalidCode


def test_a_code_cannot_be_used_twice() -> None:
    secret = totp.new_secret()
    now = at(1_700_000_000)
    code = totp.code_for_step(secret, totp.time_step(now))
    used = totp.verify(secret, code, None, now)
    with pytest.raises(CodeAlreadyUsed):
        totp.verify(secret, code, used, now + timedelta(seconds=5))


def test_an_older_code_is_refused_after_a_newer_one_was_used() -> None:
    secret = totp.new_secret()
    now = at(1_700_000_000)
    step = totp.time_step(now)
    used = totp.verify(secret, totp.code_for_step(secret, step + 1), None, now)
    assert used == step + 1
    with pytest.raises(CodeAlreadyUsed):
        totp.verify(secret, totp.code_for_step(secret, step), used, now)


def test_the_next_code_is_accepted_after_a_use() -> None:
    secret = totp.new_secret()
    now = at(1_700_000_000)
    used = totp.verify(secret, totp.code_for_step(secret, totp.time_step(now)), None, now)
    later = now + timedelta(seconds=30)
    assert totp.verify(secret, totp.code_for_step(secret, used + 1), used, later) == used + 1


def test_replay_is_a_kind_of_invalid_code() -> None:
    assert issubclass(CodeAlreadyUsed, InvalidCode)
    assert issubclass(InvalidCode, totp.TotpError)


@pytest.mark.parametrize(
    "typed",
    [
        "287 082",
        " 287082 ",
        "287-082",
        "٢٨٧٠٨٢",  # Arabic-Indic
        "۲۸۷ ۰۸۲",  # Extended Arabic-Indic, as on a Persian/Sorani layout
        "\u200f٢٨٧٠٨٢\u200e",  # with direction marks copied from an RTL page
        "28\u00a07082",  # no-break space
    ],
)
def test_codes_typed_with_spaces_or_arabic_indic_digits_are_accepted(typed: str) -> None:
    assert totp.verify(RFC_SEED, typed, None, at(59)) == 1


@pytest.mark.parametrize(
    "typed",
    ["", "28708", "2870822", "28708x", "²87082", "２８７０８２", "287082" + " " * 100, "0x1234"],
)
def test_malformed_codes_are_invalid(typed: str) -> None:
    with pytest.raises(InvalidCode):
        totp.verify(RFC_SEED, typed, None, at(59))


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        totp.verify(RFC_SEED, "287082", None, datetime(2024, 1, 1))


def test_short_secret_is_refused() -> None:
    with pytest.raises(ValueError):
        totp.verify(b"too short", "287082", None, at(59))


def test_new_secrets_are_160_bits_and_distinct() -> None:
    secrets = {totp.new_secret() for _ in range(20)}
    assert len(secrets) == 20
    assert all(len(secret) == 20 for secret in secrets)


@settings(max_examples=50, deadline=None)
@given(
    secret=st.binary(min_size=16, max_size=64),
    unix_seconds=st.integers(min_value=60, max_value=2**33),
    drift=st.sampled_from([-1, 0, 1]),
)
def test_any_code_within_the_window_is_accepted(
    secret: bytes, unix_seconds: int, drift: int
) -> None:
    now = at(unix_seconds)
    step = totp.time_step(now) + drift
    code = totp.code_for_step(secret, step)
    matched = totp.verify(secret, code, None, now)
    # A neighbouring step may produce the same code; verify then picks the newest match.
    assert matched >= step
    assert totp.code_for_step(secret, matched) == code


def test_provisioning_uri_is_what_authenticator_apps_expect() -> None:
    secret = totp.new_secret()
    uri = totp.provisioning_uri(secret, "jane.doe+cw@example.org")
    parts = urlsplit(uri)
    assert parts.scheme == "otpauth"
    assert parts.netloc == "totp"
    assert unquote(parts.path) == "/Compact Watch:jane.doe+cw@example.org"
    # "+" would be shown literally by several apps; spaces must be %20.
    assert "Compact+Watch" not in uri
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert query["issuer"] == "Compact Watch"
    assert query["algorithm"] == "SHA1"
    assert query["digits"] == "6"
    assert query["period"] == "30"
    assert "=" not in query["secret"]
    assert base64.b32decode(query["secret"]) == secret


def test_manual_entry_secret_decodes_to_the_secret() -> None:
    secret = totp.new_secret()
    shown = totp.secret_for_manual_entry(secret)
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{4})*", shown)
    assert base64.b32decode(shown.replace(" ", "")) == secret


# ---------------------------------------------------------------------------------------------
# QR code as inline SVG


def qr_svg(label: str = "QR code to add Compact Watch to your authenticator app") -> str:
    uri = totp.provisioning_uri(RFC_SEED, "verifier@demo.test")
    return totp.provisioning_qr_svg(uri, label)


def test_qr_svg_is_valid_xml_without_any_inline_style() -> None:
    svg = qr_svg()
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    for element in root.iter():
        assert not element.tag.endswith("style")
        assert "style" not in element.attrib
        assert not any(name.lower().startswith("on") for name in element.attrib)
    assert "style" not in svg.lower()
    assert "<?xml" not in svg  # inline in HTML: no XML declaration


def test_qr_svg_has_an_accessible_name() -> None:
    label = "رمز QR لإضافة الحساب إلى تطبيق المصادقة"
    root = ET.fromstring(qr_svg(label))
    assert root.get("role") == "img"
    assert root.get("aria-label") == label
    title = root.find(f"{SVG}title")
    assert title is not None
    assert title.text == label


def test_qr_svg_escapes_the_label() -> None:
    label = 'Scan <b>this</b> & "that"\x00'
    svg = qr_svg(label)
    assert "<b>" not in svg
    root = ET.fromstring(svg)
    assert root.get("aria-label") == 'Scan <b>this</b> & "that"'


def test_qr_svg_draws_exactly_the_qr_symbol() -> None:
    uri = totp.provisioning_uri(RFC_SEED, "verifier@demo.test")
    root = ET.fromstring(totp.provisioning_qr_svg(uri, "QR"))
    expected = [
        [bool(m) for m in row] for row in segno.make_qr(uri, error="m").matrix_iter(border=4)
    ]
    size = len(expected)
    assert root.get("viewBox") == f"0 0 {size} {size}"

    path = root.find(f"{SVG}path")
    assert path is not None
    drawn = [[False] * size for _ in range(size)]
    for x, y, width in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\3z", path.get("d", "")):
        for column in range(int(x), int(x) + int(width)):
            drawn[int(y)][column] = True
    assert drawn == expected
    # Light background so the code scans on a dark page.
    background = root.find(f"{SVG}rect")
    assert background is not None
    assert background.get("fill") == "#ffffff"


def test_qr_svg_refuses_a_class_that_is_not_one_class_name() -> None:
    uri = totp.provisioning_uri(RFC_SEED, "verifier@demo.test")
    with pytest.raises(ValueError):
        totp.provisioning_qr_svg(uri, "QR", css_class='x" onload="alert(1)')
