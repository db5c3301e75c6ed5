from django import template

register = template.Library()


@register.filter
def css_string(value) -> str:
    """Text for a string in a ``<style>`` element (a PDF's page footer): every character but letters, digits and
    spaces written as a CSS escape, each ended by the space CSS swallows, so that no quote or ``</style>`` can end
    the string and an "&" prints as "&" (JavaScript's escapes, used before, printed "\\u0026"). What is left holds
    nothing HTML escaping would change."""
    return "".join(c if c.isalnum() or c == " " else f"\\{ord(c):06x} " for c in str(value))
