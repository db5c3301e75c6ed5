import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from dryneedle.accounts.models import Clinic
from dryneedle.outcomes import services
from dryneedle.outcomes.packs import ENGLISH


class Command(BaseCommand):
    help = """Load a clinic's item wording for the ODI (licensed from Mapi Research Trust) and the RMDQ.

    The JSON file holds {"odi": {section: [6 statements, score 0 to 5]}, "rmdq": [24 statements]};
    either part may be left out. Without a pack, forms show the ODI section names with placeholder
    statements and the RMDQ items by number. --source says where the wording comes from (e.g. the
    licence reference).

    --language es (or fr-ca) loads a validated translation instead: {"screens": {"odi:pain_intensity":
    {"title": ..., "question": ..., "options": {"0": ..., ..., "5": ...}}, ...}}, every screen of each instrument
    it holds (an instrument partly worded is refused). Patients who read that language are asked those
    instruments in it; the others stay in English, and they are told. Never load a machine translation.
    """

    def add_arguments(self, parser):
        parser.add_argument("clinic", help="The clinic's UUID")
        parser.add_argument("file", help="The JSON text pack")
        parser.add_argument("--source", required=True, help="Where the wording comes from (licence, edition)")
        parser.add_argument("--language", default=ENGLISH, choices=[code for code, _ in settings.LANGUAGES],
                            help="The pack's language (default en-gb)")  # fmt: skip

    def handle(self, clinic, file, source, language=ENGLISH, **options):
        c = Clinic.objects.filter(code=clinic).first()
        if c is None:
            raise CommandError(f"No clinic with code {clinic}.", returncode=2)
        try:
            with open(file, encoding="utf-8") as f:
                pack = json.load(f)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
            raise CommandError(f"Cannot read {file}: {e}", returncode=2) from None
        try:
            parts = services.load_text_pack(c, language, pack, source)
        except ValidationError as e:
            raise CommandError("; ".join(e.messages), returncode=2) from None
        self.stdout.write(f"Loaded {' and '.join(parts)} wording ({language}) for {c.name}.")
