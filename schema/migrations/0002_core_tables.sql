-- The whole system's tables. Conventions: prices and cash in integer micro-dollars (*_micros
-- bigint), quantities in integer millionths of a share/contract (qty, *_qty bigint); `ts` is our
-- receive/decision time (timestamptz), `ts_venue` the venue's own timestamp. Time-series tables
-- become hypertables on TimescaleDB, so their unique keys include `ts`. Writers insert with
-- ON CONFLICT DO NOTHING on the natural key (idempotent replays). See schema/README.md.

-- ── reference data ──────────────────────────────────────────────────────────────────────────
CREATE TABLE IF NOT EXISTS venue_markets (
  venue                    text        NOT NULL CHECK (venue IN ('polymarket', 'kalshi')),
  market_id                text        NOT NULL,
  event_id                 text,
  title                    text        NOT NULL,
  rules_text               text,
  rules_secondary          text,
  outcomes                 jsonb,
  category                 text,
  open_time                timestamptz,
  close_time               timestamptz,
  expected_resolution_time timestamptz,
  resolution_source        text,
  status                   text        NOT NULL,
  yes_token_id             text,
  no_token_id              text,
  tick_size_micros         bigint      CHECK (tick_size_micros > 0),
  fee_info                 jsonb,
  raw                      jsonb,
  rules_hash               text,
  first_seen               timestamptz NOT NULL DEFAULT now(),
  updated_at               timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (venue, market_id)
);
CREATE INDEX IF NOT EXISTS venue_markets_venue_close_idx ON venue_markets (venue, close_time);
CREATE INDEX IF NOT EXISTS venue_markets_event_idx ON venue_markets (venue, event_id);
CREATE INDEX IF NOT EXISTS venue_markets_yes_token_idx ON venue_markets (yes_token_id) WHERE yes_token_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS venue_markets_no_token_idx ON venue_markets (no_token_id) WHERE no_token_id IS NOT NULL;

CREATE TABLE IF NOT EXISTS market_pairs (
  pair_id          text             PRIMARY KEY,
  poly_market_id   text             NOT NULL,
  kalshi_market_id text             NOT NULL,
  status           text             NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
  confidence       double precision CHECK (confidence >= 0 AND confidence <= 1),
  yes_maps_to_no   boolean          NOT NULL DEFAULT false,
  reasons          jsonb            NOT NULL DEFAULT '[]'::jsonb,
  guards           jsonb            NOT NULL DEFAULT '{}'::jsonb,
  source           text             NOT NULL CHECK (source IN ('manual', 'llm', 'file')),
  verdict_model    text,
  decided_by       text,
  created_at       timestamptz      NOT NULL DEFAULT now(),
  updated_at       timestamptz      NOT NULL DEFAULT now(),
  UNIQUE (poly_market_id, kalshi_market_id)
);
CREATE INDEX IF NOT EXISTS market_pairs_status_idx ON market_pairs (status, updated_at DESC);
CREATE INDEX IF NOT EXISTS market_pairs_kalshi_idx ON market_pairs (kalshi_market_id);

CREATE TABLE IF NOT EXISTS fee_schedules (
  venue       text        NOT NULL CHECK (venue IN ('polymarket', 'kalshi')),
  scope       text        NOT NULL CHECK (scope IN ('venue', 'market', 'series', 'event', 'category')),
  scope_id    text        NOT NULL,
  fee_type    text        NOT NULL,
  rate        numeric     NOT NULL,
  exponent    numeric,
  taker_only  boolean     NOT NULL DEFAULT true,
  rebate_rate numeric,
  multiplier  numeric,
  valid_from  timestamptz NOT NULL,
  valid_to    timestamptz CHECK (valid_to IS NULL OR valid_to > valid_from),
  source      text,
  raw         jsonb,
  PRIMARY KEY (venue, scope, scope_id, valid_from)
);

-- ── market data (hypertables) ───────────────────────────────────────────────────────────────
CREATE TABLE IF NOT EXISTS book_tops (
  ts          timestamptz NOT NULL,
  venue       text        NOT NULL,
  market_id   text        NOT NULL,
  ts_venue    timestamptz,
  yes_bid     bigint,
  yes_bid_qty bigint,
  yes_ask     bigint,
  yes_ask_qty bigint,
  no_bid      bigint,
  no_bid_qty  bigint,
  no_ask      bigint,
  no_ask_qty  bigint,
  issues      text[]      NOT NULL DEFAULT '{}',
  stream_id   text        NOT NULL DEFAULT '',
  UNIQUE (venue, market_id, ts, stream_id)
);
-- the unique index (venue, market_id, ts, stream_id) also serves "latest top of a market" (backward scan)

