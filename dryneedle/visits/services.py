"""Document and sign needling visits: the checks every path goes through."""

import hashlib
import json
from datetime import timedelta
from typing import cast

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import pgettext

from dryneedle.accounts.models import Membership, Role
from dryneedle.patients.models import Episode
from dryneedle.screening.gate import current_screening, needling_gate
from dryneedle.screening.models import Screening
from dryneedle.visits import bodymap, depth, hooks, signing
from dryneedle.visits.models import SENSATIONS, Bleeding, Insertion, Technique, Visit
from dryneedle.visits.muscles import BY_CODE

# Manual times are typed to the minute on a device whose clock may differ a little.
CLOCK_SKEW = timedelta(minutes=2)


def check_insertion(ins: Insertion) -> None:
    """Refuse a needle the screening, the stock or the visit does not allow; say exactly why."""
    visit = ins.visit
    if visit.status != Visit.Status.DRAFT:
        raise ValidationError(pgettext("staff", "This visit is signed: add an amendment instead."))
    muscle = BY_CODE.get(ins.muscle)
    if muscle is None:
        raise ValidationError(
            {"muscle": pgettext("staff", "Unknown muscle %(muscle)s.") % {"muscle": repr(ins.muscle)}}
        )
    if not ins.region:
        ins.region = muscle.regions[0]
    if ins.region not in muscle.regions:
        raise ValidationError(
            {
                "region": pgettext("staff", "%(name)s is needled in: %(regions)s.")
                % {"name": muscle.name, "regions": ", ".join(muscle.regions)}
            }
        )
    if ins.trigger_point is not None and ins.trigger_point.episode_id != visit.episode_id:
        raise ValidationError({"trigger_point": pgettext("staff", "That trigger point belongs to another episode.")})
    if ins.time_in > timezone.now() + CLOCK_SKEW:
        raise ValidationError({"time_in": pgettext("staff", "A needle cannot go in at a time still to come.")})
    if ins.lot.clinic_id != visit.clinic_id:
        raise ValidationError({"lot": pgettext("staff", "That needle lot is not in this clinic's stock.")})
    if ins.lot.expires < timezone.localdate():
        raise ValidationError(
            {
                "lot": pgettext("staff", "Needle lot %(lot_number)s expired on %(expires)s.")
                % {"lot_number": ins.lot.lot_number, "expires": format(ins.lot.expires, "%d %b %Y")}
            }
        )
    if ins.depth_mm > ins.lot.length_mm:
        raise ValidationError(
            {
                "depth_mm": pgettext("staff", "A depth of %(depth_mm)s mm is more than the needle's %(length_mm)s mm.")
                % {"depth_mm": ins.depth_mm, "length_mm": ins.lot.length_mm}
            }
        )
    gate = needling_gate(visit.episode, ins.region, electrical_stimulation=ins.technique == Technique.ELECTRICAL)
    if not gate.allowed:
        raise ValidationError(gate.message)
    if ins.technique == Technique.ELECTRICAL and not (ins.estim_frequency_hz and ins.estim_intensity.strip()):
        raise ValidationError(
            {"estim_frequency_hz": pgettext("staff", "Electrical stimulation: record the frequency and the intensity.")}
        )
    unknown = set(ins.sensations) - {k for k, _ in SENSATIONS}
    if unknown:
        raise ValidationError(
            {
                "sensations": pgettext("staff", "Unknown sensation(s): %(unknown)s.")
                % {"unknown": ", ".join(sorted(unknown))}
            }
        )
    _depth_guard(visit, ins, muscle, gate.screening)
    if ins.angle == "medial" and ins.muscle in depth.MEDIAL_PARASPINAL:
        ins.warnings = [*ins.warnings, depth.MEDIAL_WARNING]
    ins.clinic = visit.clinic
    ins.patient = visit.patient


