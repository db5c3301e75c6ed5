"""Screening rules: structured answers in, a cited needling decision out.

Pure Python (no Django): the CLI (`dryneedle screen`), the API and the pages
all call ``evaluate``. Every rule has an id, a plain-language reason and a
source in ../shared/clinical-reference.md (§3 contraindications, §4 depth and
pneumothorax, §5 red flags). Where a source is secondary or weak, the source
text says so.

Decision levels, most severe first; the most severe triggered rule wins:
emergency_referral > urgent_referral > do_not_needle > defer > precautions > clear.
"""

from dataclasses import dataclass, field

LEVELS = ("clear", "precautions", "defer", "do_not_needle", "urgent_referral", "emergency_referral")
SEVERITY = {level: i for i, level in enumerate(LEVELS)}

REGIONS = ("cervical", "thoracic", "lumbar", "sacral", "gluteal", "hip", "thigh", "leg", "abdominal")
REGION_FINDINGS = ("lymphoedema", "local_infection")
CONSENT = ("given", "refused", "unable")
SEXES = ("female", "male", "other", "unknown")

# Sources, short form. The full citations are in clinical-reference.md.
RED_FLAGS_SRC = (
    "IFOMPT red-flag framework (Finucane 2020, JOSPT 50(7):350) and NICE NG59 1.1.1; feature lists from an "
    "NHS primary-care red-flag pathway derived from NICE CKS (secondary source) — clinical-reference.md §5"
)
CES_SRC = "Cauda equina syndrome: " + RED_FLAGS_SRC + "; emergency same-day action per the same pathway"
MALIGNANCY_SRC = (
    RED_FLAGS_SRC + "; history of cancer the most useful single indicator (Henschke 2013, Cochrane CD008686)"
)
S1 = "APTA 2013 / ISCP 2012 dry-needling guidance as reproduced on third-party pages (primary not read) — §3.1 S1"
S6 = "Sierpina & Frenkel 2005, South Med J 98(3):330 — §3.1 S6"
S5 = "McMaster Contemporary Medical Acupuncture programme — §3.1 S5"
S4 = "ASAP 2013 guidelines as summarised by a clinic procedures page (secondary) — §3.1 S4"
S10 = "clinic and course-provider pages (weak sources) — §3.1 S10"
ANTITHROMBOTIC_SRC = (
    "Pain Res Manag 2022:1363477 (dry needling and antithrombotic drugs: not an absolute contraindication; "
    "avoid deep muscles that cannot be compressed; consider ultrasound) — §3.1 S2"
)
THORAX_SRC = (
    "Pneumothorax risk over the lung fields: superficial technique or needling onto bone (Kalichman & Vulfsons 2010); "
    "≤ 19 mm over rhomboid major (Valera-Calero, preprint); 30 mm never reached the pleura over upper trapezius "
    "in 15 cadavers (Kearns 2022); a shoulder bolster adds ~0.7 cm to lung depth prone (Mitchell 2019); UK CSP "
    "insurance excludes thoracic needling from 1 July 2024 — clinical-reference.md §4.1, §4.3"
)


@dataclass(frozen=True)
class Finding:
    code: str
    meaning: str
    group: str  # how the form groups the question
    source: str


