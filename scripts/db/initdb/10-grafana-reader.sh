#!/bin/sh
# Runs once, when the TimescaleDB container initialises an empty data directory
# (mounted at /docker-entrypoint-initdb.d). Creates the read-only role Grafana logs in as:
# SELECT on every table and view the app user creates in schema public, now and later.
set -eu
: "${GRAFANA_DB_PASSWORD:?GRAFANA_DB_PASSWORD must be set}"
psql -v ON_ERROR_STOP=1 --no-psqlrc \
  --username "${POSTGRES_USER}" --dbname "${POSTGRES_DB}" \
  -v reader_pw="${GRAFANA_DB_PASSWORD}" -v owner="${POSTGRES_USER}" -v db="${POSTGRES_DB}" <<'SQL'
CREATE ROLE grafana_reader LOGIN PASSWORD :'reader_pw' NOSUPERUSER NOCREATEDB NOCREATEROLE;
ALTER ROLE grafana_reader SET default_transaction_read_only = on;
ALTER ROLE grafana_reader SET statement_timeout = '30s';
GRANT CONNECT ON DATABASE :"db" TO grafana_reader;
GRANT USAGE ON SCHEMA public TO grafana_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO grafana_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT SELECT ON TABLES TO grafana_reader;
SQL
