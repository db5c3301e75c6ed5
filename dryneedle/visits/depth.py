"""The depth guard over the lung fields and at the thoracolumbar junction.

Every catalogue muscle that lies over the lung fields, near the lung apex, or
over the pleura and kidney at T12-L1 carries a guard (safety review,
docs/clinical-sources.md §14). Where a source gives a depth, that is the
default limit; where none does, there is no safe default and every insertion
needs a protective technique (onto bone, pincer grip, ultrasound guidance) and
a written reason. Going deeper than a limit needs the same.

A clinic may lower a limit at once. Raising one above the cited default (or
setting one where there is no default) needs a reference, a second clinic
admin's approval, and stays at or below the cap: the needle length of the
deepest safe reference we can cite for that zone. Every change is audited and
the signed note shows the limit it was checked against.
"""

import re
from dataclasses import dataclass

REF = "docs/clinical-sources.md"


@dataclass(frozen=True)
class Limit:
    max_mm: int
    source: str
    own: bool = False  # the clinic's own limit rather than the cited default


@dataclass(frozen=True)
class Zone:
    code: str
    label: str
    cap_mm: int | None  # the deepest needle length a cited source found safe here; None: none known
    cap_source: str


LUNG = Zone(
    "lung",
    "over the lung fields or near the lung apex",
    30,
    f"30 mm never reached the pleural space over upper trapezius in 15 cadavers (Kearns 2022, Musculoskelet Sci "
    f"Pract 62:102622): the deepest length any source in our reference found safe over the thorax — {REF} §4.1",
)
THORACOLUMBAR = Zone(
    "thoracolumbar",
    "over the pleura and kidney at T12–L1",
    None,
    "No source in our reference gives a safe depth here: a 0.30 × 50 mm needle 1 cm from T12 can enter the spinal "
    f"canal (Williams 2023); the upper-lumbar cadaver study gives a lateral distance, not a depth — {REF} §4.2",
)

RHOMBOID = Limit(19, f"Valera-Calero (ultrasound, 59 subjects; preprint, journal version not confirmed) — {REF} §4.1")
UPPER_TRAPEZIUS = Limit(30, f"Kearns 2022, Musculoskelet Sci Pract 62:102622 (cadavers) — {REF} §4.1")
NO_DEFAULT = (
    f"no safe default known: use a protective technique (onto bone, pincer grip, ultrasound guidance) — {REF} §4.3, §14"
)


@dataclass(frozen=True)
class Guard:
    zone: Zone
    default: Limit | None  # None: no safe default, a protective technique is always needed


# (muscle, screening region) → guard. A muscle needled in several regions is guarded where it lies over the
# lung or the thoracolumbar junction: multifidus and longissimus in the thoracic region are over the lung;
# in the lumbar region the guard is the thoracolumbar one (the level is not recorded, so it applies to all).
GUARDS: dict[tuple[str, str], Guard] = {
    ("rhomboid_major", "thoracic"): Guard(LUNG, RHOMBOID),
    ("upper_trapezius", "thoracic"): Guard(LUNG, UPPER_TRAPEZIUS),
    ("upper_trapezius", "cervical"): Guard(LUNG, UPPER_TRAPEZIUS),
    ("middle_trapezius", "thoracic"): Guard(LUNG, None),
    ("lower_trapezius", "thoracic"): Guard(LUNG, None),
    ("serratus_posterior_superior", "thoracic"): Guard(LUNG, None),
    ("serratus_posterior_inferior", "thoracic"): Guard(LUNG, None),
    ("iliocostalis_thoracis", "thoracic"): Guard(LUNG, None),
    ("longissimus_thoracis", "thoracic"): Guard(LUNG, None),
    ("multifidus", "thoracic"): Guard(LUNG, None),
    ("levator_scapulae", "cervical"): Guard(LUNG, None),
    ("levator_scapulae", "thoracic"): Guard(LUNG, None),
    ("supraspinatus", "thoracic"): Guard(LUNG, None),
    ("quadratus_lumborum", "lumbar"): Guard(THORACOLUMBAR, None),
    ("iliocostalis_lumborum", "lumbar"): Guard(THORACOLUMBAR, None),
    ("longissimus_thoracis", "lumbar"): Guard(THORACOLUMBAR, None),
    ("multifidus", "lumbar"): Guard(THORACOLUMBAR, None),
}
GUARDED_MUSCLES = {m for m, _ in GUARDS}
# The cited defaults by muscle, as the catalogue page shows them.
DEFAULT_LIMITS: dict[str, Limit] = {m: g.default for (m, _), g in GUARDS.items() if g.default is not None}

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
    f"and aim for bone (pilot cadaver study, J Man Manip Ther 2020) — {REF} §4.2"
)


