"""Screening rules: structured answers in, a cited needling decision out.

Pure Python (no Django): the CLI (`dryneedle screen`), the API and the pages
all call ``evaluate``. Every rule has an id, a plain-language reason and a
source in docs/clinical-sources.md (§3 contraindications, §4 depth and
pneumothorax, §5 red flags, §14 the corrections of the December 2026 safety
review). Where a source is secondary or weak, the source text says so; where we
hold no source and made a choice, the text says that too.

Decision levels, most severe first; the most severe triggered rule wins:
emergency_referral > urgent_referral > do_not_needle > defer > incomplete > precautions > clear.
``incomplete`` means a group of questions was not asked (only when the caller
says so with ``asked``); it never opens the gate and cannot be overridden.
"""

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from dryneedle.screening import medications as meds

LEVELS = ("clear", "precautions", "incomplete", "defer", "do_not_needle", "urgent_referral", "emergency_referral")
SEVERITY = {level: i for i, level in enumerate(LEVELS)}

REGIONS = ("cervical", "thoracic", "lumbar", "sacral", "gluteal", "hip", "thigh", "leg", "abdominal", "arm")
REGION_FINDINGS = ("lymphoedema", "local_infection", "lymph_node_clearance")
# A limb is excluded whole: lymphoedema of the leg excludes the thigh too (White 2001: cellulitis after
# needling an oedematous leg; ASAP: avoid a limb with lymphoedema — §2.1, §3.1 S4).
LIMBS = {"lower_limb": ("hip", "thigh", "leg"), "upper_limb": ("arm",)}
LIMB_OF = {region: limb for limb, regions in LIMBS.items() for region in regions}
CONSENT = ("given", "refused", "unable")
SEXES = ("female", "male", "other", "unknown")
ASKED_GROUPS = ("red_flags", "contraindications", "pregnancy")
CLEARABLE = ("spinal_malignancy", "spinal_infection", "spinal_fracture")
SUSPECTED = ("cauda_equina_syndrome", *CLEARABLE)

REF = "docs/clinical-sources.md"
# Sources, short form; the full references are in docs/clinical-sources.md.
RED_FLAGS_SRC = (
    f"IFOMPT red-flag framework (Finucane 2020, JOSPT 50(7):350) and NICE NG59 1.1.1; feature lists from an NHS "
    f"primary-care pathway derived from NICE CKS (secondary source) — {REF} §5"
)
CES_SRC = "Cauda equina syndrome, emergency same day: " + RED_FLAGS_SRC
NEURO_SRC = (
    "Severe or progressive neurological deficit in the legs, bilateral leg symptoms or gait disturbance need "
    "emergency or urgent specialist assessment even without bladder, bowel or saddle change (NICE CKS Sciatica, "
    f"'Interpreting red flags', via the safety review; the NHS pathway lists them under cauda equina) — {REF} §5.2, §14"
)
MALIGNANCY_SRC = (
    "A history of cancer is the one useful single red flag (Henschke 2013, Cochrane CD008686: post-test "
    "probability ~0.3% to 4.6%); with spinal pain, contact the acute oncology / MSCC team within 24 hours "
    f"(NICE NG234, 2023) — {REF} §5.2, §14"
)
MALIGNANCY_FEATURES_SRC = (
    "New onset under 20 or over 50, failure to improve after a month, night pain, weight loss, deformity, thoracic "
    "pain and pain at multiple sites (NHS/NICE CKS-derived pathway, secondary; NICE NG234); features are more "
    f"informative combined than alone (Henschke 2013) — {REF} §5.2, §14"
)
INFECTION_SRC = (
    "Fever or systemic illness with immunosuppression of any cause (including long-term corticosteroids), diabetes, "
    "IV drug use, recent bacterial infection or a penetrating wound (NHS/NICE CKS-derived pathway, secondary; "
    f"diabetes the commonest determinant in a 2019 review, BMC Musculoskelet Disord) — {REF} §5.2, §14"
)
FRACTURE_SRC = (
    "Major trauma, or minor trauma with osteoporosis or corticosteroids (NHS/NICE CKS-derived pathway, secondary); "
    "older age among the more informative features (Williams 2013, Cochrane CD008643); age over 50 as the cut-off "
    f"(Maselli 2022, Disabil Rehabil, secondary) — {REF} §5.2, §14"
)
S1 = (
    f"APTA 2013 / ISCP 2012 dry-needling guidance as reproduced on third-party pages (primary not read) — {REF} §3.1 S1"
)
S6 = f"Sierpina & Frenkel 2005, South Med J 98(3):330 — {REF} §3.1 S6"
S5 = f"McMaster Contemporary Medical Acupuncture programme — {REF} §3.1 S5"
S4 = f"ASAP 2013 guidelines as summarised by a clinic procedures page (secondary) — {REF} §3.1 S4"
S3 = f"AACP 2012 erratum: points to avoid in pregnancy — {REF} §3.1 S3"
S10 = f"clinic and course-provider pages (weak sources) — {REF} §3.1 S10"
LYMPH_SRC = (
    "Lymphoedema: do not needle the limb (APTA/ISCP as reproduced, ASAP, secondary); cellulitis after needling an "
    f"oedematous leg (White 2001, BMJ 323:485) — {REF} §2.1, §3.1"
)
NODE_CLEARANCE_SRC = (
    "Lymph-node clearance puts the limb at risk of lymphoedema; the product treats it as lymphoedema at the safety "
    f"review's instruction (no primary source in our reference names it) — {REF} §3.1, §14"
)
ACUTE_SRC = S1 + "; septic or extremely weakened patients (" + S6 + ")"
THORAX_SRC = (
    "Pneumothorax risk over the lung fields: superficial technique or needling onto bone (Kalichman & Vulfsons 2010); "
    "≤ 19 mm over rhomboid major (Valera-Calero, preprint); 30 mm never reached the pleura over upper trapezius "
    "in 15 cadavers (Kearns 2022); a shoulder bolster adds ~0.7 cm to lung depth prone (Mitchell 2019); UK CSP "
    f"insurance excludes thoracic needling from 1 July 2024 — {REF} §4.1, §4.3"
)
THORACOLUMBAR_SRC = (
    "At T12–L1 the pleura and kidney lie close: stay under 2.5 cm lateral of the spinous process and aim for bone "
    "(pilot cadaver study, J Man Manip Ther 2020); a medially angled needle 1 cm from T12 can enter the spinal canal "
    f"(Williams 2023) — {REF} §4.2"
)
LUNG_RISK_SRC = (
    "Our reference holds no study of a previous pneumothorax or COPD/emphysema as a risk factor for needling "
    "pneumothorax; they are recorded at the safety review's instruction and only ever make the depth guard stricter "
    f"(a protective technique over the lung fields) — {REF} §4, §14"
)
PREGNANCY_SRC = (
    "First trimester: defer (low-authority sources only); avoid the abdomen, lumbar spine and sacrum; no strong "
    f"electrical stimulation; written consent advised — {S4}; {S3}; {S10}"
)
SURGERY_SRC = (
    "No source in our reference gives a window after spinal surgery or a spinal injection; deferring there is the "
    "safety review's instruction and our choice on the safe side. The clinic sets what 'recent' means (no default) "
    f"— {REF} §14"
)
NEUROPATHY_SRC = f"Diabetes: a relative risk with peripheral needling (ASAP-derived page, secondary) — {REF} §3.1 S4"


