"""The rules page, the form, the patient pre-fill, the API and the CLI offer the same findings (safety review §14)."""

import pytest

import dryneedle.api  # noqa: F401 — the API package first: its routers import the apps' schemas (issue #16)
from dryneedle.portal.forms import CODES as PREFILL_CODES
from dryneedle.screening import rules
from dryneedle.screening.api import EvaluateIn, ScreeningIn
from dryneedle.screening.forms import FORM_FINDINGS, ScreeningForm

ALL = set(rules.BY_CODE)
ALIASES = {f.code for f in rules.FINDINGS if f.alias_of}


def test_every_finding_is_on_the_form_once_per_concept():
    on_form = {f.code for f in FORM_FINDINGS}
    # Aliases are accepted by the API and the CLI only; pregnancy of unknown weeks is the form's pregnancy answer.
    assert on_form == ALL - ALIASES - {"pregnant_gestation_unknown"}
    assert {c for c, _ in ScreeningForm().fields["findings"].choices} == on_form


def test_the_prefill_asks_only_codes_the_rules_know_and_every_red_flag():
    assert set(PREFILL_CODES) <= ALL - ALIASES
    red = {f.code for f in rules.FINDINGS if f.group in rules.RED_FLAG_GROUPS and not f.alias_of}
    # What a patient cannot judge (deformity, failure to improve) the clinician asks.
    assert red - set(PREFILL_CODES) == {"structural_deformity", "failure_to_improve_1_month"}


@pytest.mark.parametrize("schema", [EvaluateIn, ScreeningIn])
def test_the_api_accepts_every_code(schema):
    literal = schema.model_fields["findings"].annotation.__args__[0]
    assert set(literal.__args__) == ALL


def test_the_catalogue_lists_every_code():
    assert {c["code"] for c in rules.catalogue()} >= ALL
