"""Staff and member passwords: what the portal accepts, and how it stores them.

Two threats shape this module. Online guessing against the login form is slowed by throttling in the
auth service, and this policy makes sure the first guesses on every cracking list (common passwords,
the portal's own name, the person's email) never succeed. Offline guessing by someone who copies the
database or a backup is slowed by Argon2id, whose memory cost keeps GPU and ASIC rigs from testing
billions of guesses a second.

Passwords are NFKC-normalised before both checking and hashing (NIST SP 800-63B §5.1.1.2): the same
Arabic or Latin password typed on a phone keyboard and on a laptop can arrive as different code
points, and must open the same account. Key-wrapping code that derives keys from the password should
use `normalise_password` too.
"""

from __future__ import annotations

import functools
import gzip
import re
import secrets
import unicodedata
from base64 import b64decode
from dataclasses import dataclass
from importlib import resources

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

# Refuse to normalise or hash anything longer, whatever the policy says: Argon2 itself is cheap in
# the password's length, but normalising and encoding a megabyte per request is not.
_HARD_LENGTH_LIMIT = 4096

_COMMON_PASSWORDS_FILE = "common_passwords.txt.gz"
# A targeted attacker tries the system's own name first, in every spelling and with any suffix.
_PORTAL_NAME = "compactwatch"

# Digit and symbol look-alikes mapped to one letter ("p@ssw0rd", "l3tm31n"): both the list and the
# password are mapped, so a substitution does not turn a listed password into an accepted one.
_LOOKALIKES = str.maketrans(
    {
        "0": "o",
        "1": "l",
        "i": "l",
        "!": "l",
        "|": "l",
        "3": "e",
        "4": "a",
        "@": "a",
        "5": "s",
        "$": "s",
        "7": "t",
        "+": "t",
        "8": "b",
    }
)
_SEPARATORS = re.compile(r"[\s\-_.,]+")
_EDGE_NON_LETTERS = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_NON_ALNUM = re.compile(r"[\W_]+")
# Parts of an email local part shorter than this are too common ("al", "jo") to refuse everywhere.
_EMAIL_PART_MIN = 4

_SALT_BYTES = 16
_HASH_BYTES = 32
# Bounds on parameters read back from the database, so a corrupted or planted row cannot make one
# login allocate gigabytes.
_MAX_MEMORY_KIB = 1024 * 1024
_MAX_ITERATIONS = 64
_MAX_LANES = 16
_PHC = re.compile(
    r"\$argon2id\$v=19\$m=(\d{1,10}),t=(\d{1,10}),p=(\d{1,3})"
    r"\$([A-Za-z0-9+/]{11,86})\$([A-Za-z0-9+/]{22,86})"
)


# ---------------------------------------------------------------------------------------------
# Policy


@dataclass(frozen=True)
class PasswordPolicy:
    """Length bounds; the list and pattern checks are always on.

    12 characters by default: long enough that the offline guessing Argon2id slows down has to
    cover a space too large to exhaust, short enough to type on a phone. The maximum only bounds
    the work one request can cause.
    """

    min_length: int = 12
    max_length: int = 1024

    def __post_init__(self) -> None:
        if not 1 <= self.min_length <= self.max_length <= _HARD_LENGTH_LIMIT:
            raise ValueError(f"need 1 <= min_length <= max_length <= {_HARD_LENGTH_LIMIT}")


@dataclass(frozen=True)
class PolicyViolation:
    """Base of the reasons to refuse a password; the web layer maps each to a translated message."""


@dataclass(frozen=True)
class TooShort(PolicyViolation):
    min_length: int


@dataclass(frozen=True)
class TooLong(PolicyViolation):
    max_length: int


@dataclass(frozen=True)
class TooCommon(PolicyViolation):
    """Listed as common, built on a listed word, or containing the portal's name."""


@dataclass(frozen=True)
class ContainsEmail(PolicyViolation):
    """Contains the email address's local part, or a 4+ character piece of it."""


