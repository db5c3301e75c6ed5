"""Care-plan rules: modalities and their order in a day, STarT Back templates, expected visits, discharge criteria.

Pure: no database. Every clinical statement names its source; where our
reference (docs/clinical-sources.md) has no number, the rule says so
and the clinician sets one.
"""

from dataclasses import dataclass, field
from fractions import Fraction

from dryneedle.outcomes import scoring

MODALITIES = (
    ("dry_needling", "Dry needling"),
    ("exercise", "Therapeutic exercise"),
    ("physiotherapy", "Manual therapy / physiotherapy"),
    ("pi_physiotherapy", "Psychologically informed physiotherapy"),
    ("chiropractic", "Chiropractic care"),
    ("massage", "Massage"),
    ("education", "Education / self-management"),
    ("referral", "Referral"),
)
MODALITY_NAMES = dict(MODALITIES)

# Where a component sits on a day that combines several. The seed document
# describes massage before needling and exercise after it; it gives no source
# and our reference has none for the order: it is shown as the seed's
# suggestion, and the clinician can change it per component.
SEQUENCES = (
    ("before", "Before needling"),
    ("needling", "The needling itself"),
    ("after", "After needling"),
    ("separate", "On its own"),
)
SEQUENCE_ORDER = {code: i for i, (code, _) in enumerate(SEQUENCES)}
DEFAULT_SEQUENCE = {"massage": "before", "dry_needling": "needling", "exercise": "after"}
SEQUENCE_SOURCE = "Order suggested by the seed document (massage before needling, exercise after); no published source."


def default_sequence(modality: str) -> str:
    return DEFAULT_SEQUENCE.get(modality, "separate")


# --- STarT Back templates ------------------------------------------------------------
# NICE NG59 1.1.3 [V, reference §1.2]: simpler and less intensive support for people at
# low risk of a poor outcome, more complex and intensive support for people at higher
# risk. The three matched pathways come from the STarT Back trial: Hill JC, Whitehurst
# DGT, Lewis M, et al. Comparison of stratified primary care management for low back
# pain with current best practice (STarT Back). Lancet 2011;378(9802):1560-1571.
# doi:10.1016/S0140-6736(11)60937-9 — added by the developers, not in our reference:
# verify before relying on it. Dry needling as an adjunct: APTA 2021 CPG, grade C,
# "in conjunction with other treatments" [V-sec, §1.2]; needling plus other treatment
# beat needling alone for pain (Liu 2018, §1.1 [V]). No source in our reference gives
# a number of visits for any group, so templates leave frequency and count to the
# clinician.
TEMPLATE_SOURCE = (
    "NICE NG59 1.1.3 (docs/clinical-sources.md §1.2); matched pathways after the STarT Back trial, Hill JC et al. "
    "Lancet 2011;378:1560-71 (not in our reference: verify). No published number of visits per group: set your own."
)


@dataclass(frozen=True)
class Template:
    code: str
    name: str
    summary: str
    components: tuple[tuple[str, str], ...]  # (modality, note)
    caveat: str = ""


TEMPLATES = {
    "low": Template(
        "low",
        "Low risk: advice and self-management",
        "Reassurance, advice to stay active and a home exercise programme; few visits (NICE NG59 1.1.3).",
        (
            ("education", "Advice and reassurance; stay active; written information."),
            ("exercise", "Home exercise programme."),
        ),
    ),
    "medium": Template(
        "medium",
        "Medium risk: physiotherapy-led care with exercise and manual therapy",
        "Physiotherapy with exercise and manual therapy, as in the STarT Back trial's medium-risk pathway.",
        (
            ("physiotherapy", "Physiotherapy-led care, with manual therapy."),
            ("exercise", "Progressive exercise, supervised and at home."),
            ("education", "Self-management advice."),
        ),
        # Safety review §14: the trial's medium-risk pathway had no needling; NICE NG59 recommends against
        # acupuncture for low back pain and does not address dry needling.
        caveat="Dry needling is not part of the STarT Back trial's medium-risk pathway (Hill 2011), and NICE NG59 "
        "recommends against acupuncture for low back pain without addressing dry needling. Add it only as an "
        "adjunct to the above, if you judge it right for this patient (APTA 2021, grade C: with other treatment).",
    ),
    "high": Template(
        "high",
        "High risk: psychologically informed physiotherapy",
        "Physiotherapy that addresses fear, distress and catastrophising as well as pain and function.",
        (
            ("pi_physiotherapy", "Psychologically informed physiotherapy."),
            ("exercise", "Graded activity and exercise."),
            ("education", "Pain education and self-management."),
        ),
    ),
    "none": Template(
        "none",
        "No STarT Back result: start from an empty plan",
        "Ask the patient to answer STarT Back (NICE NG59 1.1.2: consider it at first contact for each new episode).",
        (),
    ),
}


def template_for(risk: str | None) -> Template:
    """The template of a STarT Back risk group ("low", "medium", "high"); the empty one without a result."""
    return TEMPLATES.get(risk or "none", TEMPLATES["none"])


# --- Expected number of dry-needling visits ---------------------------------------------
@dataclass(frozen=True)
class Expected:
    visits: int | None  # None: no published number; the clinician sets one
    basis: str


