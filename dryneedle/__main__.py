"""The `dryneedle` command: Django's management entry point with our settings."""

import os
import sys

# Commands that need no settings, database or secret: they run anywhere.
PURE = {"screen": "dryneedle.screening.cli"}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in PURE:
        import importlib

        importlib.import_module(PURE[sys.argv[1]]).main()
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dryneedle.settings")
    if len(sys.argv) > 1 and sys.argv[1] == "demo":
        # The demo runs on loopback over plain HTTP with a generated key.
        os.environ.setdefault("DRYNEEDLE_DEMO", "True")
        os.environ.setdefault("HTTPS", "False")
        os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
