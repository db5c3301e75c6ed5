"""The screening rules, table-driven: every rule and level, with its source in the test id."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dryneedle.screening import rules


def screen(**kw):
    base = {"age": 40, "consent": "given", "findings": []}
    return rules.screen({**base, **kw})


CASES = [
    # (id naming the source, input, expected decision, expected suspected, a rule id that must be among the reasons)
    ("S5.2-CES-saddle", {"findings": ["saddle_anaesthesia"]}, "emergency_referral", ["cauda_equina_syndrome"], "ces"),
    ("S5.2-CES-bladder", {"findings": ["bladder_dysfunction"]}, "emergency_referral", ["cauda_equina_syndrome"], "ces"),
    ("S5.2-CES-bowel", {"findings": ["bowel_incontinence"]}, "emergency_referral", ["cauda_equina_syndrome"], "ces"),
    (
        "S5.2-CES-sexual",
        {"findings": ["sexual_dysfunction_new"]},
        "emergency_referral",
        ["cauda_equina_syndrome"],
        "ces",
    ),
    (
        "S5.2-CES-with-neuro",
        {"findings": ["gait_disturbance", "bladder_dysfunction"]},
        "emergency_referral",
        ["cauda_equina_syndrome"],
        "ces",
    ),
    # NICE CKS Sciatica red flags (safety review §14): neurological red flags refer on their own.
    (
        "S14-CKS-bilateral-leg-symptoms-alone",
        {"findings": ["bilateral_leg_neuro_symptoms"]},
        "emergency_referral",
        ["cauda_equina_syndrome"],
        "neurological_red_flag",
    ),
    (
        "S14-CKS-progressive-deficit-alone",
        {"findings": ["progressive_neuro_deficit"]},
        "emergency_referral",
        ["cauda_equina_syndrome"],
        "neurological_red_flag",
    ),
    (
        "S14-CKS-gait-disturbance-alone",
        {"findings": ["gait_disturbance"]},
        "emergency_referral",
        ["cauda_equina_syndrome"],
        "neurological_red_flag",
    ),
    (
        "S5.2-malignancy-weight-loss",
        {"findings": ["history_of_cancer", "unexplained_weight_loss"]},
        "urgent_referral",
        ["spinal_malignancy"],
        "spinal_malignancy",
    ),
    (
        "S5.2-malignancy-night-pain",
        {"findings": ["history_of_cancer", "night_pain_unrelenting"]},
        "urgent_referral",
        ["spinal_malignancy"],
        "spinal_malignancy",
    ),
    (
        "S5.2-malignancy-no-improvement",
        {"findings": ["history_of_cancer", "failure_to_improve_1_month"]},
        "urgent_referral",
        ["spinal_malignancy"],
        "spinal_malignancy",
    ),
    (
        "S5.2-malignancy-deformity",
        {"findings": ["history_of_cancer", "structural_deformity"]},
        "urgent_referral",
        ["spinal_malignancy"],
        "spinal_malignancy",
    ),
    (
        "S5.2-malignancy-age-50",
        {"age": 50, "findings": ["history_of_cancer"]},
        "urgent_referral",
        ["spinal_malignancy"],
        "spinal_malignancy",
    ),
    # Henschke 2013 / NICE NG234 (safety review §14): a history of cancer refers at any age.
    (
        "S14-Henschke-cancer-at-35",
        {"age": 35, "findings": ["history_of_cancer"]},
        "urgent_referral",
        ["spinal_malignancy"],
        "spinal_malignancy",
    ),
    (
        "S14-NG234-cancer-with-thoracic-pain",
        {"age": 44, "findings": ["history_of_cancer", "thoracic_pain"]},
        "urgent_referral",
        ["spinal_malignancy"],
        "spinal_malignancy",
    ),
    (
        "S5.2-two-malignancy-features-without-cancer",
        {"age": 62, "findings": ["unexplained_weight_loss", "night_pain_unrelenting"]},
        "urgent_referral",
        ["spinal_malignancy"],
        "spinal_malignancy",
    ),
    (
        "S5.2-one-malignancy-feature-reassess",
        {"findings": ["pain_at_multiple_sites"]},
        "precautions",
        [],
        "reassess_red_flag:pain_at_multiple_sites",
    ),
    (
        "S5.2-new-onset-over-50-reassess",
        {"age": 55, "findings": ["new_onset_under_20_or_over_50"]},
        "precautions",
        [],
        "reassess_red_flag:new_onset_under_20_or_over_50",
    ),
    (
        "S5.2-infection-ivdu",
        {"findings": ["fever", "iv_drug_use"]},
        "urgent_referral",
        ["spinal_infection"],
        "spinal_infection",
    ),
    (
        "S5.2-infection-immunosuppression",
        {"findings": ["fever", "immunosuppression"]},
        "urgent_referral",
        ["spinal_infection"],
        "spinal_infection",
    ),
    (
        "S5.2-infection-bacterial",
        {"findings": ["fever", "recent_bacterial_infection"]},
        "urgent_referral",
        ["spinal_infection"],
        "spinal_infection",
    ),
    (
        "S5.2-infection-wound",
        {"findings": ["fever", "penetrating_wound"]},
        "urgent_referral",
        ["spinal_infection"],
        "spinal_infection",
    ),
    # Fever alone: an acute illness (APTA/ISCP S1; Sierpina S6) — never a needling day.
    ("S3.1-S1-fever-alone-acute-illness", {"findings": ["fever"]}, "do_not_needle", [], "acute_illness"),
    (
        "S3.1-S1-unwell-alone-acute-illness",
        {"findings": ["systemically_unwell"]},
        "do_not_needle",
        [],
        "acute_illness",
    ),
    # Safety review §14: fever with immunosuppression of any cause, corticosteroids or diabetes.
    (
        "S14-infection-immunocompromised-code",
        {"findings": ["fever", "immunocompromised"]},
        "urgent_referral",
        ["spinal_infection"],
        "spinal_infection",
    ),
    (
        "S14-infection-unwell-with-steroids",
        {"findings": ["systemically_unwell", "long_term_corticosteroids"]},
        "urgent_referral",
        ["spinal_infection"],
        "spinal_infection",
    ),
    (
        "S14-infection-fever-with-diabetes",
        {"findings": ["fever", "diabetes"]},
        "urgent_referral",
        ["spinal_infection"],
        "spinal_infection",
    ),
    (
        "S5.2-fracture-major-trauma",
        {"findings": ["major_trauma"]},
        "urgent_referral",
        ["spinal_fracture"],
        "spinal_fracture",
    ),
    (
        "S5.2-fracture-minor-osteoporosis",
        {"findings": ["minor_trauma", "osteoporosis"]},
        "urgent_referral",
        ["spinal_fracture"],
        "spinal_fracture",
    ),
    (
        "S5.2-fracture-minor-steroids",
        {"findings": ["minor_trauma", "long_term_corticosteroids"]},
        "urgent_referral",
        ["spinal_fracture"],
        "spinal_fracture",
    ),
    ("S5.2-minor-trauma-alone", {"findings": ["minor_trauma"]}, "precautions", [], "reassess_red_flag:minor_trauma"),
    # Williams 2013 (older age) with the age over 50 of Maselli 2022 (§5.2, §14).
    (
        "S14-Williams-minor-trauma-older-age",
        {"age": 74, "findings": ["minor_trauma"]},
        "urgent_referral",
        ["spinal_fracture"],
        "spinal_fracture",
    ),
    (
        "S5.2-cleared-malignancy",
        {
            "age": 62,
            "findings": ["history_of_cancer"],
            "medical_clearance": [{"suspected": "spinal_malignancy", "by": "Dr Ng", "date": "2026-11-02"}],
        },
        "precautions",
        ["spinal_malignancy"],
        "spinal_malignancy_cleared",
    ),
    (
        "S14-a-bare-clearance-clears-nothing",
        {"age": 62, "findings": ["history_of_cancer"], "medical_clearance": True},
        "urgent_referral",
        ["spinal_malignancy"],
        "spinal_malignancy",
    ),
    (
        "S14-clearance-for-one-pathology-only",
        {
            "findings": ["history_of_cancer", "major_trauma"],
            "medical_clearance": [{"suspected": "spinal_malignancy", "by": "Dr Ng", "date": "2026-11-02"}],
        },
        "urgent_referral",
        ["spinal_malignancy", "spinal_fracture"],
        "spinal_fracture",
    ),
    (
        "S14-new-red-flag-after-clearance",
        {
            "findings": ["history_of_cancer", "unexplained_weight_loss"],
            "medical_clearance": [
                {
                    "suspected": "spinal_malignancy",
                    "by": "Dr Ng",
                    "date": "2026-11-02",
                    "findings": ["history_of_cancer"],
                }
            ],
        },
        "urgent_referral",
        ["spinal_malignancy"],
        "spinal_malignancy",
    ),
    ("S3.1-S1-needle-phobia", {"findings": ["needle_phobia"]}, "do_not_needle", [], "needle_phobia"),
    ("S3.1-S1-consent-refused", {"consent": "refused"}, "do_not_needle", [], "consent_refused"),
    ("S3.1-S1-consent-unable", {"consent": "unable"}, "do_not_needle", [], "consent_unable"),
    (
        "S3.1-S1-acute-emergency",
        {"findings": ["acute_medical_emergency"]},
        "do_not_needle",
        [],
        "acute_medical_emergency",
    ),
    (
        "S3.1-S1-lymphoedema-planned",
        {"planned_regions": ["leg"], "region_findings": {"leg": ["lymphoedema"]}},
        "do_not_needle",
        [],
        "lymphoedema:lower_limb",
    ),
    # White 2001 (cellulitis after needling an oedematous leg): the whole limb.
    (
        "S2.1-White-lymphoedema-leg-excludes-thigh",
        {"planned_regions": ["thigh"], "region_findings": {"leg": ["lymphoedema"]}},
        "do_not_needle",
        [],
        "lymphoedema:lower_limb",
    ),
    (
        "S14-node-clearance-excludes-the-limb",
        {
            "planned_regions": ["hip"],
            "findings": ["lymph_node_clearance"],
            "region_findings": {"thigh": ["lymph_node_clearance"]},
        },
        "do_not_needle",
        [],
        "lymph_node_clearance:lower_limb",
    ),
    (
        "S14-node-clearance-limb-unknown",
        {"planned_regions": ["leg"], "findings": ["lymph_node_clearance"]},
        "do_not_needle",
        [],
        "lymph_node_clearance:lower_limb",
    ),
    (
        "S3.1-S6-infection-planned",
        {"planned_regions": ["lumbar"], "region_findings": {"lumbar": ["local_infection"]}},
        "do_not_needle",
        [],
        "local_infection:lumbar",
    ),
    (
        "S3.1-S1-lymphoedema-elsewhere",
        {"planned_regions": ["gluteal"], "region_findings": {"leg": ["lymphoedema"]}},
        "precautions",
        [],
        "lymphoedema:lower_limb",
    ),
    ("S3.1-S4-first-trimester", {"sex": "female", "pregnancy_weeks": 12}, "defer", [], "pregnancy_first_trimester"),
    (
        "S14-pregnancy-weeks-unknown-as-first-trimester",
        {"sex": "female", "findings": ["pregnant_gestation_unknown"]},
        "defer",
        [],
        "pregnancy_gestation_unknown",
    ),
    (
        "S3.1-S3-pregnancy-every-planned-region-avoided",
        {"sex": "female", "pregnancy_weeks": 24, "planned_regions": ["lumbar", "sacral"]},
        "do_not_needle",
        [],
        "pregnancy_all_regions_avoided",
    ),
    (
        "S14-recent-spinal-surgery-defers",
        {"findings": ["recent_spinal_surgery"]},
        "defer",
        [],
        "recent_spinal_surgery",
    ),
    ("S3.1-S6-bleeding-disorder", {"findings": ["severe_bleeding_disorder"]}, "defer", [], "severe_bleeding_disorder"),
    ("S3.1-S10-uncontrolled-epilepsy", {"findings": ["uncontrolled_epilepsy"]}, "defer", [], "uncontrolled_epilepsy"),
    ("S3.1-S4-pregnancy-13-weeks", {"sex": "female", "pregnancy_weeks": 13}, "precautions", [], "pregnancy"),
    ("S3.1-S2-warfarin", {"medications": ["WARFARIN 3 mg"]}, "precautions", [], "antithrombotic"),
    (
        "S3.1-S2-heparin",
        {"medications": ["enoxaparin (low molecular weight heparin)"]},
        "precautions",
        [],
        "antithrombotic",
    ),
    ("S3.1-S2-ticagrelor", {"medications": ["Ticagrelor"]}, "precautions", [], "antithrombotic"),
    ("S14-aspirin", {"medications": ["Aspirin 75 mg"]}, "precautions", [], "antithrombotic"),
    ("S14-brand-eliquis", {"medications": ["ELIQUIS 5mg bd"]}, "precautions", [], "antithrombotic"),
    ("S14-brand-clexane", {"medications": ["Clexane 40 mg"]}, "precautions", [], "antithrombotic"),
    ("S14-fondaparinux", {"medications": ["fondaparinux"]}, "precautions", [], "antithrombotic"),
    ("S14-unrecognised-shown", {"medications": ["Naproxen"]}, "precautions", [], "medication_unrecognised"),
    ("S3.1-S1-immunocompromised", {"findings": ["immunocompromised"]}, "precautions", [], "immunocompromised"),
    ("S14-immunosuppression-alias", {"findings": ["immunosuppression"]}, "precautions", [], "immunocompromised"),
    (
        "S3.1-S4-diabetic-neuropathy",
        {"findings": ["diabetic_peripheral_neuropathy"]},
        "precautions",
        [],
        "diabetic_peripheral_neuropathy",
    ),
    ("S14-prior-pneumothorax", {"findings": ["prior_pneumothorax"]}, "precautions", [], "prior_pneumothorax"),
    (
        "S14-copd",
        {"findings": ["copd_or_emphysema"], "planned_regions": ["thoracic"]},
        "precautions",
        [],
        "thoracic_region",
    ),
    ("S3.1-S1-diabetes", {"findings": ["diabetes"]}, "precautions", [], "diabetes"),
    ("S3.1-S1-epilepsy", {"findings": ["epilepsy"]}, "precautions", [], "epilepsy"),
    ("S3.1-S1-vascular", {"findings": ["vascular_disease"]}, "precautions", [], "vascular_disease"),
    ("S3.1-S5-valve", {"findings": ["mechanical_heart_valve"]}, "precautions", [], "mechanical_heart_valve"),
    ("S3.1-S10-metal-allergy", {"findings": ["metal_allergy"]}, "precautions", [], "metal_allergy"),
    (
        "S3.1-S6-implant",
        {"findings": ["implanted_electrical_device"], "electrical_stimulation": True},
        "precautions",
        [],
        "implanted_electrical_device",
    ),
    ("S3.1-S1-minor", {"age": 16}, "precautions", [], "minor"),
    ("S3.1-S1-frail", {"findings": ["frail"]}, "precautions", [], "frail"),
    ("S2.1-White-vasovagal", {"findings": ["vasovagal_history"]}, "precautions", [], "vasovagal_history"),
    ("S4.1-thoracic", {"planned_regions": ["thoracic"]}, "precautions", [], "thoracic_region"),
    ("S4.1-cervical-lung-apex", {"planned_regions": ["cervical"]}, "precautions", [], "cervical_lung_apex"),
    (
        "S4.2-lumbar-pleura-kidney",
        {"planned_regions": ["lumbar"]},
        "precautions",
        [],
        "thoracolumbar_pleura_kidney",
    ),
    ("S14-asked-not", {"asked": {"red_flags": False}}, "incomplete", [], "not_asked:red_flags"),
    ("clear", {"planned_regions": ["gluteal"], "medications": []}, "clear", [], None),
]


@pytest.mark.parametrize(("given_", "decision", "suspected", "rule"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rule(given_, decision, suspected, rule):
    out = screen(**given_)
    assert out["decision"] == decision
    assert out["suspected"] == suspected
    assert out["override_allowed"] == (decision == "defer")
    if rule:
        reason = next(r for r in out["reasons"] if r["rule"] == rule)
        assert reason["text"] and "docs/clinical-sources.md §" in reason["source"]
    else:
        assert out["reasons"] == []
    assert set(out) == {"decision", "override_allowed", "suspected", "reasons", "precautions", "actions"}


def test_the_most_severe_level_wins_and_all_reasons_are_listed():
    out = screen(findings=["saddle_anaesthesia", "needle_phobia", "diabetes"], medications=["apixaban"])
    assert out["decision"] == "emergency_referral"
    assert [r["rule"] for r in out["reasons"]][:2] == ["ces", "needle_phobia"]
    assert {p["rule"] for p in out["precautions"]} == {"diabetes", "antithrombotic"}


def test_pregnancy_names_the_regions_to_avoid():
    out = screen(pregnancy_weeks=20, planned_regions=["lumbar", "gluteal"])
    (p,) = [p for p in out["precautions"] if p["rule"] == "pregnancy"]
    assert "Planned now: lumbar" in p["text"]


def test_every_code_has_a_meaning_and_a_source():
    for item in rules.catalogue():
        assert item["meaning"] and item["source"]


@pytest.mark.parametrize(
    ("bad", "key"),
    [
        ({"consent": "given", "findings": []}, "age"),
        ({"age": 40, "findings": []}, "consent"),
        ({"age": 40, "consent": "given"}, "findings"),
        ({"age": "40", "consent": "given", "findings": []}, "age"),
        ({"age": True, "consent": "given", "findings": []}, "age"),
        ({"age": 40, "consent": "yes", "findings": []}, "consent"),
        ({"age": 40, "consent": "given", "findings": ["zombie_bite"]}, "findings"),
        ({"age": 40, "consent": "given", "findings": "diabetes"}, "findings"),
        ({"age": 40, "consent": "given", "findings": [], "pregnancy_weeks": 2.5}, "pregnancy_weeks"),
        ({"age": 40, "consent": "given", "findings": [], "planned_regions": ["elbow"]}, "planned_regions"),
        ({"age": 40, "consent": "given", "findings": [], "region_findings": {"elbow": []}}, "region_findings"),
        ({"age": 40, "consent": "given", "findings": [], "region_findings": {"leg": ["gout"]}}, "region_findings"),
        ({"age": 40, "consent": "given", "findings": [], "electrical_stimulation": "no"}, "electrical_stimulation"),
        ({"age": 40, "consent": "given", "findings": [], "favourite_colour": "blue"}, "favourite_colour"),
        ({"age": 40, "consent": "given", "findings": [], "medications": [1]}, "medications"),
        (
            {
                "age": 40,
                "consent": "given",
                "findings": [],
                "medical_clearance": [{"suspected": "cauda_equina_syndrome"}],
            },
            "medical_clearance",
        ),
        (
            {
                "age": 40,
                "consent": "given",
                "findings": [],
                "medical_clearance": [{"suspected": "spinal_malignancy", "date": "20 Nov"}],
            },
            "medical_clearance",
        ),
        ({"age": 40, "consent": "given", "findings": [], "asked": {"everything": True}}, "asked"),
        (
            {"age": 40, "consent": "given", "findings": ["pregnant_gestation_unknown"], "pregnancy_weeks": 20},
            "pregnancy_weeks",
        ),
        # Every refusal of the validator, each naming its key (a caller's mistake, never a crash).
        ("not an object", "input"),
        ({**{"age": 40, "consent": "given", "findings": []}, "medications": ["x"] * 101}, "medications"),
        ({**{"age": 40, "consent": "given", "findings": []}, "medications": ["x" * 201]}, "medications"),
        ({**{"age": 40, "consent": "given", "findings": []}, "medications": ["a\x00b"]}, "medications"),
        ({**{"age": 40, "consent": "given", "findings": []}, "medical_clearance": "yes"}, "medical_clearance"),
        ({**{"age": 40, "consent": "given", "findings": []}, "medical_clearance": [{}] * 11}, "medical_clearance"),
        (
            {**{"age": 40, "consent": "given", "findings": []}, "medical_clearance": ["spinal_malignancy"]},
            "medical_clearance",
        ),
        (
            {
                **{"age": 40, "consent": "given", "findings": []},
                "medical_clearance": [{"suspected": "spinal_malignancy", "colour": "red"}],
            },
            "medical_clearance",
        ),
        (
            {**{"age": 40, "consent": "given", "findings": []}, "medical_clearance": [{"suspected": "sciatica"}]},
            "medical_clearance",
        ),
        (
            {
                **{"age": 40, "consent": "given", "findings": []},
                "medical_clearance": [{"suspected": "spinal_malignancy", "by": 7}],
            },
            "medical_clearance",
        ),
        (
            {
                **{"age": 40, "consent": "given", "findings": []},
                "medical_clearance": [{"suspected": "spinal_malignancy", "by": "x" * 201}],
            },
            "medical_clearance",
        ),
        (
            {
                **{"age": 40, "consent": "given", "findings": []},
                "medical_clearance": [{"suspected": "spinal_malignancy", "date": 20261120}],
            },
            "medical_clearance",
        ),
        ({**{"age": 40, "consent": "given", "findings": []}, "sex": "robot"}, "sex"),
        ({**{"age": 40, "consent": "given", "findings": []}, "region_findings": ["leg"]}, "region_findings"),
        ({**{"age": 40, "consent": "given", "findings": []}, "asked": {"pregnancy": "yes"}}, "asked"),
        ({**{"age": 40, "consent": "given", "findings": []}, "asked": ["pregnancy"]}, "asked"),
    ],
)
def test_bad_input_names_the_key(bad, key):
    with pytest.raises(rules.InputError) as e:
        rules.screen(bad)
    assert e.value.key == key


CODES = st.lists(st.sampled_from([f.code for f in rules.FINDINGS]), unique=True, max_size=8)


@settings(max_examples=400, deadline=None)
@given(
    findings=CODES,
    extra=st.sampled_from([f.code for f in rules.FINDINGS]),
    age=st.integers(0, 100),
    weeks=st.one_of(st.none(), st.integers(0, 42)),
    consent=st.sampled_from(rules.CONSENT),
)
def test_adding_a_finding_never_lowers_the_severity(findings, extra, age, weeks, consent):
    base = {
        "age": age,
        "consent": consent,
        "findings": findings,
        "pregnancy_weeks": weeks,
        "planned_regions": ["thoracic"],
    }
    if weeks is not None and extra == "pregnant_gestation_unknown":
        extra = "diabetes"  # weeks and "weeks not known" together are refused as input
    findings = [f for f in findings if not (weeks is not None and f == "pregnant_gestation_unknown")]
    base["findings"] = findings
    before = rules.SEVERITY[rules.screen(base)["decision"]]
    after = rules.SEVERITY[rules.screen({**base, "findings": list(dict.fromkeys([*findings, extra]))})["decision"]]
    assert after >= before


def test_a_group_not_asked_makes_the_screening_incomplete_unless_it_cannot_apply():
    # Pregnancy was not asked: incomplete for a woman, but not for a man, nor when the weeks or an
    # unknown gestation are recorded (the question was answered another way).
    def result(**kw):
        return rules.evaluate(rules.parse({"age": 30, "consent": "given", "findings": [], **kw}))

    woman = result(sex="female", asked={"pregnancy": False})
    assert woman.not_asked == ["pregnancy"] and not woman.complete and woman.decision == "incomplete"
    assert result(sex="male", asked={"pregnancy": False}).complete
    assert result(sex="female", pregnancy_weeks=20, asked={"pregnancy": False}).complete
    assert result(sex="female", findings=["pregnant_gestation_unknown"], asked={"pregnancy": False}).complete


def test_a_saved_screening_keeps_what_the_gate_enforces():
    lung = rules.evaluate(
        rules.parse(
            {"age": 60, "consent": "given", "findings": ["prior_pneumothorax"], "planned_regions": ["thoracic"]}
        )
    ).stored()
    assert lung["lung_protective_technique"] is True
    assert {"excluded_regions", "no_electrical_stimulation", "not_asked"} <= set(lung)
    assert (
        lung["decision"]
        == rules.screen(
            {"age": 60, "consent": "given", "findings": ["prior_pneumothorax"], "planned_regions": ["thoracic"]}
        )["decision"]
    )
