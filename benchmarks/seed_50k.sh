#!/usr/bin/env bash
# Time `dryneedle seed --patients 50000` on a fresh SQLite database (and on
# PostgreSQL when PG_URL is set). Run by hand: bash benchmarks/seed_50k.sh
# Results are appended to benchmarks/results/seed.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
out=benchmarks/results/seed.txt
dir=$(mktemp -d)
export SECRET_KEY=benchmark-only-key-000000000000000000000000000000 ALLOWED_HOSTS=localhost DATA_DIR="$dir"
run() {
  local label=$1
  .venv/bin/dryneedle migrate -v0
  local start end
  start=$(date +%s.%N)
  .venv/bin/dryneedle seed --patients 50000 --clinics 10 --seed 1 -v0 >/dev/null
  end=$(date +%s.%N)
  printf '%s  %-10s 50000 patients, 10 clinics: %.1f s on %s cores\n' "$(date -u +%F)" "$label" "$(echo "$end - $start" | bc)" "$(nproc)" | tee -a "$out"
}
run sqlite
if [ -n "${PG_URL:-}" ]; then
  psql "${PG_URL%/*}/postgres" -qc "DROP DATABASE IF EXISTS dryneedle_bench" -c "CREATE DATABASE dryneedle_bench"
  DATABASE_URL="${PG_URL%/*}/dryneedle_bench" run postgresql
fi
rm -rf "$dir"
