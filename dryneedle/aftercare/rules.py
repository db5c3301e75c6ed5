"""What the handout says and how a check-in answer is read. Pure: no Django.

Frequencies are from the prospective surveys in clinical-reference.md §2.1, in plain
words (about N in 100 treatments). How long soreness lasts was not measured in them,
so the handout gives no duration: it says what to do if it gets worse instead of better.
The aftercare is the seed's: water, rest from strenuous activity for a day or two, heat
or cold for soreness, gentle stretching.
"""

# What is normal after needling: (what, how often in plain words, source).
NORMAL = (
    ("Bruising where a needle went in", "about 8 in 100 treatments", "Brady 2014 7.55%; Boyce 2020 7.7%"),
    ("A spot of bleeding", "between 5 and 16 in 100 treatments", "Brady 2014 4.65%; Boyce 2020 16%"),
    ("Pain while the needle is in", "about 3 to 6 in 100 treatments", "Brady 2014 3.01%; Boyce 2020 5.9%"),
    ("Soreness afterwards", "about 2 in 100 treatments (reported by physiotherapists)", "Brady 2014 2.19%"),
    (
        "Feeling tired or drowsy",
        "about 1 in 4 people after acupuncture: take care if you are driving",
        "MacPherson & Thomas 2005, 24.4%",
    ),
)
# The clinic's own rates are shown beside the published ones from this many signed visits
# with needles (our choice: fewer make a rate too uncertain to be useful to a patient).
OWN_RATE_MIN_VISITS = 100

AFTERCARE = (
    "Drink water as usual through the day.",
    "Rest from hard exercise and heavy lifting for a day or two.",
    "If a needled area is sore, a warm pack or a cold pack can help. Use what feels better, with a cloth "
    "between the pack and your skin.",
    "Gentle stretching and moving is good. Keep to what does not make the pain worse.",
)

WARNING_ALWAYS = (
    "Redness that spreads, a hot swollen area, or a fever: call us today, or your doctor.",
    "New numbness or weakness in an arm or leg: call us today; if it is sudden or severe, get urgent care.",
)
WARNING_THORAX = (
    "New breathlessness, chest pain, or pain when you breathe in: go to emergency care now (call your emergency "
    "number). This can start hours after needling near the chest or upper back (a collapsed lung, pneumothorax)."
)
THORACIC_REGIONS = {"thoracic", "cervical"}  # needling over or near the lung fields (§4.1)

# Check-in questions: (key, question, kind). Red answers need urgent care.
QUESTIONS = (
    ("soreness", "How sore are the needled areas now? 0 is not at all, 10 is the worst you can imagine.", "scale"),
    ("bruising", "Do you have bruising where the needles went in?", "yesno"),
    ("fatigue", "Have you felt unusually tired?", "yesno"),
    ("dizziness", "Have you felt dizzy or fainted?", "yesno"),
    ("bleeding", "Has a needled spot bled again?", "yesno"),
    ("infection", "Is there redness that is spreading, or a hot swollen area?", "yesno"),
    ("fever", "Do you have a fever?", "yesno"),
    ("weakness", "Do you have new numbness or weakness in an arm or leg?", "yesno"),
    ("breathing", "Are you short of breath, or do you have chest pain?", "yesno"),
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
        or answers.get("weakness") == "yes"
        or (answers.get("infection") == "yes" and answers.get("fever") == "yes")
    )
    return types, red


def warnings(regions: set[str]) -> list[str]:
    out = []
    if regions & THORACIC_REGIONS:
        out.append(WARNING_THORAX)
    return out + list(WARNING_ALWAYS)
