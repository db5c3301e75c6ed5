import json

from django.core.management.base import BaseCommand, CommandError

from dryneedle.accounts.models import Clinic
from dryneedle.outcomes import scoring
from dryneedle.outcomes.models import TextPack


class Command(BaseCommand):
    help = """Load a clinic's item wording for the ODI (licensed from Mapi Research Trust) and the RMDQ.

    The JSON file holds {"odi": {section: [6 statements, score 0 to 5]}, "rmdq": [24 statements]};
    either part may be left out. Without a pack, forms show the ODI section names with placeholder
    statements and the RMDQ items by number. --source says where the wording comes from (e.g. the
    licence reference).
    """

    def add_arguments(self, parser):
        parser.add_argument("clinic", help="The clinic's UUID")
        parser.add_argument("file", help="The JSON text pack")
        parser.add_argument("--source", required=True, help="Where the wording comes from (licence, edition)")

    def handle(self, clinic, file, source, **options):
        c = Clinic.objects.filter(code=clinic).first()
        if c is None:
            raise CommandError(f"No clinic with code {clinic}.", returncode=2)
        try:
            with open(file, encoding="utf-8") as f:
                pack = json.load(f)
        except (OSError, json.JSONDecodeError) as e:
            raise CommandError(f"Cannot read {file}: {e}", returncode=2) from None
        problems = check(pack)
        if problems:
            raise CommandError("; ".join(problems), returncode=2)
        TextPack.objects.update_or_create(clinic=c, defaults={"pack": pack, "source": source[:300]})
        parts = [k for k in ("odi", "rmdq") if k in pack]
        self.stdout.write(f"Loaded {' and '.join(parts)} wording for {c.name}.")


def check(pack) -> list[str]:
    if not isinstance(pack, dict) or not pack or set(pack) - {"odi", "rmdq"}:
        return ['the pack is a JSON object with "odi" and/or "rmdq"']
    out = []
    odi = pack.get("odi")
    if odi is not None:
        if not isinstance(odi, dict) or set(odi) != set(scoring.ODI_SECTIONS):
            out.append(f"odi needs exactly the sections {', '.join(scoring.ODI_SECTIONS)}")
        else:
            out += [
                f"odi.{s}: 6 statements of text"
                for s, texts in odi.items()
                if not (isinstance(texts, list) and len(texts) == 6 and all(isinstance(t, str) and t for t in texts))
            ]
    rmdq = pack.get("rmdq")
    if rmdq is not None and not (
        isinstance(rmdq, list) and len(rmdq) == scoring.RMDQ_ITEMS and all(isinstance(t, str) and t for t in rmdq)
    ):
        out.append(f"rmdq: {scoring.RMDQ_ITEMS} statements of text")
    return out
