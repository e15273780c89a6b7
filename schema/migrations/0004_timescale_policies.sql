-- Compression and retention (TimescaleDB only; a no-op on plain PostgreSQL). Chunks older than
-- a day are compressed, segmented by the columns queries filter on. Raw depth is kept 14 days,
-- tops and feed health 90 days; edges, decisions, trades, fills and LLM calls are kept.
-- PGlite (embedded) has no background workers: the jobs are registered but only run on a server.
DO $$
DECLARE
  t record;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
    RETURN;
  END IF;
  FOR t IN SELECT * FROM (VALUES
      ('book_tops', 'venue, market_id'), ('book_depth', 'venue, market_id'), ('trades', 'venue, market_id'),
      ('edges', 'pair_id'), ('risk_decisions', 'pair_id'), ('lead_lag', 'pair_id'), ('feed_health', 'venue'),
      ('fills', 'venue'), ('llm_calls', 'provider')
    ) AS v(name, segmentby)
  LOOP
    EXECUTE format('ALTER TABLE %I SET (timescaledb.compress, timescaledb.compress_segmentby = %L, timescaledb.compress_orderby = %L)',
                   t.name, t.segmentby, 'ts DESC');
    PERFORM add_compression_policy(t.name::regclass, compress_after => interval '1 day', if_not_exists => true);
  END LOOP;
  PERFORM add_retention_policy('book_depth', drop_after => interval '14 days', if_not_exists => true);
  PERFORM add_retention_policy('book_tops', drop_after => interval '90 days', if_not_exists => true);
  PERFORM add_retention_policy('feed_health', drop_after => interval '90 days', if_not_exists => true);
END
$$;
