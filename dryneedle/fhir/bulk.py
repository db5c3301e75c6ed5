"""The clinic's records as FHIR NDJSON files, for ``dryneedle export_fhir`` and for ``$export`` over HTTP (FHIR Bulk
Data Access; docs/fhir.md).

Over HTTP the export runs in a thread of the web process once the request that asked for it has committed: the
client polls the status URL, then downloads each file with the same credentials. One export at a time per clinic
(another is refused with 429 until it ends); files are deleted a day after they are written, or when the client
deletes the export. A process that stops mid-export leaves its job "running": after STALLED with no progress the
status says it failed, and a new one can be asked for.
"""

import contextlib
import json
import logging
import shutil
import threading
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from dryneedle.audit.log import record
from dryneedle.fhir import everything, mapping
from dryneedle.fhir.models import BulkExport

log = logging.getLogger(__name__)

# How long the files of a finished export stay for download: long enough for a client that polls slowly, short
# enough that copies of the whole clinic do not pile up on the server.
KEPT = timedelta(days=1)
# A running export reports progress at least once per kind of record; silence this long means its process stopped.
STALLED = timedelta(hours=1)


class Cancelled(Exception):
    pass


def since_of(text: str):
    """Bulk Data's ``_since`` (and ``export_fhir --since``): an instant with its zone, not in the future;
    ValueError saying what is wrong otherwise. A "+" sent unencoded in a query string arrives as a space."""
    try:
        when = parse_datetime(text.strip().replace(" ", "+"))
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise ValueError("an instant with its time zone, e.g. 2026-11-01T00:00:00Z")
    if when > timezone.now():
        raise ValueError("in the future: nothing has changed since then")
    return when


def write(clinic, folder: Path, types: set[str] | None = None, tick=None, since=None) -> dict[str, int]:
    """Write ``DIR/<Type>.ndjson`` for every resource of the clinic (or of ``types``); the count of each.
    ``tick(type)`` is called as each new type starts (progress, and a chance to stop)."""
    folder.mkdir(parents=True, exist_ok=True)
    files: dict = {}
    counts: dict[str, int] = {}
    with contextlib.ExitStack() as opened, mapping.unvalidated():
        for r in everything.clinic_resources(clinic, since):  # type by type, a chunk at a time: memory stays flat
            t = r["resourceType"]
            if types is not None and t not in types:
                continue
            if t not in files:
                if tick is not None:
                    tick(t)
                files[t] = opened.enter_context((folder / f"{t}.ndjson").open("w", encoding="utf-8"))
            files[t].write(json.dumps(r) + "\n")
            counts[t] = counts.get(t, 0) + 1
    return counts


def folder_of(job: BulkExport) -> Path:
    return Path(settings.DATA_DIR) / "bulk" / str(job.code)


def delete_files(job: BulkExport) -> None:
    shutil.rmtree(folder_of(job), ignore_errors=True)


def busy(clinic) -> BulkExport | None:
    """The clinic's export still under way, if any (a stalled one is marked failed first)."""
    now = timezone.now()
    for job in BulkExport.objects.filter(clinic=clinic, status__in=["accepted", "running"]):
        if now - (job.heartbeat or job.created) > STALLED:
            BulkExport.objects.filter(pk=job.pk, clinic=clinic).update(
                status="failed", error="The export stopped (the server restarted?): ask for a new one.",
                finished=now)  # fmt: skip
            continue
        return job
    return None


def expired(job: BulkExport) -> bool:
    return job.finished is not None and timezone.now() - job.finished > KEPT


def forget_expired(clinic) -> None:
    """Delete the files of the clinic's exports past KEPT (the rows stay: the audit log points at them)."""
    cutoff = timezone.now() - KEPT
    for job in BulkExport.objects.filter(clinic=clinic, finished__lt=cutoff, status="complete"):
        delete_files(job)


def start(job: BulkExport) -> None:
    """Run ``job`` in a thread once the request's transaction commits (the thread must see the row)."""
    transaction.on_commit(lambda: threading.Thread(target=_in_thread, args=(job.pk,), daemon=True,
                                                   name=f"bulk-export-{job.code}").start())  # fmt: skip


def _in_thread(pk: int) -> None:
    try:
        run(pk)
    finally:
        connection.close()  # the thread's own connection


def run(pk: int) -> None:
    try:
        job = BulkExport.objects.select_related("clinic", "requested_by").get(pk=pk)
        clinic = job.clinic
        if job.status != BulkExport.Status.ACCEPTED:
            return
        started = timezone.now()
        BulkExport.objects.filter(pk=pk, clinic=clinic).update(status="running", started=started, heartbeat=started)

        def tick(t: str) -> None:
            state = BulkExport.objects.filter(pk=pk, clinic=clinic).values_list("status", flat=True).first()
            if state == BulkExport.Status.CANCELLED:
                raise Cancelled
            BulkExport.objects.filter(pk=pk, clinic=clinic).update(progress=f"writing {t}", heartbeat=timezone.now())

        try:
            counts = write(clinic, folder_of(job), set(job.types) or None, tick, job.since)
        except Cancelled:
            delete_files(job)
            return
        BulkExport.objects.filter(pk=pk, clinic=clinic).update(
            status="complete", counts=counts, progress="", finished=timezone.now())  # fmt: skip
        record(None, "fhir.export", user=job.requested_by, clinic=clinic, category="export",
               detail=f"$export {job.code}; " + everything.summary(counts))  # fmt: skip
    except Exception as e:  # a failed export says so at its status URL; nothing half-written is offered
        log.exception("bulk export %s failed", pk)
        BulkExport.objects.filter(pk=pk).update(status="failed", error=str(e)[:500], finished=timezone.now())


def manifest(job: BulkExport, base: str) -> dict:
    """The completion manifest (Bulk Data Access: transactionTime, request, requiresAccessToken, output, error)."""
    return {
        "transactionTime": job.started.isoformat() if job.started else job.created.isoformat(),
        "request": job.request_url, "requiresAccessToken": True, "error": [],
        "output": [{"type": t, "url": f"{base}/{t}.ndjson", "count": n} for t, n in sorted(job.counts.items())],
    }  # fmt: skip
