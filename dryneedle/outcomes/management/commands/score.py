import sys

from django.core.management.base import BaseCommand

from dryneedle.outcomes.cli import SCORE_USAGE, run_score


class Command(BaseCommand):
    help = "Score an outcome instrument (nprs, odi, rmdq, startback, psfs) exactly as published. See docs/cli.md."

    def run_from_argv(self, argv):
        # The CLI contract is our own (JSON or CSV in and out, exit 2 on bad input), not argparse's.
        sys.exit(run_score(argv[2:], sys.stdin, sys.stdout, sys.stderr))

    def handle(self, *args, **options):
        self.stdout.write(SCORE_USAGE)
