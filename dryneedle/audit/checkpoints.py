"""Anchor the audit chains outside the database (issue 15, finding 6).

The hash chain shows a changed or removed row *inside* the log, but not the
newest rows deleted from its end: the shortened chain is still a valid chain.
A checkpoint records each chain's head (last row id, row count, hash) in an
append-only file outside the database, each line signed with HMAC-SHA256 under
``AUDIT_CHECKPOINT_KEY`` (never stored in the database) and linked to the line
before it. ``verify_audit`` then reports a chain that ends before its last
checkpoint, or has fewer rows than it had.

Written by ``dryneedle checkpoint_audit`` (cron, e.g. every 15 minutes) and by
every ``dryneedle backup``. Keep a copy off the machine (or use ``--email``):
an attacker who can delete rows may also be able to edit this file.
"""

import fcntl
import hashlib
import hmac
import json
import os
import uuid
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from dryneedle.audit import log

NO_CLINIC = "none"


class CheckpointError(Exception):
    pass


def _key() -> bytes:
    key = settings.AUDIT_CHECKPOINT_KEY
    if not key:
        raise CheckpointError("AUDIT_CHECKPOINT_KEY is not set (see docs/configuration.md).")
    return key.encode()


def _mac(line: dict) -> str:
    body = {k: v for k, v in line.items() if k != "mac"}
    return hmac.new(_key(), log.canonical(body).encode(), hashlib.sha256).hexdigest()


def chain_name(clinic: uuid.UUID | None) -> str:
    return str(clinic) if clinic is not None else NO_CLINIC


def read() -> list[dict]:
    """Every checkpoint in the file, each signature and link checked."""
    path = settings.AUDIT_CHECKPOINT_FILE
    if not os.path.exists(path):
        return []
    out: list[dict] = []
    with open(path, encoding="utf-8") as f:
        for number, text in enumerate(f, 1):
            if not text.strip():
                continue
            try:
                line = json.loads(text)
            except ValueError:
                raise CheckpointError(f"Checkpoint line {number} is not valid JSON (the file was edited).") from None
            if not isinstance(line, dict) or not hmac.compare_digest(str(line.get("mac", "")), _mac(line)):
                raise CheckpointError(f"Checkpoint line {number} has a bad signature (edited, or another key).")
            if line.get("prev", "") != (out[-1]["mac"] if out else ""):
                raise CheckpointError(f"Checkpoint line {number} does not follow the line before it (lines removed).")
            out.append(line)
    return out


def write(now: datetime | None = None) -> dict:
    """Verify the chains, then append and return a signed checkpoint of their heads."""
    n, bad, why = log.verify()
    if bad is not None:
        raise CheckpointError(f"Not anchoring a broken chain: row {n} (id {bad.id}) {why}.")
    problems = check()
    if problems:
        raise CheckpointError("Not anchoring a chain shorter than its last checkpoint: " + " ".join(problems))
    path = settings.AUDIT_CHECKPOINT_FILE
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as f:
        fcntl.flock(f, fcntl.LOCK_EX)  # two cron runs at once must not interleave
        previous = read()
        line = {
            "at": (now or timezone.now()).isoformat(timespec="seconds"),
            "prev": previous[-1]["mac"] if previous else "",
            "chains": {
                chain_name(clinic): {"id": last_id, "rows": rows, "head": head}
                for clinic, (last_id, rows, head) in sorted(log.heads().items(), key=lambda kv: chain_name(kv[0]))
            },
        }
        line["mac"] = _mac(line)
        f.write(log.canonical(line) + "\n")
        f.flush()
        os.fsync(f.fileno())
    return line


def check(checkpoints: list[dict] | None = None) -> list[str]:
    """What the database has lost since the latest checkpoint, one sentence per chain."""
    if checkpoints is None:
        checkpoints = read()
    if not checkpoints:
        return []
    latest = checkpoints[-1]
    problems = []
    for name, want in latest["chains"].items():
        clinic = None if name == NO_CLINIC else uuid.UUID(name)
        rows = log.chain_rows(clinic)
        at = rows.filter(id=want["id"]).values_list("row_hash", flat=True).first()
        if at is None:
            end = rows.order_by("-id").values_list("id", flat=True).first()
            problems.append(
                f"Chain {name} is truncated: the checkpoint of {latest['at']} ends at row id {want['id']}, "
                f"the database's chain ends at {end if end is not None else 'nothing (no rows)'}."
            )
        elif at != want["head"]:
            problems.append(
                f"Chain {name}: row id {want['id']} no longer has the hash of the checkpoint of {latest['at']}."
            )
        elif rows.filter(id__lte=want["id"]).count() != want["rows"]:
            problems.append(f"Chain {name} has lost rows since the checkpoint of {latest['at']}.")
    return problems
