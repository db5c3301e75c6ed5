"""The instruments scored as published (docs/clinical-sources.md §6), change judged by the cited thresholds,
and the CLI contract of `dryneedle score` and `dryneedle change`."""

import io
import json
import re
import subprocess  # nosec B404 - runs our own entry point in the tests
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dryneedle.outcomes import cli, scoring

SECTIONS = scoring.ODI_SECTIONS


def odi(values: list) -> dict:
    return {"sections": dict(zip(SECTIONS, values, strict=True))}


def sb(*agree, item9="not_at_all"):
    return {"items": {**{str(i): i in agree for i in range(1, 9)}, "9": item9}}


# --- worked examples ------------------------------------------------------------------------

# The ODI sheet's own example: 16 of 50 → 32%; one section missed → 16/45 = 35.56% (§6.2).
ODI_16 = [3, 1, 2, 1, 2, 2, 1, 0, 2, 2]


@pytest.mark.parametrize(
    ("values", "score", "raw", "answered", "band"),
    [
        (ODI_16, 32.0, 16, 10, "moderate"),
        ([3, 1, 2, 1, 2, 2, 1, None, 2, 2], 16 / 45 * 100, 16, 9, "moderate"),
        ([3, 1, 2, 1, 2, 2, 1, None, None, 4], 16 / 40 * 100, 16, 8, "moderate"),
        ([0] * 10, 0.0, 0, 10, "minimal"),
        ([5] * 10, 100.0, 50, 10, "bed_bound"),
        ([2] * 5 + [2] * 5, 40.0, 20, 10, "moderate"),  # 40 is still moderate (> 20 to <= 40)
        ([2, 2, 2, 2, 2, 2, 2, 2, 2, 3], 42.0, 21, 10, "severe"),
        ([1] * 10, 20.0, 10, 10, "minimal"),  # 20 is minimal (0-20)
        ([1] * 9 + [2], 22.0, 11, 10, "moderate"),
        ([4] * 8 + [None, None], 80.0, 32, 8, "crippled"),
        ([4] * 9 + [5], 82.0, 41, 10, "bed_bound"),
    ],
)
def test_odi(values, score, raw, answered, band):
    r = scoring.score("odi", odi(values)).as_dict()
    assert r == {"instrument": "odi", "scorable": True, "score": pytest.approx(score), "raw": raw,
                 "answered": answered, "band": band}  # fmt: skip


def test_odi_one_missing_is_the_unrounded_35_56():
    r = scoring.score("odi", odi([3, 1, 2, 1, 2, 2, 1, None, 2, 2]))
    assert r.score == 16 / 45 * 100 and round(r.score, 2) == 35.56  # never truncated to 35.5


def test_odi_three_missing_is_not_scorable():
    r = scoring.score("odi", odi([3, 1, 2, 1, 2, 2, 1, None, None, None])).as_dict()
    assert r == {"instrument": "odi", "scorable": False, "reason": "3 sections unanswered; at most 2 may be missing"}
    assert scoring.score("odi", {"sections": {}}).scorable is False  # absent sections are unanswered


@pytest.mark.parametrize(
    ("answers", "total", "psycho", "risk"),
    [
        (sb(), 0, 0, "low"),
        (sb(1, 2, 3), 3, 0, "low"),  # total 3 → low
        (sb(5, 6, 7), 3, 3, "low"),  # low even with 3 psychosocial items
        (sb(1, 2, 3, 4), 4, 0, "medium"),  # total 4, subscore 0 → medium
        (sb(1, 5, 6, 7), 4, 3, "medium"),  # subscore 3 → still medium
        (sb(5, 6, 7, 8), 4, 4, "high"),  # subscore 4 → high
        (sb(5, 6, 7, item9="very_much"), 4, 4, "high"),  # item 9 counts for "very much"
        (sb(5, 6, 7, item9="extremely"), 4, 4, "high"),
        (sb(5, 6, 7, item9="moderately"), 3, 3, "low"),  # ... not for "moderately"
        (sb(1, 2, 3, 4, 5, 6, 7, 8, item9="extremely"), 9, 5, "high"),
    ],
)
def test_startback(answers, total, psycho, risk):
    r = scoring.score("startback", answers).as_dict()
    assert (r["score"], r["psychosocial"], r["risk"]) == (total, psycho, risk)


