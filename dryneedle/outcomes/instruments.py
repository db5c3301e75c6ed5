"""What the forms show for each instrument: sections, items and choices.

Item wording: the ODI is licensed (Mapi Research Trust, docs/clinical-sources.md §6.2),
so only its section names ship; each statement shows its score, and a clinic that
holds a licence can load its wording as a text pack (docs/outcomes.md). The RMDQ may
be reproduced as published (Roland & Fairbank 2000, §6.3), but its 24 statements
are not in our reference, so they also come from a text pack; without one the items
are numbered, which is enough to transcribe a paper form. STarT Back items are
shown as the reference summarises them (§6.4), marked as summaries.
"""

from dryneedle.outcomes import scoring

ODI_SECTION_NAMES = {
    "pain_intensity": "Pain intensity",
    "personal_care": "Personal care (washing, dressing)",
    "lifting": "Lifting",
    "walking": "Walking",
    "sitting": "Sitting",
    "standing": "Standing",
    "sleeping": "Sleeping",
    "sex_life": "Sex life (if applicable)",
    "social_life": "Social life",
    "travelling": "Travelling",
}
PLACEHOLDER = "Placeholder wording (not the licensed ODI text)"

# Summaries of the nine items from docs/clinical-sources.md §6.4 (not the Keele wording).
STARTBACK_ITEMS = {
    "1": "My back pain has spread down my leg(s) at some time in the last 2 weeks",
    "2": "I have had pain in the shoulder or neck at some time in the last 2 weeks",
    "3": "I have only walked short distances because of my back pain",
    "4": "In the last 2 weeks, I have dressed more slowly than usual because of back pain",
    "5": "It's not really safe for a person with a condition like mine to be physically active",
    "6": "Worrying thoughts have been going through my mind a lot of the time",
    "7": "I feel that my back pain is terrible and it's never going to get any better",
    "8": "In general I have not enjoyed all the things I used to enjoy",
}
STARTBACK_ITEM9_LABELS = {
    "not_at_all": "Not at all",
    "slightly": "Slightly",
    "moderately": "Moderately",
    "very_much": "Very much",
    "extremely": "Extremely",
}
STARTBACK_NOTE = (
    "Item texts summarised from the Keele STarT Back tool (docs/clinical-sources.md §6.4); "
    "check them against the Keele form."
)


def odi_statements(section: str, pack: dict | None = None) -> list[tuple[int, str]]:
    texts = (pack or {}).get("odi", {}).get(section)
    if texts and len(texts) == 6:
        return list(enumerate(texts))
    return [(i, f"{PLACEHOLDER}: statement {i} of 0-5") for i in range(6)]


def rmdq_items(pack: dict | None = None) -> list[tuple[int, str]]:
    texts = (pack or {}).get("rmdq")
    if texts and len(texts) == scoring.RMDQ_ITEMS:
        return list(enumerate(texts, 1))
    return [(i, f"Item {i} of the Roland-Morris form") for i in range(1, scoring.RMDQ_ITEMS + 1)]


def patient_wording(instrument: str, pack: dict | None = None) -> bool:
    """Whether a patient may be asked this instrument from a link: only with its real wording. Without a licensed
    text pack the ODI has placeholder statements and the RMDQ numbered items, which a clinician transcribing a
    paper form can use but a patient cannot answer (issue 18, defect 3): those stay for the clinic to collect."""
    if instrument == "odi":
        odi = (pack or {}).get("odi") or {}
        return all(len(odi.get(section) or []) == 6 for section in ODI_SECTION_NAMES)
    if instrument == "rmdq":
        return len((pack or {}).get("rmdq") or []) == scoring.RMDQ_ITEMS
    return True


def on_paper(asked, pack: dict | None = None) -> list[str]:
    """The instruments of ``asked`` a patient's link leaves out, for the clinic to collect on paper."""
    return [i for i in asked if not patient_wording(i, pack)]
