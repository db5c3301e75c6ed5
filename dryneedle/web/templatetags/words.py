from django import template
from django.utils.translation import gettext

register = template.Library()


@register.filter
def translated(value) -> str:
    """``{{ a.get_kind_display|translated }}``: a name from a model's choices in the page's language, where the
    catalogue has it (dryneedle/mine/names.py lists them for makemessages); otherwise as it is."""
    return gettext(str(value)) if value else ""