# Reference §10 ("Numbers of sessions" row) lists the doses trials used. Only one is a
# course of dry needling for low back pain; the rest are one session (a study of
# response, not a course) or acupuncture, a different technique.
EXPECTED = {
    "chronic_lbp": Expected(
        5,
        "About 5 dry-needling sessions, added at the end of every other one of 10 physiotherapy sessions "
        "(2016 RCT summarised in AFP 2023; docs/clinical-sources.md §10). One trial: adjust to the patient.",
    ),
    "sciatica": Expected(
        None,
        "No dry-needling course studied. An acupuncture trial (a different technique) used 10 sessions over "
        "4 weeks (Tu 2024; §10).",
    ),
    "myofascial_tp": Expected(
        None,
        "No published course length. One study gave a single session to study response (Koppenhaver 2015; §10).",
    ),
}
NO_NUMBER = Expected(
    None, "No published number of dry-needling visits for this condition (docs/clinical-sources.md §10)."
)


def expected_visits(condition: str) -> Expected:
    return EXPECTED.get(condition, NO_NUMBER)


# --- Reassessment ------------------------------------------------------------------------
def milestones(expected: int | None) -> list[tuple[str, int]]:
    """Reassess at half and all of the planned dry-needling visits (the care-plan issue's rule, not a published one)."""
    if not expected:
        return []
    half = (expected + 1) // 2
    return [("half", half), ("all", expected)] if half < expected else [("all", expected)]


def due_milestones(expected: int | None, signed_visits: int, reviewed: set[str]) -> list[tuple[str, int]]:
    """Milestones reached by the signed visits and not reviewed yet."""
    return [(m, n) for m, n in milestones(expected) if signed_visits >= n and m not in reviewed]


# --- Discharge criteria ------------------------------------------------------------------
@dataclass
class Criterion:
    code: str
    name: str
    met: bool | None  # None: not enough data to judge
    detail: str
    source: str = ""
    data: list = field(default_factory=list)


# Plateau: our reference gives no definition. Ours: the last three scores of the primary
# measure span less than its minimal important change (a project decision, stated on screen).
PLATEAU_POINTS = 3
PLATEAU_SOURCE = (
    "Project definition, no published one: the last 3 scores differ by less than the minimal important change."
)


def goals_met(goals: list[tuple[str, float | None, float]]) -> Criterion:
    """goals: (activity, latest score or None, target). Met when every goal has reached its target."""
    if not goals:
        return Criterion("goals_met", "Goals met", None, "No goals set.")
    rows = [(a, s, t, s is not None and s >= t) for a, s, t in goals]
    n_met = sum(1 for r in rows if r[3])
    unknown = sum(1 for r in rows if r[1] is None)
    met: bool | None = n_met == len(rows)
    if not met and unknown:
        met = None if n_met + unknown == len(rows) else False
    return Criterion("goals_met", "Goals met", met, f"{n_met} of {len(rows)} goals at target.", data=rows)


def responder(measure: str, scores: list[float], mic: dict | None = None) -> list[Criterion]:
    """Baseline to latest on the primary measure: each criterion on its own, never merged with OR (Ostelo 2008,
    §6.7; safety review §14). For the PSFS the points criterion is the minimal detectable change (Stratford 1995),
    beyond measurement error, not a minimal important change."""
    m = measure.upper()
    points = (mic or {}).get(measure, scoring.MIC_POINTS[measure])
    if measure == "psfs":
        first = f"Change beyond measurement error ({m} {points} points: minimal detectable change, Stratford 1995)"
        src = "Stratford 1995 (PSFS minimal detectable change, 90% confidence); docs/clinical-sources.md §6.5, §14"
    else:
        first = f"Responder by the minimal important change ({m} {points} points)"
        src = "Ostelo 2008 (minimal important change); docs/clinical-sources.md §6.7"
    second = f"Responder by 30% improvement ({m})"
    src30 = "Ostelo 2008 (30% a useful threshold); docs/clinical-sources.md §6.7"
    if len(scores) < 2:
        why = "Needs a baseline and a later score."
        return [
            Criterion("responder_mic", first, None, why, src),
            Criterion("responder_pct30", second, None, why, src30),
        ]
    c = scoring.change(measure, scores[0], scores[-1], mic=mic)
    pct = "n/a (baseline 0)" if c["percent_change"] is None else f"{c['percent_change']}%"
    return [
        Criterion("responder_mic", first, c["mic_points_met"], f"Change {c['change']} points.", src, data=[c]),
        Criterion("responder_pct30", second, c["pct30_met"], f"Change {pct} of baseline.", src30, data=[c]),
    ]


def plateau(measure: str, scores: list[float], mic: dict | None = None) -> Criterion:
    name = f"Plateau on the primary measure ({measure.upper()})"
    if len(scores) < PLATEAU_POINTS:
        return Criterion("plateau", name, None, f"Needs {PLATEAU_POINTS} scores.", PLATEAU_SOURCE)
    last = [Fraction(str(s)) for s in scores[-PLATEAU_POINTS:]]
    points = Fraction(str((mic or {}).get(measure, scoring.MIC_POINTS[measure])))
    spread = max(last) - min(last)
    met = spread < points
    shown = ", ".join(f"{float(s):g}" for s in last)
    detail = f"Last {PLATEAU_POINTS} scores {shown}: spread {float(spread):g}, minimal important change {points}."
    return Criterion("plateau", name, met, detail, PLATEAU_SOURCE)
