-- Legs by position (issue 10): a pair's and an edge's legs are leg A and leg B, not a venue name.
--
-- market_pairs: poly_market_id → a_market_id, kalshi_market_id → b_market_id, plus a_venue and
--   b_venue (every existing row: A = polymarket, B = kalshi), human_reviewed (true for approved rows
--   a person decided: decided_by set, or source manual/file), and the natural key on both legs.
-- edges: poly_vwap_micros → a_vwap_micros, kalshi_vwap_micros → b_vwap_micros, poly_ts → a_ts,
--   kalshi_ts → b_ts. Stored directions 'polyYes'/'polyNo' are NOT rewritten (that would decompress
--   every compressed chunk, and edges_per_minute keeps what it materialized): readers map them to
--   'aYes'/'aNo' (schema/edge.ts StoredEdgeDirection; Polymarket was always leg A).
-- venue CHECK constraints are dropped: venue ids are validated at the boundary (zod VenueId), so a
--   new venue needs no migration.
-- Renames are metadata only, also on TimescaleDB hypertables with compression and a continuous
-- aggregate (edges_per_minute does not use the renamed columns).

ALTER TABLE market_pairs RENAME COLUMN poly_market_id TO a_market_id;
ALTER TABLE market_pairs RENAME COLUMN kalshi_market_id TO b_market_id;
ALTER TABLE market_pairs ADD COLUMN a_venue text NOT NULL DEFAULT 'polymarket';
ALTER TABLE market_pairs ADD COLUMN b_venue text NOT NULL DEFAULT 'kalshi';
ALTER TABLE market_pairs ALTER COLUMN a_venue DROP DEFAULT;
ALTER TABLE market_pairs ALTER COLUMN b_venue DROP DEFAULT;
ALTER TABLE market_pairs ADD COLUMN human_reviewed boolean NOT NULL DEFAULT false;
UPDATE market_pairs SET human_reviewed = true
 WHERE status = 'approved' AND (decided_by IS NOT NULL OR source IN ('manual', 'file'));
ALTER TABLE market_pairs DROP CONSTRAINT IF EXISTS market_pairs_poly_market_id_kalshi_market_id_key;
ALTER TABLE market_pairs ADD CONSTRAINT market_pairs_legs_key UNIQUE (a_venue, a_market_id, b_venue, b_market_id);
DROP INDEX IF EXISTS market_pairs_kalshi_idx;
-- leg A is served by the unique index; pairs of a leg-B market:
CREATE INDEX IF NOT EXISTS market_pairs_b_idx ON market_pairs (b_venue, b_market_id);

ALTER TABLE edges RENAME COLUMN poly_vwap_micros TO a_vwap_micros;
ALTER TABLE edges RENAME COLUMN kalshi_vwap_micros TO b_vwap_micros;
ALTER TABLE edges RENAME COLUMN poly_ts TO a_ts;
ALTER TABLE edges RENAME COLUMN kalshi_ts TO b_ts;

DO $$
DECLARE
  c record;
BEGIN
  FOR c IN
    SELECT rel.relname, con.conname
      FROM pg_constraint con
      JOIN pg_class rel ON rel.oid = con.conrelid
     WHERE con.contype = 'c'
       AND rel.relnamespace = current_schema()::regnamespace
       AND pg_get_constraintdef(con.oid) ~ '\mvenue\M'
       AND pg_get_constraintdef(con.oid) LIKE '%''polymarket''%'
  LOOP
    EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', c.relname, c.conname);
  END LOOP;
END
$$;
