"""The treated cohort and its outcomes, counted in the database.

The ORM builds one row per treated episode (``rows``: its group keys, its number of needling visits, its
baseline and follow-up scores), and one SQL statement aggregates those rows every way the report needs at
once (``aggregate``: the whole cohort, by condition, by practitioner, by the chosen grouping, the long-term
counts and the sessions-needed distribution), over the rows computed once (``WITH ... AS MATERIALIZED``).

Definitions (stated on the page, in the PDF and the CSV: analytics/report.py ``definitions``):

- **treated**: episodes that started in the period, not entered in error, with at least one signed visit at
  which needles went in, and a baseline score for the measure;
- **baseline**: the first scorable answer to the measure in the baseline window (two weeks either side of the
  episode's start: outcomes/schedule.py);
- **follow-up**: the first scorable answer inside the time point's window, once the baseline window is over
  (more than 14 days after the start);
- **change**: baseline minus follow-up (the other way round for the PSFS, where higher is better);
- **responder by the minimal important change**: change at least the clinic's threshold for the measure;
  **by 30%**: change at least 30% of the baseline score (a baseline of 0 cannot improve by a share). The two
  are never merged (docs/clinical-sources.md §6.7).

Scores are floats (the ODI is pro-rated), so comparisons allow 1e-9 for rounding; tests hold the SQL to the
exact rule of outcomes/scoring.change.

The aggregate's SQL is written out (Django cannot group over a subquery): every value in it is a query
parameter; only fixed, quoted column and table names and the ORM's own compiled SQL are put into its text
(hence the file-wide S608 and the B608 marks).
"""

# ruff: noqa: S608

from collections import defaultdict
from datetime import date, timedelta

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, Concat

from dryneedle.appointments.models import Appointment
from dryneedle.lib.sql import DaysBetween
from dryneedle.outcomes import schedule, scoring, timepoints
from dryneedle.outcomes.models import Response
from dryneedle.patients.models import Episode, RecordStatus
from dryneedle.plans import rules as plan_rules
from dryneedle.plans.models import Component
from dryneedle.visits.models import Insertion, TriggerPoint, TriggerPointExam, Visit

EPS = 1e-9
BASELINE = schedule.BY_POINT[schedule.TimePoint.BASELINE]
# The modalities a care plan may add to needling, in the order a label names them.
ADDED = tuple(m for m, _ in plan_rules.MODALITIES if m != "dry_needling")
SESSION_BUCKETS = (("1", 1, 1), ("2", 2, 2), ("3-4", 3, 4), ("5-6", 5, 6), ("7 or more", 7, None))
GROUPINGS = ("condition", "startback", "practitioner", "modality", "sessions", "trigger_points")
# IMMPACT categories of the relative reduction in pain among completers (Dworkin 2008; §6.7, §14: benchmarks
# for group results in trials). The 20-30% band is not named by IMMPACT; it falls under "10% to under 30%"
# only so that the bands cover every value, which the page says.
IMMPACT_BANDS = (
    ("worse", "Worse than at baseline"),
    ("under_10", "Unchanged, or better by less than 10%"),
    ("minimal", "10% to under 30% better (about 10-20% is minimally important)"),
    ("moderate", "30% to under 50% better (moderately important)"),
    ("substantial", "50% or more better (substantially important)"),
    ("no_baseline_pain", "No pain at baseline (no share to reduce)"),
)


# ---- one row per treated episode (the ORM) ----------------------------------------------------------------


def needling_visits(before=None) -> Coalesce:
    """How many signed visits with needles the outer episode had (started before ``before``, if given)."""
    qs = Visit.objects.filter(episode=OuterRef("pk"), status=Visit.Status.SIGNED).filter(
        Exists(Insertion.objects.filter(visit=OuterRef("pk")))
    )
    if before is not None:
        qs = qs.filter(started__lt=before)
    return Coalesce(Subquery(qs.values("episode").annotate(n=Count("pk")).values("n"), output_field=IntegerField()), 0)


def answers(measure: str, rule: schedule.Rule):
    """The measure's scorable answers of the outer episode inside the rule's window, the first first."""
    qs = (
        Response.objects.filter(episode=OuterRef("pk"), instrument=measure, scorable=True, entered_in_error=False)
        .alias(_days=timepoints.days_after(rule))
        .filter(timepoints.in_window(rule))
    )
    if rule is not BASELINE:  # a follow-up comes after the baseline window
        qs = qs.alias(_since_start=DaysBetween(F("collected_on"), OuterRef("start_date"))).filter(
            _since_start__gt=BASELINE.after
        )
    return qs.order_by("collected", "id")


