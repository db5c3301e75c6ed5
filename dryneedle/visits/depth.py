"""The depth guard over the lung fields and the upper lumbar spine.

Default limits come from clinical-reference.md §4; a clinic can set its own
(``DepthLimit``), because depth limits are the clinic's own governance. Going
deeper than the limit needs a protective technique and a written reason, and
the signed note shows both.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    max_mm: int
    source: str


DEFAULT_LIMITS: dict[str, Limit] = {
    # "Inserting a maximum length of 19 mm is recommended to reach the deep limit of rhomboid major
    # decreasing the risk of passing through the pleura" (Valera-Calero, ultrasound, 59 subjects; preprint).
    "rhomboid_major": Limit(19, "Valera-Calero (preprint, journal version not confirmed) — clinical-reference.md §4.1"),
    # A 30 mm needle never reached the pleural space over upper trapezius in 15 cadavers; 40 mm did in 1/15.
    "upper_trapezius": Limit(
        30, "Kearns 2022, Musculoskelet Sci Pract 62:102622 (cadavers) — clinical-reference.md §4.1"
    ),
}

PROTECTIVE = (
    ("bony_backstop", "Over a rib or lamina (bony backstop)"),
    ("pincer_grip", "Pincer grip, needle tangential"),
    ("ultrasound", "Ultrasound guidance"),
)

# Warnings shown (not refusals): paramedian needling at the thoracolumbar junction.
MEDIAL_PARASPINAL = {"multifidus", "longissimus_thoracis", "iliocostalis_lumborum"}
MEDIAL_WARNING = (
    "A medially angled needle 1 cm from the T12 spinous process can pass the ligamentum flavum into the spinal "
    "canal (Williams 2023, 0.30 × 50 mm); at upper lumbar levels stay under 2.5 cm lateral of the spinous process "
    "and aim for bone (pilot cadaver study, J Man Manip Ther 2020) — clinical-reference.md §4.2"
)


def limit_for(clinic, muscle: str) -> Limit | None:
    from dryneedle.visits.models import DepthLimit

    own = DepthLimit.objects.filter(clinic=clinic, muscle=muscle).first()
    if own is not None:
        return Limit(own.max_mm, own.source)
    return DEFAULT_LIMITS.get(muscle)
