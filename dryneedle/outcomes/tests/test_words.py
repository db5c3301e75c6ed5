from datetime import date

from dryneedle.outcomes import scoring, words

D1, D2 = date(2026, 11, 3), date(2026, 12, 1)


def test_a_fall_larger_than_the_smallest_change_that_matters():
    text = words.in_words("odi", 42, D1, 18, D2, scoring.change("odi", 42, 18), 10)
    assert text == (
        "Your Oswestry score (how much back pain limits daily life) fell from 42 on 3 November 2026 to 18 on "
        "1 December 2026 (0 to 100, 100 the most limited): better by more than the smallest change that matters "
        "(10 points)."
    )


def test_small_changes_worse_ones_and_a_single_score():
    small = words.in_words("nprs", 6, D1, 5, D2, scoring.change("nprs", 6, 5), 2)
    assert "fell from 6" in small and "smaller than the smallest one that matters (2 points)" in small
    worse = words.in_words("nprs", 3, D1, 6, D2, scoring.change("nprs", 3, 6), 2)
    assert "rose from 3" in worse and "tell your clinician" in worse
    psfs = words.in_words("psfs", 3, D1, 6, D2, scoring.change("psfs", 3, 6), 2)
    assert "rose from 3" in psfs and "better by more than" in psfs  # higher is better on the PSFS
    same = words.in_words("rmdq", 9, D1, 9, D2, scoring.change("rmdq", 9, 9), 5)
    assert "stayed at 9" in same and "no change yet" in same
    one = words.in_words("nprs", 7, D1)
    assert (
        one
        == "Your pain rating was 7 on 3 November 2026 (0 to 10, 10 the worst). Your next answers will show the change."
    )
