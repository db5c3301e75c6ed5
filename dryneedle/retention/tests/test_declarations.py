"""Every field that can hold a person's words or details is declared: removed when the record is anonymised
(``identifying``) or kept with a reason (``not_identifying``). A new field, or a new model of a person's records,
fails here until someone decides which."""

from django.apps import apps
from django.db import models

from dryneedle.patients.models import Patient
from dryneedle.retention.anonymise import person_models

FREE = (models.CharField, models.TextField, models.JSONField, models.BinaryField, models.GenericIPAddressField)


def _undeclared(model) -> list[str]:
    identifying = getattr(model, "identifying", {})
    kept = getattr(model, "not_identifying", ())
    names = {f.name for f in model._meta.concrete_fields}
    assert set(identifying) <= names and set(kept) <= names, f"{model.__name__} declares a field it has not"
    return [f.name for f in model._meta.concrete_fields
            if isinstance(f, FREE) and not f.choices and f.name not in identifying and f.name not in kept
            and f.name != "code"]  # fmt: skip


def test_every_text_json_and_byte_field_of_a_persons_records_is_declared():
    undeclared = {m.model.__name__: u for m in person_models() if (u := _undeclared(m.model))}
    undeclared |= {"Patient": u} if (u := _undeclared(Patient)) else {}
    assert undeclared == {}


def test_every_model_pointing_at_a_patient_is_anonymised_with_them():
    covered = {m.model for m in person_models()}
    pointing = {m for m in apps.get_models() if m is not Patient and m.__module__.startswith("dryneedle.")
                and any(f.is_relation and f.related_model is Patient for f in m._meta.concrete_fields)}  # fmt: skip
    assert pointing - covered == set()
    # The rows reached through another record say how (an offer through its waitlist entry, a review its episode).
    by = {m.model.__name__: m.by for m in person_models()}
    assert by["WaitlistOffer"] == ("entry__patient",) and by["PatientReview"] == ("episode__patient",)


def test_the_patient_keeps_the_year_of_birth_and_loses_the_rest_of_who_they_are():
    from dryneedle.lib.anonymity import YEAR_ONLY

    assert Patient.identifying["birth_date"] == YEAR_ONLY
    assert {"given_name", "family_name", "email", "phone", "address", "emergency_contact_name",
            "emergency_contact_phone"} <= set(Patient.identifying)  # fmt: skip