FINDINGS: tuple[Finding, ...] = (
    # Cauda equina syndrome
    Finding(
        "saddle_anaesthesia", "Saddle anaesthesia or paraesthesia (perianal, perineal, inner thighs)", "ces", CES_SRC
    ),
    Finding("bladder_dysfunction", "New urinary retention or incontinence", "ces", CES_SRC),
    Finding("bowel_incontinence", "Loss of bowel control", "ces", CES_SRC),
    Finding("sexual_dysfunction_new", "New loss of genital sensation or sexual function", "ces", CES_SRC),
    Finding("bilateral_leg_neuro_symptoms", "Neurological symptoms in both legs", "ces", CES_SRC),
    Finding("progressive_neuro_deficit", "Severe or progressive neurological deficit in the legs", "ces", CES_SRC),
    Finding("gait_disturbance", "Gait disturbance", "ces", CES_SRC),
    # Malignancy
    Finding("history_of_cancer", "History of cancer", "malignancy", MALIGNANCY_SRC),
    Finding("unexplained_weight_loss", "Unexplained weight loss", "malignancy", RED_FLAGS_SRC),
    Finding("night_pain_unrelenting", "Persistent night pain unrelieved by position", "malignancy", RED_FLAGS_SRC),
    Finding("failure_to_improve_1_month", "No improvement after one month of care", "malignancy", MALIGNANCY_SRC),
    Finding("structural_deformity", "Structural deformity of the spine", "malignancy", RED_FLAGS_SRC),
    # Infection
    Finding("fever", "Fever, chills or rigors", "infection", RED_FLAGS_SRC),
    Finding("iv_drug_use", "Intravenous drug use", "infection", RED_FLAGS_SRC),
    Finding(
        "immunosuppression", "Immunosuppression (as a risk factor for spinal infection)", "infection", RED_FLAGS_SRC
    ),
    Finding("recent_bacterial_infection", "Recent bacterial infection", "infection", RED_FLAGS_SRC),
    Finding("penetrating_wound", "Penetrating wound near the spine", "infection", RED_FLAGS_SRC),
    # Fracture
    Finding("major_trauma", "Major trauma", "fracture", RED_FLAGS_SRC),
    Finding("minor_trauma", "Minor trauma (a fall, a lift)", "fracture", RED_FLAGS_SRC),
    Finding("osteoporosis", "Osteoporosis", "fracture", RED_FLAGS_SRC),
    Finding("long_term_corticosteroids", "Long-term corticosteroid use", "fracture", RED_FLAGS_SRC),
    # Absolute contraindications
    Finding("needle_phobia", "Needle phobia", "absolute", S1 + "; " + S6),
    Finding("acute_medical_emergency", "Medical emergency or acute medical condition", "absolute", S1 + "; " + S6),
    # Defer (clinician may override with a reason and the patient's written consent)
    Finding(
        "severe_bleeding_disorder",
        "Haemophilia or another severe bleeding disorder",
        "defer",
        S6 + "; relative per " + S1,
    ),
    Finding(
        "uncontrolled_epilepsy",
        "Uncontrolled epilepsy",
        "defer",
        S10 + "; epilepsy excluded from the GERAC trial (§3.1 S7)",
    ),
    # Precautions
    Finding(
        "immunocompromised", "Immunocompromised (HIV, chemotherapy, immunosuppressants)", "precaution", S1 + "; " + S5
    ),
    Finding("diabetes", "Diabetes", "precaution", S1 + "; " + S4 + "; " + S5),
    Finding("epilepsy", "Epilepsy (controlled)", "precaution", S1),
    Finding("vascular_disease", "Vascular disease", "precaution", S1),
    Finding(
        "mechanical_heart_valve", "Mechanical heart valve", "precaution", S5 + " (listed there as a contraindication)"
    ),
    Finding("metal_allergy", "Allergy to nickel, chromium or stainless steel", "precaution", S1 + "; " + S10),
    Finding(
        "implanted_electrical_device",
        "Implanted electrical device (pacemaker, pump, stimulator)",
        "precaution",
        S4 + "; " + S5 + "; " + S6,
    ),
    Finding("frail", "Frail", "precaution", S1),
    Finding(
        "vasovagal_history",
        "History of fainting with needles or blood (vasovagal)",
        "precaution",
        "Fainting after needling: 6 in 31,822 consultations (White 2001, BMJ 323:485); vasovagal reactions "
        "(Halle & Halle) — clinical-reference.md §2.1, §4.1",
    ),
)
BY_CODE = {f.code: f for f in FINDINGS}

CES_CORE = ("saddle_anaesthesia", "bladder_dysfunction", "bowel_incontinence", "sexual_dysfunction_new")
CES_NEURO = ("bilateral_leg_neuro_symptoms", "progressive_neuro_deficit", "gait_disturbance")
MALIGNANCY_WITH = (
    "unexplained_weight_loss",
    "night_pain_unrelenting",
    "failure_to_improve_1_month",
    "structural_deformity",
)
INFECTION_WITH = ("iv_drug_use", "immunosuppression", "recent_bacterial_infection", "penetrating_wound")
RED_FLAG_GROUPS = ("ces", "malignancy", "infection", "fracture")

