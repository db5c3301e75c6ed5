from django import template

from dryneedle.lib import dates

register = template.Library()


@register.filter
def when(value, name: str) -> str:
    """``{{ appt.start|when:"day_at" }}``: a date in the page's language (lib/dates.py)."""
    return dates.when(value, name)