CREATE TABLE IF NOT EXISTS book_depth (
  ts        timestamptz NOT NULL,
  venue     text        NOT NULL,
  market_id text        NOT NULL,
  ts_venue  timestamptz,
  yes       jsonb       NOT NULL,
  no        jsonb       NOT NULL,
  stream_id text        NOT NULL DEFAULT '',
  UNIQUE (venue, market_id, ts, stream_id)
);

CREATE TABLE IF NOT EXISTS trades (
  ts            timestamptz NOT NULL,
  venue         text        NOT NULL,
  market_id     text        NOT NULL,
  trade_id      text        NOT NULL,
  ts_venue      timestamptz,
  price_micros  bigint      NOT NULL,
  qty           bigint      NOT NULL CHECK (qty > 0),
  side          text        CHECK (side IN ('buy', 'sell')),
  taker_outcome text        CHECK (taker_outcome IN ('yes', 'no')),
  stream_id     text        NOT NULL DEFAULT '',
  UNIQUE (venue, trade_id, ts)
);
CREATE INDEX IF NOT EXISTS trades_market_ts_idx ON trades (venue, market_id, ts DESC);

-- ── signals (hypertables) ───────────────────────────────────────────────────────────────────
CREATE TABLE IF NOT EXISTS edges (
  ts                  timestamptz NOT NULL,
  edge_id             text        NOT NULL,
  pair_id             text        NOT NULL,
  direction           text        NOT NULL,
  size_qty            bigint      NOT NULL,
  net_edge_micros     bigint      NOT NULL,
  profit_micros       bigint      NOT NULL,
  fees_micros         bigint      NOT NULL DEFAULT 0,
  poly_vwap_micros    bigint,
  kalshi_vwap_micros  bigint,
  capital_cost_micros bigint      NOT NULL DEFAULT 0,
  poly_ts             timestamptz,
  kalshi_ts           timestamptz,
  details             jsonb,
  UNIQUE (edge_id, ts)
);
CREATE INDEX IF NOT EXISTS edges_pair_ts_idx ON edges (pair_id, ts DESC);

CREATE TABLE IF NOT EXISTS risk_decisions (
  ts       timestamptz NOT NULL,
  edge_id  text        NOT NULL,
  pair_id  text        NOT NULL,
  decision text        NOT NULL CHECK (decision IN ('accepted', 'rejected')),
  reasons  text[]      NOT NULL DEFAULT '{}',
  UNIQUE (edge_id, ts)
);
CREATE INDEX IF NOT EXISTS risk_decisions_pair_ts_idx ON risk_decisions (pair_id, ts DESC);

CREATE TABLE IF NOT EXISTS lead_lag (
  ts          timestamptz      NOT NULL,
  pair_id     text             NOT NULL,
  window_ms   integer          NOT NULL,
  lag_ms      integer          NOT NULL,
  coefficient double precision NOT NULL,
  samples     integer          NOT NULL,
  UNIQUE (pair_id, window_ms, ts)
);

CREATE TABLE IF NOT EXISTS feed_health (
  ts       timestamptz NOT NULL,
  venue    text        NOT NULL,
  state    text        NOT NULL CHECK (state IN ('connecting', 'live', 'stale', 'reconnecting', 'closed')),
  reason   text,
  attempt  integer     NOT NULL DEFAULT 0,
  conn_id  text,
  counters jsonb,
  UNIQUE (venue, ts, state)
);

