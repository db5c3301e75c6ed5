"""The languages a patient can read dryneedle in (settings.LANGUAGES), from what a clinic typed in the record's
"preferred language". Knows no app: the patient's pages and the emails to a patient both ask it."""

# What clinics type, to a language we ship.
NAMES = {
    "english": "en-gb", "en": "en-gb", "en-gb": "en-gb", "spanish": "es", "español": "es", "espanol": "es",
    "es": "es", "french": "fr-ca", "français": "fr-ca", "francais": "fr-ca", "fr": "fr-ca", "fr-ca": "fr-ca",
    "canadian french": "fr-ca",
}  # fmt: skip


def of_record(preferred: str) -> str | None:
    """The shipped language for a record's preferred language, or None (then the browser's, else English)."""
    return NAMES.get((preferred or "").strip().lower())


def of_patient(patient, default: str = "en-gb") -> str:
    """The language to write to ``patient`` in where nothing else decides (a link's page, the clinic's device): their
    record's, else English."""
    return of_record(patient.preferred_language) or default
