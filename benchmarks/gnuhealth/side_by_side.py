"""dryneedle against GNU Health 5.0, side by side on this machine, in one run (issue 21).

    benchmarks/gnuhealth/setup.sh 5000                       # GNU Health and its 5,000 patients (once)
    .venv/bin/python benchmarks/gnuhealth/side_by_side.py    # writes benchmarks/results/<date>-gnuhealth.md/.json

The same five operations a client of each system makes, one client at a time, on the same PostgreSQL server:
create a patient, add a condition (GNU Health: an ICD-10 M54.5 disease; dryneedle: an episode of chronic low back
pain), read a patient with their conditions, search patients by a surname that about 1% of them carry, and record a
pain score (GNU Health: a nursing session's pain level; dryneedle: an NPRS response). GNU Health is driven through
proteus, its own client library, over XML-RPC (with a session, as its desktop client logs in) and in process;
dryneedle through its HTTP JSON API with a bearer token, served by gunicorn as `dryneedle serve` serves it. The legs
alternate (GNU Health, dryneedle, GNU Health in process, GNU Health, dryneedle) so that a noisy minute falls on both.
Each leg is 200 timed calls after 20 warm-up calls, bounded by a wall-clock cap. GNU Health's side is
shared/peers/gnuhealth's worker (gh_worker.py), unchanged but for paths.
"""

# A harness for loopback servers it starts itself.
# ruff: noqa: S603

import argparse
import http.client
import json
import math
import os
import statistics
import subprocess  # nosec B404 - fixed argument lists
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BIN = ROOT / ".venv" / "bin"
GH = Path(os.environ.get("GH_DIR", ROOT / "var" / "bench" / "gnuhealth"))
GH_PORT, DN_PORT = 8110, 8111
PG_BASE = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/test").rsplit("/", 1)[0]
OPS = ["create", "condition", "read", "search", "pain"]
CAPS = {"create": 150, "condition": 120, "read": 120, "pain": 120, "search_lean": 120, "search_find": 90, "search": 120}


def log(msg: str) -> None:
    print(time.strftime("%T"), msg, flush=True)


def pct(s: list[float], p: float) -> float:
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


def stats(xs: list[float]) -> dict:
    s = sorted(xs)
    if not s:
        return {"n": 0}
    return {"n": len(s), "p50": round(statistics.median(s) * 1e3, 2), "p95": round(pct(s, 95) * 1e3, 2),
            "mean": round(statistics.mean(s) * 1e3, 2), "max": round(s[-1] * 1e3, 2),
            "raw_ms": [round(x * 1e3, 2) for x in xs]}  # fmt: skip


def dn_env(db: str) -> dict:
    data = ROOT / "var" / "bench" / f"gnuhealth-dn-{db}"
    data.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SECRET_KEY": "benchmark-only-key-" + "0" * 40, "ALLOWED_HOSTS": "127.0.0.1,localhost",
           "DATA_DIR": str(data), "HTTPS": "False", "AUDIT_CHECKPOINT_KEY": "bench",
           "DJANGO_SETTINGS_MODULE": "dryneedle.settings"}  # fmt: skip
    env.pop("DATABASE_URL", None)
    if db == "postgresql":
        env["DATABASE_URL"] = f"{PG_BASE}/dryneedle_bench_gnuhealth"
    return env


def dryneedle(env: dict, *args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "dryneedle"), *args], env=env, cwd=ROOT, check=True, text=True, **kw)  # nosec B603


def prepare_dn(db: str, patients: int) -> dict:
    """A one-clinic dryneedle of the same size as GNU Health's, seeded once, and a practitioner's API token."""
    env = dn_env(db)
    if db == "postgresql":
        name = env["DATABASE_URL"].rsplit("/", 1)[1]
        psql = ["psql", f"{PG_BASE}/postgres", "-tAc"]
        found = subprocess.run([*psql, f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],  # noqa: S608
                               capture_output=True, text=True, check=True)  # fmt: skip  # nosec B603
        if not found.stdout.strip():
            subprocess.run([*psql, f"CREATE DATABASE {name}"], check=True)  # nosec B603
    dryneedle(env, "migrate", "-v0")
    marker = Path(env["DATA_DIR"]) / f"seeded-{patients}"
    if not marker.exists():
        log(f"seeding dryneedle on {db}: {patients} patients in one clinic")
        dryneedle(env, "seed", "--patients", str(patients), "--clinics", "1", "--seed", "4")
        marker.touch()
    # A needling practitioner of the clinic, and the surname nearest 1% of its patients (GNU Health's term is
    # chosen the same way), so each search returns about as many people.
    probe = (
        "import json; from django.db.models import Count; from dryneedle.accounts.models import Membership, Role;"
        "from dryneedle.patients.models import Patient;"
        "m = Membership.objects.filter(role=Role.PRACTITIONER).select_related('user', 'clinic').first();"
        "qs = Patient.objects.filter(clinic=m.clinic); total = qs.count();"
        "counts = list(qs.values('family_name').annotate(n=Count('id')));"
        "best = min(counts, key=lambda c: abs(c['n'] - total / 100));"
        "print(json.dumps({'user': m.user.username, 'clinic': m.clinic.name, 'patients': total,"
        " 'term': best['family_name'], 'term_rows': best['n']}))"
    )
    info = json.loads(dryneedle(env, "shell", "-c", probe, capture_output=True).stdout.strip().splitlines()[-1])
    out = dryneedle(env, "issue_token", info["user"], "--name", "side-by-side", "--days", "7", capture_output=True)
    info["token"] = next(w for line in out.stdout.splitlines() for w in line.split() if len(w) >= 32)
    return info | {"env": env}


