"""The clinic's own SNOMED CT / ICD-10 codes for its conditions (issue 20): only a clinic admin sets them, with
their source; a mistyped code is refused with why; the FHIR export carries them and the import recognises them."""

import json

import pytest
from django.urls import reverse

from dryneedle.audit.models import AuditEvent
from dryneedle.fhir import everything, importing
from dryneedle.patients import coding
from dryneedle.patients.models import ConditionCode, Episode

pytestmark = pytest.mark.django_db

# 22298006: a concept id of the International Release (partition 00, check digit 6). Its meaning does not matter
# here: only the shape is checked. 100022109: a long-format id (partition 10, namespace 1000221, check digit 9).
SNOMED_ID, LONG_ID = "22298006", "100022109"


@pytest.mark.parametrize(("code", "why"), [
    (SNOMED_ID, None),
    ("22298007", "check digit"),
    ("22298016", "partition"),
    ("12345", "6 to 18 digits"),
    ("022298006", "not starting with 0"),
    ("2229800６", "digits only"),
    ("M54.5", "digits only"),
])  # fmt: skip
def test_a_snomed_ct_id_is_checked_for_its_shape(code, why):
    said = coding.snomed_error(code)
    assert said is None if why is None else why in said


@pytest.mark.parametrize(("typed", "stored", "ok"), [
    ("m54.5", "M54.5", True), ("M545", "M54.5", True), (" M54.50 ", "M54.50", True), ("M54", "M54", True),
    ("S33.5XXA", "S33.5XXA", True), ("54.5", "54.5", False), ("M5", "M5", False), ("M54.12345", "M54.12345", False),
])  # fmt: skip
def test_an_icd10_code_is_written_one_way_and_checked_for_its_shape(typed, stored, ok):
    assert coding.normal_icd10(typed) == stored
    assert (coding.icd10_error(stored) is None) is ok


def test_the_edition_offered_first_follows_the_clinics_country():
    assert coding.edition_for("US-CO") == coding.ICD10_CM
    assert coding.edition_for("CA-AB") == coding.ICD10_CA
    assert coding.edition_for("GB-ENG") == coding.ICD10


def _form(**codes) -> dict:
    data = {"edition": coding.ICD10_CM, "basis": "SNOMED CT US Edition 2026-09; ICD-10-CM FY2027 tabular list"}
    return data | codes


def test_only_a_clinic_admin_sets_the_codes(as_alice, as_admin):
    assert as_alice.get(reverse("patients:condition_codes")).status_code == 403
    assert as_alice.post(reverse("patients:condition_codes"), _form(icd10_chronic_lbp="M54.5")).status_code == 403
    assert not ConditionCode.objects.exists()
    assert "Set SNOMED CT / ICD-10 codes" not in as_alice.get(reverse("patients:conditions")).content.decode()
    assert "Set SNOMED CT / ICD-10 codes" in as_admin.get(reverse("patients:conditions")).content.decode()


def test_an_admin_sets_codes_with_their_source_and_every_clinician_sees_them(as_admin, as_alice, clinic_a):
    page = as_admin.get(reverse("patients:condition_codes")).content.decode()
    assert "dryneedle ships none" in page
    assert f'<option value="{coding.ICD10_CM}" selected>' in page  # a Colorado clinic: ICD-10-CM offered first
    r = as_admin.post(reverse("patients:condition_codes"), _form(
        snomed_chronic_lbp=SNOMED_ID, snomed_display_chronic_lbp="The term as copied", icd10_chronic_lbp="m545",
        icd10_acute_lbp="M54.5"))  # fmt: skip
    assert r.status_code == 302
    rows = {(c.condition, c.system): c.code for c in ConditionCode.objects.filter(clinic=clinic_a)}
    assert rows == {("chronic_lbp", coding.SNOMED): SNOMED_ID, ("chronic_lbp", coding.ICD10_CM): "M54.5",
                    ("acute_lbp", coding.ICD10_CM): "M54.5"}  # fmt: skip
    audit = AuditEvent.objects.get(action="condition_codes.set")
    assert "chronic_lbp SNOMED CT 22298006" in audit.detail and audit.category == "settings"
    seen = as_alice.get(reverse("patients:conditions")).content.decode()
    assert "SNOMED CT 22298006" in seen and "ICD-10-CM (United States) M54.5" in seen and "FY2027" in seen
    # The form shows what is set; saving it unchanged changes nothing and writes no audit row.
    page = as_admin.get(reverse("patients:condition_codes")).content.decode()
    assert 'value="22298006"' in page and 'value="The term as copied"' in page
    as_admin.post(reverse("patients:condition_codes"), _form(
        snomed_chronic_lbp=SNOMED_ID, snomed_display_chronic_lbp="The term as copied", icd10_chronic_lbp="M54.5",
        icd10_acute_lbp="M54.5"))  # fmt: skip
    assert AuditEvent.objects.filter(action="condition_codes.set").count() == 1