def test_startback_any_item_missing_is_not_scorable():
    a = sb(1, 2)
    del a["items"]["4"]
    r = scoring.score("startback", a)
    assert not r.scorable and r.reason == "item 4 missing"
    a = sb(1)
    del a["items"]["9"]
    assert scoring.score("startback", a).reason == "item 9 missing"


def test_an_unanswered_rmdq_or_an_unrated_activity_is_not_scored():
    assert scoring.score("rmdq", {}).as_dict() == {
        "instrument": "rmdq",
        "scorable": False,
        "reason": "no answer: give the list of ticked items (empty when none apply)",
    }
    walk = scoring.score(
        "psfs", {"activities": [{"name": "Walk 1 km", "score": 4}, {"name": " Garden ", "score": None}]}
    )
    assert (walk.scorable, walk.reason) == (False, "activity 2 (Garden) not rated")


def test_change_refuses_what_is_not_a_score():
    with pytest.raises(scoring.InputError, match="unknown measure 'sf36'"):
        scoring.change("sf36", 3, 2)
    with pytest.raises(scoring.InputError, match="must be a number"):
        scoring.change("nprs", True, 2)
    with pytest.raises(scoring.InputError, match="must be a number"):
        scoring.change("nprs", [6], 2)


def test_nprs_rmdq_psfs():
    assert scoring.score("nprs", {"score": 7}).as_dict() == {"instrument": "nprs", "scorable": True, "score": 7}
    assert scoring.score("nprs", {"score": None}).as_dict()["scorable"] is False
    assert scoring.score("rmdq", {"ticked": []}).score == 0
    assert scoring.score("rmdq", {"ticked": list(range(1, 25))}).score == 24
    acts = [{"name": "Lift grandchild", "score": 3}, {"name": "Garden 1 h", "score": 6}, {"name": "Run", "score": 2}]
    assert scoring.score("psfs", {"activities": acts}).score == pytest.approx(11 / 3)
    assert scoring.score("psfs", {"activities": acts[:2]}).score == 4.5
    assert scoring.score("psfs", {"activities": []}).as_dict() == {
        "instrument": "psfs",
        "scorable": False,
        "reason": "no activities named",
    }


@pytest.mark.parametrize(
    ("instrument", "answers", "message"),
    [
        ("nprs", {"score": 11}, "score: 11 is out of range 0-10"),
        ("nprs", {"score": "7"}, "score: must be a whole number"),
        ("nprs", {"score": True}, "score: must be a whole number"),
        ("nprs", {"score": 7, "worst": 9}, "worst: unknown key"),
        ("odi", {"sections": {"lifting": 6}}, "sections.lifting: 6 is out of range 0-5"),
        ("odi", {"sections": {"driving": 1}}, "sections.driving: unknown key"),
        ("odi", {"sections": [1, 2]}, "sections: must be a JSON object"),
        ("rmdq", {"ticked": [0]}, "ticked[0]: 0 is out of range 1-24"),
        ("rmdq", {"ticked": [3, 3]}, "ticked[1]: item 3 is ticked twice"),
        ("rmdq", {"ticked": "1,2"}, "ticked: must be a list"),
        ("startback", {"items": {"1": "yes"}}, "items.1: must be true (agree) or false"),
        ("startback", {"items": {"9": "a lot"}}, "items.9: must be one of"),
        ("startback", {"items": {"10": True}}, "items.10: unknown key"),
        ("psfs", {"activities": [{"name": "Walk", "score": 11}]}, "activities[0].score: 11 is out of range"),
        ("psfs", {"activities": [{"name": "", "score": 3}]}, "activities[0].name"),
        ("psfs", {"activities": [{"name": f"a{i}", "score": 3} for i in range(6)]}, "at most 5"),
        ("sf36", {}, "unknown instrument 'sf36'"),
        ("nprs", [7], "response: must be a JSON object"),
        ("psfs", {"activities": "walking"}, "activities: must be a list"),
        ("psfs", {"activities": [{"name": "Walk", "score": True}]}, "activities[0].score: must be a number"),
        ("psfs", {"activities": [{"name": "Walk", "score": "six"}]}, "activities[0].score: must be a number"),
    ],
)
def test_bad_input_names_the_key(instrument, answers, message):
    with pytest.raises(scoring.InputError, match=re.escape(message)):
        scoring.score(instrument, answers)