class Process:
    def __init__(self, cmd: list[str], cwd: Path, env: dict | None, port: int, path: str):
        self.proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # nosec B603
        for _ in range(150):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", path)
                conn.getresponse().read()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{cmd[0]} did not start on port {port}")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


class DN:
    """dryneedle through its JSON API: one keep-alive connection, a bearer token, as a client program would."""

    def __init__(self, token: str, term: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", DN_PORT, timeout=60)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.term = term
        self.patients: list[str] = []
        self.episodes: list[str] = []
        self.hits: list[int] = []
        self.k = 0

    def call(self, method: str, path: str, body: dict | None, want: int) -> dict:
        self.conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=self.headers)
        r = self.conn.getresponse()
        data = r.read()
        if r.status != want:
            raise RuntimeError(f"{method} {path}: {r.status} {data[:200]!r}")
        return json.loads(data)

    def op_create(self, i: int) -> None:
        self.k += 1
        body = {"given_name": f"Perf{self.k}", "family_name": "Sidebyside", "sex": "female" if i % 2 else "male",
                "birth_date": f"{1950 + i % 50}-{1 + i % 12:02d}-{1 + i % 28:02d}"}  # fmt: skip
        self.patients.append(self.call("POST", "/api/v1/patients", body, 201)["code"])

    def pcode(self, i: int) -> str:
        base = self.patients[:220]
        return base[i % len(base)]

    def op_condition(self, i: int) -> None:
        body = {"condition": "chronic_lbp", "notes": "chronic non-specific LBP"}
        code = self.call("POST", f"/api/v1/patients/{self.pcode(i)}/episodes", body, 201)["code"]
        if len(self.episodes) < 220:
            self.episodes.append(code)

    def op_read(self, i: int) -> None:
        # One request: the patient with their episodes (GNU Health reads the patient and its diseases).
        p = self.call("GET", f"/api/v1/patients/{self.pcode(i)}?include=episodes", None, 200)
        assert p["episodes"]

    def op_search(self, i: int) -> None:
        page = self.call("POST", "/api/v1/patients/search", {"q": self.term, "limit": 200}, 200)
        self.hits.append(len(page["items"]))

    def op_pain(self, i: int) -> None:
        body = {"instrument": "nprs", "answers": {"score": 5}}
        self.call("POST", f"/api/v1/episodes/{self.episodes[i % len(self.episodes)]}/responses", body, 201)

    def timed(self, op: str, n: int, warm: int, cap: float) -> dict:
        fn = getattr(self, "op_" + op)
        xs: list[float] = []
        errors: dict[str, int] = {}
        self.hits = []
        start = time.perf_counter()
        for i in range(warm + n):
            if time.perf_counter() - start > cap or sum(errors.values()) > 10:
                break
            t = time.perf_counter()
            try:
                fn(i)
            except (RuntimeError, OSError, http.client.HTTPException) as e:
                errors[str(e)[:120]] = errors.get(str(e)[:120], 0) + 1
                self.conn.close()
                continue
            if i >= warm:
                xs.append(time.perf_counter() - t)
        r = stats(xs) | {"errors": errors, "wall_s": round(time.perf_counter() - start, 1), "capped": len(xs) < n}
        if op == "search":
            r["hits_median"] = statistics.median(self.hits) if self.hits else None
        return r