@dataclass(frozen=True)
class Finding:
    code: str
    meaning: str
    group: str  # how the form groups the question
    source: str
    alias_of: str = ""  # kept for compatibility: fires every rule of the code it stands for


FINDINGS: tuple[Finding, ...] = (
    # Cauda equina syndrome and serious neurological compromise
    Finding(
        "saddle_anaesthesia", "Saddle anaesthesia or paraesthesia (perianal, perineal, inner thighs)", "ces", CES_SRC
    ),
    Finding("bladder_dysfunction", "New urinary retention or incontinence", "ces", CES_SRC),
    Finding("bowel_incontinence", "Loss of bowel control", "ces", CES_SRC),
    Finding("sexual_dysfunction_new", "New loss of genital sensation or sexual function", "ces", CES_SRC),
    Finding("bilateral_leg_neuro_symptoms", "Neurological symptoms in both legs", "ces", NEURO_SRC),
    Finding("progressive_neuro_deficit", "Severe or progressive neurological deficit in the legs", "ces", NEURO_SRC),
    Finding("gait_disturbance", "Gait disturbance", "ces", NEURO_SRC),
    # Malignancy
    Finding("history_of_cancer", "History of cancer", "malignancy", MALIGNANCY_SRC),
    Finding(
        "new_onset_under_20_or_over_50",
        "Back pain that began under 20 or over 50",
        "malignancy",
        MALIGNANCY_FEATURES_SRC,
    ),
    Finding("unexplained_weight_loss", "Unexplained weight loss", "malignancy", MALIGNANCY_FEATURES_SRC),
    Finding(
        "night_pain_unrelenting", "Persistent night pain unrelieved by position", "malignancy", MALIGNANCY_FEATURES_SRC
    ),
    Finding(
        "failure_to_improve_1_month", "No improvement after one month of care", "malignancy", MALIGNANCY_FEATURES_SRC
    ),
    Finding("structural_deformity", "Structural deformity of the spine", "malignancy", MALIGNANCY_FEATURES_SRC),
    Finding("thoracic_pain", "Thoracic (mid-back) pain", "malignancy", MALIGNANCY_FEATURES_SRC),
    Finding("pain_at_multiple_sites", "Pain at multiple sites", "malignancy", MALIGNANCY_FEATURES_SRC),
    # Infection and acute illness
    Finding("fever", "Fever, chills or rigors", "infection", INFECTION_SRC),
    Finding("systemically_unwell", "Feeling systemically unwell", "infection", INFECTION_SRC),
    Finding("iv_drug_use", "Intravenous drug use", "infection", INFECTION_SRC),
    Finding("recent_bacterial_infection", "Recent bacterial infection", "infection", INFECTION_SRC),
    Finding("penetrating_wound", "Penetrating wound near the spine", "infection", INFECTION_SRC),
    Finding(
        "immunosuppression",
        "Immunosuppression (same finding as immunocompromised)",
        "infection",
        INFECTION_SRC,
        alias_of="immunocompromised",
    ),
    # Fracture
    Finding("major_trauma", "Major trauma", "fracture", FRACTURE_SRC),
    Finding("minor_trauma", "Minor trauma (a fall, a lift)", "fracture", FRACTURE_SRC),
    Finding("osteoporosis", "Osteoporosis", "fracture", FRACTURE_SRC),
    Finding("long_term_corticosteroids", "Long-term corticosteroid use", "fracture", FRACTURE_SRC),
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
        S10 + f"; epilepsy excluded from the GERAC trial ({REF} §3.1 S7)",
    ),
    Finding(
        "recent_spinal_surgery",
        "Recent spinal surgery or spinal injection (within your clinic's window)",
        "defer",
        SURGERY_SRC,
    ),
    Finding(
        "pregnant_gestation_unknown",
        "Pregnant, weeks of gestation not known",
        "defer",
        "Treated as the first trimester until the weeks are known (safety review) — " + PREGNANCY_SRC,
    ),
    # Precautions
    Finding(
        "immunocompromised",
        "Immunocompromised or immunosuppressed (HIV, chemotherapy, immunosuppressant drugs)",
        "precaution",
        S1 + "; " + S5 + "; a risk factor for spinal infection: " + INFECTION_SRC,
    ),
    Finding("diabetes", "Diabetes", "precaution", S1 + "; " + S4 + "; " + S5),
    Finding(
        "diabetic_peripheral_neuropathy",
        "Diabetic peripheral neuropathy (sensory loss)",
        "precaution",
        NEUROPATHY_SRC,
    ),
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
    Finding("prior_pneumothorax", "A previous pneumothorax", "precaution", LUNG_RISK_SRC),
    Finding("copd_or_emphysema", "COPD or emphysema", "precaution", LUNG_RISK_SRC),
    Finding(
        "lymph_node_clearance",
        "Lymph nodes removed (record the limb in the region table)",
        "precaution",
        NODE_CLEARANCE_SRC,
    ),
    Finding("frail", "Frail", "precaution", S1),
    Finding(
        "vasovagal_history",
        "History of fainting with needles or blood (vasovagal)",
        "precaution",
        "Fainting after needling: 6 in 31,822 consultations (White 2001, BMJ 323:485); vasovagal reactions "
        f"(Halle & Halle) — {REF} §2.1, §4.1",
    ),
)
BY_CODE = {f.code: f for f in FINDINGS}
RED_FLAG_GROUPS = ("ces", "malignancy", "infection", "fracture")
CONTRAINDICATION_GROUPS = ("absolute", "defer", "precaution")
GROUP_OF_ASKED = {g: "red_flags" for g in RED_FLAG_GROUPS} | {g: "contraindications" for g in CONTRAINDICATION_GROUPS}

