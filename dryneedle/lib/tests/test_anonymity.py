import datetime

import pytest

from dryneedle.lib.anonymity import CLEAR, EMPTY, MARKER, YEAR_ONLY, anonymised, drop, keep


def test_clear_empties_each_kind_and_marks_a_required_text():
    assert anonymised("Grace", CLEAR) == ""
    assert anonymised("Grace", CLEAR, required=True) == MARKER
    assert anonymised("", CLEAR, required=True) == ""  # nothing was there: nothing to mark
    assert anonymised({"a": 1}, CLEAR) == {} and anonymised([1], CLEAR) == []
    assert anonymised(b"%PDF", CLEAR) == b"" and anonymised(b"%PDF", CLEAR, null=True) is None
    assert anonymised("Grace", EMPTY) == "" and anonymised(None, CLEAR) is None


def test_a_birth_date_keeps_its_year():
    assert anonymised(datetime.date(1960, 12, 9), YEAR_ONLY) == datetime.date(1960, 1, 1)


def test_keep_holds_only_the_paths_named_through_lists():
    answers = {"findings": ["diabetes"], "medications": ["Warfarin"], "clearance": [{"suspected": "x", "by": "Dr Z"}],
               "age": 51}  # fmt: skip
    assert anonymised(answers, keep("findings", "age", "clearance.suspected")) == {
        "findings": ["diabetes"], "age": 51, "clearance": [{"suspected": "x"}]}  # fmt: skip
    # A key the rule does not know (added later) goes; a path deeper than the value keeps nothing of it.
    assert anonymised({"new": "Zed", "age": {"x": 1}}, keep("age.x")) == {"age": {"x": 1}}
    assert anonymised({"age": "Zed"}, keep("age.x")) == {"age": None}


def test_drop_removes_the_paths_named_and_keeps_the_rest():
    psfs = {"activities": [{"name": "Walking the dog", "score": 3}, {"name": "Gardening", "score": 6}]}
    assert anonymised(psfs, drop("activities.name")) == {"activities": [{"score": 3}, {"score": 6}]}
    assert anonymised({"other": "my words", "soreness": 4}, drop("other")) == {"soreness": 4}


def test_an_unknown_rule_is_refused():
    with pytest.raises(ValueError):
        anonymised("x", "shred")