def _depth_guard(visit: Visit, ins: Insertion, muscle, screening) -> None:
    """Refuse a needle past the depth limit, or into a guarded muscle with no safe default, without a protective
    technique and a reason (visits/depth.py; safety review, docs/clinical-sources.md §14)."""
    limit, guard = depth.limit_for(visit.clinic, ins.muscle, ins.region)
    lung_risk = bool(screening and screening.result.get("lung_protective_technique")) and (
        guard is not None and guard.zone is depth.LUNG
    )
    protected = bool(ins.protective_technique) and len(ins.depth_reason.strip()) >= 10
    if limit is not None and ins.depth_mm > limit.max_mm and not protected:
        raise ValidationError(
            {
                "depth_mm": (
                    pgettext(
                        "staff",
                        "%(depth_mm)s mm is deeper than the %(max_mm)s mm limit for %(name)s (%(source)s). Choose a "
                        "protective technique and give a reason to go deeper.",
                    )
                    % {
                        "depth_mm": ins.depth_mm,
                        "max_mm": limit.max_mm,
                        "name": muscle.name.lower(),
                        "source": limit.source,
                    }
                )
            }
        )
    if guard is not None and limit is None and not protected:
        raise ValidationError(
            {
                "protective_technique": (
                    pgettext(
                        "staff",
                        "%(name)s lies %(label)s: %(why)s. Choose the protective technique and give a reason "
                        "(at least"
                        " 10 characters).",
                    )
                    % {"name": muscle.name, "label": guard.zone.label, "why": depth.NO_DEFAULT}
                )
            }
        )
    if lung_risk and guard is not None and not protected:  # lung_risk implies a guard
        raise ValidationError(
            {
                "protective_technique": (
                    pgettext(
                        "staff",
                        "A previous pneumothorax or COPD/emphysema is recorded: %(name)s lies %(label)s, so only with"
                        " a "
                        "protective technique and a reason.",
                    )
                    % {"name": muscle.name.lower(), "label": guard.zone.label}
                )
            }
        )
    if guard is not None and limit is not None and limit.own and ins.depth_mm <= limit.max_mm:
        # The note shows which clinic setting a needle was checked against (safety review §14).
        ins.warnings = [*ins.warnings, f"Within this clinic's {limit.max_mm} mm limit ({limit.source})."]
    guarded_here = guard is not None and (limit is None or lung_risk)
    if protected and ((limit is not None and ins.depth_mm > limit.max_mm) or guarded_here):
        note = depth.protected_note(limit, guard, ins.protective_technique, ins.depth_reason.strip())
        ins.warnings = [*ins.warnings, note]


def remove_needle(ins: Insertion, user, when=None, pressure_applied: bool = True, bleeding: str = "none") -> None:
    when = when or timezone.now()
    if bleeding not in Bleeding.values:
        raise ValidationError({"bleeding": pgettext("staff", "Choose none, a spot, or more than a spot.")})
    if ins.time_out is not None:
        raise ValidationError(pgettext("staff", "This needle was already removed."))
    if when < ins.time_in:
        raise ValidationError({"time_out": pgettext("staff", "A needle cannot come out before it went in.")})
    if when > timezone.now() + CLOCK_SKEW:
        raise ValidationError({"time_out": pgettext("staff", "A needle cannot come out at a time still to come.")})
    ins.time_out = when
    ins.pressure_applied = pressure_applied
    ins.bleeding = bleeding
    ins.updated_by = user
    ins.save(update_fields=["time_out", "pressure_applied", "bleeding", "updated_by", "updated"])


def start_visit(episode, user) -> Visit:
    """A draft needling visit on an open episode, by ``user`` (the page and the API both start one here)."""
    if episode.status != Episode.Status.OPEN:
        raise ValidationError(pgettext("staff", "Visits are recorded on an open episode."))
    visit = Visit.for_episode(episode, user, practitioner=user)
    visit.save()
    return visit


def can_sign(user, visit: Visit, on=None) -> list[str]:
    """What stops ``user`` from signing ``visit`` (empty when nothing does)."""
    problems = []
    if not Membership.objects.filter(user=user, clinic=visit.clinic, role=Role.PRACTITIONER, is_active=True).exists():
        problems.append("Only a practitioner of this clinic can sign a needling visit.")
    elif visit.insertions.exists():
        # Verified, current licence and certification, the needling right, and the clinic's jurisdiction rule.
        problems += signing.signing_problems(user, visit, on)
    still_in = visit.insertions.filter(time_out__isnull=True, incident__isnull=True).count()
    if still_in:
        problems.append(
            f"{still_in} needle{'s are' if still_in > 1 else ' is'} not recorded as removed: count them out first, "
            "or record a needle incident for one that cannot be found."
        )
    return problems