def test_clearing_a_code_removes_it_and_a_new_edition_moves_the_icd10_codes(as_admin, clinic_a):
    as_admin.post(reverse("patients:condition_codes"), _form(snomed_chronic_lbp=SNOMED_ID, icd10_chronic_lbp="M54.5"))
    as_admin.post(reverse("patients:condition_codes"), _form(icd10_chronic_lbp="M54.5", edition=coding.ICD10))
    assert list(ConditionCode.objects.filter(clinic=clinic_a).values_list("system", "code")) == [
        (coding.ICD10, "M54.5")
    ]
    assert "removed" in AuditEvent.objects.filter(action="condition_codes.set").last().detail


@pytest.mark.parametrize(("fields", "said"), [
    ({"snomed_chronic_lbp": "22298007"}, "check digit does not match"),
    ({"icd10_sciatica": "54.3"}, "An ICD-10 code is a letter"),
    ({"snomed_display_chronic_lbp": "A term alone"}, "Give the code of this term"),
    ({"icd10_chronic_lbp": "M54.5", "basis": " "}, "Say where the codes come from"),
    ({"icd10_chronic_lbp": "M54.5", "edition": "http://example.org/icd"}, "Select a valid choice"),
    ({"snomed_chronic_lbp": "1" * 19}, "at most 18 characters"),
    ({"icd10_chronic_lbp": "M54\x005"}, "Null characters are not allowed"),
])  # fmt: skip
def test_a_wrong_code_is_refused_with_why_and_nothing_is_saved(as_admin, fields, said):
    as_admin.post(reverse("patients:condition_codes"), _form(icd10_acute_lbp="M54.5"))
    r = as_admin.post(reverse("patients:condition_codes"), _form(icd10_acute_lbp="M54.9") | fields)
    assert r.status_code == 400 and said in r.content.decode()
    assert "Nothing was saved" in r.content.decode()
    assert list(ConditionCode.objects.values_list("code", flat=True)) == ["M54.5"]