# Matched case-insensitively anywhere in a medication name (generic names, §3.1 S2).
ANTITHROMBOTICS = (
    "warfarin",
    "apixaban",
    "rivaroxaban",
    "dabigatran",
    "edoxaban",
    "heparin",
    "clopidogrel",
    "prasugrel",
    "ticagrelor",
)
# Regions to avoid in pregnancy: abdomen, lumbar spine and sacrum (AACP 2012 erratum, ASAP-derived page,
# GEMt course page; the sources are secondary or weak — §3.1 S3, S4, S10).
PREGNANCY_AVOID = ("abdominal", "lumbar", "sacral")
FIRST_TRIMESTER_WEEKS = 13  # first trimester = gestation < 13 weeks (§3.1 S4, S10)
ADULT_AGE = 18
MALIGNANCY_AGE = 50  # new-onset pain over 50 (NHS pathway; > 55 in some guidelines) — §5.2


class InputError(ValueError):
    """Bad screening input; ``key`` names the offending key."""

    def __init__(self, key: str, message: str):
        super().__init__(f"{key}: {message}")
        self.key = key


@dataclass
class Answers:
    age: int
    consent: str
    findings: list[str]
    sex: str = "unknown"
    pregnancy_weeks: int | None = None
    medications: list[str] = field(default_factory=list)
    planned_regions: list[str] = field(default_factory=list)
    electrical_stimulation: bool = False
    region_findings: dict[str, list[str]] = field(default_factory=dict)
    medical_clearance: bool = False


REQUIRED = ("age", "consent", "findings")
OPTIONAL = (
    "sex",
    "pregnancy_weeks",
    "medications",
    "planned_regions",
    "electrical_stimulation",
    "region_findings",
    "medical_clearance",
)


def _list_of_str(obj: dict, key: str, allowed: tuple[str, ...] | None = None, max_len: int = 200) -> list[str]:
    value = obj.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(key, "must be a list of strings")
    if len(value) > 100:
        raise InputError(key, "has more than 100 entries")
    for v in value:
        if allowed is not None and v not in allowed:
            raise InputError(key, f"unknown code {v!r}")
        if len(v) > max_len or "\x00" in v:
            raise InputError(key, f"entries must be at most {max_len} characters of text")
    return list(dict.fromkeys(value))


def parse(obj: object) -> Answers:
    """Validate a JSON object; raise InputError naming the key at fault."""
    if not isinstance(obj, dict):
        raise InputError("input", "must be a JSON object")
    for key in obj:
        if key not in REQUIRED and key not in OPTIONAL:
            raise InputError(key, "unknown key")
    for key in REQUIRED:
        if key not in obj:
            raise InputError(key, "is required")
    age = obj["age"]
    if not isinstance(age, int) or isinstance(age, bool) or not 0 <= age <= 130:
        raise InputError("age", "must be a whole number of years from 0 to 130")
    consent = obj["consent"]
    if consent not in CONSENT:
        raise InputError("consent", f"must be one of {', '.join(CONSENT)}")
    sex = obj.get("sex", "unknown")
    if sex not in SEXES:
        raise InputError("sex", f"must be one of {', '.join(SEXES)}")
    weeks = obj.get("pregnancy_weeks")
    if weeks is not None and (not isinstance(weeks, int) or isinstance(weeks, bool) or not 0 <= weeks <= 45):
        raise InputError("pregnancy_weeks", "must be null or a whole number of weeks from 0 to 45")
    estim = obj.get("electrical_stimulation", False)
    if not isinstance(estim, bool):
        raise InputError("electrical_stimulation", "must be true or false")
    clearance = obj.get("medical_clearance", False)
    if not isinstance(clearance, bool):
        raise InputError("medical_clearance", "must be true or false")
    region_findings = obj.get("region_findings", {})
    if not isinstance(region_findings, dict):
        raise InputError("region_findings", "must be an object of region: [findings]")
    clean_regions: dict[str, list[str]] = {}
    for region, found in region_findings.items():
        if region not in REGIONS:
            raise InputError("region_findings", f"unknown region {region!r}")
        clean_regions[region] = _list_of_str({"region_findings": found}, "region_findings", REGION_FINDINGS)
    return Answers(
        age=age,
        consent=consent,
        findings=_list_of_str(obj, "findings", tuple(BY_CODE)),
        sex=sex,
        pregnancy_weeks=weeks,
        medications=_list_of_str(obj, "medications"),
        planned_regions=_list_of_str(obj, "planned_regions", REGIONS),
        electrical_stimulation=estim,
        region_findings=clean_regions,
        medical_clearance=clearance,
    )