@dataclass(frozen=True)
class Repetitive(PolicyViolation):
    """One character, or a unit of up to four characters, repeated ("aaaa…", "abcabc…")."""


def normalise_password(password: str) -> str:
    """Return the form of `password` that is checked, hashed and fed to key derivation."""
    return unicodedata.normalize("NFKC", password)


def check_password(
    password: str, *, email: str | None = None, policy: PasswordPolicy | None = None
) -> tuple[PolicyViolation, ...]:
    """Return every reason to refuse `password` as a new password; empty when it is acceptable."""
    policy = policy if policy is not None else PasswordPolicy()
    if len(password) > _HARD_LENGTH_LIMIT:
        return (TooLong(policy.max_length),)
    normalised = normalise_password(password)
    if len(normalised) > policy.max_length:
        # Skip the remaining checks: their cost should not depend on what an attacker sends.
        return (TooLong(policy.max_length),)

    reasons: list[PolicyViolation] = []
    if len(normalised) < policy.min_length:
        reasons.append(TooShort(policy.min_length))
    if is_common(normalised):
        reasons.append(TooCommon())
    if email is not None and _contains_email(normalised, email):
        reasons.append(ContainsEmail())
    if _is_repetitive(normalised):
        reasons.append(Repetitive())
    return tuple(reasons)


