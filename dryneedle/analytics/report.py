"""Does needling work here? The effectiveness report: the clinic's own responder rates with their
definitions, denominators and intervals, beside what trials found and what the source article claimed.

The page, the PDF, the CSV, the API and ``dryneedle effectiveness`` all read ``build()``; the numbers are
counted by analytics/cohort.py in a few aggregate queries.
"""

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone

from dryneedle.accounts.models import User
from dryneedle.analytics import cohort, evidence
from dryneedle.lib import stats
from dryneedle.outcomes import schedule, scoring, services
from dryneedle.outcomes.models import NAMES
from dryneedle.patients.conditions import BY_CODE as CONDITIONS
from dryneedle.plans import rules as plan_rules

# A rate over fewer episodes than this is not shown ("too few to report"): the rule, so that a
# group of three does not read as 0% or 100%. Not a statistical threshold; the interval says the rest.
MIN_GROUP = 10
# The public directory shows a practitioner's rates only with at least this many episodes behind them (issue 17).
DIRECTORY_MIN_EPISODES = 20
MEASURES = scoring.MEASURES
POINTS = tuple(p.value for p in schedule.REPORTED)
POINT_NAMES = {p.value: p.label for p in schedule.REPORTED}
BY_NAMES = {
    "condition": "Condition",
    "startback": "STarT Back group at baseline",
    "practitioner": "Practitioner",
    "modality": "Care plan: what went with needling",
    "sessions": "Signed needling visits",
    "trigger_points": "Active trigger points by discharge",
    "clinic": "Clinic",
}


def window_words(point: str) -> str:
    """The time point's window in words: "from 7 days before to 14 days after the day 90 days after discharge"."""
    rule = schedule.BY_POINT[schedule.TimePoint(point)]
    anchor = "discharge" if rule.after_discharge else "the episode's start"
    when = f"the day {rule.offset} days after {anchor}" if rule.offset else anchor
    return f"from {rule.before} days before to {rule.after} days after {when}"


def definitions(measure: str, point: str, mic: float, mic_source: str, since: date, until: date) -> list[str]:
    """The report's definitions in plain words, printed at the top of the page, the PDF and the CSV."""
    better = "lower" if scoring.HIGHER_IS_WORSE[measure] else "higher"
    return [
        f"Measure: {NAMES[measure]} ({better} is better). Time point: {POINT_NAMES[point].lower()}, an answer "
        f"{window_words(point)}.",
        f"Treated: episodes that started from {since:%d %b %Y} to {until:%d %b %Y}, with at least one signed "
        "visit at which needles went in and a baseline score (the first answer from two weeks before to two "
        "weeks after the episode's start). Episodes entered in error are left out.",
        "Followed up: treated episodes with an answer inside the time point's window once the baseline window is "
        "over (more than 14 days after the start; the first such answer counts).",
        f"Responder by the minimal important change: improved by at least {mic:g} points ({mic_source}). "
        "Responder by 30%: improved by at least 30% of the baseline score (Ostelo 2008). The two criteria are "
        "reported apart, never merged.",
        "All treated: responders out of every treated episode; an episode without a follow-up counts as not "
        "known to have responded. Completers: responders out of those followed up. Intervals are Wilson 95% "
        f"intervals. A group of fewer than {MIN_GROUP} treated episodes shows no rate.",
        "Scores come from questionnaires (answered by the patient or transcribed by the clinician), not from the "
        "pain rating taken on the table before needling.",
    ]


@dataclass
class Group:
    key: dict  # the grouping values, e.g. {"condition": "chronic_lbp"}
    label: str
    treated: int
    followed_up: int
    responders_mic: int
    responders_pct30: int
    immpact: dict = field(default_factory=dict)

    @property
    def suppressed(self) -> bool:
        return self.treated < MIN_GROUP

    def rate(self, criterion: str, denominator: str) -> stats.Rate:
        k = self.responders_mic if criterion == "mic" else self.responders_pct30
        n = self.treated if denominator == "all" else self.followed_up
        if self.suppressed:
            return stats.Rate(k, n, None, None, None)
        return stats.wilson(k, n)

    @property
    def mic_all(self) -> stats.Rate:
        return self.rate("mic", "all")

    @property
    def mic_completers(self) -> stats.Rate:
        return self.rate("mic", "completers")

    @property
    def pct30_all(self) -> stats.Rate:
        return self.rate("pct30", "all")

    @property
    def pct30_completers(self) -> stats.Rate:
        return self.rate("pct30", "completers")

    @property
    def follow_up(self) -> stats.Rate:
        return (
            stats.Rate(self.followed_up, self.treated, None, None, None)
            if self.suppressed
            else stats.wilson(self.followed_up, self.treated)
        )

    def as_dict(self) -> dict:
        """The shape of the CLI contract (issue 17 §3) and the API."""
        return {
            "group": self.key,
            "label": self.label,
            "treated": self.treated,
            "followed_up": self.followed_up,
            "responders_mic": self.responders_mic,
            "responders_pct30": self.responders_pct30,
            "suppressed": self.suppressed,
            "rate_mic_all_treated": self.rate("mic", "all").as_dict(),
            "rate_mic_completers": self.rate("mic", "completers").as_dict(),
            "rate_pct30_all_treated": self.rate("pct30", "all").as_dict(),
            "rate_pct30_completers": self.rate("pct30", "completers").as_dict(),
        }

    @property
    def immpact_rows(self) -> list[tuple[str, int, float | None]]:
        done = self.followed_up
        return [
            (
                label,
                self.immpact.get(f"immpact_{code}", 0),
                self.immpact.get(f"immpact_{code}", 0) / done if done else None,
            )
            for code, label in cohort.IMMPACT_BANDS
        ]


