"""How the secrets people type are kept: Argon2id, the first choice of OWASP's password storage
guidance, with a random salt in every hash. Hashes made before (werkzeug's scrypt or PBKDF2) still
verify; a password's is replaced by an Argon2id one when its owner next signs in."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from werkzeug.security import check_password_hash, generate_password_hash

# OWASP's first Argon2id setting (19 MiB, 2 passes, 1 lane): about as long as scrypt took before,
# with the memory cost guidance asks for.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_ARGON2ID = "$argon2id$"
# What werkzeug's hashes begin with: the algorithms passwords were kept with before.
LEGACY_PREFIXES = ("scrypt:", "pbkdf2:")


def hash_secret(secret: str) -> str:
    return _HASHER.hash(secret)


def verify_secret(stored: str, secret: str) -> bool:
    if is_argon2id(stored):
        try:
            return _HASHER.verify(stored, secret)
        except (VerificationError, InvalidHashError):
            return False
    return check_password_hash(stored, secret)


def is_argon2id(stored: str) -> bool:
    """Whether ``stored`` is a hash as made now; any other is replaced at the next chance."""
    return stored.startswith(_ARGON2ID)


def is_legacy(stored: str) -> bool:
    """Whether ``stored`` is a hash of werkzeug's, from before Argon2id."""
    return stored.startswith(LEGACY_PREFIXES)


def legacy_hash(secret: str) -> str:
    """A hash as werkzeug made them (its default scrypt): to check as much work as one of those costs."""
    return generate_password_hash(secret)
