"""`dryneedle screen`: the contract others rely on, run as a real command without settings."""

import json
import os
import subprocess
import sys

import pytest

ENV = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE")}


def screen(stdin: str, *args: str):
    return subprocess.run(
        [sys.executable, "-m", "dryneedle", "screen", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=ENV,
        timeout=60,
    )


def test_one_object_in_one_decision_out():
    r = screen(json.dumps({"age": 67, "consent": "given", "findings": ["history_of_cancer"]}))
    assert r.returncode == 0 and r.stderr == ""
    out = json.loads(r.stdout)
    assert out["decision"] == "urgent_referral" and out["suspected"] == ["spinal_malignancy"]
    assert list(out) == ["decision", "override_allowed", "suspected", "reasons", "precautions", "actions"]


def test_an_array_in_an_array_out():
    items = [{"age": 30, "consent": "given", "findings": []}, {"age": 30, "consent": "refused", "findings": []}]
    r = screen(json.dumps(items))
    assert r.returncode == 0
    assert [o["decision"] for o in json.loads(r.stdout)] == ["clear", "do_not_needle"]


@pytest.mark.parametrize(
    ("stdin", "key"),
    [
        ('{"consent": "given", "findings": []}', "age"),
        ('{"age": "forty", "consent": "given", "findings": []}', "age"),
        ('{"age": 40, "consent": "given", "findings": ["zombie_bite"]}', "findings"),
        ('{"age": 40, "consent": "given", "findings": [], "colour": 1}', "colour"),
        ("[1, 2]", "input"),
    ],
)
def test_bad_input_names_the_key_and_exits_2(stdin, key):
    r = screen(stdin)
    assert r.returncode == 2
    assert key in r.stderr
    assert json.loads(r.stdout or "null") in (None, [])


def test_invalid_json_exits_2():
    r = screen("{not json")
    assert r.returncode == 2 and "not valid JSON" in r.stderr and r.stdout == ""


def test_only_the_bad_item_is_left_out():
    r = screen(
        json.dumps([{"age": 30, "consent": "given", "findings": []}, {"age": -1, "consent": "given", "findings": []}])
    )
    assert r.returncode == 2 and "item 1: age" in r.stderr
    assert [o["decision"] for o in json.loads(r.stdout)] == ["clear"]


def test_list_codes():
    r = screen("", "--list-codes")
    assert r.returncode == 0
    lines = r.stdout.splitlines()
    assert any(line.startswith("saddle_anaesthesia\t") for line in lines)
    assert all(len(line.split("\t")) == 4 for line in lines)


def test_an_unknown_option_exits_2():
    assert screen("", "--frobnicate").returncode == 2


NEW_CODES = (
    "prior_pneumothorax",
    "copd_or_emphysema",
    "recent_spinal_surgery",
    "lymph_node_clearance",
    "diabetic_peripheral_neuropathy",
    "new_onset_under_20_or_over_50",
    "thoracic_pain",
    "pain_at_multiple_sites",
    "systemically_unwell",
    "pregnant_gestation_unknown",
)


def test_list_codes_lists_the_codes_the_safety_review_named():
    r = screen("", "--list-codes")
    codes = {line.split("\t")[0] for line in r.stdout.splitlines()}
    assert set(NEW_CODES) <= codes
    for code in NEW_CODES:
        out = json.loads(screen(json.dumps({"age": 40, "consent": "given", "findings": [code]})).stdout)
        assert out["reasons"], code  # none is silently ignored


def test_an_acute_emergency_says_arrange_emergency_care_now():
    out = json.loads(
        screen(json.dumps({"age": 40, "consent": "given", "findings": ["acute_medical_emergency"]})).stdout
    )
    assert out["decision"] == "do_not_needle" and out["actions"][0].startswith("Arrange emergency care now")
    assert not any("Offer other treatment" in a for a in out["actions"])