# --- change ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("measure", "b", "f", "expected"),
    [
        # NPRS 6 → 4: 2 points (MIC met), 33.3% (30% met), IMMPACT moderate (Ostelo 2008; Dworkin 2008)
        ("nprs", 6, 4, {"change": 2, "percent_change": 33.3, "mic_points_met": True, "pct30_met": True,
                        "pct50_met": False, "immpact": "moderate"}),
        # 10 → 7: exactly 30% → met, moderate; 3 points
        ("nprs", 10, 7, {"change": 3, "percent_change": 30.0, "mic_points_met": True, "pct30_met": True,
                         "pct50_met": False, "immpact": "moderate"}),
        # 10 → 9: 10% → minimal; 1 point → MIC not met
        ("nprs", 10, 9, {"change": 1, "percent_change": 10.0, "mic_points_met": False, "pct30_met": False,
                         "pct50_met": False, "immpact": "minimal"}),
        # 4 → 2: 50% → substantial
        ("nprs", 4, 2, {"change": 2, "percent_change": 50.0, "mic_points_met": True, "pct30_met": True,
                        "pct50_met": True, "immpact": "substantial"}),
        # baseline 0: no relative change, nothing to improve
        ("nprs", 0, 0, {"change": 0, "percent_change": None, "mic_points_met": False, "pct30_met": False,
                        "pct50_met": False, "immpact": "none"}),
        ("nprs", 0, 3, {"change": -3, "percent_change": None, "mic_points_met": False, "pct30_met": False,
                        "pct50_met": False, "immpact": "none"}),
        # worse: negative change, none
        ("nprs", 3, 5, {"change": -2, "percent_change": -66.7, "mic_points_met": False, "pct30_met": False,
                        "pct50_met": False, "immpact": "none"}),
        # ODI 40 → 30: 10 points (met), 25% (not met)
        ("odi", 40, 30, {"change": 10, "percent_change": 25.0, "mic_points_met": True, "pct30_met": False,
                         "pct50_met": False, "immpact": None}),
        # RMDQ 12 → 8: 4 points (not met), 33.3% (met) — the two criteria disagree and both are reported
        ("rmdq", 12, 8, {"change": 4, "percent_change": 33.3, "mic_points_met": False, "pct30_met": True,
                         "pct50_met": False, "immpact": None}),
        # PSFS is better when higher: 3 → 5 is +2 (met)
        ("psfs", 3, 5, {"change": 2, "percent_change": 66.7, "mic_points_met": True, "pct30_met": True,
                        "pct50_met": True, "immpact": None}),
    ],
)  # fmt: skip
def test_change(measure, b, f, expected):
    assert scoring.change(measure, b, f) == {"measure": measure, **expected}


def test_change_compares_exactly_not_the_rounded_percent():
    # 29.96% rounds to 30.0 but is not a 30% improvement
    r = scoring.change("odi", 70.1, 49.1)  # 21 / 70.1 = 29.957...%
    assert r["percent_change"] == 30.0 and r["pct30_met"] is False
    r = scoring.change("odi", 70, 49)  # exactly 30%
    assert r["percent_change"] == 30.0 and r["pct30_met"] is True


def test_change_odi_with_the_unrounded_percent():
    r = scoring.change("odi", 16 / 45 * 100, 24)
    assert r["change"] == pytest.approx(11.5556, abs=1e-4) and r["mic_points_met"] is True


def test_a_clinic_threshold_replaces_the_cited_one():
    assert scoring.change("nprs", 6, 4.5)["mic_points_met"] is False
    assert scoring.change("nprs", 6, 4.5, mic={"nprs": "1.5"})["mic_points_met"] is True


# --- properties -------------------------------------------------------------------------------


