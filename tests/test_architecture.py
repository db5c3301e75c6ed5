"""The house's rules that the import contract (make lint) cannot see (docs/architecture.md)."""

import ast
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.exceptions import InconsistentMigrationHistory
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from dryneedle.accounts.management.commands.migrate import MOVE, record_the_move
from dryneedle.lib.hooks import Hook

PACKAGE = Path(__file__).resolve().parent.parent / "dryneedle"


def late_imports_of_other_apps():
    """(file, line, module) for imports of another app inside a function, with no comment above."""
    out = []
    for f in sorted(PACKAGE.rglob("*.py")):
        parts = f.relative_to(PACKAGE).parts
        if "migrations" in parts or "tests" in parts:
            continue
        app = parts[0] if len(parts) > 1 else parts[0][:-3]
        source = f.read_text()
        lines = source.splitlines()
        tree = ast.parse(source)
        # Django loads every app's models before AppConfig.ready(): the documented place (and
        # the functions defined inside it, such as signal receivers).
        in_ready = {
            id(n)
            for fn in ast.walk(tree)
            if isinstance(fn, ast.FunctionDef) and fn.name == "ready" and f.name == "apps.py"
            for n in ast.walk(fn)
        }
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) or id(fn) in in_ready:
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("dryneedle."):
                    other = node.module.split(".")[1]
                    if other != app and not lines[node.lineno - 2].strip().startswith("#"):
                        out.append((str(f.relative_to(PACKAGE)), node.lineno, node.module))
    return out


def test_no_app_imports_another_inside_a_function_without_saying_why():
    assert late_imports_of_other_apps() == []


def test_the_check_sees_a_late_import(tmp_path, monkeypatch):
    # The scan itself finds what it is meant to find.
    fake = tmp_path / "dryneedle" / "patients"
    fake.mkdir(parents=True)
    (fake / "late.py").write_text("def f():\n    from dryneedle.visits.models import Visit\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", tmp_path / "dryneedle")
    assert late_imports_of_other_apps() == [("patients/late.py", 2, "dryneedle.visits.models")]


def test_every_hook_has_its_provider():
    hooks = [
        (name, value)
        for module_name, module in list(sys.modules.items())
        if module_name.startswith("dryneedle.")
        for name, value in vars(module).items()
        if isinstance(value, Hook)
    ]
    assert len({id(h) for _, h in hooks}) >= 7  # the seven in docs/architecture.md
    assert [name for name, h in hooks if h._provider is None] == []


@pytest.mark.owner
@pytest.mark.django_db
def test_an_old_database_migrates_after_the_accounts_move():
    """A database from before accounts existed: django-otp's applied migration now depends on accounts.0001."""
    recorder = MigrationRecorder(connection)
    recorder.record_unapplied(*MOVE)
    with pytest.raises(InconsistentMigrationHistory):
        MigrationLoader(connection).check_consistent_history(connection)
    assert record_the_move(connection) is True
    MigrationLoader(connection).check_consistent_history(connection)  # no longer raises
    assert MOVE in recorder.applied_migrations()
    assert record_the_move(connection) is False  # once only