def is_common(password: str) -> bool:
    """Whether `password` is a listed common password, or one with digits or symbols around it."""
    lowered = normalise_password(password).casefold()
    common = common_passwords()
    forms = _lookup_forms(lowered)
    if any(form in common for form in forms):
        return True
    return any(_PORTAL_NAME in _NON_ALNUM.sub("", form) for form in forms)


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped common-password list with its look-alike forms, loaded once per process.

    Built by portal/auth/data/build_common_passwords.py. A missing file raises rather than
    silently accepting every password.
    """
    data = resources.files("portal.auth.data").joinpath(_COMMON_PASSWORDS_FILE).read_bytes()
    entries = {
        unicodedata.normalize("NFKC", line).casefold()
        for line in gzip.decompress(data).decode("utf-8").splitlines()
        if line
    }
    return frozenset(entries | {entry.translate(_LOOKALIKES) for entry in entries})


def _lookup_forms(lowered: str) -> set[str]:
    forms = {lowered, _SEPARATORS.sub("", lowered)}
    # "Summer2024!" and "!!dragon99" are the listed word with decoration; guessers add it for free.
    forms |= {_EDGE_NON_LETTERS.sub("", form) for form in forms}
    forms |= {form.translate(_LOOKALIKES) for form in forms}
    forms |= {_EDGE_NON_LETTERS.sub("", form) for form in forms}
    return {form for form in forms if len(form) >= 4}


def _contains_email(password: str, email: str) -> bool:
    local = normalise_password(email).casefold().rsplit("@", 1)[0]
    local = local.split("+", 1)[0]  # "jane+portal@" is still Jane
    haystack = _NON_ALNUM.sub("", password.casefold())
    whole = _NON_ALNUM.sub("", local)
    # A guesser who knows the account name tries the person's name pieces first.
    pieces = [piece for piece in re.split(r"[\W_]+", local) if len(piece) >= _EMAIL_PART_MIN]
    needles = ([whole] if len(whole) >= 3 else []) + pieces
    return any(needle in haystack for needle in needles)


def _is_repetitive(password: str) -> bool:
    for unit in range(1, 5):
        if len(password) > unit and password == password[:unit] * (len(password) // unit):
            return True
    return False


# ---------------------------------------------------------------------------------------------
# Hashing


class PasswordHashError(Exception):
    """Base of password-hash failures other than a wrong password (which is just False)."""


class MalformedPasswordHash(PasswordHashError):
    """The stored string is not an Argon2id PHC string this module accepts: corrupt or tampered."""


@dataclass(frozen=True)
class PasswordHashParams:
    """Argon2id cost per password guess.

    Threat: someone copies the database or a backup and guesses passwords offline, with no rate
    limit. 64 MiB per guess (RFC 9106's second recommended setting, one lane) makes each guess cost
    memory bandwidth, which GPUs cannot parallelise cheaply. Raising any field makes
    `needs_rehash` true for older hashes, which the service upgrades at the next successful login.
    """

    memory_kib: int = 65536
    iterations: int = 3
    lanes: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.lanes <= _MAX_LANES:
            raise ValueError(f"lanes must be between 1 and {_MAX_LANES}")
        if not 8 * self.lanes <= self.memory_kib <= _MAX_MEMORY_KIB:
            raise ValueError(f"memory_kib must be between 8 * lanes and {_MAX_MEMORY_KIB}")
        if not 1 <= self.iterations <= _MAX_ITERATIONS:
            raise ValueError(f"iterations must be between 1 and {_MAX_ITERATIONS}")


def hash_password(password: str, params: PasswordHashParams | None = None) -> str:
    """Return a PHC string `$argon2id$v=19$m=…,t=…,p=…$salt$hash` with a fresh random salt."""
    params = params if params is not None else PasswordHashParams()
    if len(password) > _HARD_LENGTH_LIMIT:
        raise ValueError("password too long to hash; check it against the policy first")
    kdf = Argon2id(
        salt=secrets.token_bytes(_SALT_BYTES),
        length=_HASH_BYTES,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    )
    return kdf.derive_phc_encoded(_password_bytes(password))


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` matches the PHC string `stored`, compared in constant time.

    Raises MalformedPasswordHash when `stored` is not a valid Argon2id PHC string, so that damaged
    data shows up as an error instead of as a person who can no longer sign in.
    """
    _parse(stored)
    if len(password) > _HARD_LENGTH_LIMIT:
        return False
    try:
        Argon2id.verify_phc_encoded(_password_bytes(password), stored)
    except InvalidKey:
        return False
    return True


def verify_password_for_unknown_user(
    password: str, params: PasswordHashParams | None = None
) -> bool:
    """Spend the time a real verification takes, then return False.

    Call it when no account has the email given, so response time does not reveal which email
    addresses belong to staff.
    """
    params = params if params is not None else PasswordHashParams()
    kdf = Argon2id(
        salt=secrets.token_bytes(_SALT_BYTES),
        length=_HASH_BYTES,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    )
    kdf.derive(_password_bytes(password[:_HARD_LENGTH_LIMIT]))
    return False


def needs_rehash(stored: str, params: PasswordHashParams | None = None) -> bool:
    """Whether `stored` was made with other parameters (or salt/hash sizes) than today's."""
    params = params if params is not None else PasswordHashParams()
    stored_params, salt_bytes, hash_bytes = _parse(stored)
    return stored_params != params or salt_bytes != _SALT_BYTES or hash_bytes != _HASH_BYTES


def _parse(stored: str) -> tuple[PasswordHashParams, int, int]:
    match = _PHC.fullmatch(stored)
    if match is None:
        raise MalformedPasswordHash("not an Argon2id v19 PHC string")
    memory, iterations, lanes, salt_b64, hash_b64 = match.groups()
    try:
        params = PasswordHashParams(
            memory_kib=int(memory), iterations=int(iterations), lanes=int(lanes)
        )
        salt = _unpadded_b64decode(salt_b64)
        digest = _unpadded_b64decode(hash_b64)
    except ValueError as error:
        raise MalformedPasswordHash(str(error)) from error
    if not 8 <= len(salt) <= 64 or not 16 <= len(digest) <= 64:
        raise MalformedPasswordHash("salt or hash length out of range")
    return params, len(salt), len(digest)


def _unpadded_b64decode(text: str) -> bytes:
    return b64decode(text + "=" * (-len(text) % 4), validate=True)


def _password_bytes(password: str) -> bytes:
    # surrogatepass: a lone surrogate from a broken client still hashes deterministically instead
    # of raising halfway through a login.
    return normalise_password(password).encode("utf-8", "surrogatepass")