@dataclass
class Result:
    decision: str = "clear"
    suspected: list[str] = field(default_factory=list)
    reasons: list[dict] = field(default_factory=list)
    precautions: list[dict] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    # Not part of the CLI output; the needling gate uses them.
    excluded_regions: list[str] = field(default_factory=list)
    no_electrical_stimulation: bool = False

    @property
    def override_allowed(self) -> bool:
        return self.decision == "defer"

    def add(self, level: str, rule: str, text: str, source: str) -> None:
        item = {"rule": rule, "text": text, "source": source}
        self.reasons.append({**item, "level": level})
        if level == "precautions":
            self.precautions.append(item)
        if SEVERITY[level] > SEVERITY[self.decision]:
            self.decision = level

    def as_dict(self) -> dict:
        order = sorted(self.reasons, key=lambda r: -SEVERITY[r["level"]])
        return {
            "decision": self.decision,
            "override_allowed": self.override_allowed,
            "suspected": self.suspected,
            "reasons": [{k: r[k] for k in ("rule", "text", "source")} for r in order],
            "precautions": self.precautions,
            "actions": self.actions,
        }


def _has(a: Answers, *codes: str) -> bool:
    return any(c in a.findings for c in codes)


def antithrombotics_in(medications: list[str]) -> list[str]:
    return [m for m in medications if any(drug in m.lower() for drug in ANTITHROMBOTICS)]


