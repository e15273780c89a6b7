-- TimescaleDB when the server has it; plain PostgreSQL otherwise (every later Timescale-only
-- statement checks pg_extension). The extension goes to schema public once per database, so
-- migrations run in other schemas (isolated tests) share it and dropping a test schema never
-- drops the extension.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')
     AND NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
    BEGIN
      CREATE EXTENSION IF NOT EXISTS timescaledb SCHEMA public;
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE WARNING 'timescaledb is available but this role may not create it; continuing on plain PostgreSQL (ask an admin to run CREATE EXTENSION timescaledb)';
    END;
  END IF;
END
$$;
