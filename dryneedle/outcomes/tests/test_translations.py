"""Questionnaires in the patient's language only from a licensed translation (issue 19: "validated instruments are
never machine-translated: ODI, RMDQ, STarT Back and PSFS appear in a language only from a text pack for that
language; where none is loaded, the patient is told the questionnaire is available in English, and the clinician
sees that a translation is missing"). The wording below is a stand-in, marked as such: no licensed text ships."""

import html
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from conftest import client_for
from dryneedle.outcomes import bundle, packs
from dryneedle.portal.models import PatientLink

pytestmark = pytest.mark.django_db


def nprs_in_spanish() -> dict:
    options = {str(i): str(i) for i in range(11)}
    return {"nprs:score": {"title": "[es licensed stand-in] Dolor", "question": "[es licensed stand-in] ¿Cuánto?",
                           "options": options}}  # fmt: skip


def load(tmp_path, clinic, pack, language="es"):
    f = tmp_path / "pack.json"
    f.write_text(json.dumps(pack))
    call_command("load_text_pack", str(clinic.code), str(f), "--source", "Licence ES-2027-1", "--language", language)


def open_link(episode, instruments=("nprs", "psfs")) -> str:
    _link, token = PatientLink.issue(episode, PatientLink.Purpose.OUTCOMES, None, bundle=list(instruments))
    return f"/p/{token}/"


def test_a_translation_must_word_whole_instruments(tmp_path, clinic_a):
    partial = {"screens": {"odi:lifting": {"title": "t", "question": "q", "options": {"0": "a"}}}}
    with pytest.raises(CommandError, match="odi:pain_intensity: a title and a question"):
        load(tmp_path, clinic_a, partial)
    with pytest.raises(CommandError, match="odi:lifting: a label for the answers 1, 2, 3, 4, 5"):
        load(tmp_path, clinic_a, partial)
    with pytest.raises(CommandError, match="unknown instrument 'sf36'"):
        load(tmp_path, clinic_a, {"screens": {"sf36:1": {}}})
    with pytest.raises(CommandError, match="invalid choice: 'de'"):
        load(tmp_path, clinic_a, {"screens": nprs_in_spanish()}, language="de")
    load(tmp_path, clinic_a, {"screens": nprs_in_spanish()})
    assert bundle.translated(["nprs", "psfs", "odi"], packs.translation(clinic_a.pk, "es")) == {"nprs"}


def test_a_spanish_reader_answers_the_translated_instrument_in_spanish_and_the_rest_in_english(
    tmp_path, clinic_a, episode, alice
):
    episode.patient.preferred_language = "Spanish"
    episode.patient.save()
    c = Client()
    url = open_link(episode)
    # No Spanish pack: the questions in English, the page around them in Spanish, and the patient is told.
    first = html.unescape(c.get(url).content.decode())
    assert "How bad is your pain right now?" in first and "Siguiente" in first
    assert "no ha cargado una en español" in first and 'lang="en"' in first
    # The clinician sees the translation is missing.
    chart = html.unescape(client_for(alice).get(f"/outcomes/episodes/{episode.code}/").content.decode())
    assert "Translation missing" in chart and "reads Spanish, and no licensed Spanish text of NPRS, " in chart
    load(tmp_path, clinic_a, {"screens": nprs_in_spanish()})
    url = open_link(episode)
    page = html.unescape(c.get(url).content.decode())
    assert "[es licensed stand-in] ¿Cuánto?" in page and "no ha cargado" not in page
    c.post(url, {"answer": "4"})
    psfs = html.unescape(c.get(f"{url}?step=1").content.decode())
    assert "Name up to 5 important activities" in psfs and "no ha cargado una en español" in psfs


def test_an_english_reader_never_sees_the_translation(tmp_path, clinic_a, episode):
    load(tmp_path, clinic_a, {"screens": nprs_in_spanish()})
    page = html.unescape(Client().get(open_link(episode)).content.decode())
    assert "How bad is your pain right now?" in page and "stand-in" not in page and "Next" in page


def upload(client, pack, **fields):
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = json.dumps(pack).encode() if not isinstance(pack, bytes) else pack
    data = {"action": "load", "language": "es", "source": "Licence ES-2027-1, Spanish edition", "validated": "on"}
    data.update(fields)
    return client.post("/outcomes/wording/", {**data, "file": SimpleUploadedFile("pack.json", body)})


