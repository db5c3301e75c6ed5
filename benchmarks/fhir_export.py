"""How fast the FHIR bulk export runs, and in how much memory (issue 20: at least 10,000 resources per second for
the 50,000-patient benchmark group, memory flat in the clinic's size). Run by hand:

    .venv/bin/python benchmarks/fhir_export.py                      # 2,000 patients in 2 clinics: a quick look
    .venv/bin/python benchmarks/fhir_export.py --patients 50000 --clinics 10    # the benchmark group (~25 min seed)

Seeds a fresh SQLite database in a temporary folder (the demo seed), exports the largest clinic with
`dryneedle export_fhir` twice (the second run is the one reported: the first warms the disk cache), and appends the
resources written, seconds, resources per second and the export's peak memory to benchmarks/results/fhir-export.txt.
"""

# ruff: noqa: S603
import argparse
import json
import os
import re
import subprocess  # nosec B404 - fixed argument lists to the project's own command
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DRYNEEDLE = str(ROOT / ".venv" / "bin" / "dryneedle")
PYTHON = str(ROOT / ".venv" / "bin" / "python")
# The command, then its own peak memory (resident set, KiB on Linux).
MEASURED = ("import resource, sys; from dryneedle.__main__ import main; sys.argv[0] = 'dryneedle'; main(); "
            "print('maxrss', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--clinics", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "DATA_DIR": data, "SECRET_KEY": "benchmark-only-key-" + "0" * 40,
               "ALLOWED_HOSTS": "localhost"}  # fmt: skip
        env.pop("DATABASE_URL", None)
        subprocess.run([DRYNEEDLE, "migrate", "-v0"], env=env, check=True)  # nosec B603
        subprocess.run([DRYNEEDLE, "seed", "--patients", str(args.patients), "--clinics", str(args.clinics),
                        "--seed", "1", "-v0"], env=env, check=True, stdout=subprocess.DEVNULL)  # fmt: skip  # nosec B603
        clinic = subprocess.run(  # nosec B603
            [DRYNEEDLE, "shell", "-c", "from django.db.models import Count; from dryneedle.accounts.models import "
             "Clinic; print(Clinic.objects.annotate(n=Count('patient')).order_by('-n').first().code)"],
            env=env, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]  # fmt: skip
        for run in (1, 2):
            out = Path(data) / f"export-{run}"
            started = time.perf_counter()
            said = subprocess.run([PYTHON, "-c", MEASURED, "export_fhir", "--clinic", clinic, "--out", str(out)],
                                  env=env, check=True, capture_output=True, text=True).stdout  # fmt: skip  # nosec B603
            seconds = time.perf_counter() - started
            inside = float(re.search(r" in ([0-9.]+) s\.", said)[1])
            peak = int(re.search(r"maxrss (\d+)", said)[1])
        manifest = json.loads((out / "manifest.json").read_text())
        written = sum(o["count"] for o in manifest["output"])
        patients = next((o["count"] for o in manifest["output"] if o["type"] == "Patient"), 0)
    line = (f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, SQLite: seed of {args.patients} patients "
            f"in {args.clinics} clinics; export of the largest ({patients} patients): {written} resources in "
            f"{inside:.1f} s of export = {written / inside:,.0f} resources/s ({seconds:.1f} s with the command's "
            f"start-up = {written / seconds:,.0f}/s); the export's peak memory {peak / 1024:.0f} MiB "
            f"(target: 10,000 resources/s, memory flat)\n")  # fmt: skip
    results = ROOT / "benchmarks" / "results" / "fhir-export.txt"
    with results.open("a") as f:
        f.write(line)
    print(line, end="")


if __name__ == "__main__":
    main()
