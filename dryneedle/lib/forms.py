import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext


def add_errors(form, err: ValidationError) -> None:
    """Show a model or service ValidationError on a form: on its field when it names one."""
    if hasattr(err, "error_dict"):
        for field, errors in err.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, err.messages)


def no_nul(value: str) -> None:
    """Field validator: PostgreSQL refuses NUL bytes that SQLite stores, so refuse them everywhere."""
    if "\x00" in value:
        raise forms.ValidationError(gettext("Text cannot contain NUL characters."))


def uuid_or_none(value):
    """A code posted by a form, as a UUID; None for anything that is not one (then nothing matches)."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def error_text(form) -> str:
    """Every message of a bound, invalid form as one line (for a flash message or an audit detail)."""
    return " ".join(str(message) for messages in form.errors.values() for message in messages)


class DateInput(forms.DateInput):
    """A native date picker. It only understands ISO dates, whatever the site's locale: with the locale's format
    (en-gb: 07/01/2030) a date given back to the form, after an error or as its initial value, showed empty."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")
