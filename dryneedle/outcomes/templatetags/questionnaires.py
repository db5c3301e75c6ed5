from django import template

from dryneedle.outcomes import packs

register = template.Library()


@register.simple_tag
def untranslated(episode, points) -> dict | None:
    """For the clinician: the questionnaires of this episode's time points its patient is asked in English although
    they read another language (no licensed translation loaded, outcomes/packs.py), or None."""
    language = packs.reader_language(episode.patient)
    if language is None or not points:
        return None
    asked = sorted({i for p in points for i in p.instruments})
    missing = packs.in_english(asked, language, packs.translation(episode.clinic_id, language))
    return {"language": packs.name(language), "instruments": missing} if missing else None
