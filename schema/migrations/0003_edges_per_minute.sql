-- migrate:no-transaction
-- edges_per_minute: a continuous aggregate on TimescaleDB, a plain view with the same name and
-- columns (date_bin) on PostgreSQL. Run outside a transaction, statement by statement, as
-- TimescaleDB requires for continuous aggregates created WITH DATA; we create it WITH NO DATA
-- and turn on real-time aggregation, so it shows rows not yet materialized. Every statement
-- is guarded and idempotent: a half-run is safe to run again.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
    EXECUTE $v$
      CREATE MATERIALIZED VIEW IF NOT EXISTS edges_per_minute
      WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
      SELECT time_bucket(interval '1 minute', ts) AS bucket,
             pair_id,
             direction,
             count(*)             AS n,
             max(net_edge_micros) AS max_net_edge_micros,
             sum(profit_micros)   AS sum_profit_micros
        FROM edges
       GROUP BY 1, 2, 3
      WITH NO DATA
    $v$;
  ELSE
    EXECUTE $v$
      CREATE OR REPLACE VIEW edges_per_minute AS
      SELECT date_bin(interval '1 minute', ts, timestamptz '2000-01-01 00:00:00+00') AS bucket,
             pair_id,
             direction,
             count(*)             AS n,
             max(net_edge_micros) AS max_net_edge_micros,
             sum(profit_micros)   AS sum_profit_micros
        FROM edges
       GROUP BY 1, 2, 3
    $v$;
  END IF;
END
$$;

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
    PERFORM add_continuous_aggregate_policy('edges_per_minute',
      start_offset => interval '1 day', end_offset => interval '1 minute',
      schedule_interval => interval '1 minute', if_not_exists => true);
  END IF;
END
$$;
