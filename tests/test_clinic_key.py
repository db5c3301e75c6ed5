"""The clinic-key check itself (tests/clinic_key.py): what counts as naming the clinic."""

from tests.clinic_key import known, unkeyed


def test_a_statement_on_a_clinical_table_must_name_the_clinic():
    assert unkeyed('SELECT "visits_visit"."id" FROM "visits_visit" WHERE "visits_visit"."episode_id" = 3') == (
        "visits_visit"
    )
    assert unkeyed('SELECT 1 FROM "visits_visit" WHERE ("visits_visit"."clinic_id" = 2 AND "id" = 3)') is None
    assert unkeyed('SELECT 1 FROM "visits_visit" WHERE "visits_visit"."clinic_id" IN (1, 2)') is None
    # A join: one keyed table is enough (the rows of the other are reached through it).
    joined = 'SELECT 1 FROM "visits_insertion" INNER JOIN "visits_visit" ON (1) WHERE "visits_visit"."clinic_id" = 2'
    assert unkeyed(joined) is None
    assert unkeyed('UPDATE "patients_episode" SET "status" = 1 WHERE "patients_episode"."id" = 4') == (
        "patients_episode"
    )
    assert unkeyed('INSERT INTO "outcomes_response" ("clinic_id", "score") VALUES (1, 2)') is None
    assert unkeyed('INSERT INTO "outcomes_response" ("score") VALUES (2)') == "outcomes_response"
    # The audit log names its chain's clinic in a column called clinic.
    assert unkeyed('SELECT 1 FROM "audit_auditevent" WHERE "audit_auditevent"."clinic" = \'x\'') is None
    # Tables without a clinic are not checked (users, clinics, sessions).
    assert unkeyed('SELECT 1 FROM "practitioners_user" WHERE "id" = 1') is None


def test_every_known_place_names_a_file_a_function_and_tables():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for place in known():
        path, function, tables = place.split()
        assert (root / path).exists() and function, place
        assert all(t.islower() for t in tables.split(",")), place
