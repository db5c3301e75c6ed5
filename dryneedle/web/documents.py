"""Documents made once: a PDF is generated the first time it is asked for and kept under a key that names what
it shows; later requests are served from the database (issue 21: a handout took 0.15-0.4 s on every download).

A handout's key is its signed note's hash (the note cannot change, so neither can its handout); a progress
report's is a digest of the data it draws and the day it is printed, so a new score gives a new report.
"""

import hashlib
from collections.abc import Callable

from django.db import IntegrityError, transaction

from dryneedle.web.models import StoredDocument


def digest(*parts) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def get_or_make(clinic, family: str, key: str, make: Callable[[], bytes], content_type: str = "application/pdf"):
    """The document of ``family`` under ``key``: stored, or made now by ``make()`` and stored (older ones of
    the family are dropped). Two requests at once may both make it; the first stored wins, nothing fails."""
    clinic = clinic.code
    found = StoredDocument.objects.filter(clinic=clinic, family=family, key=key).values_list("content", flat=True)
    if content := found.first():
        return bytes(content)
    content = make()
    try:
        with transaction.atomic():
            StoredDocument.objects.filter(clinic=clinic, family=family).exclude(key=key).delete()
            StoredDocument.objects.create(clinic=clinic, family=family, key=key, content_type=content_type,
                                          content=content)  # fmt: skip
    except IntegrityError:
        pass  # made by another request at the same moment: the same bytes
    return content
