import datetime

from dryneedle.retention.rules import add_years, enquiry_ends, record_ends

D = datetime.date


def test_nothing_is_due_until_the_clinic_sets_a_period():
    ends = record_ends(D(2015, 3, 1), D(1970, 1, 1), None, None)
    assert ends.on is None and "not set" in ends.why


def test_an_adults_record_ends_the_set_years_after_the_last_contact():
    ends = record_ends(D(2017, 3, 1), D(1970, 1, 1), 8, None)
    assert ends.on == D(2025, 3, 1) and "8 years after the last contact (1 Mar 2017)" in ends.why


def test_a_childs_record_waits_for_the_clinics_age_or_is_never_due():
    born = D(2005, 6, 10)  # 11 at the last contact
    assert record_ends(D(2016, 6, 1), born, 8, None).on is None
    ends = record_ends(D(2016, 6, 1), born, 8, 25)
    assert ends.on == D(2030, 6, 10) and "25th birthday" in ends.why
    assert record_ends(D(2016, 6, 1), born, 20, 25).on == D(2036, 6, 1)  # the years reach further: they count
    assert record_ends(D(2023, 6, 10), born, 8, None).on == D(2031, 6, 10)  # 18 that day: an adult


def test_birthdays_read_as_ordinals():
    from dryneedle.retention.rules import ordinal

    assert [ordinal(n) for n in (21, 22, 23, 25, 11, 12, 13, 112)] == ["21st", "22nd", "23rd", "25th", "11th", "12th",
                                                                      "13th", "112th"]  # fmt: skip


def test_a_29_february_moves_to_the_28th():
    assert add_years(D(2016, 2, 29), 1) == D(2017, 2, 28)
    assert enquiry_ends(D(2020, 2, 29), 2) == D(2022, 2, 28) and enquiry_ends(D(2020, 1, 1), None) is None
