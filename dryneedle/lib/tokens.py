"""Secret tokens in URLs and headers (patient links, API tokens, calendar feeds): one way to mint and hash them.

32 random bytes (256 bits, URL-safe base64) from ``secrets``; only the SHA-256
is stored, so a copy of the database opens nothing. A plain hash suffices:
the token is random, not a password, so there is nothing to guess from it.
"""

import hashlib
import secrets

MAX_LENGTH = 100  # longer input is not a token of ours: cut it before hashing


def digest(token: str) -> str:
    return hashlib.sha256(token[:MAX_LENGTH].encode()).hexdigest()


def mint(prefix: str = "") -> tuple[str, str]:
    """A new token and its digest; show the token once, store the digest."""
    token = prefix + secrets.token_urlsafe(32)
    return token, digest(token)
