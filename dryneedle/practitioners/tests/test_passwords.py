"""Guessable passwords are refused by an estimator (security battery finding 11), good ones accepted."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError


@pytest.mark.parametrize("password", ["qwertyuiopasdf", "asdfghjklqwer", "1qaz2wsx3edc4rfv", "Password12345!"])
def test_keyboard_walks_and_common_patterns_are_refused(password):
    with pytest.raises(ValidationError, match="too easy to guess"):
        validate_password(password)


@pytest.mark.parametrize("password", ["a long enough passphrase for tests", "copper kettle under violet rain"])
def test_unrelated_words_pass(password):
    validate_password(password)
