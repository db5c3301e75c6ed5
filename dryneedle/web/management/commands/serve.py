import json
import os
import sys
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


def static_up_to_date() -> bool:
    """Whether the collected static files are newer than every source file. Collecting hashes and compresses every
    file again (20-30 s of CPU here), which delayed every start of the demo and the server for nothing."""
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.exists():
        return False
    made = manifest.stat().st_mtime
    try:
        collected = set(json.loads(manifest.read_text())["paths"])
    except (ValueError, KeyError):
        return False
    for finder in finders.get_finders():
        for path, storage in finder.list([]):
            # A file not collected yet (a new one, or an upgraded package's, whose times may be old) or changed since.
            if path.replace(os.sep, "/") not in collected or os.path.getmtime(storage.path(path)) > made:
                return False
    return True


class Command(BaseCommand):
    help = """Serve dryneedle with gunicorn and WhiteNoise (production server, not runserver).
    Collects static files first."""

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
        parser.add_argument("--port", type=int, default=8000, help="port to listen on, 1-65535 (default: %(default)s)")
        parser.add_argument("--workers", type=int, default=settings.WEB_WORKERS, help="gunicorn workers (WEB_WORKERS)")
        parser.add_argument(
            "--threads",
            type=int,
            default=settings.WEB_THREADS,
            help="threads per worker; over 1, gthread (WEB_THREADS)",
        )

    def handle(self, **options):
        if not 1 <= options["port"] <= 65535:
            raise CommandError("--port must be between 1 and 65535.", returncode=2)
        if not 1 <= options["threads"] <= 64 or not 1 <= options["workers"] <= 64:
            raise CommandError("--workers and --threads must be between 1 and 64.", returncode=2)
        if not static_up_to_date():
            call_command("collectstatic", interactive=False, verbosity=0)
        args = [
            sys.executable,
            "-m",
            "gunicorn",
            "dryneedle.wsgi:application",
            "--bind",
            f"{options['host']}:{options['port']}",
            "--workers",
            str(options["workers"]),
            *(["--worker-class", "gthread", "--threads", str(options["threads"])] if options["threads"] > 1 else []),
            # gunicorn 27 opens a control socket in HOME by default; we want none.
            "--no-control-socket",
            "--access-logfile",
            "-",
            # Access logs must not carry patient data: paths hold only UUIDs,
            # and searches are sent in POST bodies.
            "--access-logformat",
            '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss',
        ]
        sys.stdout.flush()
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dryneedle.settings")
        # A fixed argument list (no shell) replaces this process with gunicorn.
        os.execv(sys.executable, args)  # noqa: S606  # nosec B606
