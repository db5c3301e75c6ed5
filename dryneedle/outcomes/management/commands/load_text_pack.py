import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dryneedle.accounts.models import Clinic
from dryneedle.outcomes import bundle, scoring
from dryneedle.outcomes.models import TextPack
from dryneedle.outcomes.packs import ENGLISH

INSTRUMENTS = ("nprs", "odi", "rmdq", "startback", "psfs")


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
        except (OSError, json.JSONDecodeError) as e:
            raise CommandError(f"Cannot read {file}: {e}", returncode=2) from None
        problems = check(pack) if language == ENGLISH else check_translation(pack)
        if problems:
            raise CommandError("; ".join(problems), returncode=2)
        TextPack.objects.update_or_create(clinic=c, language=language, defaults={"pack": pack, "source": source[:300]})
        if language == ENGLISH:
            parts = [k for k in ("odi", "rmdq") if k in pack]
        else:
            parts = sorted(bundle.translated(list(INSTRUMENTS), pack))
        self.stdout.write(f"Loaded {' and '.join(parts)} wording ({language}) for {c.name}.")


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


def check_translation(pack) -> list[str]:
    """A translation words whole instruments: every screen of each one it names, with its title, question and a
    label for each answer."""
    screens = pack.get("screens") if isinstance(pack, dict) else None
    if not isinstance(screens, dict) or not screens or set(pack) != {"screens"}:
        return ['a translation is a JSON object {"screens": {"instrument:screen": {...}}}']
    named = {key.split(":", 1)[0] for key in screens}
    unknown = sorted(named - set(INSTRUMENTS))
    out = [f"unknown instrument {u!r} (known: {', '.join(INSTRUMENTS)})" for u in unknown]
    for inst in sorted(named & set(INSTRUMENTS)):
        for key, values in bundle.keys(inst).items():
            w = screens.get(f"{inst}:{key}")
            if not isinstance(w, dict) or not all(
                isinstance(w.get(k), str) and w.get(k) for k in ("title", "question")
            ):
                out.append(f"{inst}:{key}: a title and a question")
                continue
            options = w.get("options") or {}
            missing = [v for v in values if not (isinstance(options.get(v), str) and options.get(v))]
            if missing:
                out.append(f"{inst}:{key}: a label for the answers {', '.join(missing)}")
    return out