def score_at(measure: str, point: str) -> Subquery:
    rule = schedule.BY_POINT[schedule.TimePoint(point)]
    return Subquery(answers(measure, rule).values("score")[:1], output_field=FloatField())


def needled():
    """The outer episode had a signed visit at which needles went in."""
    return Exists(
        Visit.objects.filter(episode=OuterRef("pk"), status=Visit.Status.SIGNED).filter(
            Exists(Insertion.objects.filter(visit=OuterRef("pk")))
        )
    )


def base(clinics, since: date, until: date):
    """Episodes started from ``since`` to ``until`` (both included), not in error, with needling."""
    return (
        Episode.objects.filter(clinic__in=clinics, start_date__gte=since, start_date__lte=until)
        .exclude(status=Episode.Status.ENTERED_IN_ERROR)
        .exclude(patient__status=RecordStatus.ENTERED_IN_ERROR)
        .filter(needled())
    )


def treated(clinics, since: date, until: date, measure: str):
    """The treated cohort: ``base`` with a baseline for ``measure`` (for the small questions below; the
    aggregate's rows keep the baseline test for its own WHERE, so that no subquery runs twice)."""
    return base(clinics, since, until).annotate(baseline=score_at(measure, "baseline")).filter(baseline__isnull=False)


def startback_key():
    first = answers("startback", BASELINE)
    return Coalesce(Subquery(first.values(risk=KT("details__risk"))[:1], output_field=CharField()), Value(""))


def sessions_key() -> Case:
    whens = [
        When(Q(n_dn__gte=lo) & (Q(n_dn__lte=hi) if hi is not None else Q()), then=Value(label))
        for label, lo, hi in SESSION_BUCKETS
    ]
    return Case(*whens, default=Value(""), output_field=CharField())


def modality_key() -> Concat:
    """One character per added modality, "1" when the care plan has it: "0000000" is needling alone."""
    flags = [
        Case(
            When(Exists(Component.objects.filter(plan__episode=OuterRef("pk"), modality=m)), then=Value("1")),
            default=Value("0"),
            output_field=CharField(),
        )
        for m in ADDED
    ]
    return Concat(*flags, output_field=CharField())


def trigger_point_key() -> Case:
    """Episodes with an active trigger point: "all resolved" by their last exam, or "not all"; else "none"."""
    last = TriggerPointExam.objects.filter(trigger_point=OuterRef("pk")).order_by("-visit__started", "-id")
    active = TriggerPoint.objects.filter(episode=OuterRef("pk")).filter(
        Exists(TriggerPointExam.objects.filter(trigger_point=OuterRef("pk"), status=TriggerPointExam.Status.ACTIVE))
    )
    unresolved = active.annotate(_last=Subquery(last.values("status")[:1])).exclude(
        _last=TriggerPointExam.Status.RESOLVED
    )
    return Case(
        When(~Exists(active), then=Value("no active trigger point")),
        When(Exists(unresolved), then=Value("not all resolved")),
        default=Value("all resolved"),
        output_field=CharField(),
    )


def group_key(by: str):
    """The grouping as one text column ``g`` of the rows."""
    if by == "condition":
        return F("condition")
    if by == "practitioner":
        return Coalesce(F("clinician__username"), Value(""))
    if by == "clinic":
        return F("clinic_id")
    if by == "startback":
        return startback_key()
    if by == "sessions":
        return sessions_key()
    if by == "modality":
        return modality_key()
    if by == "trigger_points":
        return trigger_point_key()
    raise ValueError(f"unknown grouping {by!r}")


