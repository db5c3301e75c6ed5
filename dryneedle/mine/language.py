"""The patient's pages in the patient's language (issue 19): their choice on the page (kept in the session), else
the preferred language their clinic recorded, else the browser's, else English. Only /my/ pages: staff pages stay
in English. Dates and numbers follow the language; times stay on the clinic's clock."""

from django.conf import settings
from django.utils import translation

from dryneedle.lib import languages
from dryneedle.mine.signin import patients_for
from dryneedle.web.middleware import PATIENT_SESSION

CHOSEN = "mine.language"
CODES = {code for code, _ in settings.LANGUAGES}


def choose(request) -> str:
    chosen = request.session.get(CHOSEN)
    if chosen in CODES:
        return chosen
    email = request.session.get(PATIENT_SESSION)
    if email:
        for p in patients_for(email):
            if code := languages.of_record(p.preferred_language):
                return code
    browser = translation.get_language_from_request(request)
    return browser if browser in CODES else settings.LANGUAGE_CODE


def patient_language(get_response):
    def middleware(request):
        if not request.path.startswith("/my/"):
            return get_response(request)
        language = choose(request)
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = get_response(request)
        response.headers.setdefault("Content-Language", language)
        response.headers["Vary"] = ", ".join(filter(None, [response.headers.get("Vary"), "Accept-Language"]))
        return response

    return middleware
