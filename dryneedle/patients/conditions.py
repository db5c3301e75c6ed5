"""The conditions an episode of care can be opened for, with what the evidence says.

Pure data. Every summary is taken from docs/clinical-sources.md (the
section is named in ``source``); where the evidence is thin the summary says so.
The success rates that marketing pages quote (70-90 %) have no published
source (reference §10) and are kept apart, in ``marketing_claim``, to be shown
only labelled as such.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Condition:
    code: str
    name: str
    back_pain: bool  # counted in back-pain analytics
    evidence: str
    source: str
    marketing_claim: str = ""


_LBP_BOTTOM_LINE = (
    "At most a small, short-term benefit on pain, mainly when dry needling is combined with other "
    "treatment; certainty low to very low; effects on disability and beyond about 3 months uncertain. "
    "NICE NG59 does not recommend needling for low back pain; the APTA 2021 guideline is reported (secondary "
    "source, wording not verified) to say clinicians 'can' consider it alongside other treatments (grade C)."
)

CONDITIONS: tuple[Condition, ...] = (
    Condition(
        "chronic_lbp",
        "Chronic low back pain",
        True,
        _LBP_BOTTOM_LINE + " Dry needling plus other treatment beat other treatment alone for pain "
        "post-intervention (SMD -0.42) with no evidence of improved disability (Altern Ther Health Med 2023).",
        "docs/clinical-sources.md §1.1 (Yu 2023; Liu 2018; Altern Ther Health Med 2023; AFP 2023), §1.2",
        "Seed document: 80% success in 5-7 sessions (no published source, §10).",
    ),
    Condition(
        "acute_lbp",
        "Acute low back pain",
        True,
        "Too little evidence to judge: the Cochrane review found only 3 small, low-quality trials of "
        "needling in acute low back pain and drew no firm conclusions.",
        "docs/clinical-sources.md §1.1 (Furlan 2005)",
    ),
    Condition(
        "sciatica",
        "Sciatica / radicular pain",
        True,
        "No dry-needling evidence of benefit found; in one dry-needling study, leg pain predicted less "
        "improvement. An acupuncture trial (a different technique, 10 sessions over 4 weeks) reduced leg pain "
        "more than sham.",
        "docs/clinical-sources.md §10 (Koppenhaver 2015; Tu 2024)",
        "Seed document: 75% success in 4-6 sessions (no published source, §10).",
    ),
    Condition(
        "myofascial_tp",
        "Myofascial trigger points (low back)",
        True,
        "Dry needling of trigger points in low back pain: moderate evidence of less pain right after "
        "treatment compared with other treatments (SMD -1.06), especially combined with other therapies; "
        "effect on disability and at follow-up unclear. Manual trigger-point identification is not reliable "
        "between examiners.",
        "docs/clinical-sources.md §1.1 (Liu 2018), §7 (Dunning 2014)",
        "Seed document: 85-90% success in 2-4 sessions (no published source, §10).",
    ),
    Condition(
        "muscle_strain",
        "Muscle strain (back)",
        True,
        "No dry-needling studies of back muscle strain were found.",
        "docs/clinical-sources.md §10",
        "Seed document: 85% success in 3-5 sessions (no published source, §10).",
    ),
    Condition(
        "postural_mechanical",
        "Postural / mechanical back pain",
        True,
        "'Postural issues' is not a condition studied in dry-needling trials; no evidence found. "
        "For non-specific low back pain in general: " + _LBP_BOTTOM_LINE,
        "docs/clinical-sources.md §10, §1",
        "Seed document: 70% success in 3-5 sessions (no published source, §10).",
    ),
    Condition(
        "facet_oa",
        "Facet / spinal osteoarthritis",
        True,
        "No spinal studies found. For hip and knee osteoarthritis a meta-analysis found a short-term benefit "
        "on pain with very low certainty and no effect in the medium or long term.",
        "docs/clinical-sources.md §10 (Life 2022)",
        "Seed document: 70% success (no published source, §10).",
    ),
    Condition(
        "tendinopathy",
        "Tendinopathy",
        False,
        "Not covered by the reference material this product ships with: no evidence summary available.",
        "docs/clinical-sources.md (not covered)",
    ),
    Condition(
        "headache",
        "Migraine / tension-type headache",
        False,
        "Not covered by the reference material this product ships with: no evidence summary available.",
        "docs/clinical-sources.md (not covered)",
    ),
    Condition(
        "sports_injury",
        "Sports injury",
        False,
        "Not covered by the reference material this product ships with: no evidence summary available.",
        "docs/clinical-sources.md (not covered)",
    ),
)

BY_CODE = {c.code: c for c in CONDITIONS}
CHOICES = [(c.code, c.name) for c in CONDITIONS]
