"""Read settings from the environment, failing loudly on values we cannot trust."""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

# Every variable read through these helpers is listed here so that a test can
# check that docs/configuration.md documents each one.
READ: set[str] = set()


def envstr(name: str, default: str = "") -> str:
    READ.add(name)
    if path := os.getenv(name + "_FILE"):
        p = Path(path)
        if not p.is_file():
            # A non-empty *_FILE must point at a readable file; silently
            # falling back to a default secret would fail open.
            raise ImproperlyConfigured(f"Error reading {name}_FILE ({path})")
        return p.read_text().strip()
    return os.getenv(name, default)


def envbool(name: str, default: bool) -> bool:
    v = envstr(name, "True" if default else "False")
    if v not in ("True", "False"):
        raise ImproperlyConfigured(f"Unexpected value {name}={v}, use 'True' or 'False'")
    return v == "True"


def envint(name: str, default: int) -> int:
    v = envstr(name, str(default))
    try:
        return int(v)
    except ValueError:
        raise ImproperlyConfigured(f"Unexpected value {name}={v}, use a whole number") from None


def envlist(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in envstr(name, default).split(",") if part.strip()]


def demo_secret(path: Path, nbytes: int) -> str:
    """A random secret kept in a private file, made on first use (``dryneedle demo`` only)."""
    if not path.exists():
        import secrets

        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(nbytes))
        path.chmod(0o600)
    return path.read_text().strip()