class GHWorker:
    """GNU Health's side: its worker in GNU Health's venv, driven over stdin and stdout with JSON lines."""

    def __init__(self, mode: str):
        target = f"http://127.0.0.1:{GH_PORT}/ghpeer/" if mode == "xmlrpc" else "ghpeer"
        cmd = [str(GH / "venv/bin/python"), "-W", "ignore", str(HERE / "gh_worker.py"), mode, target]
        pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE}
        self.p = subprocess.Popen(cmd, cwd=GH, text=True, bufsize=1, **pipes)  # nosec B603
        self.ready = json.loads(self.p.stdout.readline())  # type: ignore[union-attr]

    def cmd(self, **kw) -> dict:
        self.p.stdin.write(json.dumps(kw) + "\n")  # type: ignore[union-attr]
        self.p.stdin.flush()  # type: ignore[union-attr]
        return json.loads(self.p.stdout.readline())  # type: ignore[union-attr]

    def close(self) -> None:
        self.p.stdin.write(json.dumps({"op": "quit"}) + "\n")  # type: ignore[union-attr]  # it ends without a reply
        self.p.stdin.close()  # type: ignore[union-attr]
        self.p.wait(timeout=30)


def summary(legs: list[dict]) -> dict:
    """Per operation and system, every leg's samples pooled; the ratio GNU Health / dryneedle at p50 and p95."""
    pooled: dict[tuple[str, str], list[float]] = {}
    for leg in legs:
        pooled.setdefault((leg["op"], leg["system"]), []).extend(leg["res"].get("raw_ms", []))
    out: dict[str, dict] = {}
    for (op, system), raw in pooled.items():
        s = sorted(raw)
        if s:
            p50, p95 = round(statistics.median(s), 1), round(pct(s, 95), 1)
            out.setdefault(op, {})[system] = {"n": len(s), "p50": p50, "p95": p95}
    return out


GH_SIDE = {"search": ["search_lean", "search_find"]}
LABELS = {
    "create": "create a patient",
    "condition": "add a condition",
    "read": "read a patient with conditions",
    "search": "search by surname (~1% of patients)",
    "pain": "record a pain score",
}


