#!/bin/bash
# GNU Health 5.0 as a peer for the side-by-side benchmark (issue 21), following the recipe measured on this kind of
# machine (shared/peers/gnuhealth/README.md): a venv from PyPI, a database on the local PostgreSQL, the modules for
# conditions (ICD-10) and nursing sessions (pain level), the fixtures an evaluation needs, and N patients seeded
# server-side (one create per person: GNU Health 5.0 cannot create several persons in one call).
#
#   benchmarks/gnuhealth/setup.sh [PATIENTS]      # default 5000; into var/bench/gnuhealth (about 6 minutes)
#
# Safe to rerun: each finished step leaves a marker and is skipped.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
GH=${GH_DIR:-$ROOT/var/bench/gnuhealth}
PATIENTS=${1:-5000}
PG=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
mkdir -p "$GH/attach" && cd "$GH"
step() { echo "$(date +%T) $*"; }

if [ ! -e .installed ]; then
    step "installing GNU Health 5.0.6 into $GH/venv"
    python3 -m venv venv
    venv/bin/pip install -q --upgrade pip
    # trytond and proteus pinned to 7.0: GNU Health 5.0 is built on Tryton 7.0 LTS; health_disability needs
    # socioeconomics, which its metadata does not declare.
    venv/bin/pip install -q "gnuhealth==5.0.6" "trytond>=7.0,<7.1" "proteus>=7.0,<7.1" psycopg2-binary \
        gnuhealth-socioeconomics==5.0.4 gnuhealth-disability==5.0.4 gnuhealth-icd10==5.0.4 gnuhealth-nursing==5.0.4
    touch .installed
fi

cat > trytond.conf <<CONF
[database]
uri = postgresql://ghpeer:ghpeer@127.0.0.1:5432/
path = $GH/attach

[web]
listen = 127.0.0.1:8110
CONF
printf 'admin-peer-pw\n' > adminpass
export TRYTONPASSFILE=$GH/adminpass

if [ ! -e .initialised ]; then
    step "creating the ghpeer role and database"
    psql "$PG" -qtAc "DROP DATABASE IF EXISTS ghpeer" -c "DROP ROLE IF EXISTS ghpeer" \
        -c "CREATE ROLE ghpeer LOGIN CREATEDB PASSWORD 'ghpeer'"
    PGPASSWORD=ghpeer createdb -h 127.0.0.1 -U ghpeer -E UTF8 -T template0 ghpeer
    step "initialising (base, health, disability + nursing, ICD-10): about 2.5 minutes"
    venv/bin/trytond-admin -c trytond.conf -d ghpeer --all --email admin@example.org > init.log 2>&1
    venv/bin/trytond-admin -c trytond.conf -d ghpeer -u health --activate-dependencies >> init.log 2>&1
    venv/bin/trytond-admin -c trytond.conf -d ghpeer -u health_disability health_nursing --activate-dependencies >> init.log 2>&1
    venv/bin/trytond-admin -c trytond.conf -d ghpeer -u health_icd10 --activate-dependencies >> init.log 2>&1
    venv/bin/python -W ignore "$HERE/setup_fixtures.py" ghpeer
    touch .initialised
fi

if [ ! -e ".seeded-$PATIENTS" ]; then
    step "seeding $PATIENTS patients server-side"
    CAP_S=1800 venv/bin/python -W ignore "$HERE/gh_seed.py" ghpeer "$PATIENTS"
    PGPASSWORD=ghpeer psql -h 127.0.0.1 -U ghpeer ghpeer -qc "ANALYZE"
    touch ".seeded-$PATIENTS"
fi
step "GNU Health ready in $GH (serve: venv/bin/trytond -c trytond.conf -d ghpeer)"