def test_the_fhir_condition_carries_the_clinics_codes_and_no_other_clinics(as_admin, episode, clinic_b, charlie):
    ConditionCode.objects.create(clinic=clinic_b, condition="chronic_lbp", system=coding.SNOMED, code=LONG_ID,
                                 basis="clinic B's own", set_by=charlie)  # fmt: skip
    condition = next(r for r in everything.resources(episode.patient) if r["resourceType"] == "Condition")
    assert condition["code"]["coding"] == [{"system": "urn:dryneedle:condition", "code": "chronic_lbp"}]
    as_admin.post(reverse("patients:condition_codes"), _form(
        snomed_chronic_lbp=SNOMED_ID, snomed_display_chronic_lbp="Its term", icd10_chronic_lbp="M54.5"))  # fmt: skip
    condition = next(r for r in everything.resources(episode.patient) if r["resourceType"] == "Condition")
    assert condition["code"]["coding"] == [
        {"system": "urn:dryneedle:condition", "code": "chronic_lbp"},
        {"system": "http://snomed.info/sct", "code": SNOMED_ID, "display": "Its term"},
        {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M54.5"},
    ]
    assert LONG_ID not in json.dumps(everything.bundle(episode.patient))


def _bundle(*codings) -> bytes:
    patient = {
        "resourceType": "Patient",
        "id": "p1",
        "name": [{"family": "Okafor", "given": ["Ada"]}],
        "gender": "female",
        "birthDate": "1980-04-05",
    }
    conditions = [
        {
            "resourceType": "Condition",
            "id": f"c{i}",
            "subject": {"reference": "Patient/p1"},
            "onsetDateTime": "2026-10-01",
            "code": {"coding": c},
        }
        for i, c in enumerate(codings)
    ]
    return json.dumps({"resourceType": "Bundle", "type": "collection",
                       "entry": [{"resource": r} for r in [patient, *conditions]]}).encode()  # fmt: skip


def test_an_imported_condition_is_recognised_by_the_clinics_own_code(clinic_a, admin):
    for condition, system, code in [
        ("chronic_lbp", coding.SNOMED, SNOMED_ID), ("chronic_lbp", coding.ICD10_CM, "M54.5"),
        ("acute_lbp", coding.ICD10_CM, "M54.5"), ("sciatica", coding.ICD10_CM, "M54.3"),
    ]:  # fmt: skip
        ConditionCode.objects.create(clinic=clinic_a, condition=condition, system=system, code=code, basis="b",
                                     set_by=admin)  # fmt: skip
    icd = "http://hl7.org/fhir/sid/icd-10-cm"
    data = _bundle(
        [{"system": icd, "code": "M543"}],  # written without the dot: the same code
        [{"system": icd, "code": "M54.5"}],  # set for two conditions: which one cannot be told
        [{"system": icd, "code": "M54.5"}, {"system": "http://snomed.info/sct", "code": SNOMED_ID}],  # agreed
        [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "M54.5"}],  # another edition: not the clinic's code
    )
    report = importing.run(clinic_a, admin, importing.read("b.json", data))
    said = {i.id: (i.outcome, i.reason) for i in report.items if i.type == "Condition"}
    assert said["c0"][0] == said["c2"][0] == "created"
    assert (
        said["c1"][0] == "skipped"
        and "more than one condition (Acute low back pain, Chronic low back pain)" in (said["c1"][1])
    )
    assert said["c3"][0] == "skipped" and "ICD-10 (WHO) M54.5" in said["c3"][1]
    made = Episode.objects.filter(clinic=clinic_a).order_by("id")
    assert [e.condition for e in made] == ["sciatica", "chronic_lbp"]


def test_the_episodes_table_carries_the_clinics_codes(episode, admin, clinic_a):
    from dryneedle.exports.tables import EPISODES

    def row():
        return dict(zip(EPISODES.headers(), next(EPISODES.rows(clinic_a)), strict=True))

    assert (row()["snomed_ct"], row()["icd10"], row()["icd10_edition"]) == ("", "", "")
    for system, code in [(coding.SNOMED, SNOMED_ID), (coding.ICD10_CA, "M54.5")]:
        ConditionCode.objects.create(clinic=clinic_a, condition="chronic_lbp", system=system, code=code, basis="b",
                                     set_by=admin)  # fmt: skip
    assert (row()["snomed_ct"], row()["icd10"], row()["icd10_edition"]) == (SNOMED_ID, "M54.5", "ICD-10-CA (Canada)")


def test_the_api_lists_the_clinics_codes_with_each_condition(as_alice, as_charlie, clinic_a, admin):
    ConditionCode.objects.create(clinic=clinic_a, condition="sciatica", system=coding.ICD10_CM, code="M54.3",
                                 display="Its title", basis="ICD-10-CM FY2027", set_by=admin)  # fmt: skip
    by = {c["code"]: c["codes"] for c in as_alice.get("/api/v1/conditions").json()}
    assert by["sciatica"] == [{"system": coding.ICD10_CM, "system_name": "ICD-10-CM (United States)",
                               "code": "M54.3", "display": "Its title", "basis": "ICD-10-CM FY2027"}]  # fmt: skip
    assert by["chronic_lbp"] == []
    assert all(c["codes"] == [] for c in as_charlie.get("/api/v1/conditions").json())  # another clinic's: not shown