def rows(clinics, since, until, measure, point, mic, *, by=None, long_term=False, extras=False):
    """One row per needled episode of the period with what the aggregate needs (a values() query, not yet run).

    Every value is a column computed once, and only the columns asked for (``extras``: the practitioner and the
    number of needling visits, for the whole report and its lists); rows without a baseline are left out by
    the aggregate itself.
    """
    qs = base(clinics, since, until).annotate(baseline=score_at(measure, "baseline"), followup=score_at(measure, point))
    cols = ["pk", "condition", "start_date", "discharge_date", "baseline", "followup"]
    if extras:
        qs = qs.annotate(n_dn=needling_visits(), practitioner=Coalesce(F("clinician__username"), Value("")))
        cols += ["n_dn", "practitioner"]
    elif by == "sessions":
        qs = qs.alias(n_dn=needling_visits())
    if by:
        qs = qs.annotate(g=group_key(by))
        cols.append("g")
    if long_term:
        for p in ("discharge", "6m", "12m"):
            if p == point:
                continue  # the follow-up column already holds it
            qs = qs.annotate(**{f"fu_{p}": score_at(measure, p)})
            cols.append(f"fu_{p}")
    return qs.values(*cols)


# ---- the aggregate (SQL over the rows) -------------------------------------------------------------------


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def responded(measure: str, col: str, criterion: str, mic: float) -> tuple[str, list]:
    """SQL (and its parameters) true when the row's ``col`` score responded by ``criterion``."""
    b, f = _q("baseline"), _q(col)
    delta = f"({b} - {f})" if scoring.HIGHER_IS_WORSE[measure] else f"({f} - {b})"
    if criterion == "mic":
        return f"({f} IS NOT NULL AND {delta} >= %s)", [float(mic) - EPS]
    return f"({f} IS NOT NULL AND {b} > 0 AND {delta} * 100 - {b} * %s >= %s)", [scoring.RELATIVE_USEFUL, -EPS]


def _counts(measure: str, mic: float) -> tuple[list[tuple[str, str]], list]:
    """The counted columns of one group, as (name, SQL): treated, followed up, responders by each criterion,
    and for pain the IMMPACT bands; with their parameters in order."""
    f, b = _q("followup"), _q("baseline")
    cols, params = [("treated", "COUNT(*)"), ("followed_up", f"COUNT({f})")], []
    for c in ("mic", "pct30"):
        sql, p = responded(measure, "followup", c, mic)
        cols.append((f"responders_{c}", f"SUM(CASE WHEN {sql} THEN 1 ELSE 0 END)"))
        params += p
    if measure == "nprs":
        rel = f"(({b} - {f}) * 100.0 / {b})"
        lows = {name: lower for lower, name in scoring.IMMPACT}  # minimal 10, moderate 30, substantial 50
        bands = {
            "worse": (f"{b} - {f} < %s", [-EPS]),
            "under_10": (f"{b} - {f} >= %s AND {rel} < %s", [-EPS, lows["minimal"] - EPS]),
            "minimal": (f"{rel} >= %s AND {rel} < %s", [lows["minimal"] - EPS, lows["moderate"] - EPS]),
            "moderate": (f"{rel} >= %s AND {rel} < %s", [lows["moderate"] - EPS, lows["substantial"] - EPS]),
            "substantial": (f"{rel} >= %s", [lows["substantial"] - EPS]),
        }
        for name, (cond, p) in bands.items():
            cols.append((f"immpact_{name}", f"SUM(CASE WHEN {f} IS NOT NULL AND {b} > 0 AND {cond} THEN 1 ELSE 0 END)"))
            params += p
        cols.append(("immpact_no_baseline_pain", f"SUM(CASE WHEN {f} IS NOT NULL AND {b} = 0 THEN 1 ELSE 0 END)"))
    return cols, params


LONG_TERM = ("discharge", "6m_answered", "6m_still", "12m_answered", "12m_still")
# The rows of ``c`` with a baseline for the measure: the treated cohort.
WITH_BASELINE = ' WHERE "baseline" IS NOT NULL'  # both databases quote names so


def _long_term(measure: str, point: str, mic: float) -> tuple[list[str], list]:
    """Among responders at discharge (by each criterion): answered at 6 and 12 months, and still responders."""
    cols, params = [], []
    col = {p: "followup" if p == point else f"fu_{p}" for p in ("discharge", "6m", "12m")}
    for crit in ("mic", "pct30"):
        at_d, pd = responded(measure, col["discharge"], crit, mic)
        cols.append(f"SUM(CASE WHEN {at_d} THEN 1 ELSE 0 END)")
        params += pd
        for later in ("6m", "12m"):
            cols.append(f"SUM(CASE WHEN {at_d} AND {_q(col[later])} IS NOT NULL THEN 1 ELSE 0 END)")
            params += pd
            still, ps = responded(measure, col[later], crit, mic)
            cols.append(f"SUM(CASE WHEN {at_d} AND {still} THEN 1 ELSE 0 END)")
            params += pd + ps
    return cols, params


