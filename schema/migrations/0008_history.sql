-- Backfilled venue history (`arbstream backfill`, src/history/backfill.ts): price points
-- (Polymarket prices-history), candles (Kalshi candlesticks), trades (Polymarket data API,
-- Kalshi market trades), the gaps found in them, and the progress of each (venue, market, kind)
-- so that a run resumes where the last one stopped. Money in integer micro-dollars, quantities
-- in integer millionths, times timestamptz. Unique keys include `ts` (hypertables need it);
-- writers insert with ON CONFLICT DO NOTHING, so a second run adds nothing. Row shapes:
-- schema/history.ts.

CREATE TABLE IF NOT EXISTS history_prices (
  ts            timestamptz NOT NULL,
  venue         text        NOT NULL CHECK (venue IN ('polymarket', 'kalshi')),
  market_id     text        NOT NULL,
  -- the series key at the venue: Polymarket token (asset) id
  asset_id      text        NOT NULL,
  outcome       text        NOT NULL CHECK (outcome IN ('yes', 'no')),
  fidelity_s    integer     NOT NULL CHECK (fidelity_s > 0),
  price_micros  bigint      NOT NULL CHECK (price_micros >= 0 AND price_micros <= 1000000),
  UNIQUE (venue, asset_id, fidelity_s, ts)
);
CREATE INDEX IF NOT EXISTS history_prices_market_ts_idx ON history_prices (venue, market_id, ts DESC);

-- one candle per period, `ts` = end of the period; OHLC of the YES bid, YES ask and trade price
-- (trade price null in a period without trades)
CREATE TABLE IF NOT EXISTS history_candles (
  ts                  timestamptz NOT NULL,
  venue               text        NOT NULL CHECK (venue IN ('polymarket', 'kalshi')),
  market_id           text        NOT NULL,
  period_s            integer     NOT NULL CHECK (period_s > 0),
  bid_open_micros     bigint, bid_high_micros   bigint, bid_low_micros   bigint, bid_close_micros   bigint,
  ask_open_micros     bigint, ask_high_micros   bigint, ask_low_micros   bigint, ask_close_micros   bigint,
  price_open_micros   bigint, price_high_micros bigint, price_low_micros bigint, price_close_micros bigint,
  price_mean_micros   bigint,
  price_prev_micros   bigint,
  volume_qty          bigint      CHECK (volume_qty >= 0),
  open_interest_qty   bigint      CHECK (open_interest_qty >= 0),
  UNIQUE (venue, market_id, period_s, ts)
);

-- `trade_key`: the venue's trade id (Kalshi) or, where the venue has none (Polymarket data API),
-- a sha256 of the trade's identifying fields
CREATE TABLE IF NOT EXISTS history_trades (
  ts             timestamptz NOT NULL,
  venue          text        NOT NULL CHECK (venue IN ('polymarket', 'kalshi')),
  market_id      text        NOT NULL,
  trade_key      text        NOT NULL,
  asset_id       text,
  -- the outcome whose price this is: Kalshi trades are stored at their YES price
  outcome        text        NOT NULL CHECK (outcome IN ('yes', 'no')),
  price_micros   bigint      NOT NULL CHECK (price_micros >= 0 AND price_micros <= 1000000),
  qty            bigint      NOT NULL CHECK (qty > 0),
  -- Polymarket: the taker's side (buy/sell of `outcome`); Kalshi: null
  side           text        CHECK (side IN ('buy', 'sell')),
  -- Kalshi: the outcome the taker bought; Polymarket: null
  taker_outcome  text        CHECK (taker_outcome IN ('yes', 'no')),
  tx_hash        text,
  UNIQUE (venue, market_id, trade_key, ts)
);
CREATE INDEX IF NOT EXISTS history_trades_market_ts_idx ON history_trades (venue, market_id, ts DESC);

-- holes in a series that should be continuous (price points, candles): [gap_from, gap_to) empty
CREATE TABLE IF NOT EXISTS history_gaps (
  venue       text        NOT NULL CHECK (venue IN ('polymarket', 'kalshi')),
  market_id   text        NOT NULL,
  kind        text        NOT NULL,
  gap_from    timestamptz NOT NULL,
  gap_to      timestamptz NOT NULL CHECK (gap_to > gap_from),
  found_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (venue, market_id, kind, gap_from)
);

-- covered: [from_ts, done_ts) is stored; `cursor` is the venue's page cursor inside the slice
-- that starts at done_ts (null between slices)
CREATE TABLE IF NOT EXISTS backfill_progress (
  venue       text        NOT NULL CHECK (venue IN ('polymarket', 'kalshi')),
  market      text        NOT NULL,
  kind        text        NOT NULL,
  from_ts     timestamptz NOT NULL,
  done_ts     timestamptz NOT NULL CHECK (done_ts >= from_ts),
  cursor      text,
  rows        bigint      NOT NULL DEFAULT 0 CHECK (rows >= 0),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (venue, market, kind)
);

DO $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT * FROM (VALUES
      ('history_prices', interval '7 days'), ('history_candles', interval '7 days'), ('history_trades', interval '7 days')
    ) AS v(name, chunk)
  LOOP
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
      PERFORM create_hypertable(t.name::regclass, 'ts', chunk_time_interval => t.chunk, if_not_exists => true);
      -- compressible like every hypertable (0004), but no compression policy: backfills write into
      -- old chunks, and a re-run's ON CONFLICT checks are cheapest on uncompressed ones
      EXECUTE format('ALTER TABLE %I SET (timescaledb.compress, timescaledb.compress_segmentby = %L, timescaledb.compress_orderby = %L)',
                     t.name, 'venue, market_id', 'ts DESC');
    ELSE
      EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I (ts DESC)', t.name || '_ts_idx', t.name);
    END IF;
  END LOOP;
END
$$;