def render(r: dict) -> str:
    s = r["summary"]
    dbs = list(r["dryneedle"])
    lines = [
        f"# dryneedle and GNU Health side by side — {r['started'][:10]}",
        "",
        f"Machine: {r['machine']}. Load average before/after: {r['load_before']} / {r['load_after']}.",
        f"GNU Health 5.0.6 (Tryton 7.0) on PostgreSQL, {r['gh_patients']:,} patients, served by `trytond` "
        f"({r['gh_server']}); search term *{r['gh_term']}* ({r['gh_term_hits']} patients).",
    ]
    for db in dbs:
        i = r["dryneedle"][db]
        lines.append(f"dryneedle on {db.split('-')[1]}, {i['patients']:,} patients in one clinic, `dryneedle serve` "
                     f"(gunicorn gthread); search term *{i['term']}* ({i['term_rows']} patients).")  # fmt: skip
    lines += [
        "",
        "One client, one operation at a time; p50 / p95 in ms over every leg of a system (200 calls per leg after 20 "
        "warm-up calls; legs alternated). *Ratio* is GNU Health over XML-RPC (its fastest search client, *lean*: "
        "search then read the names) divided by dryneedle over HTTP: above 1, dryneedle is faster. The target is ≥ 5.",
        "",
        "| operation | GNU Health XML-RPC | GNU Health in process | "
        + " | ".join(dbs)
        + " | "
        + " | ".join(f"ratio ({d.split('-')[1]})" for d in dbs)
        + " |",
        "|---|---|---|" + "---|" * (2 * len(dbs)),
    ]
    for op in OPS:
        row = s.get(op, {})

        def cell(system: str, row: dict = row) -> str:
            v = row.get(system)
            return f"{v['p50']} / {v['p95']}" if v else "—"

        if op == "search":
            gh_rpc = row.get("gh_xmlrpc_lean")
            gh_rpc_txt = cell("gh_xmlrpc_lean") + " (lean); " + cell("gh_xmlrpc_find") + " (proteus find)"
            gh_in_txt = cell("gh_inproc_lean") + " (lean); " + cell("gh_inproc_find") + " (find)"
        else:
            gh_rpc, gh_rpc_txt, gh_in_txt = row.get("gh_xmlrpc"), cell("gh_xmlrpc"), cell("gh_inproc")
        ratios = [f"{gh_rpc['p50'] / row[db]['p50']:.1f}×" if gh_rpc and row.get(db) else "—" for db in dbs]
        cells = [LABELS[op], gh_rpc_txt, gh_in_txt, *(cell(db) for db in dbs), *ratios]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "## Against the target (≥ 5× on each operation)", "", r.get("notes", "(notes to be written)"), ""]
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--databases", default="sqlite,postgresql", help="dryneedle's engines, comma-separated")
    p.add_argument("--patients", type=int, default=5000, help="patients on each side (setup.sh seeds GNU Health)")
    p.add_argument("-n", type=int, default=200, help="timed calls per leg")
    p.add_argument("--warm", type=int, default=20, help="warm-up calls per leg")
    p.add_argument("--render", metavar="JSON", help="only write the .md of an earlier run's .json (after its notes)")
    a = p.parse_args()
    if a.render:
        src = Path(a.render)
        r = json.loads(src.read_text())
        r["summary"] = summary(r["legs"])
        r.setdefault("load_after", "not recorded")
        src.write_text(json.dumps(r, indent=1))
        src.with_suffix(".md").write_text(render(r))
        return
    if not (GH / f".seeded-{a.patients}").exists():
        sys.exit(f"GNU Health is not set up with {a.patients} patients: run benchmarks/gnuhealth/setup.sh {a.patients}")
    dbs = [d.strip() for d in a.databases.split(",") if d.strip()]
    if set(dbs) - {"sqlite", "postgresql"}:
        p.error("--databases: sqlite and/or postgresql")
    started = datetime.now(UTC)
    r: dict = {"started": started.isoformat(timespec="seconds"), "n": a.n, "warm": a.warm, "legs": [],
               "machine": f"{os.cpu_count()} cores, {os.uname().sysname} {os.uname().release}",
               "load_before": os.getloadavg(), "dryneedle": {}}  # fmt: skip
    name = started.strftime("%Y-%m-%d") + "-gnuhealth"
    out = ROOT / "benchmarks" / "results" / f"{name}.json"
    infos = {db: prepare_dn(db, a.patients) for db in dbs}
    # trytond's own server, as GNU Health's recipe starts it (werkzeug, threaded)
    gh_server = Process([str(GH / "venv/bin/trytond"), "-c", "trytond.conf", "-d", "ghpeer"], GH, None, GH_PORT, "/")
    r["gh_server"] = "its built-in werkzeug server, threaded"
    workers = {"xmlrpc": GHWorker("xmlrpc"), "inproc": GHWorker("inproc")}
    sc = workers["xmlrpc"].cmd(op="surname_counts")
    r["gh_patients"] = sc["total"]
    r["gh_term"] = min(sc["counts"], key=lambda k: abs(sc["counts"][k] - sc["total"] / 100))
    r["gh_term_hits"] = sc["counts"][r["gh_term"]]
    log(f"GNU Health: {sc['total']} patients, term {r['gh_term']} ({r['gh_term_hits']})")
    servers, clients = {}, {}
    try:
        for db in dbs:
            info = infos[db]
            r["dryneedle"][f"dryneedle-{db}"] = {k: v for k, v in info.items() if k not in ("token", "env")}
            log(f"dryneedle on {db}: {info['patients']} patients, term {info['term']} ({info['term_rows']})")
        order = ["xmlrpc", "dn", "inproc", "xmlrpc", "dn"]
        for op in OPS:
            for leg in order:
                if leg == "dn":
                    # one dryneedle server at a time: the engines do not share the two cores with each other
                    for db in dbs:
                        cmd = [str(BIN / "dryneedle"), "serve", "--port", str(DN_PORT)]
                        servers[db] = Process(cmd, ROOT, infos[db]["env"], DN_PORT, "/healthz/")
                        try:
                            client = clients.setdefault(db, DN(infos[db]["token"], infos[db]["term"]))
                            client.conn = http.client.HTTPConnection("127.0.0.1", DN_PORT, timeout=60)
                            res = client.timed(op, a.n, a.warm, CAPS[op])
                        finally:
                            servers.pop(db).stop()
                        r["legs"].append({"system": f"dryneedle-{db}", "op": op, "load": os.getloadavg(), "res": res})
                        log(f"dryneedle-{db} {op}: p50 {res.get('p50')} p95 {res.get('p95')} errors {res['errors']}")
                else:
                    for gop in GH_SIDE.get(op, [op]):
                        res = workers[leg].cmd(op=gop, n=a.n, warm=a.warm, cap=CAPS[gop], term=r["gh_term"])
                        system = f"gh_{leg}" + (f"_{gop.split('_')[1]}" if op == "search" else "")
                        r["legs"].append({"system": system, "op": op, "load": os.getloadavg(), "res": res})
                        log(f"{system} {gop}: p50 {res.get('p50')} p95 {res.get('p95')} {res.get('error', '')}")
            out.write_text(json.dumps(r, indent=1))
    finally:
        for w in workers.values():
            w.close()
        gh_server.stop()
        for s in servers.values():
            s.stop()
    r["load_after"] = os.getloadavg()
    r["summary"] = summary(r["legs"])
    out.write_text(json.dumps(r, indent=1))
    out.with_suffix(".md").write_text(render(r))
    log(f"wrote {out} and {out.with_suffix('.md')}")


if __name__ == "__main__":
    main()