@given(st.lists(st.one_of(st.none(), st.integers(0, 5)), min_size=10, max_size=10))
def test_odi_score_is_a_percent_or_not_scorable(values):
    r = scoring.score("odi", odi(values))
    answered = sum(v is not None for v in values)
    assert r.scorable == (answered >= 8)
    if r.scorable:
        assert 0 <= r.score <= 100
        assert r.score == pytest.approx(sum(v for v in values if v is not None) / (5 * answered) * 100)


@given(st.sets(st.integers(1, 24), max_size=23), st.integers(1, 24))
def test_ticking_one_more_rmdq_item_adds_one(ticked, extra):
    if extra in ticked:
        return
    before = scoring.score("rmdq", {"ticked": sorted(ticked)}).score
    after = scoring.score("rmdq", {"ticked": sorted(ticked | {extra})}).score
    assert after == before + 1 and 0 <= after <= 24


@given(st.lists(st.booleans(), min_size=8, max_size=8), st.sampled_from(scoring.STARTBACK_ITEM9))
def test_startback_in_range_and_risk_consistent(items, nine):
    r = scoring.score("startback", {"items": {**{str(i + 1): v for i, v in enumerate(items)}, "9": nine}})
    d = r.as_dict()
    assert 0 <= d["score"] <= 9 and 0 <= d["psychosocial"] <= 5 and d["psychosocial"] <= d["score"]
    assert (d["risk"] == "low") == (d["score"] <= 3)
    if d["risk"] != "low":
        assert (d["risk"] == "high") == (d["psychosocial"] >= 4)


@given(st.sampled_from(scoring.MEASURES), st.data())
def test_change_sign_and_criteria(measure, data):
    lo, hi = scoring.RANGES[measure]
    b = data.draw(st.integers(lo, hi))
    f = data.draw(st.integers(lo, hi))
    r = scoring.change(measure, b, f)
    assert r["change"] == ((b - f) if measure != "psfs" else (f - b))
    assert r["mic_points_met"] == (r["change"] >= scoring.MIC_POINTS[measure])
    if b == 0:
        assert r["percent_change"] is None and not r["pct30_met"]
    else:
        assert r["pct50_met"] <= r["pct30_met"]


# --- the CLI contract ---------------------------------------------------------------------------


def run(fn, argv, stdin=""):
    out, err = io.StringIO(), io.StringIO()
    code = fn(argv, io.StringIO(stdin), out, err)
    return code, out.getvalue(), err.getvalue()


def test_score_cli_json_object_and_array():
    code, out, _ = run(cli.run_score, ["odi"], json.dumps(odi(ODI_16)))
    assert code == 0 and json.loads(out) == {
        "instrument": "odi",
        "scorable": True,
        "score": 32.0,
        "raw": 16,
        "answered": 10,
        "band": "moderate",
    }
    code, out, _ = run(cli.run_score, ["nprs"], '[{"score": 3}, {"score": null}]')
    assert code == 0 and json.loads(out) == [
        {"instrument": "nprs", "scorable": True, "score": 3},
        {"instrument": "nprs", "scorable": False, "reason": "no rating given"},
    ]


@pytest.mark.parametrize(
    ("argv", "stdin", "needle"),
    [
        (["odi"], '{"sections": {"lifting": 7}}', "sections.lifting"),
        (["nprs"], '{"score": 3, "x": 1}', "x: unknown key"),
        (["nprs"], "not json", "not JSON"),
        (["sf36"], "{}", "unknown instrument 'sf36'"),
        ([], "{}", "give one INSTRUMENT"),
    ],
)
def test_score_cli_bad_input_exits_2_naming_it(argv, stdin, needle):
    code, out, err = run(cli.run_score, argv, stdin)
    assert code == 2 and out == "" and needle in err


def test_change_cli():
    code, out, _ = run(cli.run_change, ["nprs", "6", "4"])
    assert code == 0 and json.loads(out) == {
        "measure": "nprs",
        "change": 2,
        "percent_change": 33.3,
        "mic_points_met": True,
        "pct30_met": True,
        "pct50_met": False,
        "immpact": "moderate",
    }
    for argv, needle in (
        (["nprs", "11", "4"], "baseline: 11 is out of range 0-10"),
        (["odi", "40", "x"], "followup: 'x' is not a number"),
        (["startback", "4", "2"], "unknown measure 'startback'"),
        (["nprs", "4"], "wrong arguments"),
    ):
        code, out, err = run(cli.run_change, argv)
        assert code == 2 and out == "" and needle in err, argv