-- ── execution ───────────────────────────────────────────────────────────────────────────────
CREATE TABLE IF NOT EXISTS orders (
  order_id        text        PRIMARY KEY,
  venue           text        NOT NULL CHECK (venue IN ('polymarket', 'kalshi')),
  market_id       text        NOT NULL,
  opportunity_id  text,
  side            text        NOT NULL CHECK (side IN ('buy', 'sell')),
  outcome         text        NOT NULL CHECK (outcome IN ('yes', 'no')),
  price_micros    bigint      NOT NULL,
  qty             bigint      NOT NULL CHECK (qty > 0),
  filled_qty      bigint      NOT NULL DEFAULT 0,
  status          text        NOT NULL,
  client_order_id text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS orders_client_order_idx ON orders (venue, client_order_id) WHERE client_order_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS orders_opportunity_idx ON orders (opportunity_id);
CREATE INDEX IF NOT EXISTS orders_market_created_idx ON orders (venue, market_id, created_at DESC);

CREATE TABLE IF NOT EXISTS fills (
  ts           timestamptz NOT NULL,
  fill_id      text        NOT NULL,
  venue        text        NOT NULL,
  order_id     text        NOT NULL,
  market_id    text,
  price_micros bigint      NOT NULL,
  qty          bigint      NOT NULL CHECK (qty > 0),
  fee_micros   bigint      NOT NULL DEFAULT 0,
  UNIQUE (venue, fill_id, ts)
);
CREATE INDEX IF NOT EXISTS fills_order_idx ON fills (order_id, ts);

CREATE TABLE IF NOT EXISTS positions (
  venue               text        NOT NULL,
  market_id           text        NOT NULL,
  outcome             text        NOT NULL CHECK (outcome IN ('yes', 'no')),
  qty                 bigint      NOT NULL DEFAULT 0,
  avg_price_micros    bigint      NOT NULL DEFAULT 0,
  realized_pnl_micros bigint      NOT NULL DEFAULT 0,
  updated_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (venue, market_id, outcome)
);

-- ── LLM matching ────────────────────────────────────────────────────────────────────────────
CREATE TABLE IF NOT EXISTS llm_calls (
  ts                      timestamptz NOT NULL,
  call_id                 text        NOT NULL,
  provider                text        NOT NULL,
  model                   text        NOT NULL,
  pair_id                 text,
  prompt_tokens           integer,
  completion_tokens       integer,
  estimated_prompt_tokens integer,
  cost_micros             bigint      NOT NULL DEFAULT 0,
  latency_ms              integer,
  status                  text        NOT NULL,
  error                   text,
  cache_hit               boolean     NOT NULL DEFAULT false,
  UNIQUE (call_id, ts)
);
CREATE INDEX IF NOT EXISTS llm_calls_provider_ts_idx ON llm_calls (provider, ts DESC);

CREATE TABLE IF NOT EXISTS llm_verdicts (
  cache_key  text        PRIMARY KEY,
  pair_id    text,
  model      text        NOT NULL,
  verdict    jsonb       NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS llm_verdicts_pair_idx ON llm_verdicts (pair_id);

-- ── control plane ───────────────────────────────────────────────────────────────────────────
CREATE TABLE IF NOT EXISTS api_tokens (
  token_id   text        PRIMARY KEY,
  name       text        NOT NULL UNIQUE,
  role       text        NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
  token_hash text        NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

CREATE TABLE IF NOT EXISTS audit_log (
  id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ts         timestamptz NOT NULL DEFAULT now(),
  token_name text,
  action     text        NOT NULL,
  args       jsonb,
  result     text
);
CREATE INDEX IF NOT EXISTS audit_log_ts_idx ON audit_log (ts DESC);

CREATE TABLE IF NOT EXISTS risk_state (
  key        text        PRIMARY KEY,
  value      jsonb       NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS stream_checkpoints (
  stream     text        NOT NULL,
  group_name text        NOT NULL,
  last_id    text        NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (stream, group_name)
);

-- ── hypertables (TimescaleDB only) ──────────────────────────────────────────────────────────
-- On plain PostgreSQL the same tables stay ordinary tables; add the "latest first" index the
-- hypertable would have created.
DO $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT * FROM (VALUES
      ('book_tops', interval '1 day'), ('book_depth', interval '1 day'), ('trades', interval '1 day'),
      ('edges', interval '1 day'), ('risk_decisions', interval '1 day'), ('lead_lag', interval '7 days'),
      ('feed_health', interval '7 days'), ('fills', interval '7 days'), ('llm_calls', interval '7 days')
    ) AS v(name, chunk)
  LOOP
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
      PERFORM create_hypertable(t.name::regclass, 'ts', chunk_time_interval => t.chunk, if_not_exists => true);
    ELSE
      EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I (ts DESC)', t.name || '_ts_idx', t.name);
    END IF;
  END LOOP;
END
$$;
