"""Dates and times as a patient reads them, in the page's (or the email's) language: each format is a message to
translate, so Spanish says "martes 8 de enero de 2030" and Canadian French "mardi 8 janvier 2030, 10 h 00" where
English says "Tuesday 08 January 2030, 10:00" (Django's date format letters; translators escape words with a
backslash). Staff pages keep their own fixed formats."""

from django.utils import dateformat, timezone
from django.utils.translation import pgettext_lazy

FORMATS = {
    "long": pgettext_lazy("date format: weekday, day, month, year, time", "l d F Y, H:i"),
    "long_date": pgettext_lazy("date format: weekday, day, month, year", "l d F Y"),
    "day_time": pgettext_lazy("date format: weekday, day, month, time", "l d F, H:i"),
    "day_at": pgettext_lazy("date format: weekday, day, month 'at' time", "l d F \\a\\t H:i"),
    "day": pgettext_lazy("date format: weekday, day, month", "l d F"),
    "date": pgettext_lazy("date format: day, month, year", "j F Y"),
    "date_time": pgettext_lazy("date format: day, month, year, time", "j F Y, H:i"),
    "day_month": pgettext_lazy("date format: day, month", "j F"),
    "short": pgettext_lazy("date format: day, short month, year", "j M Y"),
    "short_time": pgettext_lazy("date format: day, short month, year, time", "j M Y, H:i"),
}


def when(value, name: str) -> str:
    """``value`` (a datetime on the active zone's clock, or a date) in the named format of the active language."""
    if value in (None, ""):
        return ""
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        value = timezone.localtime(value)
    return dateformat.format(value, str(FORMATS[name]))
