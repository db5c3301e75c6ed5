"""The back-pain muscles a needle may go into, with the screening regions each lies over.

Pure data. Trigger-point locations and referral zones are from secondary
summaries consistent with Travell & Simons (docs/clinical-sources.md §7); rows
marked UNVERIFIED there say so here. The regions are those of the screening
(rules.REGIONS), so the needling gate can check that the region was screened.
"""

from dataclasses import dataclass

from dryneedle.lib.marks import gettext_noop

TS = "Travell & Simons via secondary summaries — docs/clinical-sources.md §7"


@dataclass(frozen=True)
class Muscle:
    code: str
    name: str
    regions: tuple[str, ...]  # screening regions it can be needled in; the first is the usual one
    referral: str
    source: str


MUSCLES: tuple[Muscle, ...] = (
    Muscle(
        "quadratus_lumborum",
        gettext_noop("Quadratus lumborum"),
        ("lumbar",),
        "Sacroiliac joint, lower buttock; sometimes along the iliac crest to the groin; greater trochanter",
        TS,
    ),
    Muscle(
        "iliocostalis_lumborum",
        gettext_noop("Iliocostalis lumborum"),
        ("lumbar",),
        "Low back and lower buttock; occasionally lower abdomen",
        TS,
    ),
    Muscle(
        "iliocostalis_thoracis",
        gettext_noop("Iliocostalis thoracis"),
        ("thoracic",),
        "Towards the scapula and down to the lumbar region (unverified)",
        TS + " [UNVERIFIED]",
    ),
    Muscle(
        "longissimus_thoracis",
        gettext_noop("Longissimus thoracis"),
        ("thoracic", "lumbar"),
        "Downwards into the buttock (unverified)",
        TS + " [UNVERIFIED]",
    ),
    Muscle(
        "multifidus",
        gettext_noop("Multifidus"),
        ("lumbar", "thoracic", "sacral"),
        "L1: upper lumbar area and upper abdomen; S1: buttock and upper hamstring; S4: lower sacrum",
        TS,
    ),
    Muscle(
        "gluteus_maximus",
        gettext_noop("Gluteus maximus"),
        ("gluteal",),
        "Along the gluteal cleft and sacroiliac joint, the whole buttock, the coccyx",
        TS,
    ),
    Muscle(
        "gluteus_medius",
        gettext_noop("Gluteus medius"),
        ("gluteal",),
        "Lower back, sacrum and sacroiliac joint; lateral buttock and upper lateral thigh",
        TS,
    ),
    Muscle(
        "gluteus_minimus",
        gettext_noop("Gluteus minimus"),
        ("gluteal",),
        "Hip and buttock, down the lateral thigh and leg ('pseudo-sciatica')",
        TS,
    ),
    Muscle(
        "piriformis",
        gettext_noop("Piriformis"),
        ("gluteal",),
        "Buttock, sacroiliac region, posterior hip, sometimes posterior thigh",
        TS,
    ),
    Muscle(
        "iliopsoas",
        gettext_noop("Iliopsoas"),
        ("abdominal", "hip"),
        "Along the lumbar spine to the sacrum and upper buttock, and the anterior thigh",
        TS,
    ),
    Muscle(
        "rectus_abdominis",
        gettext_noop("Rectus abdominis"),
        ("abdominal",),
        "Lower part: a horizontal band across the low back; upper part: mid back",
        TS,
    ),
    Muscle(
        "serratus_posterior_inferior",
        gettext_noop("Serratus posterior inferior"),
        ("thoracic",),
        "Aching over the lower ribs (unverified)",
        TS + " [UNVERIFIED]",
    ),
    Muscle(
        "upper_trapezius",
        gettext_noop("Upper trapezius"),
        ("thoracic", "cervical"),
        "Neck and head (not covered by the reference)",
        "docs/clinical-sources.md §4.1 (Kearns 2022 depth study); referral not in the reference",
    ),
    Muscle(
        "lower_trapezius",
        gettext_noop("Lower trapezius"),
        ("thoracic",),
        "Not covered by the reference",
        "Over the lung fields (docs/clinical-sources.md §4.1, §14); referral not in the reference",
    ),
    Muscle(
        "middle_trapezius",
        gettext_noop("Middle trapezius"),
        ("thoracic",),
        "Not covered by the reference",
        "Over the lung fields (safety review, docs/clinical-sources.md §14); referral not in the reference",
    ),
    Muscle(
        "serratus_posterior_superior",
        gettext_noop("Serratus posterior superior"),
        ("thoracic",),
        "Not covered by the reference",
        "Over the lung fields (safety review, docs/clinical-sources.md §14); referral not in the reference",
    ),
    Muscle(
        "levator_scapulae",
        gettext_noop("Levator scapulae"),
        ("cervical", "thoracic"),
        "Not covered by the reference",
        "Near the lung apex (safety review, docs/clinical-sources.md §14); referral not in the reference",
    ),
    Muscle(
        "supraspinatus",
        gettext_noop("Supraspinatus"),
        ("thoracic",),
        "Not covered by the reference",
        "Near the lung apex (safety review, docs/clinical-sources.md §14); referral not in the reference",
    ),
    Muscle(
        "rhomboid_major",
        gettext_noop("Rhomboid major"),
        ("thoracic",),
        "Not covered by the reference",
        "docs/clinical-sources.md §4.1 (Valera-Calero depth study); referral not in the reference",
    ),
)
BY_CODE = {m.code: m for m in MUSCLES}
CHOICES = [(m.code, m.name) for m in MUSCLES]
