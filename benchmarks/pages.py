"""Each page of the benchmark's mix, in process: its number of queries and its median time (run by bench.py, or by
hand with the same environment as the server). Prints lines to read and, last, one line of JSON."""

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dryneedle.settings")
os.environ["ALLOWED_HOSTS"] = os.environ.get("ALLOWED_HOSTS", "") + ",testserver"

import django  # noqa: E402

django.setup()

from django.db import connection, reset_queries  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from dryneedle.accounts.models import Clinic, Membership, Role  # noqa: E402
from dryneedle.patients.models import Episode  # noqa: E402
from dryneedle.visits.models import Visit  # noqa: E402


def main():
    clinic = Clinic.objects.annotate(n=Count("episode")).order_by("-n").first()
    m = Membership.objects.filter(clinic=clinic, role=Role.PRACTITIONER, needling=True).select_related("user").first()
    c = Client()
    c.force_login(m.user, backend="django.contrib.auth.backends.ModelBackend")
    e = Episode.objects.filter(clinic=clinic, clinician=m.user).order_by("-start_date").first()
    v = Visit.objects.filter(clinic=clinic, practitioner=m.user, status="signed").order_by("-started").first()
    pages = {
        "floor (healthz)": "/healthz/",
        "chart": f"/patients/{e.patient.code}/",
        "episode": f"/patients/episodes/{e.code}/",
        "visit page": f"/visits/{v.code}/",
        "plans worklist": "/plans/",
        "questionnaires due": "/outcomes/due/",
        "adverse-event rates": "/adverse-events/",
        "effectiveness report": "/analytics/effectiveness/?by=practitioner",
        "handout PDF": f"/aftercare/visits/{v.code}/handout.pdf",
        "API patients": "/api/v1/patients?limit=50",
        "API plans": "/api/v1/plans",
    }
    reset_queries()
    out, lines = {}, [f"{connection.vendor}, {clinic.name}: {Episode.objects.filter(clinic=clinic).count()} episodes"]
    for name, url in pages.items():
        c.get(url)  # warm (and a PDF made once)
        reset_queries()
        with CaptureQueriesContext(connection) as q:
            r = c.get(url)
        queries = len(q)  # now: the next request clears the connection's query log
        times = []
        for _ in range(5):
            t = time.perf_counter()
            c.get(url)
            times.append((time.perf_counter() - t) * 1000)
        out[name] = {"status": r.status_code, "queries": queries, "median_ms": round(statistics.median(times), 1)}
        lines.append(f"{name:24} {r.status_code} {queries:3} queries {out[name]['median_ms']:8.1f} ms")
    print("\n".join(lines))
    print(json.dumps({"lines": lines, "pages": out}))


if __name__ == "__main__":
    main()