def _days(later: str, earlier: str) -> str:
    """``later - earlier`` in days, in the database's own arithmetic (lib/sql.DaysBetween, written out)."""
    if connection.vendor == "sqlite":
        return f"CAST(ROUND(julianday({later}) - julianday({earlier})) AS INTEGER)"
    return f"({later} - {earlier})"


def _visits_before_response(measure: str, point: str, mic: float, criterion: str) -> tuple[str, list]:
    """SQL for one row of ``c``: signed needling visits before its first answer (after the baseline window, up to
    the time point's window) whose change met ``criterion``. Run for responders only, over their columns."""
    rule = schedule.BY_POINT[schedule.TimePoint(point)]
    anchor = "c." + _q("discharge_date" if rule.after_discharge else "start_date")
    r, v, i = (_q(m._meta.db_table) for m in (Response, Visit, Insertion))
    b = "c." + _q("baseline")
    delta = f"({b} - r.score)" if scoring.HIGHER_IS_WORSE[measure] else f"(r.score - {b})"
    met = f"{delta} >= %s" if criterion == "mic" else f"{delta} * 100 - {b} * %s >= %s"
    met_params = [float(mic) - EPS] if criterion == "mic" else [scoring.RELATIVE_USEFUL, -EPS]
    since_start, to_anchor = _days("r.collected_on", "c." + _q("start_date")), _days("r.collected_on", anchor)
    pk = "c." + _q("pk")
    first = f"SELECT MIN(r.collected) FROM {r} r WHERE r.episode_id = {pk} AND r.instrument = %s"  # nosec B608
    first += f" AND r.scorable AND NOT r.entered_in_error AND {since_start} > %s AND {to_anchor} <= %s AND {met}"
    sql = f"(SELECT COUNT(*) FROM {v} v WHERE v.episode_id = {pk} AND v.status = %s"  # nosec B608
    sql += f" AND EXISTS (SELECT 1 FROM {i} i WHERE i.visit_id = v.id) AND v.started < ({first}))"  # nosec B608
    return sql, [Visit.Status.SIGNED, measure, BASELINE.after, rule.offset + rule.after, *met_params]


def aggregate(
    inner, measure: str, point: str, mic: float, dims: dict[str, str], *, long_term=False, sessions=False
) -> dict:
    """Every count the report shows, in one statement over the rows of ``inner`` (computed once).

    ``dims``: a name for each way to group and the row column it groups on ("" for the whole cohort). Returns
    {"groups": {dim: [row dicts]}, "long_term": {criterion: {...}}, "sessions": {criterion: {visits: count}}}.
    The parts are joined with UNION ALL, each padded to the same number of columns.
    """
    inner_sql, inner_params = inner.query.sql_with_params()
    counts, count_params = _counts(measure, mic)
    lt_cols, lt_params = _long_term(measure, point, mic) if long_term else ([], [])
    width = max(len(counts), len(lt_cols), 1)

    def pad(cols: list[str]) -> str:
        return ", ".join(cols + ["0"] * (width - len(cols)))

    selects, params = [], []
    for dim, col in dims.items():
        key = f"CAST({_q(col)} AS {_text()})" if col else "NULL"
        group = f" GROUP BY {_q(col)}" if col else ""
        selects.append(f"SELECT %s AS dim, {key} AS k, {pad([sql for _, sql in counts])} FROM c{WITH_BASELINE}{group}")  # nosec B608
        params += [dim, *count_params]
    if long_term:
        selects.append(f"SELECT %s AS dim, NULL AS k, {pad(lt_cols)} FROM c{WITH_BASELINE}")  # nosec B608
        params += ["long_term", *lt_params]
    if sessions:
        for crit in ("mic", "pct30"):
            resp, p = responded(measure, "followup", crit, mic)
            before, pb = _visits_before_response(measure, point, mic, crit)
            # The visits are counted in an inner SELECT over the responders, then grouped by that count.
            per_row = f"SELECT {before} AS k FROM c{WITH_BASELINE} AND {resp}"  # nosec B608
            tally = f"SELECT %s AS dim, CAST(k AS {_text()}) AS k, {pad(['COUNT(*)'])}"
            selects.append(tally + f" FROM ({per_row}) s GROUP BY k")  # nosec B608
            params += [f"sessions_{crit}", *pb, *p]
    sql = f"WITH c AS MATERIALIZED ({inner_sql}) " + " UNION ALL ".join(selects)
    with connection.cursor() as cur:
        cur.execute(sql, [*inner_params, *params])
        fetched = cur.fetchall()
    out: dict = {"groups": defaultdict(list), "long_term": {}, "sessions": {"mic": {}, "pct30": {}}}
    for dim, k, *values in fetched:
        nums = [int(v or 0) for v in values]
        if dim == "long_term":
            out["long_term"] = {
                crit: dict(zip(LONG_TERM, nums[i * 5 : (i + 1) * 5], strict=True))
                for i, crit in enumerate(("mic", "pct30"))
            }
        elif dim.startswith("sessions_"):
            out["sessions"][dim.removeprefix("sessions_")][int(k)] = nums[0]
        else:
            out["groups"][dim].append({"key": k, **{name: nums[i] for i, (name, _) in enumerate(counts)}})
    return out