def evaluate(a: Answers) -> Result:
    r = Result()
    consumed: set[str] = set()

    # 1. Suspected cauda equina syndrome: emergency, same day.
    if _has(a, *CES_CORE):
        r.suspected.append("cauda_equina_syndrome")
        consumed |= {c for c in CES_CORE + CES_NEURO if c in a.findings}
        r.add(
            "emergency_referral",
            "ces",
            "Suspected cauda equina syndrome: do not needle; same-day emergency referral.",
            CES_SRC,
        )
        r.actions.append(
            "Send the patient to the emergency department today (on-call spinal team). Tell them not to wait for "
            "an appointment and to go at once if symptoms worsen."
        )

    # 2. Urgent referral: malignancy, infection, fracture, unless a later screening records medical clearance.
    urgent = []
    if _has(a, "history_of_cancer") and (_has(a, *MALIGNANCY_WITH) or a.age >= MALIGNANCY_AGE):
        urgent.append(
            (
                "spinal_malignancy",
                "Suspected spinal malignancy: history of cancer with "
                + ("age 50 or over" if not _has(a, *MALIGNANCY_WITH) else "another red-flag feature")
                + ".",
                MALIGNANCY_SRC,
                ("history_of_cancer", *MALIGNANCY_WITH),
            )
        )
    if _has(a, "fever") and _has(a, *INFECTION_WITH):
        urgent.append(
            (
                "spinal_infection",
                "Suspected spinal infection: fever with a risk factor.",
                RED_FLAGS_SRC,
                ("fever", *INFECTION_WITH),
            )
        )
    if _has(a, "major_trauma") or (_has(a, "minor_trauma") and _has(a, "osteoporosis", "long_term_corticosteroids")):
        urgent.append(
            (
                "spinal_fracture",
                "Suspected spinal fracture: major trauma, or minor trauma with osteoporosis "
                "or long-term corticosteroids.",
                RED_FLAGS_SRC,
                ("major_trauma", "minor_trauma", "osteoporosis", "long_term_corticosteroids"),
            )
        )
    for suspected, text, source, codes in urgent:
        r.suspected.append(suspected)
        consumed |= {c for c in codes if c in a.findings}
        if a.medical_clearance:
            r.add(
                "precautions",
                f"{suspected}_cleared",
                text + " Medical clearance recorded: proceed with care and stop if new features appear.",
                source,
            )
        else:
            r.add(
                "urgent_referral",
                suspected,
                text + " Do not needle until a later screening records medical clearance.",
                source,
            )
    if urgent and not a.medical_clearance:
        r.actions.append("Refer urgently to a physician for assessment (same day for suspected infection).")

    # Isolated red-flag features that meet no referral combination: reassess.
    for code in a.findings:
        f = BY_CODE[code]
        if f.group in RED_FLAG_GROUPS and code not in consumed:
            r.add(
                "precautions",
                f"reassess_red_flag:{code}",
                f"Red-flag feature on its own: {f.meaning.lower()}. Reassess at each visit; refer if others appear.",
                f.source,
            )

    # 3. Absolute contraindications: do not needle.
    if _has(a, "needle_phobia"):
        r.add("do_not_needle", "needle_phobia", "Needle phobia: do not needle.", BY_CODE["needle_phobia"].source)
    if _has(a, "acute_medical_emergency"):
        r.add(
            "do_not_needle",
            "acute_medical_emergency",
            "Medical emergency or acute medical condition: do not needle.",
            BY_CODE["acute_medical_emergency"].source,
        )
    if a.consent == "refused":
        r.add("do_not_needle", "consent_refused", "The patient does not consent to dry needling.", S1)
    elif a.consent == "unable":
        r.add(
            "do_not_needle",
            "consent_unable",
            "The patient is unable to give consent (communication, cognition or age).",
            S1 + "; " + S4,
        )
    for region, found in sorted(a.region_findings.items()):
        for what in found:
            label = "lymphoedema" if what == "lymphoedema" else "local infection or broken skin"
            src = (S1 + "; " + S4) if what == "lymphoedema" else (S5 + "; " + S6)
            r.excluded_regions.append(region)
            if region in a.planned_regions:
                r.add(
                    "do_not_needle",
                    f"{what}:{region}",
                    f"{label.capitalize()} in the {region} region: do not needle there.",
                    src,
                )
            else:
                r.add(
                    "precautions",
                    f"{what}:{region}",
                    f"{label.capitalize()} in the {region} region: do not needle that region.",
                    src,
                )

    # 4. Defer: blocked unless the clinician overrides with a reason and the patient's written consent.
    if a.pregnancy_weeks is not None and a.pregnancy_weeks < FIRST_TRIMESTER_WEEKS:
        r.add(
            "defer",
            "pregnancy_first_trimester",
            "Pregnancy in the first trimester (under 13 weeks): defer needling. "
            "Sources are weak; if needling anyway, record written consent.",
            S4 + "; " + S10,
        )
    if _has(a, "severe_bleeding_disorder"):
        r.add(
            "defer",
            "severe_bleeding_disorder",
            "Severe bleeding disorder: defer; deep needling only by override.",
            BY_CODE["severe_bleeding_disorder"].source,
        )
    if _has(a, "uncontrolled_epilepsy"):
        r.add(
            "defer",
            "uncontrolled_epilepsy",
            "Uncontrolled epilepsy: defer needling.",
            BY_CODE["uncontrolled_epilepsy"].source,
        )

    # 5. Precautions: needling allowed once each is acknowledged.
    drugs = antithrombotics_in(a.medications)
    if drugs:
        r.add(
            "precautions",
            "antithrombotic",
            f"Anticoagulant or antiplatelet medication ({', '.join(drugs)}): expect "
            "more bleeding and bruising; avoid deep muscles that cannot be compressed; apply pressure after removal; "
            "consider ultrasound guidance.",
            ANTITHROMBOTIC_SRC,
        )
    if a.pregnancy_weeks is not None and a.pregnancy_weeks >= FIRST_TRIMESTER_WEEKS:
        planned_avoid = [reg for reg in PREGNANCY_AVOID if reg in a.planned_regions]
        r.add(
            "precautions",
            "pregnancy",
            "Pregnancy: do not needle the abdomen, lumbar spine or sacrum; no strong "
            "electrical stimulation; seek written consent."
            + (f" Planned now: {', '.join(planned_avoid)} — choose other sites." if planned_avoid else ""),
            S4 + "; AACP 2012 erratum (§3.1 S3); " + S10,
        )
        r.excluded_regions.extend(PREGNANCY_AVOID)
    simple = {
        "immunocompromised": "Immunocompromised: strict clean technique; watch for infection.",
        "diabetes": "Diabetes: infection and slow healing risk, especially with peripheral needling.",
        "epilepsy": "Epilepsy: ask about triggers; have the patient lie down.",
        "vascular_disease": "Vascular disease: avoid needling near affected vessels.",
        "mechanical_heart_valve": "Mechanical heart valve: infection risk; strict clean technique (one source "
        "lists it as a contraindication).",
        "metal_allergy": "Metal allergy: choose needles of another material.",
        "frail": "Frail: fewer needles, shorter session, watch closely.",
        "vasovagal_history": "History of fainting: treat lying down and watch for dizziness.",
    }
    for code, text in simple.items():
        if _has(a, code):
            r.add("precautions", code, text, BY_CODE[code].source)
    if _has(a, "implanted_electrical_device"):
        text = "Implanted electrical device: electrical stimulation is not allowed near it."
        if a.electrical_stimulation:
            text += " Electrical stimulation was planned: do not use it."
        r.add("precautions", "implanted_electrical_device", text, BY_CODE["implanted_electrical_device"].source)
        r.no_electrical_stimulation = True
    if a.age < ADULT_AGE:
        r.add(
            "precautions", "minor", "Under 18: a parent or guardian consents; use fewer needles and watch closely.", S1
        )
    if "thoracic" in a.planned_regions:
        r.add(
            "precautions",
            "thoracic_region",
            "Thoracic region: pneumothorax risk over the lung fields. Needle "
            "superficially or onto a rib or lamina, use short needles, consider a shoulder bolster and ultrasound "
            "guidance; warn the patient about breathlessness or chest pain in the next hours.",
            THORAX_SRC,
        )

    # Actions for the lower levels.
    if r.decision == "do_not_needle":
        r.actions.append("Do not needle. Offer other treatment and record the reason.")
    elif r.decision == "defer":
        r.actions.append(
            "Defer needling. To proceed anyway, record a written reason and the patient's written consent."
        )
    if r.precautions and SEVERITY[r.decision] <= SEVERITY["defer"]:
        r.actions.append("Acknowledge each precaution before the first needle.")
    if r.decision == "clear":
        r.actions.append("No contraindication found. Screen again in 30 days or when anything changes.")
    r.excluded_regions = sorted(set(r.excluded_regions))
    return r


