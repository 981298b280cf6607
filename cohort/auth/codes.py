"""The codes of two-factor sign-in, apart from any storage: time-based one-time codes (RFC 6238, as
every authenticator app makes them), the QR code that carries a secret to the app, and recovery codes."""

import hashlib
import hmac
import re
import secrets
from datetime import datetime

import pyotp
import segno
from markupsafe import Markup

from .. import hashing

ISSUER = "Cohort"
STEP_SECONDS = 30
# A code lives for its own 30 seconds only (ASVS 6.5.5), not the steps either side: a code typed
# at the very end of its step is refused with a plain "type the code your app shows now".
DRIFT_STEPS = 0
RECOVERY_CODES = 10
# No 0/o, 1/l/i: a code copied from paper is read back without doubt. 12 of these 31 are ~59 bits.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 12
_SIX_DIGITS = re.compile(r"\d{6}")


def new_secret() -> str:
    """A new random secret, in the Base32 authenticator apps take (160 bits)."""
    return pyotp.random_base32()


def spaced(secret: str) -> str:
    """The secret in groups of four, as it is easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(secret: str, account: str) -> str:
    """The ``otpauth://`` address an app reads from the QR code: the secret, the account and the site."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def qr_svg(uri: str) -> Markup:
    """The QR code of ``uri`` as inline SVG markup: drawn here, nothing anyone typed is in its markup,
    and inline SVG needs no script, no other address and no ``data:`` image under the CSP."""
    qr = segno.make(uri, error="m")
    # A viewBox and no fixed size: the style sheet sizes it for the screen.
    svg = qr.svg_inline(scale=5, border=4, dark="#000", light="#fff", svgclass="qr-code", lineclass=None, omitsize=True)
    return Markup(svg)  # noqa: S704 (segno's own drawing of a QR code, not text from a request)


def normalise(code: str) -> str:
    """A typed code without spaces, hyphens or capitals, however it was copied."""
    return re.sub(r"[\s\-]", "", code).lower()


def looks_like_one_time_code(code: str) -> bool:
    """Six digits are a code from the app; anything else is read as a recovery code."""
    return _SIX_DIGITS.fullmatch(normalise(code)) is not None


def step_at(moment: datetime) -> int:
    """The 30-second time step ``moment`` falls in."""
    return int(moment.timestamp()) // STEP_SECONDS


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step, within the allowed drift of ``now``, whose code ``code`` is; or None.

    Every candidate is compared, in constant time, so the time taken does not tell which matched."""
    totp = pyotp.TOTP(secret)
    # As bytes: compare_digest refuses str with characters beyond ASCII, and anything may be typed.
    typed = normalise(code).encode()
    current = step_at(now)
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step).encode(), typed) and found is None:
            found = step
    return found


def new_recovery_codes() -> list[str]:
    """Ten new recovery codes, as shown once to their owner (``xxxx-xxxx-xxxx``)."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append("-".join(raw[i : i + 4] for i in range(0, _RECOVERY_LENGTH, 4)))
    return codes


def recovery_hash(code: str) -> str:
    """What is stored of a recovery code: a salted hash as slow as a password's, so a copy of the
    table is no code (ASVS asks that of secrets under 112 bits; these have about 59)."""
    return hashing.hash_secret(normalise(code))


def recovery_matches(user_id: int, stored: str, code: str) -> bool:
    """Whether ``code`` is the recovery code ``stored`` was made from."""
    if not hashing.is_argon2id(stored):
        # Kept from before codes were hashed as passwords are: SHA-256 of the account and the code.
        legacy = hashlib.sha256(f"{user_id}:{normalise(code)}".encode()).hexdigest()
        return hmac.compare_digest(stored.encode(), legacy.encode())
    return hashing.verify_secret(stored, normalise(code))
