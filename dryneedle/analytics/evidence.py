"""The source article's effectiveness tables, row by row, beside what trials found. Pure data.

The article (the seed of this product) claims success rates of 70-90% and session ladders with no source;
none is supported by published evidence (docs/clinical-sources.md §10). They are kept here only to be shown
**labelled as marketing claims**, never computed with, next to the published evidence with each study's own
definition of success (§1.1, §10) and the clinic's own rate.
"""

from dataclasses import dataclass

MARKETING_SOURCE = (
    "the source article this product grew from ('Dry needling for back pain'), which gives no source for any "
    "of its numbers"
)


@dataclass(frozen=True)
class Published:
    what: str  # the finding, in our words, with its numbers
    definition: str  # the study's own definition of success, or why none is comparable
    source: str  # full enough to find it, and the section of docs/clinical-sources.md
    comparable: str  # how it differs from the clinic's rate


@dataclass(frozen=True)
class Row:
    condition: str  # the code in patients/conditions.py
    article_name: str  # as the article names it
    claim: str  # the marketing claim, word for word in numbers
    sessions_claim: str  # the article's "average sessions needed", or ""
    published: tuple[Published, ...]


_GERAC = Published(
    "Responders at 6 months: 47.6% with acupuncture, 44.2% with sham acupuncture, 27.4% with conventional care "
    "(1,162 patients; ten 30-minute sessions, five more for partial responders).",
    "At least 33% better on three Von Korff pain items or at least 12% on the Hanover Functional Ability "
    "Questionnaire, at 6 months; patients who broke the protocol counted as non-responders.",
    "Haake 2007, Arch Intern Med 167:1892 (GERAC) — acupuncture, not dry needling; docs/clinical-sources.md §1.1",
    "Acupuncture, a composite pain-or-function criterion, all randomised patients; sham nearly as good.",
)
_KOPPENHAVER = Published(
    "One session of dry needling to the lumbar multifidus: 25 of 66 (38%) improved by 30% or more on the ODI a "
    "week later.",
    "At least 30% improvement on the modified ODI, 1 week after one session.",
    "Koppenhaver 2015, Man Ther 20:769 — the count is from a secondary summary; docs/clinical-sources.md §1.1",
    "One session, a 1-week follow-up, volunteers; the count was not read in the paper itself.",
)

ROWS: tuple[Row, ...] = (
    Row(
        "chronic_lbp",
        "Chronic (lower) back pain",
        "80% effectiveness; 80% success",
        "5-7 sessions",
        (_GERAC, _KOPPENHAVER),
    ),
    Row(
        "sciatica",
        "Sciatica",
        "75% effectiveness; 75% success",
        "4-6 sessions",
        (
            Published(
                "Acupuncture for chronic sciatica (10 sessions over 4 weeks): leg pain fell 30.8 mm on a 100 mm "
                "scale against 14.9 mm with sham; no share of responders was reported in what we read. In dry "
                "needling, leg pain predicted less improvement.",
                "No responder definition comparable: a difference in mean leg pain.",
                "Tu 2024, JAMA Intern Med 184:1417; Koppenhaver 2015, JOSPT 45:604; docs/clinical-sources.md §10",
                "A different technique and dose, and a mean change, not a share of patients.",
            ),
        ),
    ),
    Row(
        "myofascial_tp",
        "Muscle knots / trigger points",
        "85% (muscle knots); 90% success (trigger points)",
        "2-4 sessions",
        (
            Published(
                "No share of responders found. Needling trigger points in low back pain lowered pain more than "
                "other treatments just after treatment (SMD -1.06); disability and later effects unclear.",
                "None: 'knot resolved' is not a validated endpoint, and finding trigger points by hand is not "
                "reliable between examiners.",
                "Liu 2018, Arch Phys Med Rehabil 99:144; Dunning 2014, Phys Ther Rev; "
                "docs/clinical-sources.md §1.1, §7",
                "A standardised mean difference, not a share of patients.",
            ),
        ),
    ),
    Row(
        "facet_oa",
        "Osteoarthritis",
        "70% effectiveness",
        "",
        (
            Published(
                "Hip and knee osteoarthritis: a short-term benefit on pain (SMD -0.75) with very low certainty, none "
                "in the medium or long term. One trial of electrical needling to the bone, added to manual therapy "
                "and exercise, reported 75% against 18% 'successful outcome' at 3 months (its authors teach the "
                "technique).",
                "Global rating of change 5 or more ('quite a bit better'), at 3 months, in that one trial.",
                "Life 2022;12:1575 (meta-analysis); Dunning 2018, Clin J Pain 34:1149; docs/clinical-sources.md §10",
                "Other joints and another technique; the spine was not studied.",
            ),
        ),
    ),
    Row(
        "muscle_strain",
        "Muscle strain",
        "85% success",
        "3-5 sessions",
        (
            Published(
                "No study of dry needling for back muscle strain found.",
                "None.",
                "docs/clinical-sources.md §10",
                "Nothing to compare.",
            ),
        ),
    ),
    Row(
        "postural_mechanical",
        "Postural issues",
        "70% success",
        "3-5 sessions",
        (
            Published(
                "'Postural issues' is not a condition studied in dry-needling trials.",
                "None.",
                "docs/clinical-sources.md §10",
                "Nothing to compare.",
            ),
        ),
    ),
)
BY_CONDITION = {r.condition: r for r in ROWS}

# What trials actually gave, for the "sessions needed" comparison (§10): none gives a ladder by condition.
TRIAL_SESSIONS = (
    "1 session (Koppenhaver 2015)",
    "10 sessions, 5 more for partial responders (GERAC, acupuncture)",
    "10 sessions over 4 weeks (Tu 2024, acupuncture)",
    "about 5 needling sessions within 10 physiotherapy visits (the 2016 trial summarised by AFP 2023)",
    "6 weeks of treatment (Dunning 2018, electrical needling)",
)