def screen(obj: object) -> dict:
    """Validate and evaluate one JSON object (the CLI and API contract)."""
    return evaluate(parse(obj)).as_dict()


def catalogue() -> list[dict]:
    """Every finding code with its meaning, group and source (for --list-codes and the rules page)."""
    out = [{"code": f.code, "meaning": f.meaning, "group": f.group, "source": f.source} for f in FINDINGS]
    out += (
        [{"code": f"consent:{c}", "meaning": f"consent {c}", "group": "consent", "source": S1} for c in CONSENT]
        + [
            {
                "code": f"region_findings:{x}",
                "meaning": f"{x.replace('_', ' ')} in a region",
                "group": "region",
                "source": (S1 + "; " + S4) if x == "lymphoedema" else (S5 + "; " + S6),
            }
            for x in REGION_FINDINGS
        ]
        + [
            {
                "code": "pregnancy_weeks",
                "meaning": "weeks of pregnancy: < 13 defer, >= 13 precautions",
                "group": "pregnancy",
                "source": S4 + "; " + S10,
            },
            {
                "code": "medications",
                "meaning": "antithrombotics matched by name: " + ", ".join(ANTITHROMBOTICS),
                "group": "medication",
                "source": ANTITHROMBOTIC_SRC,
            },
            {
                "code": "planned_regions:thoracic",
                "meaning": "needling over the thorax",
                "group": "region",
                "source": THORAX_SRC,
            },
        ]
    )
    return out