def canonical_note(visit: Visit, insertions: list[Insertion] | None = None) -> str:
    """The signed content: the note and its needles as canonical JSON (sorted keys, UTF-8).

    ``insertions`` may be given in memory (the demo seed); otherwise they are read.
    """
    if insertions is None:
        insertions = list(visit.insertions.select_related("lot").order_by("time_in", "id"))
    fields = (
        "pre_nprs",
        "post_nprs",
        "hand_hygiene",
        "clean_field",
        "skin_prep_agent",
        "sterile_single_use",
        "post_massage_stretch",
        "immediate_events",
        "notes",
    )
    data = {
        "visit": str(visit.code),
        "patient": str(visit.patient.code),
        "episode": str(visit.episode.code),
        "started": visit.started.isoformat(),
        **{f: getattr(visit, f) for f in fields},
        "pain_chart": visit.pain_chart,
        "insertions": [
            {
                "code": str(i.code),
                "trigger_point": str(i.trigger_point.code) if i.trigger_point is not None else None,
                "muscle": i.muscle,
                "region": i.region,
                "side": i.side,
                "lot": i.lot.lot_number,
                "diameter_mm": str(i.lot.diameter_mm),
                "length_mm": i.lot.length_mm,
                "depth_mm": i.depth_mm,
                "technique": i.technique,
                "time_in": i.time_in.isoformat(),
                "time_out": i.time_out.isoformat() if i.time_out else None,
                "local_twitch_responses": i.local_twitch_responses,
                "angle": i.angle,
                "protective_technique": i.protective_technique,
                "depth_reason": i.depth_reason,
                "position": i.position,
                "guidance": i.guidance,
                "duration_s": i.duration_s,
                "estim_frequency_hz": i.estim_frequency_hz,
                "estim_intensity": i.estim_intensity,
                "recognition": i.recognition,
                "sensations": i.sensations,
                "pressure_applied": i.pressure_applied,
                "bleeding": i.bleeding,
            }
            for i in insertions
        ],
    }
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def note_sha256(visit: Visit, insertions: list[Insertion] | None = None) -> str:
    """The SHA-256 a signed visit stores: of its canonical note (signing, verifying, re-sealing, the demo)."""
    return hashlib.sha256(canonical_note(visit, insertions).encode()).hexdigest()


def needles_in_order(clinic=None):
    """Prefetch a visit's needles as canonical_note reads them: in one query for many visits (of ``clinic``)."""
    from django.db.models import Prefetch

    qs = Insertion.objects.filter(clinic=clinic) if clinic is not None else Insertion.objects.all()
    return Prefetch("insertions", queryset=qs.select_related("lot").order_by("time_in", "id"))


def sign(visit: Visit, user) -> None:
    if visit.status == Visit.Status.SIGNED:
        raise ValidationError(pgettext("staff", "This visit is already signed."))
    problems = can_sign(user, visit)
    if problems:
        raise ValidationError(problems)
    visit.sha256 = note_sha256(visit)
    visit.status = Visit.Status.SIGNED
    visit.signed_at = timezone.now()
    visit.signed_by = user
    visit.updated_by = user
    visit.save()


def verify_signed(clinic_code=None, batch: int = 2000) -> tuple[int, list[Visit]]:
    """Recompute every signed visit's SHA-256 (RT-15): how many were checked, and those that differ."""
    qs = Visit.objects.filter(status=Visit.Status.SIGNED).select_related("patient", "episode", "clinic")
    if clinic_code:
        qs = qs.filter(clinic__code=clinic_code)
    needles = needles_in_order()
    checked, last = 0, 0
    bad: list[Visit] = []
    while True:
        chunk = list(qs.filter(pk__gt=last).order_by("pk").prefetch_related(needles)[:batch])
        if not chunk:
            return checked, bad
        for v in chunk:
            if note_sha256(v, list(v.insertions.all())) != v.sha256:
                bad.append(v)
        checked += len(chunk)
        last = chunk[-1].pk


