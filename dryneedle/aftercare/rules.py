"""What the handout says and how a check-in answer is read. Pure: no Django.

Frequencies are from the prospective surveys in docs/clinical-sources.md §2.1, in plain
words (about N in 100 treatments), labelled as what clinicians recorded. Soreness is the
exception (safety review, §14): patients report it after most or all trigger-point
needling (Martín-Pintado-Zugasti 2016; 2018), so the handout says so and keeps the survey
figure as what physiotherapists recorded.
The aftercare is the seed's: water, rest from strenuous activity for a day or two, heat
or cold for soreness, gentle stretching.
"""

from dryneedle.lib.marks import gettext_noop

# What is normal after needling: (what, how often in plain words, source).
NORMAL = (
    (
        gettext_noop("Bruising where a needle went in"),
        gettext_noop("about 8 in 100 treatments (as physiotherapists recorded it)"),
        "Brady 2014 7.55%; Boyce 2020 7.7%",
    ),
    (
        gettext_noop("A spot of bleeding"),
        gettext_noop("between 5 and 16 in 100 treatments (as physiotherapists recorded it)"),
        "Brady 2014 4.65%; Boyce 2020 16%",
    ),
    (
        gettext_noop("Pain while the needle is in"),
        gettext_noop("about 3 to 6 in 100 treatments (as physiotherapists recorded it)"),
        "Brady 2014 3.01%; Boyce 2020 5.9%",
    ),
    (
        gettext_noop("Soreness where the needles went in"),
        gettext_noop(
            "most people feel it, usually for a day or two (in studies it was present in most or all patients, "
            "followed for up to 3 days); physiotherapists recorded it as a problem after about 2 in 100 treatments"
        ),
        "Martín-Pintado-Zugasti 2016, 2018; Brady 2014 2.19% (clinician-recorded)",
    ),
    (
        gettext_noop("Feeling tired or drowsy"),
        gettext_noop("about 1 in 4 people after acupuncture: take care if you are driving"),
        "MacPherson & Thomas 2005, 24.4%",
    ),
)
# The clinic's own rates are shown beside the published ones from this many signed visits
# with needles (our choice: fewer make a rate too uncertain to be useful to a patient).
OWN_RATE_MIN_VISITS = 100

AFTERCARE = (
    gettext_noop("Drink water as usual through the day."),
    gettext_noop("Rest from hard exercise and heavy lifting for a day or two."),
    gettext_noop(
        "If a needled area is sore, a warm pack or a cold pack can help. Use what feels better, with a cloth "
        "between the pack and your skin."
    ),
    gettext_noop("Gentle stretching and moving is good. Keep to what does not make the pain worse."),
)

WARNING_ALWAYS = (
    gettext_noop("Redness that spreads, a hot swollen area, or a fever: call us today, or your doctor."),
    gettext_noop(
        "New numbness or weakness in an arm or leg: call us today; if it is sudden or severe, get urgent care."
    ),
)
# Cauda equina warning signs for every back-pain patient, after the patient cards by Greenhalgh, Mercer and
# Finucane (secondary source, docs/clinical-sources.md §5.2): go to the emergency department at once.
WARNING_CES = gettext_noop(  # translated where a patient reads it, in their language
    "New difficulty passing urine or controlling your bladder or bowels, numbness between your legs or around your "
    "back passage, or new weakness in both legs: go to the emergency department at once. Do not wait for an "
    "appointment."
)
WARNING_THORAX = gettext_noop(
    "New breathlessness, chest pain, or pain when you breathe in: go to emergency care now (call your emergency "
    "number). This can start hours after needling near the chest or upper back (a collapsed lung, pneumothorax)."
)
THORACIC_REGIONS = {"thoracic", "cervical"}  # needling over or near the lung fields (§4.1)
WARNING_LOWER_RIBS = gettext_noop(
    "New breathlessness, chest pain, or pain in your side when you breathe in: go to emergency care now (call your "
    "emergency number). Needling near the lowest ribs can rarely reach the lung (pneumothorax)."
)

# Check-in questions: (key, question, kind). Red answers need urgent care.
QUESTIONS = (
    (
        "soreness",
        gettext_noop("How sore are the needled areas now? 0 is not at all, 10 is the worst you can imagine."),
        "scale",
    ),
    ("bruising", gettext_noop("Do you have bruising where the needles went in?"), "yesno"),
    ("fatigue", gettext_noop("Have you felt unusually tired?"), "yesno"),
    ("dizziness", gettext_noop("Have you felt dizzy or fainted?"), "yesno"),
    ("bleeding", gettext_noop("Has a needled spot bled again?"), "yesno"),
    ("infection", gettext_noop("Is there redness that is spreading, or a hot swollen area?"), "yesno"),
    ("fever", gettext_noop("Do you have a fever?"), "yesno"),
    ("weakness", gettext_noop("Do you have new numbness or weakness in an arm or leg?"), "yesno"),
    ("breathing", gettext_noop("Are you short of breath, or do you have chest pain?"), "yesno"),
    (
        "ces",
        gettext_noop(
            "Do you have new trouble passing urine or controlling your bladder or bowels, numbness between your legs "
            "or around your back passage, or new weakness in both legs?"
        ),
        "yesno",
    ),
)
# Which answers become which draft adverse event type (adverse_events/rules.py).
EVENT_FOR = {
    "bruising": "bruising",
    "fatigue": "fatigue",
    "dizziness": "fainting",
    "bleeding": "bleeding",
    "infection": "infection",
    "weakness": "nerve_injury",
    "breathing": "pneumothorax",
    "ces": "nerve_injury",
}
# Soreness at or above this is reported as soreness after needling: our choice (moderate
# or worse on the 0-10 scale), to keep every mild ache from becoming an event.
SORENESS_EVENT_FROM = 4


def read(answers: dict) -> tuple[list[str], bool]:
    """The adverse event types an answer reports, and whether it is red (urgent)."""
    types = [t for k, t in EVENT_FOR.items() if answers.get(k) == "yes"]
    if isinstance(answers.get("soreness"), int) and answers["soreness"] >= SORENESS_EVENT_FROM:
        types.insert(0, "soreness_after")
    if answers.get("other", "").strip() and not types:
        types.append("other")
    red = (
        answers.get("breathing") == "yes"
        or answers.get("ces") == "yes"
        or answers.get("weakness") == "yes"
        or (answers.get("infection") == "yes" and answers.get("fever") == "yes")
    )
    return types, red


def warnings(regions: set[str], zones: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """The handout's warnings: the breathlessness warning follows the needled muscle's zone as well as the region
    (upper trapezius in the neck, quadratus lumborum and upper lumbar paraspinals near the lowest ribs)."""
    out = [WARNING_CES]
    if regions & THORACIC_REGIONS or "lung" in zones:
        out.append(WARNING_THORAX)
    elif "thoracolumbar" in zones:
        out.append(WARNING_LOWER_RIBS)
    return out + list(WARNING_ALWAYS)
