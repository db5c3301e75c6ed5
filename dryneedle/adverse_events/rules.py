"""Adverse events: the taxonomy, the severity scale, the published rates, and Wilson intervals.

Pure data and functions. Sources in docs/clinical-sources.md §2: the type list follows
the surveys of dry needling and acupuncture (Brady 2014, Boyce 2020, White 2001);
the severity scale is the three-level one of White 2001 as Physiotherapy Alberta
states it (§2.2); "adverse event" implies no causality, which is recorded apart
(Carlesso 2010).
"""

from dataclasses import dataclass

TYPES = (
    ("bleeding", "Bleeding"),
    ("bruising", "Bruising or haematoma"),
    ("pain_during", "Pain during needling"),
    ("soreness_after", "Soreness after needling"),
    ("fatigue", "Fatigue"),
    ("drowsiness", "Drowsiness"),
    ("headache", "Headache"),
    ("nausea", "Nausea"),
    ("fainting", "Fainting or near-fainting (vasovagal)"),
    ("aggravation", "Aggravation of symptoms"),
    ("infection", "Infection"),
    ("nerve_injury", "Nerve injury"),
    ("pneumothorax", "Pneumothorax"),
    ("retained_needle", "Retained or forgotten needle"),
    ("broken_needle", "Broken needle"),
    ("other", "Other"),
)
TYPE_NAMES = dict(TYPES)

MILD, SIGNIFICANT, SERIOUS = "mild", "significant", "serious"
SEVERITIES = ((MILD, "Mild"), (SIGNIFICANT, "Significant"), (SERIOUS, "Serious"))
SEVERITY_ORDER = {"mild": 0, "significant": 1, "serious": 2}
# Physiotherapy Alberta's summary of White 2001 (docs/clinical-sources.md §2.2).
SEVERITY_DEFINITIONS = {
    "mild": "Short duration, reversible, does not inconvenience the patient.",
    "significant": "Requires medical intervention or interferes with the patient's activities.",
    "serious": "Requires hospital admission, with potential persistent or significant disability, or death.",
}
SEVERITY_SOURCE = "White 2001 (BMJ 323:485) as summarised by Physiotherapy Alberta — docs/clinical-sources.md §2.2"

# The least severity a type can have. A pneumothorax needs medical assessment and care,
# which is the definition of "significant"; infection needs treatment; a needle left in
# the body or broken in it needs removal. White 2001 lists forgotten needles and cellulitis
# among its significant events (§2.1). Others can be anything from mild up.
MIN_SEVERITY = {
    "pneumothorax": "significant",
    "infection": "significant",
    "retained_needle": "significant",
    "broken_needle": "significant",
}

CAUSALITY = (("certain", "Certain"), ("probable", "Probable"), ("possible", "Possible"), ("unlikely", "Unlikely"))
ONSET = (
    ("during", "During needling"),
    ("after_session", "Right after the session"),
    ("within_48h", "Within 48 hours"),
    ("later", "Later"),
)
OUTCOMES = (
    ("resolved", "Resolved"),
    ("resolving", "Resolving"),
    ("not_resolved", "Not resolved"),
    ("unknown", "Unknown"),
)


def severity_problem(event_type: str, severity: str) -> str:
    """Why this severity cannot go with this type (empty when it can)."""
    least = MIN_SEVERITY.get(event_type)
    if severity and least and SEVERITY_ORDER[severity] < SEVERITY_ORDER[least]:
        return (
            f"A {TYPE_NAMES[event_type].lower()} is at least {least}: "
            f"{SEVERITY_DEFINITIONS[least].lower()} ({SEVERITY_SOURCE})."
        )
    return ""


@dataclass(frozen=True)
class Published:
    percent: float  # events per 100 treatments
    source: str


# Events per 100 treatments from the prospective surveys (docs/clinical-sources.md §2.1).
# Brady 2014: 7,629 treatments by 39 physiotherapists; Boyce 2020: 20,464 sessions by 420.
PUBLISHED = {
    "bruising": (Published(7.55, "Brady 2014"), Published(7.7, "Boyce 2020")),
    "bleeding": (Published(4.65, "Brady 2014"), Published(16.0, "Boyce 2020")),
    "pain_during": (Published(3.01, "Brady 2014"), Published(5.9, "Boyce 2020")),
    "soreness_after": (Published(2.19, "Brady 2014"),),
    "aggravation": (Published(0.88, "Brady 2014"),),
    "drowsiness": (Published(0.26, "Brady 2014"),),
    "headache": (Published(0.14, "Brady 2014"),),
    "nausea": (Published(0.13, "Brady 2014"),),
    "fatigue": (Published(0.04, "Brady 2014"),),
    "fainting": (Published(6 / 31822 * 100, "White 2001, acupuncture: 6 of 31,822 consultations"),),
    "retained_needle": (Published(5 / 31822 * 100, "White 2001, acupuncture: 5 lost or forgotten of 31,822"),),
    "infection": (Published(1 / 31822 * 100, "White 2001, acupuncture: 1 cellulitis of 31,822"),),
}
# No significant events in 7,629 treatments: upper 95% limit 0.04% (Brady 2014); 20 major
# events in 20,494 treatments, about 1 in 1,024 (Boyce 2020). Pneumothorax: about 1 in
# 100,000 in acupuncture cohorts, a secondary source (§2.1).
PUBLISHED_SERIOUS = (
    "Significant events: none in 7,629 treatments, upper 95% limit 0.04% (Brady 2014); "
    "major events 20 of 20,494 treatments, about 1 in 1,024 (Boyce 2020)."
)
NO_RATE = {
    "nerve_injury": "No published rate found (docs/clinical-sources.md §2.1).",
    "pneumothorax": "None in Brady 2014; about 1 in 100,000 in acupuncture cohorts (secondary source).",
}