def amend(visit: Visit, user, text: str, reason: str):
    from dryneedle.visits.models import Amendment

    if visit.status != Visit.Status.SIGNED:
        raise ValidationError(pgettext("staff", "Only a signed visit is amended; a draft can still be edited."))
    if not text.strip() or len(reason.strip()) < 5:
        raise ValidationError({"text": pgettext("staff", "Write the correction and its reason.")})
    return Amendment.objects.create(
        clinic=visit.clinic,
        visit=visit,
        patient=visit.patient,
        text=text.strip()[:5000],
        reason=reason.strip()[:300],
        created_by=user,
        updated_by=user,
    )


# CPT codes for dry needling by the number of distinct muscles needled (US clinics):
# 20560 for 1-2 muscles, 20561 for 3 or more (AMA CPT 2020; feature-map.md §6 item 7).
def pain_drawing_text(marks: list[dict]) -> str:
    """One line for the note: regions by intensity, worst first, and the painful area."""
    ext = bodymap.extent(marks)
    parts = [
        f"{bodymap.BY_CODE[m['region']].label.lower()} {m['intensity']}/10 {m['quality']}"
        for m in sorted(marks, key=lambda m: -m["intensity"])
    ]
    return (
        f"Pain drawing: {ext.regions} painful region{'s' if ext.regions != 1 else ''} "
        f"({ext.percent:.1f}% of the body chart) — " + "; ".join(parts) + "."
    )


def procedure_code(visit: Visit, muscles: set[str]) -> str:
    if not visit.clinic.jurisdiction.startswith("US") or not muscles:
        return ""
    return "20561" if len(muscles) >= 3 else "20560"


_ASK = object()


def soap_note(
    visit: Visit, needles: list[Insertion], screening: Screening | object | None = _ASK
) -> dict[str, list[str]]:
    """A readable note generated from the structured visit: nothing is typed twice.

    ``screening``: the episode's current screening (or None) when the caller has read it already.
    """
    s = current_screening(visit.episode) if screening is _ASK else cast(Screening | None, screening)
    muscles = {n.muscle for n in needles}
    named = sorted({f"{BY_CODE[n.muscle].name} ({n.side})" for n in needles})
    subjective = [f"{visit.episode.condition_name}."]
    if visit.pre_nprs is not None:
        subjective.append(f"Pain before needling {visit.pre_nprs}/10.")
    if visit.pain_chart:
        subjective.append(pain_drawing_text(visit.pain_chart))
    objective = []
    if s is not None:
        objective.append(
            f"Screening {s.created:%d %b %Y}: {s.get_decision_display()}"
            + (f"; precautions acknowledged: {', '.join(sorted(s.acknowledged_rules))}." if s.acknowledged else ".")
        )
    cnt = [
        n
        for n, ok in (
            ("hand hygiene", visit.hand_hygiene),
            ("clean field", visit.clean_field),
            ("sterile single-use needles", visit.sterile_single_use),
        )
        if ok
    ]
    objective.append(
        "Clean needle technique: "
        + (", ".join(cnt) or "not recorded")
        + (f"; skin prepared with {visit.skin_prep_agent}." if visit.skin_prep_agent else ".")
    )
    plural = {"n": "s" if len(needles) != 1 else "", "m": "s" if len(muscles) != 1 else ""}
    assessment = [
        f"{len(needles)} needle{plural['n']} in {len(muscles)} muscle{plural['m']}: " + "; ".join(named) + "."
        if needles
        else "No needles inserted.",
        f"Local twitch responses: {sum(n.local_twitch_responses for n in needles)}.",
    ]
    at_tps = sum(1 for n in needles if n.trigger_point_id)
    if at_tps:
        assessment.append(f"{at_tps} needle{'s' if at_tps > 1 else ''} at recorded trigger points.")
    recognised = sum(1 for n in needles if n.recognition)
    if needles:
        assessment.append(f"Pain recognised by the patient at {recognised} of {len(needles)} needles.")
    felt = sorted({x for n in needles for x in n.sensations if x != "none"})
    if felt:
        assessment.append("Sensations: " + ", ".join(dict(SENSATIONS)[x].lower() for x in felt) + ".")
    assessment += [w for n in needles for w in n.warnings]
    plan = []
    if visit.post_nprs is not None:
        plan.append(f"Pain after needling {visit.post_nprs}/10.")
    removed = sum(1 for n in needles if n.time_out)
    plan.append(f"Needles counted in {len(needles)}, out {removed}.")
    bled = sum(1 for n in needles if n.bleeding == Bleeding.MORE)
    if bled:
        plan.append(f"Bleeding more than a spot at {bled} site{'s' if bled > 1 else ''}; pressure applied.")
    if visit.post_massage_stretch:
        plan.append("Post-needling massage or stretch.")
    if visit.immediate_events:
        plan.append(f"Immediate events: {visit.immediate_events}")
    if code := procedure_code(visit, muscles):
        plan.append(f"Procedure code {code} ({len(muscles)} muscle{'s' if len(muscles) != 1 else ''}).")
    if visit.notes:
        plan.append(visit.notes)
    return {"Subjective": subjective, "Objective": objective, "Assessment": assessment, "Plan": plan}


