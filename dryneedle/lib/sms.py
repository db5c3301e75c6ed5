"""Text messages: one small interface, several backends, chosen by the SMS_BACKEND setting (issue 19).

- ``console``: prints each text (development, the demo);
- ``file``: appends one JSON line per text to SMS_FILE (development, tests of a running server);
- ``memory``: keeps texts in ``outbox`` (the test suite);
- ``http``: POSTs ``{"to": ..., "text": ...}`` as JSON to SMS_HTTP_URL with ``Authorization: Bearer SMS_HTTP_TOKEN``
  — the shape most SMS gateways or a small relay take (tested against a local fake server).
Empty (the default): no texts are sent, and nothing says they were.

A text carries no clinical word (``check``): no treatment, body part or condition, nor the clinic's name, which may
say what it treats; only a day, a time, a phone number and a link.
"""

import json
import logging
import re
import sys
import urllib.request
from pathlib import Path

from django.conf import settings
from django.db import transaction

log = logging.getLogger(__name__)
outbox: list[dict] = []  # the memory backend's texts

# Words a text must never hold (our list: what would tell a reader of the phone's screen what the care is), in
# the languages texts are written in: English, Spanish, French.
CLINICAL = re.compile(
    r"needl|pain|back|spin|lumbar|sciatic|screen|injur|treat|diagnos|physio|chiro|muscle|therap|symptom|clinic"
    r"|aguj|punci|dolor|espalda|columna|ci[aá]tic|lesi[oó]n|tratam|fisio|quiro|m[uú]scul|terap|s[ií]ntom|cl[ií]nic"
    r"|aiguill|douleur|\bdos\b|colonne|sciatiq|blessur|traitement|kin[eé]|muscl|th[eé]rap|sympt[oô]m",
    re.I,
)
MAX_LENGTH = 320  # two SMS segments


class SmsError(Exception):
    pass


URL = re.compile(r"https?://\S+")


def check(text: str) -> str:
    """``text`` when it may go: no clinical word in our words (a link's address is the site's own, SITE_URL, which
    the clinic chooses: docs/configuration.md says to keep it plain), at most two segments."""
    if found := CLINICAL.search(URL.sub("", text)):
        raise ValueError(f"A text may not hold a clinical word: {found[0]!r}")
    if len(text) > MAX_LENGTH:
        raise ValueError(f"A text is at most {MAX_LENGTH} characters.")
    return text


class HttpBackend:
    def __init__(self, url: str = "", token: str | None = None):
        self.url = url or settings.SMS_HTTP_URL
        self.token = settings.SMS_HTTP_TOKEN if token is None else token
        if not self.url.startswith(("https://", "http://")):
            raise SmsError("SMS_HTTP_URL is not an http(s) address")

    def send(self, to: str, text: str) -> None:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        req = urllib.request.Request(self.url, json.dumps({"to": to, "text": text}).encode(), headers)  # noqa: S310
        try:
            # The scheme is checked above; the address is the operator's own configured gateway.
            with urllib.request.urlopen(req, timeout=10) as r:  # noqa: S310  # nosec B310
                if not 200 <= r.status < 300:
                    raise SmsError(f"gateway answered {r.status}")
        except OSError as e:
            raise SmsError(str(e)) from e


class ConsoleBackend:
    def send(self, to: str, text: str) -> None:
        sys.stdout.write(f"[text to {to}] {text}\n")


class FileBackend:
    def send(self, to: str, text: str) -> None:
        path = Path(settings.SMS_FILE)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as f:
            f.write(json.dumps({"to": to, "text": text}) + "\n")


class MemoryBackend:
    def send(self, to: str, text: str) -> None:
        outbox.append({"to": to, "text": text})


BACKENDS = {"http": HttpBackend, "console": ConsoleBackend, "file": FileBackend, "memory": MemoryBackend}


def enabled() -> bool:
    return bool(settings.SMS_BACKEND)


def send(to: str, text: str) -> bool:
    """Text ``to`` once the transaction commits; a failing gateway is logged, not raised (email still went)."""
    if not enabled() or not to:
        return False
    check(text)

    def go() -> None:
        try:
            BACKENDS[settings.SMS_BACKEND]().send(to, text)
        except SmsError as e:
            log.warning("text not sent: %s", e)

    transaction.on_commit(go)
    return True
