"""The body chart: coded regions, posterior and anterior, and what a pain drawing may hold.

Pure data and functions, no Django. The regions follow the idea of the CHOIR
body map (Scherrer 2021, docs/clinical-sources.md §13): coded front and back
regions with laterality, which a patient or clinician marks. The drawing and
the codes are ours, not CHOIR's 74 numbered regions; each region maps to a
screening region (screening.rules.REGIONS) where one applies, so a marked or
needled region can be checked against what was screened.

Laterality is the commonest misreading of a body map (CHOIR's discordance was
highest for the back and shoulders, attributed to laterality — §13), so the
views are labelled with the patient's left and right: on the posterior view the
patient's left is on the viewer's left; on the anterior view it is on the right.

Pain extent (the share of the body marked) is a common pain-drawing measure
(Shaballout 2019, §13). Here it is the marked regions' drawn area over the whole
figure's, which depends on our drawing: compare it between visits of the same
patient, not with published extents.
"""

from dataclasses import dataclass

from dryneedle.lib.marks import gettext_noop

QUALITIES = (
    ("aching", "Aching"),
    ("burning", "Burning"),
    ("tingling", "Tingling"),
    ("numbness", "Numbness"),
    ("sharp", "Sharp"),
)
QUALITY_CODES = tuple(k for k, _ in QUALITIES)


@dataclass(frozen=True)
class Region:
    code: str
    label: str
    view: str  # "posterior" or "anterior"
    side: str  # "left", "right" or "midline" — the patient's side
    points: tuple[tuple[float, float], ...]  # polygon in the view's 200 × 460 box
    screening: str | None  # screening.rules.REGIONS entry, None when not a needling region
    name: str = ""  # the place without its side (``label`` adds it): visits/names.py says it in the reader's language

    @property
    def svg_points(self) -> str:
        return " ".join(f"{x:g},{y:g}" for x, y in self.points)

    @property
    def centre(self) -> tuple[float, float]:
        xs = [p[0] for p in self.points]
        ys = [p[1] for p in self.points]
        return (sum(xs) / len(xs), sum(ys) / len(ys))

    @property
    def area(self) -> float:
        pts = self.points
        return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1], strict=True))) / 2


def _mirror(points, axis=100.0):
    return tuple((2 * axis - x, y) for x, y in reversed(points))


# Each paired region is drawn once, for the side on the viewer's left, and mirrored.
# (code stem, label, screening region, polygon on the viewer's left)
_POSTERIOR = (
    ("head_back", gettext_noop("Back of the head"), None, ((100, 8), (86, 14), (80, 30), (84, 48), (100, 54))),
    ("cervical", gettext_noop("Neck (cervical)"), "cervical", ((100, 54), (88, 54), (88, 74), (100, 74))),
    (
        "shoulder_back",
        gettext_noop("Shoulder (over the shoulder blade)"),
        "thoracic",
        ((88, 74), (62, 80), (56, 96), (64, 104), (76, 96)),
    ),
    (
        "thoracic_upper",
        gettext_noop("Upper back (upper thoracic)"),
        "thoracic",
        ((100, 74), (88, 74), (76, 96), (64, 104), (66, 118), (100, 118)),
    ),
    (
        "thoracic_mid",
        gettext_noop("Mid back (mid thoracic)"),
        "thoracic",
        ((100, 118), (66, 118), (68, 152), (100, 152)),
    ),
    (
        "thoracic_lower",
        gettext_noop("Lower back of the chest (lower thoracic)"),
        "thoracic",
        ((100, 152), (68, 152), (70, 182), (100, 182)),
    ),
    ("lumbar", gettext_noop("Low back (lumbar)"), "lumbar", ((100, 182), (70, 182), (70, 214), (88, 216), (100, 216))),
    (
        "gluteal",
        gettext_noop("Buttock (gluteal)"),
        "gluteal",
        ((88, 216), (70, 214), (68, 262), (100, 268), (100, 246)),
    ),
    ("hip_side", gettext_noop("Side of the hip"), "hip", ((70, 214), (60, 216), (58, 258), (68, 262))),
    ("thigh_back", gettext_noop("Back of the thigh"), "thigh", ((100, 268), (68, 262), (70, 346), (98, 346))),
    ("thigh_side", gettext_noop("Side of the thigh"), "thigh", ((68, 262), (58, 258), (62, 342), (70, 346))),
    ("calf", gettext_noop("Back of the leg (calf)"), "leg", ((98, 350), (68, 350), (72, 424), (94, 424))),
    ("heel", gettext_noop("Heel and sole"), None, ((94, 428), (72, 428), (72, 446), (94, 446))),
    ("arm_back", gettext_noop("Back of the upper arm"), "arm", ((56, 98), (64, 106), (58, 170), (42, 168))),
    ("forearm_back", gettext_noop("Back of the forearm and hand"), "arm", ((42, 172), (58, 174), (50, 262), (32, 258))),
)
_POSTERIOR_MIDLINE = (
    ("sacral", gettext_noop("Sacrum and tailbone (sacral)"), "sacral", ((88, 216), (112, 216), (100, 246))),
)

