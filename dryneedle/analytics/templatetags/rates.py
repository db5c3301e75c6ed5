"""How the effectiveness report writes a rate: the share, its Wilson 95% interval, and k of n."""

from django import template

register = template.Library()


@register.filter
def share(rate) -> str:
    """47.6% (95% CI 40.1 to 54.9), or a dash when there is nothing to divide by."""
    if rate is None or rate.rate is None:
        return "—"
    return f"{rate.rate * 100:.1f}% (95% CI {rate.low * 100:.1f} to {rate.high * 100:.1f})"


@register.filter
def percent(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@register.filter
def of(k, n) -> str:
    return f"{k} of {n}"