def label_of(by: str | None, key: str | None, names: dict) -> tuple[dict, str]:
    """The grouping values (for the API and the CLI) and the words for one group's key."""
    if by is None:
        return {}, "All treated episodes"
    if by == "condition":
        return {"condition": key}, CONDITIONS[key].name if key in CONDITIONS else str(key)
    if by == "practitioner":
        return {"practitioner": key or None}, names.get(key, "No lead clinician") if key else "No lead clinician"
    if by == "startback":
        return {"startback": key or None}, f"{key.capitalize()} risk" if key else "STarT Back not answered at baseline"
    if by == "sessions":
        return {"sessions": key}, f"{key} needling visit{'s' if key != '1' else ''}"
    if by == "modality":
        added = [m for m, flag in zip(cohort.ADDED, key or "", strict=False) if flag == "1"]
        label = (
            "Needling alone"
            if not added
            else "Needling with " + ", ".join(plan_rules.MODALITY_NAMES[m].lower() for m in added)
        )
        return {"modality": ["dry_needling", *added]}, label
    if by == "trigger_points":
        return {"trigger_points": key}, str(key).capitalize()
    if by == "clinic":
        code, name = names.get(key, (None, str(key)))
        return {"clinic": code}, name
    raise ValueError(by)  # pragma: no cover - cohort.group_key refused it first


def _groups(rows: list[dict], by: str | None, names: dict) -> list[Group]:
    out = []
    for r in rows:
        key, label = label_of(by, r["key"], names)
        out.append(
            Group(
                key,
                label,
                r["treated"],
                r["followed_up"],
                r["responders_mic"],
                r["responders_pct30"],
                {k: v for k, v in r.items() if k.startswith("immpact_")},
            )
        )
    if by == "sessions":
        order = [b[0] for b in cohort.SESSION_BUCKETS]
        out.sort(key=lambda g: order.index(g.key["sessions"]) if g.key["sessions"] in order else 99)
    elif by is not None:
        out.sort(key=lambda g: (-g.treated, g.label))
    return out


def names_for(clinics, by: str | None) -> dict:
    if by == "practitioner":
        return {u.username: u.display_name() for u in User.objects.filter(memberships__clinic__in=clinics)}
    if by == "clinic":
        return {str(c.pk): (str(c.code), c.name) for c in clinics}
    return {}


def counted(
    clinics, since: date, until: date, measure: str, point: str, by: str | None = None, *, extras: bool = True
) -> tuple[Group, list[Group], list[Group], list[Group], dict, dict]:
    """Run the aggregate: (overall, groups by ``by``, by condition, by practitioner, long term, sessions)."""
    mic, _ = mic_for(clinics, measure)
    inner = cohort.rows(clinics, since, until, measure, point, mic, by=by, long_term=extras, extras=extras)
    dims = {"all": ""}
    if extras:
        dims |= {"condition": "condition", "practitioner": "practitioner"}
    if by:
        dims["by"] = "g"
    got = cohort.aggregate(inner, measure, point, mic, dims, long_term=extras, sessions=extras)
    (overall,) = _groups(got["groups"]["all"], None, {})
    grouped = _groups(got["groups"]["by"], by, names_for(clinics, by)) if by else []
    by_condition: list[Group] = []
    practitioners: list[Group] = []
    if extras:
        by_condition = _groups(got["groups"]["condition"], "condition", {})
        practitioners = _groups(got["groups"]["practitioner"], "practitioner", names_for(clinics, "practitioner"))
    return overall, grouped, by_condition, practitioners, got["long_term"], got["sessions"]


@dataclass
class Funnel:
    """Each practitioner's rate against their number of episodes, with limits around the clinic's rate."""

    criterion: str
    overall: float | None
    points: list[tuple[str, int, float]]  # (name, n, rate)
    limits: list[tuple[int, float, float, float, float]]  # (n, low 99.8, low 95, high 95, high 99.8)