_ANTERIOR = (
    ("face", gettext_noop("Face and front of the head"), None, ((100, 8), (86, 14), (80, 30), (84, 48), (100, 54))),
    ("neck_front", gettext_noop("Front of the neck"), "cervical", ((100, 54), (88, 54), (88, 74), (100, 74))),
    (
        "shoulder_front",
        gettext_noop("Front of the shoulder"),
        None,
        ((88, 74), (62, 80), (56, 96), (64, 104), (76, 96)),
    ),
    ("chest", gettext_noop("Chest"), None, ((100, 74), (88, 74), (76, 96), (64, 104), (68, 152), (100, 152))),
    ("abdomen_upper", gettext_noop("Upper abdomen"), "abdominal", ((100, 152), (68, 152), (70, 186), (100, 186))),
    ("abdomen_lower", gettext_noop("Lower abdomen"), "abdominal", ((100, 186), (70, 186), (72, 220), (100, 222))),
    (
        "groin",
        gettext_noop("Groin and front of the hip"),
        "hip",
        ((100, 222), (72, 220), (60, 216), (60, 262), (96, 264)),
    ),
    ("thigh_front", gettext_noop("Front of the thigh"), "thigh", ((96, 268), (60, 266), (64, 346), (96, 346))),
    ("shin", gettext_noop("Front of the leg (shin)"), "leg", ((96, 350), (66, 350), (72, 424), (94, 424))),
    ("foot", gettext_noop("Foot"), None, ((94, 428), (72, 428), (68, 446), (96, 446))),
    ("arm_front", gettext_noop("Front of the upper arm"), "arm", ((56, 98), (64, 106), (58, 170), (42, 168))),
    (
        "forearm_front",
        gettext_noop("Front of the forearm and hand"),
        "arm",
        ((42, 172), (58, 174), (50, 262), (32, 258)),
    ),
)


def _build() -> tuple[Region, ...]:
    out: list[Region] = []
    # Posterior view: the patient's left is on the viewer's left.
    for stem, label, scr, pts in _POSTERIOR:
        out.append(Region(f"post_{stem}_l", f"{label}, left", "posterior", "left", pts, scr, label))
        out.append(Region(f"post_{stem}_r", f"{label}, right", "posterior", "right", _mirror(pts), scr, label))
    for stem, label, scr, triangle in _POSTERIOR_MIDLINE:
        out.append(Region(f"post_{stem}", label, "posterior", "midline", triangle, scr, label))
    # Anterior view: the patient's right is on the viewer's left.
    for stem, label, scr, pts in _ANTERIOR:
        out.append(Region(f"ant_{stem}_r", f"{label}, right", "anterior", "right", pts, scr, label))
        out.append(Region(f"ant_{stem}_l", f"{label}, left", "anterior", "left", _mirror(pts), scr, label))
    return tuple(out)


REGIONS: tuple[Region, ...] = _build()
BY_CODE = {r.code: r for r in REGIONS}
TOTAL_AREA = sum(r.area for r in REGIONS)


def sided(stem: str, side: str) -> str | None:
    """The code of a region stem ("post_lumbar") on a side; midline regions have no suffix."""
    if stem in BY_CODE:
        return stem
    code = f"{stem}_{'l' if side == 'left' else 'r'}"
    if side == "midline":
        # A midline needle over a paired region: the chart marks the left one, the note says midline.
        code = f"{stem}_l"
    return code if code in BY_CODE else None