def test_csv_batches():
    rows = "id,pain_intensity,personal_care,lifting,walking,sitting,standing,sleeping,sex_life,social_life,travelling\n"
    rows += "p1,3,1,2,1,2,2,1,,2,2\np2,0,0,0,0,0,0,0,,,\n"
    code, out, _ = run(cli.run_score, ["--csv", "odi"], rows)
    lines = out.strip().splitlines()
    assert code == 0 and lines[0].endswith(",scorable,score,raw,answered,band,reason")
    assert lines[1].startswith("p1,3,1,2") and ",true,35.55555555555556,16,9,moderate," in lines[1]
    assert lines[2].endswith(",false,,,,,3 sections unanswered; at most 2 may be missing")
    code, out, err = run(cli.run_score, ["--csv", "odi"], rows + "p3,9,0,0,0,0,0,0,0,0,0\n")
    assert code == 2 and out == "" and "line 4: sections.pain_intensity: 9 is out of range 0-5" in err
    header = ",".join(f"item_{i}" for i in range(1, 10))
    code, out, _ = run(cli.run_score, ["--csv", "startback"], header + "\nagree,no,1,0,yes,yes,yes,yes,extremely\n")
    assert code == 0 and out.strip().splitlines()[1].endswith(",true,7,5,high,")  # items 1,3,5,6,7,8 and 9
    code, out, _ = run(cli.run_score, ["--csv", "rmdq"], "ticked\n1 4;9\n\n")
    assert code == 0 and ",true,3," in out
    code, out, _ = run(cli.run_change, ["--csv", "nprs"], "id,baseline,followup\na,6,4\nb,0,0\n")
    lines = out.strip().splitlines()
    assert lines[0] == "id,baseline,followup,change,percent_change,mic_points_met,pct30_met,pct50_met,immpact"
    assert lines[1] == "a,6,4,2,33.3,true,true,false,moderate" and lines[2] == "b,0,0,0,,false,false,false,none"


def test_the_installed_command_runs_without_settings(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}  # no SECRET_KEY, no DATABASE_URL
    exe = [sys.executable, "-m", "dryneedle"]
    p = subprocess.run(
        [*exe, "score", "nprs"], input='{"score": 5}', capture_output=True, text=True, env=env, check=False
    )
    assert p.returncode == 0 and json.loads(p.stdout)["score"] == 5
    p = subprocess.run([*exe, "change", "rmdq", "12", "30"], capture_output=True, text=True, env=env, check=False)
    assert p.returncode == 2 and "followup: 30 is out of range 0-24" in p.stderr


def test_odi_percent_is_exact_where_it_can_be():
    # 14 points of 50 is 28%, not 28.000000000000004: the stored score feeds the 30% responder rule.
    sections = dict(zip(scoring.ODI_SECTIONS, [5, 5, 4, 0, 0, 0, 0, 0, 0, 0], strict=True))
    r = scoring.score_odi({"sections": sections})
    assert r.score == 28
    assert scoring.change("odi", 40, r.score)["pct30_met"] is True


def test_input_errors_said_plainly_for_a_form():
    """The API names the key; a clinician's form says the same in words (issue 18)."""
    cases = {
        ("nprs", '{"score": 11}'): "Score must be from 0 to 10; 11 was entered.",
        ("odi", '{"sections": {"lifting": 6}}'): "Lifting must be from 0 to 5; 6 was entered.",
        (
            "psfs",
            '{"activities": [{"name": "Walk", "score": 11}]}',
        ): "Activity 1's score must be from 0 to 10; 11 was entered.",
        ("rmdq", '{"ticked": [0]}'): "Ticked statement 1 must be from 1 to 24; 0 was entered.",
        ("nprs", '{"score": "x"}'): "Score must be a whole number from 0 to 10.",
    }
    for (instrument, answers), said in cases.items():
        with pytest.raises(scoring.InputError) as e:
            scoring.score(instrument, json.loads(answers))
        assert e.value.plain == said
