"""Keep each command's --help in docs/cli.md (datasette's habit): `python scripts/cli_docs.py --write`.

Without --write it only checks, and exits 1 naming the commands whose help and docs differ;
tests/test_commands.py runs the check. Django's own options (--settings, -v, ...) are left out:
they are the same for every command and documented by Django.
"""

import argparse
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "cli.md"
# Django's options on every command, and Django's own commands that we only extend.
COMMON = {
    "help",
    "version",
    "verbosity",
    "settings",
    "pythonpath",
    "traceback",
    "no_color",
    "force_color",
    "skip_checks",
}
DJANGO_COMMANDS = {"migrate"}


def our_commands() -> list[str]:
    from django.core.management import get_commands

    return sorted(n for n, app in get_commands().items() if app.startswith("dryneedle") and n not in DJANGO_COMMANDS)


def help_text(name: str) -> str:
    """The command's own usage and options, at a fixed width (docs must not depend on the terminal)."""
    from django.core.management import get_commands, load_command_class

    os.environ["COLUMNS"] = "100"
    cmd = load_command_class(get_commands()[name], name)
    full = cmd.create_parser("dryneedle", name)
    own = argparse.ArgumentParser(prog=f"dryneedle {name}", description=cmd.help, add_help=False)
    for action in full._actions:
        if action.dest not in COMMON:
            own._add_action(action)
    return own.format_help().rstrip() + "\n"


def block(name: str) -> str:
    return f"<!-- help: {name} -->\n```text\n{help_text(name)}```\n<!-- /help -->"


def updated(doc: str) -> str:
    for name in our_commands():
        pattern = re.compile(rf"<!-- help: {re.escape(name)} -->.*?<!-- /help -->", re.S)
        if pattern.search(doc):
            doc = pattern.sub(lambda _m, n=name: block(n), doc)
        else:
            heading = re.search(rf"^## `dryneedle {re.escape(name)}\b[^\n]*\n", doc, re.M)
            if heading is None:
                raise SystemExit(f"docs/cli.md has no section for `dryneedle {name}`")
            doc = doc[: heading.end()] + "\n" + block(name) + "\n" + doc[heading.end() :]
    return doc


def main() -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    doc = DOC.read_text()
    new = updated(doc)
    if "--write" in sys.argv:
        DOC.write_text(new)
        return 0
    if new != doc:
        print("docs/cli.md differs from the commands' --help: run python scripts/cli_docs.py --write")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
