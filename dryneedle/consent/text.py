"""What the consent form says, in plain words, with the source of each number. Pure: no Django.

The risks are the seven the source article names (soreness, bruising, fatigue, bleeding, infection, nerve injury,
pneumothorax). Published frequencies come from adverse_events/rules.py (the surveys of docs/clinical-sources.md
§2.1); the clinic's own, beside them, from its confirmed adverse events per signed visit with needles, shown only
from aftercare.rules.OWN_RATE_MIN_VISITS visits (fewer make a rate too uncertain to tell a patient). What the
evidence says of benefit is the reference's bottom line for patient screens (§1).
"""

from decimal import ROUND_HALF_UP, Decimal

from dryneedle.lib.marks import gettext_noop

# Raised whenever the wording below changes: a signed form keeps the version it was signed under.
VERSION = "2026-12.1"

# (adverse-event type, the risk in plain words, what it means for the patient)
RISKS = (
    (
        "soreness_after",
        gettext_noop("Soreness"),
        gettext_noop("Most people are sore where the needles went in, usually for a day or two."),
    ),
    ("bruising", gettext_noop("Bruising"), gettext_noop("A bruise where a needle went in.")),
    ("bleeding", gettext_noop("Bleeding"), gettext_noop("A spot of blood when a needle comes out.")),
    ("fatigue", gettext_noop("Tiredness"), gettext_noop("Feeling tired or drowsy afterwards: take care if you drive.")),
    (
        "infection",
        gettext_noop("Infection"),
        gettext_noop("Rare: needles are sterile and used once. Tell us about redness, heat or swelling."),
    ),
    (
        "nerve_injury",
        gettext_noop("Nerve injury"),
        gettext_noop("Rare: tingling, numbness or weakness that does not settle. Tell us at once."),
    ),
    (
        "pneumothorax",
        gettext_noop("Collapsed lung (pneumothorax)"),
        gettext_noop(
            "Very rare, when needling over the chest wall: breathlessness or chest pain after treatment needs "
            "emergency care."
        ),
    ),
)
RISK_TYPES = tuple(code for code, _name, _plain in RISKS)

# docs/clinical-sources.md §1: Liu 2018 (small short-term effect on pain, mainly with other treatment), Yu 2023,
# APTA 2021 CPG (clinicians "can" consider it with other treatments), NICE NG59 (does not recommend acupuncture-type
# needling for low back pain).
BENEFIT = gettext_noop(
    "Studies of dry needling for low back pain found at most a small, short-term easing of pain, mainly when it was "
    "combined with other treatment such as exercise; how much it helps daily activities, and for how long, is "
    "uncertain. Some guidelines allow it alongside other care (American Physical Therapy Association, 2021); the "
    "English guideline (NICE NG59) does not recommend needling for low back pain."
)
BENEFIT_SOURCE = "Liu 2018; Yu 2023; APTA 2021 guideline; NICE NG59"
# Where no survey gives a rate, in a patient's words (adverse_events/rules.NO_RATE says the same to clinicians).
NO_RATE = {
    "nerve_injury": gettext_noop("No published rate found."),
    "pneumothorax": gettext_noop(
        "None in 7,629 treatments (Brady 2014); about 1 in 100,000 in acupuncture studies (as quoted by others)."
    ),
}
# NICE NG59 1.2.7 (manual therapy only with exercise), §1.2; and the choice of no treatment, always open.
ALTERNATIVES = (
    gettext_noop("Exercise and advice on staying active"),
    gettext_noop("Manual therapy (hands-on treatment) as part of an exercise programme"),
    gettext_noop("Other treatments your clinician can discuss with you"),
    gettext_noop("No needling at all: your care continues without it"),
)
RIGHT_TO_STOP = gettext_noop(
    "You can say no, or ask to stop at any moment, during a treatment or before any later one, without giving a "
    "reason and without it changing the rest of your care. You can withdraw this consent at any time, in your "
    "account or by telling the clinic; no needle goes in after that until you consent again."
)


IN_100 = gettext_noop("%(x)s in 100")
ONE_IN = gettext_noop("about 1 in %(n)s")
NONE_RECORDED = gettext_noop("none recorded")


def _grouped(n: int) -> str:
    return f"{n:,}"


def percent(x: float | None, tr=gettext_noop, number=str, grouped=_grouped) -> str:
    """A frequency as a patient reads it: '7.6 in 100', '1 in 31,822' for the rare ones (``tr`` translates the
    words, ``number`` writes a decimal and ``grouped`` a whole number as the reader's language does)."""
    if x is None:
        return ""
    if x >= 0.1:  # rounded half up, as a person would: 7.55 is 7.6
        rate = Decimal(str(x)).quantize(Decimal("0.1"), ROUND_HALF_UP)
        return tr(IN_100) % {"x": number(rate.quantize(Decimal(1)) if rate == rate.to_integral() else rate)}
    return tr(ONE_IN) % {"n": grouped(round(100 / x))} if x > 0 else tr(NONE_RECORDED)
