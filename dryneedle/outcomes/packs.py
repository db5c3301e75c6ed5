"""Which wording of the questionnaires a patient reads (issue 19: "validated instruments are never
machine-translated: they appear in a language only from a text pack for that language").

English is the clinic's English pack (licensed ODI statements, published RMDQ items) over our own wording of the
rest. Another language comes only from the clinic's text pack for it: a licensed validated translation, instrument
by instrument; an instrument it does not word in full is asked in English and the patient is told so."""

from django.utils.translation import get_language_info

from dryneedle.lib import languages
from dryneedle.outcomes import bundle
from dryneedle.outcomes.models import TextPack

ENGLISH = "en-gb"


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