def _text() -> str:
    return "TEXT" if connection.vendor in ("sqlite", "postgresql") else "CHAR"


def ids(inner, measure: str, mic: float, key_col: str | None, key: str | None, cell: str) -> list[int]:
    """The episodes behind one number of the report (``cell``: treated, followed_up, responders_mic/pct30)."""
    inner_sql, inner_params = inner.query.sql_with_params()
    where, params = [f"{_q('baseline')} IS NOT NULL"], []
    if key_col:
        where.append(f"CAST({_q(key_col)} AS {_text()}) = %s")
        params.append(key)
    if cell == "followed_up":
        where.append(f"{_q('followup')} IS NOT NULL")
    elif cell in ("responders_mic", "responders_pct30"):
        sql, p = responded(measure, "followup", cell.removeprefix("responders_"), mic)
        where.append(sql)
        params += p
    sql = f"WITH c AS MATERIALIZED ({inner_sql}) SELECT {_q('pk')} FROM c WHERE {' AND '.join(where)}"  # nosec B608
    with connection.cursor() as cur:
        cur.execute(sql, [*inner_params, *params])
        return [r[0] for r in cur.fetchall()]


# ---- the other questions (small aggregates of their own) -------------------------------------------------


def recurrence(clinics, since, until, measure, today: date) -> dict:
    """Discharged treated episodes followed for a full year: how many came back within 12 months."""
    qs = treated(clinics, since, until, measure).filter(
        status=Episode.Status.DISCHARGED, discharge_date__lte=today - timedelta(days=365)
    )
    came_back = Exists(
        Episode.objects.filter(recurrence_of=OuterRef("pk"))
        .exclude(status=Episode.Status.ENTERED_IN_ERROR)
        .alias(_gap=DaysBetween(F("start_date"), OuterRef("discharge_date")))
        .filter(_gap__lte=365)
    )
    return qs.aggregate(followed_a_year=Count("pk"), recurred=Count("pk", filter=came_back))


def maintenance(clinics, since, until, measure, now) -> dict:
    """Maintenance follow-ups booked for the cohort's episodes that have taken place: kept or not."""
    cohort = treated(clinics, since, until, measure).values("pk")
    qs = Appointment.objects.filter(episode__in=cohort, kind="maintenance", start__lt=now)
    return qs.aggregate(
        attended=Count("pk", filter=Q(status=Appointment.Status.ATTENDED)),
        missed=Count("pk", filter=Q(status=Appointment.Status.NO_SHOW)),
        cancelled=Count("pk", filter=Q(status=Appointment.Status.CANCELLED)),
    )


def trigger_points(clinics, since, until, measure) -> dict:
    """Active trigger points of discharged treated episodes: how many were resolved at their last exam."""
    cohort = treated(clinics, since, until, measure).filter(status=Episode.Status.DISCHARGED).values("pk")
    last = TriggerPointExam.objects.filter(trigger_point=OuterRef("pk")).order_by("-visit__started", "-id")
    active = TriggerPoint.objects.filter(episode__in=cohort).filter(
        Exists(TriggerPointExam.objects.filter(trigger_point=OuterRef("pk"), status=TriggerPointExam.Status.ACTIVE))
    )
    return active.annotate(_last=Subquery(last.values("status")[:1])).aggregate(
        active=Count("pk"), resolved=Count("pk", filter=Q(_last=TriggerPointExam.Status.RESOLVED))
    )
