"""Which wording of the questionnaires a patient reads (issue 19: "validated instruments are never
machine-translated: they appear in a language only from a text pack for that language").

English is the clinic's English pack (licensed ODI statements, published RMDQ items) over our own wording of the
rest. Another language comes only from the clinic's text pack for it: a licensed validated translation, instrument
by instrument; an instrument it does not word in full is asked in English and the patient is told so."""

from django.utils.translation import get_language_info

from dryneedle.lib import languages
from dryneedle.outcomes import bundle, scoring
from dryneedle.outcomes.models import TextPack

ENGLISH = "en-gb"
INSTRUMENTS = ("nprs", "odi", "rmdq", "startback", "psfs")
SOURCE_MAX = 300  # TextPack.source


def name(language: str) -> str:
    """The language's name in the active language ("Spanish" to the clinician, "Español" to the patient)."""
    return str(get_language_info(language)["name_translated"])


def english(clinic_id) -> dict | None:
    return getattr(TextPack.objects.filter(clinic=clinic_id, language=ENGLISH).first(), "pack", None)


def translation(clinic_id, language: str | None) -> dict | None:
    """The clinic's pack for ``language`` (None for English, or when none is loaded)."""
    if not language or language == ENGLISH:
        return None
    return getattr(TextPack.objects.filter(clinic=clinic_id, language=language).first(), "pack", None)


def reader_language(patient) -> str | None:
    """The language the patient reads (their record's), when it is one we ship and not English."""
    language = languages.of_record(patient.preferred_language)
    return language if language and language != ENGLISH else None


def in_english(instruments, language: str | None, words: dict | None) -> list[str]:
    """The instruments a reader of ``language`` is asked in English: ``words`` (their language's pack, or None)
    does not word them in full."""
    if not language or language == ENGLISH:
        return []
    done = bundle.translated(list(instruments), words)
    return [i for i in instruments if i not in done]


def problems(pack, language: str) -> list[str]:
    """What keeps ``pack`` from loading as the clinic's wording in ``language`` (empty: it loads)."""
    return check_english(pack) if language == ENGLISH else check_translation(pack)


def worded(pack: dict, language: str) -> list[str]:
    """The instruments a loaded pack words: the ODI and RMDQ statements in English, whole instruments otherwise."""
    if language == ENGLISH:
        return [k for k in ("odi", "rmdq") if k in pack]
    return [i for i in INSTRUMENTS if i in bundle.translated(list(INSTRUMENTS), pack)]


def check_english(pack) -> list[str]:
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
            given = w.get("options")
            options = given if isinstance(given, dict) else {}
            missing = [v for v in values if not (isinstance(options.get(v), str) and options.get(v))]
            if missing:
                out.append(f"{inst}:{key}: a label for the answers {', '.join(missing)}")
    return out
