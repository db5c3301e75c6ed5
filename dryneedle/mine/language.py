"""The patient's pages in the patient's language (issue 19): their choice on the page (kept in the session), else
the preferred language their clinic recorded, else the browser's, else English. The /my/ pages and the public
directory's (search and profiles, where a patient finds a practitioner): staff pages stay in English. Dates and
numbers follow the language; times stay on the clinic's clock."""

from django.conf import settings
from django.urls import Resolver404, resolve
from django.utils import translation

from dryneedle.lib import languages
from dryneedle.mine.signin import patients_for
from dryneedle.web.middleware import PATIENT_SESSION

CHOSEN = "mine.language"
CODES = {code for code, _ in settings.LANGUAGES}
PUBLIC_DIRECTORY = {"directory:search", "directory:profile"}  # the directory's other pages are the clinic's


def patient_facing(path: str) -> bool:
    """Whether the page at ``path`` is one a patient (or someone looking for a practitioner) reads."""
    if path.startswith("/my/"):
        return True
    if not path.startswith("/directory/"):  # the public directory's pages are under it: nothing else to resolve
        return False
    try:
        return resolve(path).view_name in PUBLIC_DIRECTORY
    except Resolver404:
        return False


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
        if not patient_facing(request.path_info):
            return get_response(request)
        language = choose(request)
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = get_response(request)
        response.headers.setdefault("Content-Language", language)
        response.headers["Vary"] = ", ".join(filter(None, [response.headers.get("Vary"), "Accept-Language"]))
        return response

    return middleware
