"""The benchmark anyone can rerun (issue 21): seed (or reuse) a demo-size and a group-size database on SQLite and
PostgreSQL, serve each as production does (gunicorn, `dryneedle serve`), drive a realistic mix of a clinic's
requests with 1 and 20 users, with and without think time, and write benchmarks/results/<date>.md and .json.

    make bench                                   # everything (about an hour: two large seeds)
    .venv/bin/python benchmarks/bench.py --sizes demo --databases sqlite --seconds 20    # a quick look
    .venv/bin/python benchmarks/bench.py --sizes target     # the target group: 50,000 patients, ~500,000 visits

Each operation's p50, p95 and max, the requests per second, the framework floor (a trivial page behind the same
middleware, measured in the same run) and each page's ratio to it, the query count of each page, the effectiveness
report against the same question written by hand in SQL, the load average, and each worker's memory. Nothing
here is a timed test: these are measurements, written down with the machine they ran on.
"""

# A harness for the project's own loopback server and demo data: the demo password, plain random choices,
# URLs it builds itself, and a database name of its own in SQL are what it is for.
# ruff: noqa: S105, S310, S311, S608

import argparse
import json
import os
import random
import resource
import socket
import statistics
import subprocess  # nosec B404 - the harness starts the server and the seed with fixed argument lists
import threading
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
# patients, clinics, visits per patient (None: the seed's default, about 4). "target" is the target group
# (about 500,000 visits); it seeds for about 25 minutes, so it runs only when asked: --sizes target.
SIZES = {"demo": (400, 3, None), "group": (50_000, 10, None), "target": (50_000, 10, 10.0)}
PASSWORD = "needle-demo-2026"  # dryneedle/demo/seed.py DEMO_PASSWORD
SECRET = "benchmark-only-key-" + "0" * 40
PG_BASE = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/test").rsplit("/", 1)[0]


def env_for(db: str, size: str) -> dict:
    data = ROOT / "var" / "bench" / f"{db}-{size}"
    data.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATA_DIR": str(data),
        "HTTPS": "False",
        "AUDIT_CHECKPOINT_KEY": "bench",
        "DJANGO_SETTINGS_MODULE": "dryneedle.settings",
    }
    env.pop("DATABASE_URL", None)
    if db == "postgresql":
        env["DATABASE_URL"] = f"{PG_BASE}/dryneedle_bench_{size}"
    return env


def run(cmd: list[str], env: dict, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env=env, cwd=ROOT, check=True, **kw)  # noqa: S603  # nosec B603


