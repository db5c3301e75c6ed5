import sys

from django.core.management.base import BaseCommand

from dryneedle.screening.cli import USAGE, run


class Command(BaseCommand):
    help = "Screen for red flags and contraindications: JSON on standard input, the cited decision as JSON out. " + (
        "See docs/cli.md."
    )

    def run_from_argv(self, argv):
        # The CLI contract is our own (JSON in, JSON out, exit 2 on bad input), not argparse's.
        sys.exit(run(argv[2:], sys.stdin, sys.stdout, sys.stderr))

    def handle(self, *args, **options):
        self.stdout.write(USAGE)