def test_a_clinic_admin_loads_a_translation_on_the_page_and_a_spanish_reader_answers_in_it(
    clinic_a, admin, alice, episode
):
    """A clinic without a shell loads its licensed translation on a page: refused whole when it words an instrument
    in part, when it is not JSON, or when nobody says it is a validated wording; audited; removable."""
    from dryneedle.audit.models import AuditEvent
    from dryneedle.outcomes.models import TextPack

    c = client_for(admin)
    page = html.unescape(c.get("/outcomes/wording/").content.decode())
    assert (
        "Spanish" in page
        and "Asked in English: Pain (NPRS 0-10), Oswestry" in page
        and "None loaded." in page
        and "English wording of the ODI, it shows placeholder statements" in page
        and "English wording of the RMDQ, it shows its items by number" in page
    )
    partial = {"screens": {"odi:lifting": {"title": "t", "question": "q", "options": {"0": "a"}}}}
    r = upload(c, partial)
    said = html.unescape(r.content.decode())
    assert (
        r.status_code == 400 and "Nothing was loaded" in said and "odi:pain_intensity: a title and a question" in said
    )
    r = upload(c, b"{not json")
    assert r.status_code == 400 and "not JSON in UTF-8" in r.content.decode()
    r = upload(c, b"[" * 100_000)  # nested past Python's recursion limit: refused, not a 500
    assert r.status_code == 400 and "not JSON in UTF-8" in r.content.decode()
    answers_as_a_list = {"screens": {"nprs:score": {"title": "t", "question": "q", "options": ["0", "1"]}}}
    r = upload(c, answers_as_a_list)
    assert r.status_code == 400 and "nprs:score: a label for the answers 0, 1, 2" in r.content.decode()
    r = upload(c, {"screens": nprs_in_spanish()}, validated="")
    assert r.status_code == 400 and "Only a licensed or validated wording is loaded" in html.unescape(
        r.content.decode()
    )
    r = upload(c, {"screens": nprs_in_spanish()}, source="x" * 301)
    assert r.status_code == 400 and not TextPack.objects.exists()
    assert AuditEvent.objects.filter(action="text_pack.load", outcome="invalid").count() == 6

    r = upload(c, {"screens": nprs_in_spanish()})
    assert r.status_code == 302
    page = html.unescape(c.get("/outcomes/wording/").content.decode())
    assert (
        "Loaded the Spanish wording of Pain (NPRS 0-10)." in page
        and "Source: Licence ES-2027-1, Spanish edition" in page
    )
    assert "Worded by the clinic's pack: Pain (NPRS 0-10)." in page
    assert (
        "Asked in English: Oswestry Disability Index 2.1a, Roland-Morris Disability Questionnaire, Keele STarT "
        "Back, Patient-Specific Functional Scale." in page
    )
    event = AuditEvent.objects.get(action="text_pack.load", outcome="ok")
    assert event.username == admin.username and event.detail.startswith("es: nprs; Licence ES-2027-1")
    # Ana reads Spanish: her questionnaire's pain question is now in the clinic's licensed Spanish.
    episode.patient.preferred_language = "Spanish"
    episode.patient.save()
    patient_page = html.unescape(Client().get(open_link(episode)).content.decode())
    assert "[es licensed stand-in] ¿Cuánto?" in patient_page
    # A practitioner sees what is loaded and cannot change it.
    seen = html.unescape(client_for(alice).get("/outcomes/wording/").content.decode())
    assert "Licence ES-2027-1" in seen and "A clinic admin loads" in seen and 'name="file"' not in seen
    assert upload(client_for(alice), {"screens": nprs_in_spanish()}).status_code == 403
    # Removed: her next questionnaire is in English again, and she is told why.
    r = c.post("/outcomes/wording/", {"action": "remove", "language": "es"}, follow=True)
    assert "Removed: Spanish." in r.content.decode() and not TextPack.objects.exists()
    assert AuditEvent.objects.filter(action="text_pack.remove", outcome="ok").count() == 1
    patient_page = html.unescape(Client().get(open_link(episode)).content.decode())
    assert "How bad is your pain right now?" in patient_page and "no ha cargado una en español" in patient_page


def test_the_command_refuses_a_source_too_long_to_keep_rather_than_cut_it(tmp_path, clinic_a):
    f = tmp_path / "pack.json"
    f.write_text(json.dumps({"screens": nprs_in_spanish()}))
    with pytest.raises(CommandError, match=r"At most 300 characters \(this has 301\)"):
        call_command("load_text_pack", str(clinic_a.code), str(f), "--source", "x" * 301, "--language", "es")
    from dryneedle.outcomes.models import TextPack

    assert not TextPack.objects.exists()


def test_the_english_row_names_only_the_instrument_the_clinic_has_not_worded(clinic_a, admin, odi_pack):
    """A clinic with the ODI's licensed statements but not the RMDQ's is told about the RMDQ only (the row used to
    say both whenever either was missing)."""
    page = html.unescape(client_for(admin).get("/outcomes/wording/").content.decode())
    assert "English wording of the RMDQ, it shows its items by number" in page
    assert "placeholder statements" not in page