CES_CORE = ("saddle_anaesthesia", "bladder_dysfunction", "bowel_incontinence", "sexual_dysfunction_new")
CES_NEURO = ("bilateral_leg_neuro_symptoms", "progressive_neuro_deficit", "gait_disturbance")
MALIGNANCY_FEATURES = (
    "new_onset_under_20_or_over_50",
    "unexplained_weight_loss",
    "night_pain_unrelenting",
    "failure_to_improve_1_month",
    "structural_deformity",
    "thoracic_pain",
    "pain_at_multiple_sites",
)
SYSTEMIC = ("fever", "systemically_unwell")
INFECTION_RISKS = (
    "iv_drug_use",
    "immunocompromised",
    "long_term_corticosteroids",
    "diabetes",
    "diabetic_peripheral_neuropathy",
    "recent_bacterial_infection",
    "penetrating_wound",
)
FRACTURE_MINOR_WITH = ("osteoporosis", "long_term_corticosteroids")
# Which findings each clearable pathology covers: a clearance holds while no finding outside these is new.
PATHOLOGY_FINDINGS = {
    "spinal_malignancy": ("history_of_cancer", *MALIGNANCY_FEATURES),
    "spinal_infection": (*SYSTEMIC, *INFECTION_RISKS),
    "spinal_fracture": ("major_trauma", "minor_trauma", *FRACTURE_MINOR_WITH, "structural_deformity"),
}
# Regions to avoid in pregnancy: abdomen, lumbar spine and sacrum (AACP 2012 erratum, ASAP-derived page,
# GEMt course page; the sources are secondary or weak — §3.1 S3, S4, S10).
PREGNANCY_AVOID = ("abdominal", "lumbar", "sacral")
FIRST_TRIMESTER_WEEKS = 13  # first trimester = gestation < 13 weeks (§3.1 S4, S10)
ADULT_AGE = 18
OLDER_AGE = 50  # fracture after minor trauma: age over 50 (Maselli 2022, secondary — §5.2); counted from 50
PERIPHERAL = ("hip", "thigh", "leg", "arm")


class InputError(ValueError):
    """Bad screening input; ``key`` names the offending key."""

    def __init__(self, key: str, message: str):
        super().__init__(f"{key}: {message}")
        self.key = key


