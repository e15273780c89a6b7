-- Orders and positions as execution keeps them (issue 12, point 5).
--
-- orders: one row per venue order we sent, keyed by (venue, client_order_id); derived from the
--   execution records the executor writes ahead (src/execution/orderRows.ts) and upserted, so a
--   replayed record is a no-op. Columns from schema/execution.ts OrderRecord.
-- positions: one row per pair (pair_id '' = fills of orders no execution sent), venue, market and
--   outcome; upserted from the positions snapshot (throttled). Marks (best bid), unrealised P&L
--   and the settlement at resolution. Columns from schema/execution.ts PositionRecord.
-- The 0002 placeholders of both tables were never written by the app: they are replaced.
-- fills gain fee_source ('venue' = reported by the venue, 'computed' = by the fee engine at the
--   fill's time): fee_micros is the fee as booked, so positions re-seeded from fills match.
-- Plain tables (not hypertables): few rows, updated in place; the same on PostgreSQL and TimescaleDB.

DROP TABLE IF EXISTS orders;
CREATE TABLE orders (
  execution_id       text        NOT NULL,
  role               text        NOT NULL CHECK (role IN ('leg1', 'leg2', 'unwind')),
  client_order_id    text        NOT NULL,
  venue_order_id     text,
  venue              text        NOT NULL,
  market_id          text        NOT NULL,
  outcome            text        NOT NULL CHECK (outcome IN ('yes', 'no')),
  side               text        NOT NULL CHECK (side IN ('buy', 'sell')),
  limit_price_micros bigint      NOT NULL,
  qty                bigint      NOT NULL CHECK (qty > 0),
  time_in_force      text        NOT NULL CHECK (time_in_force IN ('IOC', 'FOK')),
  state              text        NOT NULL,
  filled_qty         bigint      NOT NULL DEFAULT 0 CHECK (filled_qty >= 0),
  cost_micros        bigint      NOT NULL DEFAULT 0,
  fees_micros        bigint      NOT NULL DEFAULT 0,
  reason             text        NOT NULL DEFAULT '',
  created_at         timestamptz NOT NULL,
  updated_at         timestamptz NOT NULL,
  PRIMARY KEY (venue, client_order_id)
);
CREATE INDEX IF NOT EXISTS orders_execution_idx ON orders (execution_id);
CREATE INDEX IF NOT EXISTS orders_venue_order_idx ON orders (venue, venue_order_id) WHERE venue_order_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS orders_created_idx ON orders (created_at DESC);

DROP TABLE IF EXISTS positions;
CREATE TABLE positions (
  venue                 text        NOT NULL,
  market_id             text        NOT NULL,
  outcome               text        NOT NULL CHECK (outcome IN ('yes', 'no')),
  pair_id               text        NOT NULL DEFAULT '',
  qty                   bigint      NOT NULL DEFAULT 0,
  cost_micros           bigint      NOT NULL DEFAULT 0,
  avg_price_micros      bigint      NOT NULL DEFAULT 0,
  realized_pnl_micros   bigint      NOT NULL DEFAULT 0,
  fees_micros           bigint      NOT NULL DEFAULT 0,
  unrealized_pnl_micros bigint,
  mark_micros           bigint,
  settled_at            timestamptz,
  settlement_micros     bigint,
  updated_at            timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (venue, market_id, outcome, pair_id)
);
CREATE INDEX IF NOT EXISTS positions_pair_idx ON positions (pair_id);
CREATE INDEX IF NOT EXISTS positions_settled_idx ON positions (venue, market_id) WHERE settled_at IS NOT NULL;

ALTER TABLE fills ADD COLUMN IF NOT EXISTS fee_source text;
