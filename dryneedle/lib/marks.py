"""Marking text for translation without Django, so the pure rule modules stay pure."""


def gettext_noop(text: str) -> str:
    """``text`` unchanged; makemessages finds the name and gathers it. The page or email that shows it to a patient
    translates it then, in their language (``gettext(text)``)."""
    return text
