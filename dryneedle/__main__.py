"""The `dryneedle` command: Django's management entry point with our settings."""

import os
import sys

# Commands that need no settings, database or secret: they run anywhere.
PURE = {
    "screen": "dryneedle.screening.cli:main",
    "score": "dryneedle.outcomes.cli:main_score",
    "change": "dryneedle.outcomes.cli:main_change",
}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in PURE:
        import importlib

        module, func = PURE[sys.argv[1]].split(":")
        getattr(importlib.import_module(module), func)()
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dryneedle.settings")
    if len(sys.argv) > 1 and sys.argv[1] == "demo":
        # The demo runs on loopback over plain HTTP with a generated key.
        os.environ.setdefault("DRYNEEDLE_DEMO", "True")
        os.environ.setdefault("HTTPS", "False")
        os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    if len(sys.argv) > 1 and sys.argv[1] == "migrate" and os.environ.get("DATABASE_OWNER_URL"):
        # Migrate as the owner; grant the server's role (DATABASE_URL's user) row access only.
        from urllib.parse import urlsplit

        app = urlsplit(os.environ.get("DATABASE_URL", "")).username
        if app:
            os.environ.setdefault("DATABASE_APP_ROLE", app)
        os.environ["DATABASE_URL"] = os.environ["DATABASE_OWNER_URL"]
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