# Where each muscle lies, and its typical referral zone, as region stems on the
# chart. Referral zones follow the texts in visits/muscles.py (Travell & Simons via
# secondary summaries, docs/clinical-sources.md §7); a muscle whose referral the
# reference does not cover has none drawn, and rows marked UNVERIFIED there are
# drawn but labelled so in the catalogue.
MUSCLE_CHART: dict[str, tuple[str, tuple[str, ...]]] = {
    "quadratus_lumborum": ("post_lumbar", ("post_sacral", "post_gluteal", "post_hip_side", "ant_groin")),
    "iliocostalis_lumborum": ("post_lumbar", ("post_lumbar", "post_gluteal", "ant_abdomen_lower")),
    "iliocostalis_thoracis": ("post_thoracic_lower", ("post_thoracic_mid", "post_lumbar")),
    "longissimus_thoracis": ("post_thoracic_lower", ("post_gluteal",)),
    "multifidus": (
        "post_lumbar",
        ("post_lumbar", "ant_abdomen_upper", "post_gluteal", "post_thigh_back", "post_sacral"),
    ),
    "gluteus_maximus": ("post_gluteal", ("post_sacral", "post_gluteal")),
    "gluteus_medius": ("post_gluteal", ("post_lumbar", "post_sacral", "post_gluteal", "post_thigh_side")),
    "gluteus_minimus": ("post_gluteal", ("post_gluteal", "post_hip_side", "post_thigh_side", "post_calf")),
    "piriformis": ("post_gluteal", ("post_sacral", "post_gluteal", "post_hip_side", "post_thigh_back")),
    "iliopsoas": ("ant_groin", ("post_lumbar", "post_sacral", "post_gluteal", "ant_thigh_front")),
    "rectus_abdominis": ("ant_abdomen_lower", ("post_lumbar", "post_thoracic_mid")),
    "serratus_posterior_inferior": ("post_thoracic_lower", ("post_thoracic_lower",)),
    "upper_trapezius": ("post_shoulder_back", ()),
    "lower_trapezius": ("post_thoracic_mid", ()),
    "middle_trapezius": ("post_thoracic_upper", ()),
    "serratus_posterior_superior": ("post_thoracic_upper", ()),
    "levator_scapulae": ("post_shoulder_back", ()),
    "supraspinatus": ("post_shoulder_back", ()),
    "rhomboid_major": ("post_thoracic_upper", ()),
}


def muscle_site(muscle: str, side: str) -> str | None:
    """The region a muscle on a side lies under, for needle and trigger-point markers."""
    stem = MUSCLE_CHART.get(muscle, (None, ()))[0]
    return sided(stem, side) if stem else None


def referral_zone(muscle: str, side: str) -> list[str]:
    """The regions of a muscle's typical referral, on the same side (the sacrum is midline)."""
    return [c for stem in MUSCLE_CHART.get(muscle, (None, ()))[1] if (c := sided(stem, side))]


def muscles_over(code: str) -> list[str]:
    """The muscles that lie under a region, on the side the region is on."""
    region = BY_CODE[code]
    return [m for m in MUSCLE_CHART if muscle_site(m, region.side if region.side != "midline" else "left") == code]


class ChartError(ValueError):
    pass


def validate(marks) -> list[dict]:
    """A pain drawing checked and put in canonical form: one mark per region, sorted by code.

    A mark is {"region": code, "intensity": 0-10, "quality": one of QUALITIES}.
    Raises ChartError with a message a person can act on.
    """
    if not isinstance(marks, list):
        raise ChartError("The pain drawing must be a list of marked regions.")
    if len(marks) > len(REGIONS):
        raise ChartError(f"At most {len(REGIONS)} regions can be marked.")
    out: dict[str, dict] = {}
    for m in marks:
        if not isinstance(m, dict) or set(m) - {"region", "intensity", "quality"}:
            raise ChartError("Each mark has a region, an intensity and a quality, nothing else.")
        code = m.get("region")
        if code not in BY_CODE:
            raise ChartError(f"Unknown body-chart region: {str(code)[:40]!r}.")
        intensity = m.get("intensity")
        if isinstance(intensity, bool) or not isinstance(intensity, int) or not 0 <= intensity <= 10:
            raise ChartError(f"{BY_CODE[code].label}: intensity must be a whole number from 0 to 10.")
        quality = m.get("quality")
        if quality not in QUALITY_CODES:
            raise ChartError(f"{BY_CODE[code].label}: quality must be one of {', '.join(QUALITY_CODES)}.")
        if code in out:
            raise ChartError(f"{BY_CODE[code].label} is marked twice.")
        out[code] = {"region": code, "intensity": intensity, "quality": quality}
    return [out[c] for c in sorted(out)]


@dataclass(frozen=True)
class Extent:
    regions: int
    percent: float  # unrounded share of the drawn figure; show one decimal
    worst: int | None


def extent(marks: list[dict]) -> Extent:
    """How much of the body is marked painful: regions counted and the share of the drawn area.

    A region marked with intensity 0 is recorded but not counted as painful.
    """
    painful = [m for m in marks if m["intensity"] > 0]
    area = sum(BY_CODE[m["region"]].area for m in painful)
    return Extent(
        regions=len(painful),
        percent=100 * area / TOTAL_AREA,
        worst=max((m["intensity"] for m in painful), default=None),
    )


def compare(before: list[dict], after: list[dict]) -> list[dict]:
    """Region by region, the intensity on two dates (None where not marked), body order."""
    a = {m["region"]: m for m in before}
    b = {m["region"]: m for m in after}
    rows = []
    for r in REGIONS:
        if r.code in a or r.code in b:
            ia = a[r.code]["intensity"] if r.code in a else None
            ib = b[r.code]["intensity"] if r.code in b else None
            rows.append(
                {
                    "region": r,
                    "before": a.get(r.code),
                    "after": b.get(r.code),
                    "change": None if ia is None or ib is None else ib - ia,
                }
            )
    return rows