def prepare(db: str, size: str, log) -> None:
    """Seed the database once; later runs reuse it (delete var/bench/<db>-<size> or drop the database to redo)."""
    env = env_for(db, size)
    if db == "postgresql":
        name = env["DATABASE_URL"].rsplit("/", 1)[1]
        psql = ["psql", f"{PG_BASE}/postgres", "-tAc"]
        exists = run([*psql, f"SELECT 1 FROM pg_database WHERE datname = '{name}'"], env, capture_output=True)
        if not exists.stdout.strip():
            run([*psql, f"CREATE DATABASE {name}"], env)
    run([str(BIN / "dryneedle"), "migrate", "-v0"], env)
    run([str(BIN / "dryneedle"), "collectstatic", "--noinput", "-v0"], env)
    marker = Path(env["DATA_DIR"]) / "seeded"
    patients, clinics, per_patient = SIZES[size]
    if marker.exists():
        made = json.loads(marker.read_text())
        if (made.get("patients", patients), made.get("visits_per_patient")) != (patients, per_patient):
            raise SystemExit(f"{env['DATA_DIR']} was seeded at another size: delete it (on PostgreSQL also drop "
                             f"its database) to seed again.")  # fmt: skip
        if db == "postgresql":  # `dryneedle seed` gathers the planner's statistics; an older seed did not
            run(["psql", env["DATABASE_URL"], "-qc", "ANALYZE"], env)
        return
    log(f"seeding {db} {size}: {patients} patients, {clinics} clinics, visits per patient {per_patient or 'default'}")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    cmd = [str(BIN / "dryneedle"), "seed", "--patients", str(patients), "--clinics", str(clinics), "--seed", "1"]
    run(cmd + (["--visits-per-patient", str(per_patient)] if per_patient else []), env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # The seed's own CPU (user + system of the child process); PostgreSQL's server time is not in it.
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    took = {"patients": patients, "clinics": clinics, "visits_per_patient": per_patient,
            "seconds": round(time.perf_counter() - start, 1)}  # fmt: skip
    marker.write_text(json.dumps(took | {"cpu_seconds": round(cpu, 1)}))


def seeded(db: str, size: str) -> dict:
    """How long the seed of this database took, as its marker recorded it (an older marker has no CPU time)."""
    marker = Path(env_for(db, size)["DATA_DIR"]) / "seeded"
    return json.loads(marker.read_text()) if marker.exists() else {}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn as `dryneedle serve` runs it, with the worker model under test."""

    def __init__(self, env: dict, workers: int, threads: int):
        self.port = free_port()
        cmd = [str(BIN / "python"), "-m", "gunicorn", "dryneedle.wsgi:application", "--no-control-socket"]
        cmd += ["--bind", f"127.0.0.1:{self.port}", "--workers", str(workers), "--timeout", "120"]
        if threads > 1:
            cmd += ["--worker-class", "gthread", "--threads", str(threads)]
        self.proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603  # nosec B603
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz/", timeout=2)  # nosec B310
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the server did not start")

    def memory_mb(self) -> list[float]:
        """Resident memory of each worker (children of the master), in MB."""
        out = []
        for child in Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split():
            for line in Path(f"/proc/{child}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    out.append(int(line.split()[1]) / 1024)
        return out

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


class User:
    """One person at a browser: a cookie jar, a CSRF token, a session."""

    def __init__(self, base: str, username: str):
        self.base = base
        self.jar = CookieJar()
        self.last_body = b""
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.get("/login/")
        self.post("/login/", {"username": username, "password": PASSWORD})

    def csrf(self) -> str:
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def get(self, path: str) -> tuple[int, bytes]:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, data: dict, json_body: bool = False) -> tuple[int, bytes]:
        headers = {"X-CSRFToken": self.csrf(), "Referer": self.base + path}
        if json_body:
            body, headers["Content-Type"] = json.dumps(data).encode(), "application/json"
        else:
            body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.csrf()}, doseq=True).encode()
        return self._open(urllib.request.Request(self.base + path, data=body, headers=headers, method="POST"))

    def patch(self, path: str, data: dict) -> tuple[int, bytes]:
        headers = {"X-CSRFToken": self.csrf(), "Referer": self.base + path, "Content-Type": "application/json"}
        req = urllib.request.Request(self.base + path, data=json.dumps(data).encode(), headers=headers, method="PATCH")
        return self._open(req)

    def _open(self, req) -> tuple[int, bytes]:
        try:
            with self.opener.open(req, timeout=120) as r:  # nosec B310 - the harness's own loopback server
                status, self.last_body = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, self.last_body = e.code, e.read()
        return status, self.last_body


def targets(env: dict) -> dict:
    """What the users work on: practitioners of the largest clinic with their patients, episodes and visits."""
    code = r"""
import json, django
django.setup()
from django.db.models import Count
from dryneedle.accounts.models import Clinic, Membership, Role
from dryneedle.patients.models import Episode
from dryneedle.screening.gate import needling_gate
from dryneedle.visits.models import NeedleLot, Visit
clinic = Clinic.objects.annotate(n=Count("episode")).order_by("-n").first()
out = {"clinic": clinic.name, "users": [], "reception": None}
for m in Membership.objects.filter(clinic=clinic, role=Role.PRACTITIONER, needling=True).select_related("user"):
    eps = list(Episode.objects.filter(clinic=clinic, clinician=m.user, status="open").order_by("-start_date")[:40])
    # Needles go into the lumbar region (needle_add): the screening must have planned it, or the gate says no.
    ready = [e for e in eps if needling_gate(e, region="lumbar").allowed][:10]
    visits = list(Visit.objects.filter(clinic=clinic, practitioner=m.user, status="signed").order_by("-started")
                  .values_list("code", flat=True)[:20])
    out["users"].append({"username": m.user.username, "patients": [str(e.patient.code) for e in eps],
                         "episodes": [str(e.code) for e in eps], "ready": [str(e.code) for e in ready],
                         "visits": [str(v) for v in visits],
                         "names": [e.patient.family_name for e in eps[:10]]})
lot = NeedleLot.objects.filter(clinic=clinic).order_by("-expires").first()
out["lot"] = str(lot.code)
out["reception"] = Membership.objects.filter(clinic=clinic, role=Role.RECEPTION).first().user.username
print(json.dumps(out))
"""
    r = run([str(BIN / "python"), "-c", code], env, capture_output=True, text=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def operations(u: User, t: dict, lot: str) -> dict:
    """The mix: name -> (weight, a function doing one request and returning its status)."""
    rnd = random.Random()  # nosec B311 - picks which patient to open, not a secret

    def pick(key):
        return rnd.choice(t[key]) if t[key] else None

    draft = {"visit": None}

    def visit_save():
        if draft["visit"] is None:
            ep = pick("ready")
            if ep is None:
                return 200
            status, body = u.post(f"/api/v1/episodes/{ep}/visits", {}, json_body=True)
            draft["visit"] = json.loads(body)["code"] if status == 201 else None
            return status
        return u.patch(f"/api/v1/visits/{draft['visit']}", {"notes": f"bench {time.time():.0f}", "pre_nprs": 5})[0]

    def needle_add():
        if draft["visit"] is None:
            return visit_save()
        body = {"muscle": "multifidus", "side": "left", "lot": lot, "depth_mm": 20, "technique": "static",
                "angle": "perpendicular", "position": "prone", "guidance": "palpation",
                "protective_technique": "bony_backstop", "depth_reason": "bench: onto the lamina"}  # fmt: skip
        return u.post(f"/api/v1/visits/{draft['visit']}/insertions", body, json_body=True)[0]

    def questionnaire_page():
        return u.post(f"/outcomes/episodes/{pick('episodes')}/responses/", {"instrument": "nprs", "score": "4"})[0]

    def questionnaire_api():
        body = {"instrument": "nprs", "answers": {"score": 5}}
        return u.post(f"/api/v1/episodes/{pick('episodes')}/responses", body, json_body=True)[0]

    return {
        "floor (healthz)": (6, lambda: u.get("/healthz/")[0]),
        "patient search": (8, lambda: u.post("/patients/", {"q": rnd.choice(t["names"] or ["a"])})[0]),
        "chart": (14, lambda: u.get(f"/patients/{pick('patients')}/")[0]),
        "episode": (10, lambda: u.get(f"/patients/episodes/{pick('episodes')}/")[0]),
        "visit page": (8, lambda: u.get(f"/visits/{pick('visits')}/")[0]),
        "visit save": (6, visit_save),
        "needle add": (3, needle_add),
        "questionnaire (page)": (4, questionnaire_page),
        "questionnaire (API)": (4, questionnaire_api),
        "plans worklist": (3, lambda: u.get("/plans/")[0]),
        "questionnaires due": (3, lambda: u.get("/outcomes/due/")[0]),
        "adverse-event rates": (2, lambda: u.get("/adverse-events/")[0]),
        "effectiveness report": (1, lambda: u.get("/analytics/effectiveness/?by=practitioner")[0]),
        "handout PDF": (2, lambda: u.get(f"/aftercare/visits/{pick('visits')}/handout.pdf")[0]),
        "API patients": (3, lambda: u.get("/api/v1/patients?limit=50")[0]),
        "API plans": (2, lambda: u.get("/api/v1/plans")[0]),
    }


def drive(base: str, t: dict, users: int, seconds: float, think: float) -> dict:
    """``users`` threads, each a logged-in practitioner looping over the mix for ``seconds``."""
    people = [t["users"][i % len(t["users"])] for i in range(users)]
    sessions = [User(base, p["username"]) for p in people]
    lat: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    samples: dict[str, str] = {}
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    loads = []

    def loop(u: User, person: dict):
        ops = operations(u, person, t["lot"])
        names = list(ops)
        weights = [ops[n][0] for n in names]
        rnd = random.Random()  # nosec B311
        while time.monotonic() < stop:
            name = rnd.choices(names, weights)[0]
            t0 = time.perf_counter()
            status = ops[name][1]()
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                lat.setdefault(name, []).append(ms)
                if status >= 400:
                    errors[name] = errors.get(name, 0) + 1
                    samples.setdefault(name, f"{status} {u.last_body[:160]!r}")
            if think:
                time.sleep(rnd.uniform(0.5 * think, 1.5 * think))

    threads = [threading.Thread(target=loop, args=(s, p)) for s, p in zip(sessions, people, strict=True)]
    t0 = time.monotonic()
    for th in threads:
        th.start()
    while any(th.is_alive() for th in threads):
        loads.append(os.getloadavg()[0])
        time.sleep(2)
    for th in threads:
        th.join()
    elapsed = time.monotonic() - t0
    out = {"users": users, "think_s": think, "seconds": round(elapsed, 1), "load_avg_1m": round(max(loads or [0]), 2),
           "requests": sum(len(v) for v in lat.values()), "ops": {}}  # fmt: skip
    out["rps"] = round(out["requests"] / elapsed, 1)
    for name, v in sorted(lat.items()):
        v.sort()
        out["ops"][name] = {"n": len(v), "p50_ms": round(statistics.median(v), 1),
                            "p95_ms": round(v[min(len(v) - 1, int(0.95 * len(v)))], 1), "max_ms": round(v[-1], 1),
                            "errors": errors.get(name, 0), "error_sample": samples.get(name, "")}  # fmt: skip
    return out


def in_process(env: dict) -> dict:
    """Each page's query count and time in process (benchmarks/pages.py), and the effectiveness report and the
    worklist against the same questions in SQL (benchmarks/effectiveness.py)."""
    out = {}
    for script in ("pages.py", "effectiveness.py"):
        r = run([str(BIN / "python"), str(ROOT / "benchmarks" / script)], env, capture_output=True, text=True)
        out[script] = json.loads(r.stdout.strip().splitlines()[-1])
    return out


def main() -> None:
    p = argparse.ArgumentParser(description="Run the load benchmark and write benchmarks/results/<date>.md/.json")
    p.add_argument("--sizes", default="demo,group", help="demo, group, target (500,000 visits), comma-separated "
                   "(default: %(default)s)")  # fmt: skip
    p.add_argument("--databases", default="sqlite,postgresql", help="sqlite, postgresql or both")
    p.add_argument("--seconds", type=float, default=45, help="seconds per scenario (default: %(default)s)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn workers")
    p.add_argument("--threads", default="1,4", help="threads per worker to compare: 1 (sync), 4 (gthread)")
    p.add_argument("--render", metavar="JSON", help="only write the .md again from a results .json")
    a = p.parse_args()
    if a.render:
        path = Path(a.render)
        path.with_suffix(".md").write_text("\n".join(render(json.loads(path.read_text()))) + "\n")
        return
    started = datetime.now(UTC)
    lines: list[str] = []

    def log(msg: str) -> None:
        print(msg, flush=True)

    report: dict = {"started": started.isoformat(), "cpus": os.cpu_count(), "runs": []}
    for db in a.databases.split(","):
        for size in a.sizes.split(","):
            env = env_for(db, size)
            prepare(db, size, log)
            report.setdefault("seeds", {})[f"{db}-{size}"] = seeded(db, size)
            t = targets(env)
            measured = in_process(env)
            for threads in [int(x) for x in a.threads.split(",")]:
                server = Server(env, a.workers, threads)
                try:
                    base = f"http://127.0.0.1:{server.port}"
                    for users, think in ((1, 0.0), (20, 1.0), (20, 0.0)):
                        log(f"{db} {size}: {a.workers} workers x {threads} threads, {users} users, think {think}s")
                        res = drive(base, t, users, a.seconds, think)
                        res |= {"db": db, "size": size, "workers": a.workers, "threads": threads,
                                "worker_mb": [round(m) for m in server.memory_mb()]}  # fmt: skip
                        report["runs"].append(res)
                finally:
                    server.stop()
            report.setdefault("in_process", {})[f"{db}-{size}"] = measured
    stamp = started.strftime("%Y-%m-%d")
    out = ROOT / "benchmarks" / "results"
    (out / f"{stamp}.json").write_text(json.dumps(report, indent=1))
    lines = render(report)
    (out / f"{stamp}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


TARGETS = {"chart": 3.0, "episode": 3.0, "visit page": 3.0}  # times the floor, issue 21
P95_TARGET = {"chart": 50, "visit save": 50, "questionnaire (page)": 50, "questionnaire (API)": 50}


def render(report: dict) -> list[str]:
    lines = [f"# Benchmark {report['started'][:16]} UTC, {report['cpus']} CPUs", "",
             "Targets (issue 21): with 20 users and ~1 s think time on the group-size data, p95 <= 50 ms for chart, "
             "visit save and questionnaire submit; chart, episode and visit pages <= 3x the floor; analytics <= 500 ms "
             "and <= 1.5x their hand-written SQL.", ""]  # fmt: skip
    for note in report.get("notes", []):  # what a person added after reading the run (--render keeps it)
        lines += [note, ""]
    for r in report["runs"]:
        floor = r["ops"].get("floor (healthz)", {}).get("p50_ms") or 1
        head = f"## {r['db']} · {r['size']} · {r['workers']} workers × {r['threads']} threads"
        lines += [f"{head} · {r['users']} users, think {r['think_s']} s", ""]
        lines.append(f"{r['requests']} requests in {r['seconds']} s ({r['rps']}/s), load average up to "
                     f"{r['load_avg_1m']}, worker memory {r['worker_mb']} MB.")  # fmt: skip
        lines += ["", "| operation | n | p50 ms | p95 ms | max ms | ×floor (p50) | errors | target |"]
        lines.append("|---|---|---|---|---|---|---|---|")
        for name, o in r["ops"].items():
            verdict = ""
            if name in P95_TARGET and r["size"] == "group" and r["users"] == 20 and r["think_s"]:
                verdict = f"p95 ≤ {P95_TARGET[name]}: {'met' if o['p95_ms'] <= P95_TARGET[name] else 'missed'}"
            if name in TARGETS:
                ok = o["p50_ms"] / floor <= TARGETS[name]
                verdict += ("; " if verdict else "") + f"≤ 3× floor: {'met' if ok else 'missed'}"
            lines.append(f"| {name} | {o['n']} | {o['p50_ms']} | {o['p95_ms']} | {o['max_ms']} | "
                         f"{o['p50_ms'] / floor:.1f} | {o['errors']} | {verdict} |")  # fmt: skip
        lines.append("")
    seeds = {k: v for k, v in report.get("seeds", {}).items() if v}
    if seeds:
        lines += ["## Seeds", "", "| database | patients, clinics | wall s | seed CPU s | target |"]
        lines.append("|---|---|---|---|---|")
        for key, v in seeds.items():
            cpu = v.get("cpu_seconds")
            verdict = ""
            if v.get("patients") == 50_000 and not v.get("visits_per_patient") and cpu is not None:
                verdict = f"≤ 180 CPU s: {'met' if cpu <= 180 else f'missed ({cpu / 180:.1f}×)'}"
            lines.append(f"| {key} | {v.get('patients', '?')}, {v.get('clinics', '?')} | {v['seconds']:.0f} | "
                         f"{'not recorded' if cpu is None else f'{cpu:.0f}'} | {verdict} |")  # fmt: skip
        lines.append("")
    for key, m in report.get("in_process", {}).items():
        for script, got in m.items():
            lines += [f"## In process · {key} · {script}", "", "```", *got.get("lines", []), "```", ""]
    return lines


if __name__ == "__main__":
    main()
