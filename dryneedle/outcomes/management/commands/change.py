import sys

from django.core.management.base import BaseCommand

from dryneedle.outcomes.cli import CHANGE_USAGE, run_change


class Command(BaseCommand):
    help = "Judge the change between two scores by the cited thresholds (absolute and relative). See docs/cli.md."

    def run_from_argv(self, argv):
        # The CLI contract is our own (JSON or CSV in and out, exit 2 on bad input), not argparse's.
        sys.exit(run_change(argv[2:], sys.stdin, sys.stdout, sys.stderr))

    def handle(self, *args, **options):
        self.stdout.write(CHANGE_USAGE)