def guard_for(muscle: str, region: str) -> Guard | None:
    return GUARDS.get((muscle, region))


def zone_of(muscle: str) -> Zone | None:
    """The zone a muscle is guarded in, wherever it is needled (for the catalogue)."""
    zones = [g.zone for (m, _), g in GUARDS.items() if m == muscle]
    return zones[0] if zones else None


def default_for(muscle: str) -> Limit | None:
    return DEFAULT_LIMITS.get(muscle)


def cap_for(muscle: str) -> tuple[int | None, str]:
    """The highest limit a clinic may set for a muscle, and why."""
    zones = [g.zone for (m, _), g in GUARDS.items() if m == muscle]
    if not zones:
        return None, "not a guarded muscle"
    caps = [z.cap_mm for z in zones]
    if any(c is None for c in caps):
        z = next(z for z in zones if z.cap_mm is None)
        return 0, z.cap_source
    z = min(zones, key=lambda z: z.cap_mm or 0)
    return z.cap_mm, z.cap_source


FINDABLE = re.compile(r"(\b(19|20)\d{2}\b|doi:|10\.\d{4,}/|PMID\s*\d+)", re.IGNORECASE)


def is_reference(text: str) -> bool:
    """A source a reader can find: authors or a title with a year, a DOI or a PMID — not five characters."""
    text = text.strip()
    words = re.findall(r"[A-Za-z]{3,}", text)
    return len(text) >= 25 and len(words) >= 2 and bool(FINDABLE.search(text))


def is_raise(muscle: str, max_mm: int) -> bool:
    """Whether a clinic limit is above the cited default (or sets one where there is no default)."""
    if muscle not in GUARDED_MUSCLES:
        return False  # a limit on an unguarded muscle only restricts
    default = default_for(muscle)
    return default is None or max_mm > default.max_mm


def protected_note(limit: Limit | None, guard: Guard | None, technique: str, reason: str) -> str:
    """What the signed note says of a needle placed with a protective technique: the limit it was checked
    against (or that none is known) and why (one wording for the page, the API and the demo)."""
    against = f"the {limit.max_mm} mm limit" if limit is not None else "no safe default depth"
    source = limit.source if limit is not None else (guard.zone.cap_source if guard else "")
    return f"Checked against {against} ({source}): {dict(PROTECTIVE).get(technique, technique)}; reason: {reason}"


def limit_for(clinic, muscle: str, region: str) -> tuple[Limit | None, Guard | None]:
    """The limit an insertion is checked against — the clinic's approved one, else the cited default — and its guard.

    A (None, guard) answer means a guarded muscle with no safe default: a protective technique is always needed.
    """
    from dryneedle.visits.models import DepthLimit

    guard = guard_for(muscle, region)
    own = DepthLimit.objects.filter(clinic=clinic, muscle=muscle, status=DepthLimit.Status.ACTIVE).first()
    if own is not None:
        return Limit(own.max_mm, own.source, own=True), guard
    if guard is None:
        return None, None
    return guard.default, guard
