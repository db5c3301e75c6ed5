# dryneedle's server image: Debian 12 (as the Makefile expects), Python 3.11, the locked runtime set.
#   docker build -t dryneedle .
#   docker compose up     (with PostgreSQL: compose.yaml)
FROM python:3.11-slim-bookworm

# WeasyPrint needs Pango (and the DejaVu fonts): the Makefile's RUNTIME_DEBS.
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml constraints.txt README.md LICENSE ./
COPY dryneedle ./dryneedle
# The runtime dependencies only, at the versions constraints.txt locks.
RUN pip install --no-cache-dir -q --upgrade "pip>=25.1" \
 && pip install --no-cache-dir -q -c constraints.txt .

# Never root; data (SQLite, static files, the audit checkpoint file) under /data.
RUN useradd --system --home-dir /data --create-home dryneedle
USER dryneedle
ENV DATA_DIR=/data PYTHONUNBUFFERED=1
VOLUME /data
EXPOSE 8000

# Settings come from the environment and fail closed (docs/configuration.md): SECRET_KEY,
# ALLOWED_HOSTS, DATABASE_URL, AUDIT_CHECKPOINT_KEY, BACKUP_KEY, EMAIL_* at least.
CMD ["dryneedle", "serve", "--host", "0.0.0.0", "--port", "8000"]
