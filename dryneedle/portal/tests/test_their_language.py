"""Every page a patient's link opens speaks the language of their record (issue 19): the questions before a visit,
the home exercises (their names and instructions from the library, a dose the clinician left as the library wrote
it), the handout's needle sites and body chart, the review form, and what a used or expired link says. The
clinician's copy of the same things stays in English."""

import html

import pytest
from django.test import Client

from conftest import client_for, make_plan
from dryneedle.plans import services
from dryneedle.portal.models import PatientLink

pytestmark = pytest.mark.django_db


def _speaking(patient, language: str) -> None:
    patient.preferred_language = language
    patient.save()


def _page(client, token: str, **post) -> str:
    r = client.post(f"/p/{token}/", post) if post else client.get(f"/p/{token}/")
    return html.unescape(r.content.decode())


def test_the_questions_before_a_visit_in_french_and_a_used_link_says_so_in_french(episode, alice):
    _speaking(episode.patient, "French")
    _link, token = PatientLink.issue(episode, PatientLink.Purpose.SCREENING, alice)
    page = _page(Client(), token)
    assert '<html lang="fr-ca">' in page
    assert "Avant votre rendez-vous" in page and "Êtes-vous enceinte?" in page and "Envoyer mes réponses" in page
    assert "Before your appointment" not in page
    done = _page(Client(), token, pregnant="no", medications="")
    assert "Merci" in done and "allez à l'urgence maintenant" in done
    assert "Ces réponses ont déjà été envoyées" in _page(Client(), token)


def test_the_home_exercises_in_spanish_with_the_clinicians_own_dose_as_written(episode, alice):
    _speaking(episode.patient, "Español")
    plan = make_plan(episode, alice)  # knee rolls, the library's dose
    services.assign(plan, alice, "bridge", dose="Hold 3 seconds; 10 times, slowly")  # the clinician's own words
    _link, token = PatientLink.issue(episode, PatientLink.Purpose.EXERCISES, alice, bundle=[str(plan.code)], days=90)
    page = _page(Client(), token)
    assert "Sus ejercicios en casa" in page and "Giro de rodillas" in page and "Puente" in page
    assert "De 8 a 10 veces, alternando los lados." in page  # the library's dose, translated
    assert "Hold 3 seconds; 10 times, slowly" in page  # the clinician's, as written
    assert "Knee rolls" not in page and "Lie on your back" not in page
    bad = _page(Client(), token, exercise="not-a-code", day="2000-01-01", done="1")
    assert "Ese ejercicio no está en su programa." in bad
    # The clinician's care plan: English.
    assert "Knee rolls" in client_for(alice).get(f"/plans/{plan.code}/").content.decode()


@pytest.fixture
def signed(alice, screening, lot_a, visit):
    """A signed visit with one needle in the left multifidus, over the low back."""
    from conftest import ONTO_BONE, certify
    from dryneedle.screening.services import acknowledge
    from dryneedle.visits import services as visits
    from dryneedle.visits.models import Insertion

    acknowledge(screening, alice, ["diabetes"])
    certify(alice, 100)
    needle = Insertion.objects.create(visit=visit, lot=lot_a, muscle="multifidus", region="lumbar", side="left",
                                      depth_mm=15, created_by=alice, **ONTO_BONE)  # fmt: skip
    visits.remove_needle(needle, alice)
    visits.sign(visit, alice)
    return visit


def test_the_handout_names_the_needle_sites_and_the_chart_in_spanish(signed, alice):
    visit = signed
    _speaking(visit.patient, "Spanish")
    _link, token = PatientLink.issue(visit.episode, PatientLink.Purpose.HANDOUT, alice, bundle=[str(visit.code)])
    page = _page(Client(), token)
    assert "Multífido (izquierdo)" in page and "Multifidus (left)" not in page
    assert ">Espalda</text>" in page and ">Frente</text>" in page and ">I</text>" in page
    assert "Aguja 1: Multífido (izquierdo)" in page and "Zona lumbar, lado izquierdo" in page


def test_the_clinicians_handout_stays_in_english(signed, alice):
    signed.patient.preferred_language = "Spanish"
    signed.patient.save()
    page = client_for(alice).get(f"/aftercare/visits/{signed.code}/handout/").content.decode()
    assert "Multifidus (left)" in page and ">Back</text>" in page and ">L</text>" in page


def test_the_review_form_in_french(episode, alice):
    from dryneedle.patients.models import Episode

    _speaking(episode.patient, "Français")
    Episode.objects.filter(pk=episode.pk).update(status="discharged", discharge_date=episode.start_date,
                                                 discharge_reason="goals_met")  # fmt: skip
    _link, token = PatientLink.issue(episode, PatientLink.Purpose.REVIEW, alice, days=30)
    page = _page(Client(), token)
    assert "Comment se sont passés vos soins avec" in page and "5 étoiles" in page and "1 étoile" in page
    refused = _page(Client(), token, rating="9")
    assert "Choisissez de 1 à 5 étoiles." in refused


def test_a_page_not_found_in_the_patients_own_pages_is_in_their_language():
    page = html.unescape(Client(HTTP_ACCEPT_LANGUAGE="es").get("/my/no-such-page/").content.decode())
    assert '<html lang="es">' in page and "No encontrado" in page
    staff = Client(HTTP_ACCEPT_LANGUAGE="es").get("/patients/no-such-page/").content.decode()
    assert "Not found" in staff
