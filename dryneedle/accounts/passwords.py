"""Refuse guessable passwords with a strength estimator rather than a list of our own.

zxcvbn (Dropbox's estimator, Python port) recognises keyboard walks ("qwertyuiopasdf"), dates, common words and
substitutions, and the user's own name, which length and common-password lists miss (security battery finding 11).
Score 3 ("safely unguessable": about 10^8 to 10^10 guesses) is the minimum; NIST SP 800-63B §5.1.1.2 asks that
passwords be checked against commonly used and compromised values, and this is how we do it.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import pgettext
from zxcvbn import zxcvbn

MIN_SCORE = 3
MAX_CHECKED = 72  # zxcvbn refuses longer input: a longer password is checked by its first 72 characters


class StrengthValidator:
    def validate(self, password: str, user=None) -> None:
        inputs = [v for v in (getattr(user, f, "") for f in ("username", "first_name", "last_name", "email")) if v]
        result = zxcvbn(password[:MAX_CHECKED], user_inputs=inputs)
        if result["score"] < MIN_SCORE:
            feedback = result["feedback"]
            hint = " ".join(filter(None, [feedback.get("warning", ""), *feedback.get("suggestions", [])]))
            raise ValidationError(
                pgettext("staff", "This password is too easy to guess. %(hint)s")
                % {"hint": hint or "Use a few unrelated words."},
                code="password_guessable",
            )

    def get_help_text(self) -> str:
        return "It must not be easy to guess: a few unrelated words work well; keyboard patterns and names do not."
