"""Muscle, side and body-chart names in the reader's language: the patient's on their handout (their page, their
link), English on staff pages, where no language is switched on. The catalogues (muscles.py, bodymap.py) keep their
English names, marked for makemessages; the staff's own labels (a needle's depth, the chart's data attributes the
page's script reads) are not these."""

from django.utils.translation import gettext, pgettext

from dryneedle.visits import bodymap
from dryneedle.visits.muscles import BY_CODE


def muscle(code: str) -> str:
    m = BY_CODE.get(code)
    return gettext(m.name) if m else code


def side(side: str) -> str:
    if side == "left":
        return pgettext("side of the body", "left")
    if side == "right":
        return pgettext("side of the body", "right")
    return pgettext("side of the body", "midline")


def site(muscle_code: str, side_code: str) -> str:
    """A needle's site as the handout says it: "Gluteus medius (left)"."""
    return gettext("%(muscle)s (%(side)s)") % {"muscle": muscle(muscle_code), "side": side(side_code)}


def place(region: bodymap.Region) -> str:
    """A body-chart region with its side: "Low back (lumbar), left"."""
    name = gettext(region.name)
    if region.side == "left":
        return gettext("%(place)s, left") % {"place": name}
    if region.side == "right":
        return gettext("%(place)s, right") % {"place": name}
    return name
