-- Execution (issue 12): one row per opportunity acted on, and its write-ahead transitions.
--
-- executions: the plan (legs in order of execution, limits on the tick, sizes), where it stands
--   (state, progress: fills per role, the order in flight) and why. One writer: the executor
--   (src/execution/executor.ts) updates it in the same transaction that appends its event.
-- execution_events: append-only; each transition is written BEFORE its orders are sent, with the
--   client and venue order ids it acts on. (execution_id, seq) is the key: a replayed write is a
--   no-op, a second writer of the same seq fails.
-- fills gain side, outcome and client_order_id (fills carry their side: sells and early exits are
--   priced right). Nullable columns: allowed on a compressed TimescaleDB hypertable.
-- Plain tables (not hypertables): few rows, updated in place, read by id and by open state.

CREATE TABLE IF NOT EXISTS executions (
  execution_id text        PRIMARY KEY,
  pair_id      text        NOT NULL,
  edge_id      text        NOT NULL,
  state        text        NOT NULL,
  size_qty     bigint      NOT NULL,
  plan         jsonb       NOT NULL,
  progress     jsonb       NOT NULL,
  net_qty      bigint      NOT NULL DEFAULT 0,
  reason       text        NOT NULL DEFAULT '',
  ts_planned   timestamptz NOT NULL,
  ts_updated   timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS executions_open_idx ON executions (state) WHERE state NOT IN ('hedged', 'unwound', 'failed');
CREATE INDEX IF NOT EXISTS executions_pair_idx ON executions (pair_id, ts_planned DESC);

CREATE TABLE IF NOT EXISTS execution_events (
  execution_id     text        NOT NULL REFERENCES executions (execution_id),
  seq              integer     NOT NULL CHECK (seq > 0),
  from_state       text        NOT NULL,
  to_state         text        NOT NULL,
  reason           text        NOT NULL,
  client_order_ids text[]      NOT NULL DEFAULT '{}',
  venue_order_ids  text[]      NOT NULL DEFAULT '{}',
  ts               timestamptz NOT NULL,
  PRIMARY KEY (execution_id, seq)
);

ALTER TABLE fills ADD COLUMN IF NOT EXISTS side text;
ALTER TABLE fills ADD COLUMN IF NOT EXISTS outcome text;
ALTER TABLE fills ADD COLUMN IF NOT EXISTS client_order_id text;