def funnel(practitioners: list[Group], overall: Group, criterion: str) -> Funnel:
    """A funnel plot, never a league table (Spiegelhalter 2005): completers' rates by practitioner."""
    k = overall.responders_mic if criterion == "mic" else overall.responders_pct30
    p0 = k / overall.followed_up if overall.followed_up else None
    pts = []
    for g in practitioners:
        if g.followed_up:
            kk = g.responders_mic if criterion == "mic" else g.responders_pct30
            pts.append((g.label, g.followed_up, kk / g.followed_up))
    # A fifth beyond the largest practitioner, so the limits reach past the last point.
    top = math.ceil(max([n for _, n, _ in pts] + [MIN_GROUP * 3]) * 1.2)
    limits = []
    if p0 is not None:
        # Every n up to 40 (the limits bend most there), then coarser steps to the largest practitioner's n.
        steps = [*range(1, 41), *range(45, 101, 5), *range(110, 301, 10), *range(325, 2001, 25)]
        for n in sorted({s for s in steps if s < top} | {top}):
            lo95, hi95 = stats.funnel_limits(p0, n, stats.Z95)
            lo998, hi998 = stats.funnel_limits(p0, n, stats.Z998)
            limits.append((n, lo998, lo95, hi95, hi998))
    return Funnel(criterion, p0, pts, limits)


@dataclass
class ArticleRow:
    row: evidence.Row
    clinic: Group | None


@dataclass
class Report:
    clinics: list
    measure: str
    point: str
    since: date
    until: date
    by: str | None
    mic: float
    mic_source: str
    overall: Group
    groups: list[Group]
    article: list[ArticleRow]
    funnel: Funnel | None
    sessions: dict  # criterion -> (count, quartiles or None)
    long_term: dict
    recurrence: dict
    maintenance: dict
    trigger_points: dict
    follow_up_points: list = field(default_factory=list)

    @property
    def definitions(self) -> list[str]:
        return definitions(self.measure, self.point, self.mic, self.mic_source, self.since, self.until)

    @property
    def measure_name(self) -> str:
        return NAMES[self.measure]

    @property
    def point_name(self) -> str:
        return str(POINT_NAMES[self.point])

    @property
    def by_name(self) -> str:
        return BY_NAMES.get(self.by or "", "")


def mic_for(clinics, measure: str) -> tuple[float, str]:
    """The minimal important change the report uses: the clinic's own where every clinic set the same one."""
    own = {float(services.thresholds(c)[measure]) for c in clinics}
    default = float(scoring.MIC_POINTS[measure])
    if len(own) == 1 and (mic := own.pop()) != default:
        return mic, "the clinic's own threshold"
    source = "Ostelo 2008" if measure != "psfs" else "Stratford 1995: a detectable change, not an important one"
    return default, source


def default_period(today: date) -> tuple[date, date]:
    """Two years of episodes, to a year before today: most have reached their follow-ups."""
    return today - timedelta(days=730), today


def build(clinics, measure: str, point: str, since: date, until: date, by: str | None = None,
          criterion: str = "mic") -> Report:  # fmt: skip
    """Every number of the report, for ``clinics`` (one clinic, or the clinics of a group)."""
    mic, mic_source = mic_for(clinics, measure)
    overall, grouped, by_condition, practitioners, long_term, sessions = counted(
        clinics, since, until, measure, point, by
    )
    conditions = {g.key["condition"]: g for g in by_condition}
    needed = {}
    for c in ("mic", "pct30"):
        hist = sessions.get(c, {})
        values = [visits for visits, n in sorted(hist.items()) for _ in range(n)]
        needed[c] = (len(values), stats.quartiles(values) if len(values) >= MIN_GROUP else None)
    return Report(
        clinics=list(clinics),
        measure=measure,
        point=point,
        since=since,
        until=until,
        by=by,
        mic=mic,
        mic_source=mic_source,
        overall=overall,
        groups=grouped,
        article=[ArticleRow(r, conditions.get(r.condition)) for r in evidence.ROWS],
        funnel=funnel(practitioners, overall, criterion),
        sessions=needed,
        long_term=long_term,
        recurrence=cohort.recurrence(clinics, since, until, measure, timezone.localdate()),
        maintenance=cohort.maintenance(clinics, since, until, measure, timezone.now()),
        trigger_points=cohort.trigger_points(clinics, since, until, measure),
    )


def practitioner_public(clinic, user, today: date) -> tuple[Group, float] | None:
    """A practitioner's pain outcome for the public directory (and the minimal important change it uses), when
    the clinic publishes and 20+ episodes stand behind it: pain (NPRS) at discharge over two years of episodes;
    None otherwise."""
    since, until = default_period(today)
    _, grouped, *_ = counted([clinic], since, until, "nprs", "discharge", "practitioner", extras=False)
    mine = [g for g in grouped if g.key.get("practitioner") == user.username]
    if not mine or mine[0].treated < DIRECTORY_MIN_EPISODES:
        return None
    return mine[0], mic_for([clinic], "nprs")[0]
