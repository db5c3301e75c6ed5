"""The pure care-plan rules: templates by STarT Back group, expected visits, milestones, discharge criteria."""

from dryneedle.plans import exercises, rules


def test_template_follows_the_startback_group():
    low, medium, high = (rules.template_for(r) for r in ("low", "medium", "high"))
    mods = {t.code: [m for m, _ in t.components] for t in (low, medium, high)}
    # Low: advice and self-management, no needling; medium: physiotherapy-led with exercise, no needling by
    # default (the trial's pathway had none; safety review §14) but a caveat for adding it as an adjunct;
    # high: psychologically informed physiotherapy (NICE NG59 1.1.3; STarT Back trial).
    assert mods["low"] == ["education", "exercise"]
    assert mods["medium"][0] == "physiotherapy" and "dry_needling" not in mods["medium"]
    assert "not part of the STarT Back trial's medium-risk pathway" in medium.caveat and "NG59" in medium.caveat
    assert mods["high"][0] == "pi_physiotherapy" and "dry_needling" not in mods["high"]
    assert rules.template_for(None).code == "none" and rules.template_for("").components == ()
    assert "NG59 1.1.3" in rules.TEMPLATE_SOURCE


def test_expected_visits_are_cited_or_said_to_be_unknown():
    lbp = rules.expected_visits("chronic_lbp")
    assert lbp.visits == 5 and "AFP 2023" in lbp.basis and "§10" in lbp.basis
    for condition in ("sciatica", "myofascial_tp", "muscle_strain", "acute_lbp", "postural_mechanical"):
        e = rules.expected_visits(condition)
        assert e.visits is None, condition
    assert "No published number" in rules.expected_visits("muscle_strain").basis
    # The seed's session ladders never become defaults.
    assert "3-5" not in rules.expected_visits("muscle_strain").basis


def test_milestones_at_half_and_all():
    assert rules.milestones(5) == [("half", 3), ("all", 5)]
    assert rules.milestones(4) == [("half", 2), ("all", 4)]
    assert rules.milestones(1) == [("all", 1)]
    assert rules.milestones(None) == []
    assert rules.due_milestones(4, 1, set()) == []
    assert rules.due_milestones(4, 2, set()) == [("half", 2)]
    assert rules.due_milestones(4, 4, {"half"}) == [("all", 4)]
    assert rules.due_milestones(4, 5, {"half", "all"}) == []


def test_goals_met_needs_every_goal_at_target():
    assert rules.goals_met([]).met is None
    assert rules.goals_met([("Walk", 7, 7.0), ("Lift", 8, 6.0)]).met is True
    c = rules.goals_met([("Walk", 6.5, 7.0), ("Lift", 8, 6.0)])
    assert c.met is False and c.detail == "1 of 2 goals at target."
    assert rules.goals_met([("Walk", None, 7.0), ("Lift", 8, 6.0)]).met is None  # one not re-rated yet
    assert rules.goals_met([("Walk", None, 7.0), ("Lift", 5, 6.0)]).met is False


def test_responder_criteria_are_reported_apart_never_merged():
    # Safety review §14: absolute MIC and 30% (Ostelo 2008) each on its own line.
    def met(measure, scores, mic=None):
        return tuple(c.met for c in rules.responder(measure, scores, mic))

    # ODI 40 -> 28: 12 points (MIC 10 met), 12/40 = exactly 30% (met).
    mic, pct = rules.responder("odi", [40, 34, 28])
    assert (mic.met, pct.met) == (True, True) and mic.data[0]["change"] == 12 and mic.data[0]["percent_change"] == 30.0
    # ODI 40 -> 32: 8 points, 20%: neither.
    assert met("odi", [40, 32]) == (False, False)
    # NPRS 3 -> 2: 1 point (MIC 2 not met) but 33% (met): shown as exactly that, not "responder".
    mic, pct = rules.responder("nprs", [3, 2])
    assert (mic.met, pct.met) == (False, True) and "minimal important change" in mic.name and "30%" in pct.name
    # A clinic's own MIC counts.
    assert met("odi", [40, 32], {"odi": 8}) == (True, False)
    assert met("odi", [40]) == (None, None)
    # PSFS 2 points is a minimal detectable change (Stratford 1995), not a minimal important change.
    mdc, _ = rules.responder("psfs", [3, 6])
    assert "minimal detectable change" in mdc.name and "important" not in mdc.name


def test_plateau_by_hand():
    c = rules.plateau("odi", [40, 30, 26, 24])  # last three 30, 26, 24: spread 6 < 10
    assert c.met is True and "spread 6" in c.detail
    assert rules.plateau("odi", [40, 30, 20]).met is False  # spread 20
    assert rules.plateau("odi", [30, 25, 20]).met is False  # spread 10 is not less than 10
    assert rules.plateau("psfs", [4, 4.5, 5.5]).met is True  # spread 1.5 < 2
    assert rules.plateau("odi", [40, 30]).met is None
    assert "no published" in rules.PLATEAU_SOURCE.lower()


def test_every_exercise_names_its_source_and_dose():
    assert len(exercises.LIBRARY) >= 8
    for e in exercises.LIBRARY:
        assert e.source and e.dose and e.steps and e.kind in exercises.KINDS, e.code
    assert {e.kind for e in exercises.LIBRARY} >= {"stretch", "strength"}