def record_incident(ins: Insertion, user, *, search_done: bool, found: bool, patient_informed: bool, notes: str):
    """Account for a needle that was not counted out. Needs the search and the patient told."""
    from dryneedle.visits.models import NeedleIncident

    if ins.time_out is not None:
        raise ValidationError(pgettext("staff", "This needle was counted out; there is nothing to account for."))
    if not search_done or not patient_informed:
        raise ValidationError(
            pgettext("staff", "Search for the needle and tell the patient before recording the incident.")
        )
    if len(notes.strip()) < 10:
        raise ValidationError({"notes": pgettext("staff", "Describe the search and what was found.")})
    incident = NeedleIncident.objects.create(
        clinic=ins.clinic,
        insertion=ins,
        patient=ins.patient,
        search_done=True,
        found=found,
        patient_informed=True,
        notes=notes.strip()[:2000],
        created_by=user,
        updated_by=user,
    )
    # Every incident becomes an adverse event to classify (adverse_events answers; same transaction).
    hooks.needle_incident_recorded.send(Insertion, incident=incident, user=user)
    return incident


def examine_trigger_point(visit: Visit, user, data: dict, trigger_point=None):
    """Record today's findings at a trigger point (a new one when ``trigger_point`` is None)."""
    from dryneedle.visits.models import TriggerPoint, TriggerPointExam

    if visit.status != Visit.Status.DRAFT:
        raise ValidationError(pgettext("staff", "This visit is signed: add an amendment instead."))
    if trigger_point is None:
        if data.get("muscle") not in BY_CODE:
            raise ValidationError({"muscle": pgettext("staff", "Choose the muscle.")})
        if data.get("side") not in ("left", "right", "midline"):
            raise ValidationError({"side": pgettext("staff", "Choose the side.")})
        trigger_point = TriggerPoint.objects.create(
            clinic=visit.clinic,
            patient=visit.patient,
            episode=visit.episode,
            muscle=data["muscle"],
            side=data["side"],
            location=(data.get("location") or "").strip()[:120],
            created_by=user,
            updated_by=user,
        )
    elif trigger_point.episode_id != visit.episode_id:
        raise ValidationError(pgettext("staff", "That trigger point belongs to another episode."))
    exam, _created = TriggerPointExam.objects.update_or_create(
        trigger_point=trigger_point,
        visit=visit,
        defaults={
            "clinic": visit.clinic,
            "patient": visit.patient,
            "updated_by": user,
            "created_by": user,
            **{
                k: bool(data.get(k))
                for k in ("taut_band", "hypersensitive_spot", "referred_pain", "recognition", "resolved")
            },
            "tenderness": data.get("tenderness"),
        },
    )
    return exam