@dataclass(frozen=True)
class Clearance:
    suspected: str
    by: str = ""
    on: str = ""  # ISO date
    findings: tuple[str, ...] | None = None  # None: it covers what this screening records


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
    medical_clearance: list[Clearance] = field(default_factory=list)
    unnamed_clearance: bool = False  # `medical_clearance: true`: names no pathology, so clears nothing
    asked: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(ASKED_GROUPS, True))

    def has(self, *codes: str) -> bool:
        """Whether any of the codes was recorded, an alias counting as the code it stands for."""
        return any(c in self.codes for c in codes)

    @cached_property
    def codes(self) -> set[str]:
        out = set(self.findings)
        out |= {BY_CODE[c].alias_of for c in self.findings if BY_CODE[c].alias_of}
        return out


REQUIRED = ("age", "consent", "findings")
OPTIONAL = (
    "sex",
    "pregnancy_weeks",
    "medications",
    "planned_regions",
    "electrical_stimulation",
    "region_findings",
    "medical_clearance",
    "asked",
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


def _clearances(value: object) -> tuple[list[Clearance], bool]:
    key = "medical_clearance"
    if isinstance(value, bool):
        return [], value
    if not isinstance(value, list) or len(value) > 10:
        raise InputError(key, "must be a list of {suspected, by, date, findings} objects (or false)")
    out = []
    for item in value:
        if not isinstance(item, dict) or set(item) - {"suspected", "by", "date", "findings"}:
            raise InputError(key, "each clearance is an object with suspected, by, date and findings")
        suspected = item.get("suspected")
        if suspected in ("cauda_equina_syndrome",):
            raise InputError(key, "suspected cauda equina syndrome is never cleared here: it is an emergency")
        if suspected not in CLEARABLE:
            raise InputError(key, f"suspected must be one of {', '.join(CLEARABLE)}")
        by = item.get("by", "")
        if not isinstance(by, str) or len(by) > 200 or "\x00" in by:
            raise InputError(key, "by must be a name of at most 200 characters")
        on = item.get("date", "")
        if not isinstance(on, str):
            raise InputError(key, "date must be YYYY-MM-DD")
        if on:
            try:
                date.fromisoformat(on)
            except ValueError:
                raise InputError(key, "date must be YYYY-MM-DD") from None
        findings = None
        if "findings" in item:
            findings = tuple(_list_of_str(item, "findings", tuple(BY_CODE)))
        out.append(Clearance(suspected, by, on, findings))
    return out, False


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
    clearances, unnamed = _clearances(obj.get("medical_clearance", False))
    region_findings = obj.get("region_findings", {})
    if not isinstance(region_findings, dict):
        raise InputError("region_findings", "must be an object of region: [findings]")
    clean_regions: dict[str, list[str]] = {}
    for region, found in region_findings.items():
        if region not in REGIONS:
            raise InputError("region_findings", f"unknown region {region!r}")
        clean_regions[region] = _list_of_str({"region_findings": found}, "region_findings", REGION_FINDINGS)
    asked_in = obj.get("asked", {})
    if not isinstance(asked_in, dict) or not all(isinstance(v, bool) for v in asked_in.values()):
        raise InputError("asked", f"must be an object of {', '.join(ASKED_GROUPS)}: true or false")
    for key in asked_in:
        if key not in ASKED_GROUPS:
            raise InputError("asked", f"unknown group {key!r}")
    findings = _list_of_str(obj, "findings", tuple(BY_CODE))
    if weeks is not None and "pregnant_gestation_unknown" in findings:
        raise InputError("pregnancy_weeks", "give the weeks or pregnant_gestation_unknown, not both")
    return Answers(
        age=age,
        consent=consent,
        findings=findings,
        sex=sex,
        pregnancy_weeks=weeks,
        medications=_list_of_str(obj, "medications"),
        planned_regions=_list_of_str(obj, "planned_regions", REGIONS),
        electrical_stimulation=estim,
        region_findings=clean_regions,
        medical_clearance=clearances,
        unnamed_clearance=unnamed,
        asked={**dict.fromkeys(ASKED_GROUPS, True), **asked_in},
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
    lung_protective_technique: bool = False  # the depth guard wants a protective technique over the lung fields
    not_asked: list[str] = field(default_factory=list)

    @property
    def override_allowed(self) -> bool:
        return self.decision == "defer"

    @property
    def complete(self) -> bool:
        return not self.not_asked

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

    def stored(self) -> dict:
        """What a saved screening keeps: the CLI answer plus what the gate enforces."""
        return {
            **self.as_dict(),
            "excluded_regions": self.excluded_regions,
            "no_electrical_stimulation": self.no_electrical_stimulation,
            "lung_protective_technique": self.lung_protective_technique,
            "not_asked": self.not_asked,
        }


def _cleared(a: Answers, suspected: str) -> Clearance | None:
    """The clearance that still covers this pathology: one naming it, with no finding of it new since."""
    present = {c for c in PATHOLOGY_FINDINGS[suspected] if a.has(c)}
    for c in a.medical_clearance:
        if c.suspected != suspected:
            continue
        covered = set(c.findings) if c.findings is not None else present
        covered |= {BY_CODE[x].alias_of for x in covered if BY_CODE[x].alias_of}
        if present <= covered:
            return c
    return None


def _who(c: Clearance) -> str:
    parts = [p for p in (c.by and f"by {c.by}", c.on and f"on {c.on}") if p]
    return " ".join(parts) or "(who and when not recorded)"


def evaluate(a: Answers) -> Result:
    r = Result()
    consumed: set[str] = set()

    # 1. Emergency, same day: suspected cauda equina syndrome, and the neurological red flags on their own.
    if a.has(*CES_CORE):
        r.suspected.append("cauda_equina_syndrome")
        consumed |= {c for c in CES_CORE + CES_NEURO if a.has(c)}
        r.add(
            "emergency_referral",
            "ces",
            "Suspected cauda equina syndrome: do not needle; same-day emergency referral.",
            CES_SRC,
        )
    elif a.has(*CES_NEURO):
        r.suspected.append("cauda_equina_syndrome")
        consumed |= {c for c in CES_NEURO if a.has(c)}
        found = ", ".join(BY_CODE[c].meaning.lower() for c in CES_NEURO if a.has(c))
        r.add(
            "emergency_referral",
            "neurological_red_flag",
            f"Serious neurological red flag ({found}): do not needle; same-day emergency spinal assessment, even "
            "without bladder, bowel or saddle changes.",
            NEURO_SRC,
        )
    if "cauda_equina_syndrome" in r.suspected:
        r.actions.append(
            "Send the patient to the emergency department today (on-call spinal team). Tell them not to wait for "
            "an appointment and to go at once if symptoms worsen."
        )

    # 2. Urgent referral: malignancy, infection, fracture — unless a clearance names that pathology and no
    # finding of it is new since the clearance.
    urgent: list[tuple[str, str, str, tuple[str, ...]]] = []
    features = [c for c in MALIGNANCY_FEATURES if a.has(c)]
    if a.has("history_of_cancer"):
        also = [BY_CODE[c].meaning.lower() for c in features]
        if a.age >= 50 and "new_onset_under_20_or_over_50" not in features:
            also.append("age 50 or over")
        urgent.append(
            (
                "spinal_malignancy",
                "Suspected spinal malignancy: a history of cancer with back pain, at any age"
                + (f" (also: {', '.join(also)})" if also else "")
                + ". Contact the acute oncology / MSCC team within 24 hours, at once if there are neurological "
                "symptoms.",
                MALIGNANCY_SRC,
                ("history_of_cancer", *MALIGNANCY_FEATURES),
            )
        )
    elif len(features) >= 2:
        # Our combination rule: no published number of features; "more informative combined" (Henschke 2013).
        urgent.append(
            (
                "spinal_malignancy",
                "Several features of spinal malignancy together ("
                + ", ".join(BY_CODE[c].meaning.lower() for c in features)
                + "): refer for medical assessment. (Two or more features is our rule: the sources say combined "
                "features are more informative, and give no number.)",
                MALIGNANCY_FEATURES_SRC,
                MALIGNANCY_FEATURES,
            )
        )
    systemic = [c for c in SYSTEMIC if a.has(c)]
    risks = [c for c in INFECTION_RISKS if a.has(c)]
    if systemic and risks:
        urgent.append(
            (
                "spinal_infection",
                "Suspected spinal infection: "
                + " and ".join(BY_CODE[c].meaning.lower() for c in systemic)
                + " with "
                + ", ".join(BY_CODE[c].meaning.lower() for c in risks)
                + ". Same-day medical assessment.",
                INFECTION_SRC,
                (*SYSTEMIC, *INFECTION_RISKS, "immunosuppression"),
            )
        )
    minor_with = [c for c in FRACTURE_MINOR_WITH if a.has(c)]
    if a.has("major_trauma") or (a.has("minor_trauma") and (minor_with or a.age >= OLDER_AGE)):
        if a.has("major_trauma"):
            why = "major trauma"
        else:
            why = "minor trauma with " + ", ".join(
                [BY_CODE[c].meaning.lower() for c in minor_with] + ([f"age {a.age}"] if a.age >= OLDER_AGE else [])
            )
        urgent.append(
            (
                "spinal_fracture",
                f"Suspected spinal fracture: {why}.",
                FRACTURE_SRC,
                ("major_trauma", "minor_trauma", *FRACTURE_MINOR_WITH),
            )
        )
    referred = False
    for suspected, text, source, codes in urgent:
        r.suspected.append(suspected)
        consumed |= {c for c in codes if a.has(c) or c in a.findings}
        clearance = _cleared(a, suspected)
        if clearance is not None:
            r.add(
                "precautions",
                f"{suspected}_cleared",
                text + f" Medical clearance for this recorded {_who(clearance)}: proceed with care; a new feature "
                "refers again.",
                source,
            )
        else:
            named = any(c.suspected == suspected for c in a.medical_clearance)
            r.add(
                "urgent_referral",
                suspected,
                text
                + (
                    " A finding is new since the medical clearance: refer again."
                    if named
                    else " Do not needle until a physician's clearance for it is recorded."
                ),
                source,
            )
            referred = True
    if referred:
        r.actions.append("Refer urgently to a physician for assessment (same day for suspected infection).")
    if a.unnamed_clearance and urgent:
        r.actions.append(
            "A medical clearance must name the pathology it clears, with its date and who gave it: a bare "
            "'cleared' clears nothing."
        )

    # Fever or feeling systemically unwell with no risk factor: an acute illness, not a needling day.
    if systemic and not risks:
        consumed |= set(systemic)
        r.add(
            "do_not_needle",
            "acute_illness",
            "Fever or feeling systemically unwell: an acute illness — do not needle today. Screen again when "
            "well; fever with any immunosuppression, diabetes or other risk factor is suspected spinal infection.",
            ACUTE_SRC + "; " + INFECTION_SRC,
        )

    # Isolated red-flag features that meet no referral combination: reassess.
    for code in a.findings:
        f = BY_CODE[code]
        # An alias is spoken for by the code it stands for (its precaution below).
        if f.group in RED_FLAG_GROUPS and code not in consumed and not f.alias_of:
            r.add(
                "precautions",
                f"reassess_red_flag:{code}",
                f"Red-flag feature on its own: {f.meaning.lower()}. Reassess at each visit; refer if others appear.",
                f.source,
            )

    # 3. Absolute contraindications: do not needle.
    if a.has("needle_phobia"):
        r.add("do_not_needle", "needle_phobia", "Needle phobia: do not needle.", BY_CODE["needle_phobia"].source)
    if a.has("acute_medical_emergency"):
        r.add(
            "do_not_needle",
            "acute_medical_emergency",
            "Medical emergency or acute medical condition: do not needle; arrange emergency care now.",
            BY_CODE["acute_medical_emergency"].source,
        )
        r.actions.insert(0, "Arrange emergency care now: call your local emergency number and stay with the patient.")
    if a.consent == "refused":
        r.add("do_not_needle", "consent_refused", "The patient does not consent to dry needling.", S1)
    elif a.consent == "unable":
        r.add(
            "do_not_needle",
            "consent_unable",
            "The patient is unable to give consent (communication, cognition or age).",
            S1 + "; " + S4,
        )
    _regions(a, r)

    # 4. Defer: blocked unless the clinician overrides with a reason and the patient's written consent.
    _pregnancy(a, r)
    if a.has("severe_bleeding_disorder"):
        r.add(
            "defer",
            "severe_bleeding_disorder",
            "Severe bleeding disorder: defer; deep needling only by override.",
            BY_CODE["severe_bleeding_disorder"].source,
        )
    if a.has("uncontrolled_epilepsy"):
        r.add(
            "defer",
            "uncontrolled_epilepsy",
            "Uncontrolled epilepsy: defer needling.",
            BY_CODE["uncontrolled_epilepsy"].source,
        )
    if a.has("recent_spinal_surgery"):
        r.add(
            "defer",
            "recent_spinal_surgery",
            "Recent spinal surgery or spinal injection: defer needling until the window your clinic sets has "
            "passed and the surgeon or physician agrees. No published window is held.",
            SURGERY_SRC,
        )

    # 5. Precautions: needling allowed once each is acknowledged.
    _medications(a, r)
    simple = {
        "immunocompromised": "Immunocompromised or immunosuppressed: strict clean technique; watch for infection; "
        "fever with it is suspected spinal infection.",
        "diabetes": "Diabetes: infection and slow healing risk, especially with peripheral needling.",
        "diabetic_peripheral_neuropathy": "Diabetic peripheral neuropathy: the patient may not feel a needle injury "
        "or an infection starting; avoid peripheral needling where sensation is lost, check the skin afterwards.",
        "epilepsy": "Epilepsy: ask about triggers; have the patient lie down.",
        "vascular_disease": "Vascular disease: avoid needling near affected vessels.",
        "mechanical_heart_valve": "Mechanical heart valve: infection risk; strict clean technique (one source "
        "lists it as a contraindication).",
        "metal_allergy": "Metal allergy: choose needles of another material.",
        "frail": "Frail: fewer needles, shorter session, watch closely.",
        "vasovagal_history": "History of fainting: treat lying down and watch for dizziness.",
    }
    for code, text in simple.items():
        if a.has(code):
            r.add("precautions", code, text, BY_CODE[code].source)
    if a.has("implanted_electrical_device"):
        text = "Implanted electrical device: electrical stimulation is not allowed near it."
        if a.electrical_stimulation:
            text += " Electrical stimulation was planned: do not use it."
        r.add("precautions", "implanted_electrical_device", text, BY_CODE["implanted_electrical_device"].source)
        r.no_electrical_stimulation = True
    if a.age < ADULT_AGE:
        r.add(
            "precautions", "minor", "Under 18: a parent or guardian consents; use fewer needles and watch closely.", S1
        )
    _lungs(a, r)
    _not_asked(a, r)

    # Actions for the lower levels.
    if r.decision == "do_not_needle":
        others = {x["rule"] for x in r.reasons if x["level"] == "do_not_needle"} - {"acute_illness"}
        if a.has("acute_medical_emergency"):
            pass  # the emergency action leads
        elif not others:
            r.actions.append("Do not needle today. Screen again when the patient is well.")
        else:
            r.actions.append("Do not needle. Offer other treatment and record the reason.")
    elif r.decision == "defer":
        r.actions.append(
            "Defer needling. To proceed anyway, record a written reason and the patient's written consent."
        )
    elif r.decision == "incomplete":
        r.actions.append("Ask the questions not yet asked (" + ", ".join(r.not_asked).replace("_", " ") + ").")
    if r.precautions and SEVERITY[r.decision] <= SEVERITY["defer"]:
        r.actions.append("Acknowledge each precaution before the first needle.")
    if r.decision == "clear":
        r.actions.append("No contraindication found. Screen again in 30 days or when anything changes.")
    r.excluded_regions = sorted(set(r.excluded_regions))
    return r


def _regions(a: Answers, r: Result) -> None:
    """Lymphoedema, lymph-node clearance and local infection: the region, or for a limb the whole limb."""
    limb_unknown = a.has("lymph_node_clearance") and not any(
        "lymph_node_clearance" in found for found in a.region_findings.values()
    )
    entries = [(region, what) for region, found in sorted(a.region_findings.items()) for what in found]
    if limb_unknown:
        entries += [(region, "lymph_node_clearance") for region in PERIPHERAL]
    seen: set[tuple[str, str]] = set()
    for region, what in entries:
        limb = LIMB_OF.get(region) if what != "local_infection" else None
        covered = LIMBS[limb] if limb else (region,)
        key = (limb or region, what)
        if key in seen:
            continue
        seen.add(key)
        r.excluded_regions.extend(covered)
        where = (
            "the whole " + limb.replace("_", " ") + " (" + ", ".join(covered) + ")" if limb else f"the {region} region"
        )
        label, src = {
            "lymphoedema": ("Lymphoedema", LYMPH_SRC),
            "lymph_node_clearance": ("Lymph nodes removed", NODE_CLEARANCE_SRC),
            "local_infection": ("Local infection or broken skin", S5 + "; " + S6),
        }[what]
        if limb_unknown and what == "lymph_node_clearance" and region in PERIPHERAL:
            label = "Lymph nodes removed, limb not recorded"
            where = "any limb until the limb is recorded"
        planned = [p for p in covered if p in a.planned_regions]
        rule = f"{what}:{limb or region}"
        if planned:
            r.add("do_not_needle", rule, f"{label}: do not needle {where}. Planned now: {', '.join(planned)}.", src)
        else:
            r.add("precautions", rule, f"{label}: do not needle {where}.", src)


def _pregnancy(a: Answers, r: Result) -> None:
    unknown = a.has("pregnant_gestation_unknown")
    if a.pregnancy_weeks is None and not unknown:
        return
    first = unknown or (a.pregnancy_weeks is not None and a.pregnancy_weeks < FIRST_TRIMESTER_WEEKS)
    if first:
        r.add(
            "defer",
            "pregnancy_gestation_unknown" if unknown else "pregnancy_first_trimester",
            (
                "Pregnant, weeks not known: treated as the first trimester until they are. "
                if unknown
                else "Pregnancy in the first trimester (under 13 weeks): "
            )
            + "defer needling. Sources are weak; if needling anyway, record written consent.",
            PREGNANCY_SRC,
        )
    r.excluded_regions.extend(PREGNANCY_AVOID)
    r.no_electrical_stimulation = True
    planned_avoid = [reg for reg in PREGNANCY_AVOID if reg in a.planned_regions]
    if a.planned_regions and all(reg in PREGNANCY_AVOID for reg in a.planned_regions):
        r.add(
            "do_not_needle",
            "pregnancy_all_regions_avoided",
            "Pregnancy: every planned region (" + ", ".join(a.planned_regions) + ") is one to avoid in pregnancy: "
            "do not needle there. Plan other sites or other treatment.",
            PREGNANCY_SRC,
        )
    r.add(
        "precautions",
        "pregnancy",
        "Pregnancy: do not needle the abdomen, lumbar spine or sacrum; no electrical stimulation (the sources "
        "say no strong stimulation; the product cannot measure strength, so it refuses any); seek written consent."
        + (f" Planned now: {', '.join(planned_avoid)} — choose other sites." if planned_avoid else "")
        + (" Electrical stimulation was planned: do not use it." if a.electrical_stimulation else ""),
        PREGNANCY_SRC,
    )


def _medications(a: Answers, r: Result) -> None:
    found, unknown = meds.classify(a.medications)
    if found:
        names = ", ".join(f"{written} ({drug.generic}, {drug.kind})" for written, drug in found)
        r.add(
            "precautions",
            "antithrombotic",
            f"Anticoagulant or antiplatelet medication: {names}. Expect more bleeding and bruising; avoid deep "
            "muscles that cannot be compressed; apply pressure after removal; consider ultrasound guidance.",
            meds.SOURCE,
        )
    if unknown:
        r.add(
            "precautions",
            "medication_unrecognised",
            "Not recognised — check it: " + ", ".join(unknown) + ". dryneedle recognises only the anticoagulants "
            "and antiplatelets on the rules page; check whether these affect bleeding or healing.",
            meds.SOURCE,
        )


def _lungs(a: Answers, r: Result) -> None:
    """Pneumothorax and visceral risk follow the muscles each planned region holds, not only 'thoracic'."""
    lung_risk = a.has("prior_pneumothorax", "copd_or_emphysema")
    extra = (
        " A previous pneumothorax or COPD/emphysema is recorded: over the lung fields only with a protective "
        "technique (onto bone, pincer grip, ultrasound guidance)."
        if lung_risk
        else ""
    )
    if lung_risk:
        r.lung_protective_technique = True
    if "thoracic" in a.planned_regions:
        r.add(
            "precautions",
            "thoracic_region",
            "Thoracic region: pneumothorax risk over the lung fields. Needle superficially or onto a rib or lamina, "
            "use short needles, consider a shoulder bolster and ultrasound guidance; warn the patient about "
            "breathlessness or chest pain in the next hours." + extra,
            THORAX_SRC,
        )
    if "cervical" in a.planned_regions:
        r.add(
            "precautions",
            "cervical_lung_apex",
            "Neck and shoulder: upper trapezius, levator scapulae and supraspinatus lie near the apex of the lung "
            "— the same pneumothorax care and warning as over the thorax." + extra,
            THORAX_SRC,
        )
    if "lumbar" in a.planned_regions:
        r.add(
            "precautions",
            "thoracolumbar_pleura_kidney",
            "Upper lumbar: quadratus lumborum and the paraspinals near T12–L1 lie over the pleura and the kidney — "
            "stay close to the spinous process, aim for bone, use a protective technique; warn the patient about "
            "breathlessness or chest pain." + extra,
            THORACOLUMBAR_SRC,
        )
    if lung_risk and not {"thoracic", "cervical", "lumbar"} & set(a.planned_regions):
        code = "prior_pneumothorax" if a.has("prior_pneumothorax") else "copd_or_emphysema"
        r.add("precautions", code, "Lung risk recorded." + extra, LUNG_RISK_SRC)


def _not_asked(a: Answers, r: Result) -> None:
    for group in ASKED_GROUPS:
        if a.asked.get(group, True):
            continue
        if group == "pregnancy" and (a.sex == "male" or a.pregnancy_weeks is not None):
            continue
        if group == "pregnancy" and a.has("pregnant_gestation_unknown"):
            continue
        r.not_asked.append(group)
        r.add(
            "incomplete",
            f"not_asked:{group}",
            f"Not asked: {group.replace('_', ' ')}. Record the answers, or 'none of these', before needling.",
            f"A screening records what was asked, not what was assumed (safety review) — {REF} §14",
        )


def screen(obj: object) -> dict:
    """Validate and evaluate one JSON object (the CLI and API contract)."""
    return evaluate(parse(obj)).as_dict()


def catalogue() -> list[dict]:
    """Every finding code with its meaning, group and source (for --list-codes and the rules page)."""
    out = [
        {
            "code": f.code,
            "meaning": f.meaning + (f" (same as {f.alias_of})" if f.alias_of else ""),
            "group": f.group,
            "source": f.source,
        }
        for f in FINDINGS
    ]
    out += (
        [{"code": f"consent:{c}", "meaning": f"consent {c}", "group": "consent", "source": S1} for c in CONSENT]
        + [
            {
                "code": f"region_findings:{x}",
                "meaning": f"{x.replace('_', ' ')} in a region (a limb is excluded whole)",
                "group": "region",
                "source": {"lymphoedema": LYMPH_SRC, "lymph_node_clearance": NODE_CLEARANCE_SRC}.get(x, S5 + "; " + S6),
            }
            for x in REGION_FINDINGS
        ]
        + [
            {
                "code": "pregnancy_weeks",
                "meaning": "weeks of pregnancy: < 13 defer, >= 13 precautions; no electrical stimulation",
                "group": "pregnancy",
                "source": PREGNANCY_SRC,
            },
            {
                "code": "medications",
                "meaning": "antithrombotics matched by generic or brand name: "
                + "; ".join(f"{d.generic} ({', '.join(d.names[1:]) or '—'})" for d in meds.ANTITHROMBOTICS)
                + ". Anything else is shown as not recognised.",
                "group": "medication",
                "source": meds.SOURCE,
            },
            {
                "code": "planned_regions:thoracic",
                "meaning": "needling over the thorax",
                "group": "region",
                "source": THORAX_SRC,
            },
            {
                "code": "planned_regions:cervical",
                "meaning": "needling near the lung apex (upper trapezius, levator scapulae, supraspinatus)",
                "group": "region",
                "source": THORAX_SRC,
            },
            {
                "code": "planned_regions:lumbar",
                "meaning": "needling near the pleura and kidney at T12–L1 (quadratus lumborum, upper paraspinals)",
                "group": "region",
                "source": THORACOLUMBAR_SRC,
            },
            {
                "code": "medical_clearance",
                "meaning": "a physician's clearance of one suspected pathology ("
                + ", ".join(CLEARABLE)
                + ") with who and when; a finding new since it refers again; cauda equina is never cleared",
                "group": "clearance",
                "source": RED_FLAGS_SRC,
            },
            {
                "code": "asked:" + "|".join(ASKED_GROUPS),
                "meaning": "false when a group was not asked: the screening is incomplete and does not open the gate",
                "group": "completeness",
                "source": f"safety review — {REF} §14",
            },
        ]
    )
    return out
