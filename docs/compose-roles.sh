#!/bin/sh
# Run once by the postgres image on an empty volume (compose.yaml): the two roles of docs/operations.md.
set -eu
psql -v ON_ERROR_STOP=1 --username postgres <<SQL
CREATE ROLE dryneedle_owner LOGIN PASSWORD '${OWNER_PASSWORD}';
CREATE ROLE dryneedle_app LOGIN PASSWORD '${APP_PASSWORD}';
CREATE DATABASE dryneedle OWNER dryneedle_owner;
SQL
psql -v ON_ERROR_STOP=1 --username postgres --dbname dryneedle -c "REVOKE CREATE ON SCHEMA public FROM PUBLIC;"
