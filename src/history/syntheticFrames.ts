/**
 * Synthetic recorded sessions for replay tests and benches: wire-exact frames of both venues
 * (Polymarket `book` + `price_change`, Kalshi `orderbook_snapshot` + `orderbook_delta` on one
 * subscription with consecutive `seq`), generated lazily in receive order from a seeded PRNG, so
 * any length streams in constant memory and the same options give the same frames.
 *
 * Each pair is a Polymarket market and a Kalshi market; every `arbEvery`-th pair has YES asks on
 * Polymarket low enough that buying YES there and NO on Kalshi pays (a planted arbitrage). After
 * the opening snapshots, updates arrive as a Poisson process of `ratePerMarketPerHour` per market
 * (uniform over markets): a Kalshi `add` delta or a Polymarket `set` change on a random level; a
 * third of them add or remove a level just above the best bid, so mids move (lead-lag has data).
 */
import type { Pair } from '../../schema/pair.js';
import { mulberry32, randInt } from '../venues/common/prng.js';
import type { RawFrame } from '../venues/common/types.js';
import type { FeedMarket } from '../venues/venue.js';

export interface SyntheticOptions {
  readonly pairs: number;
  /** receive time of the opening snapshots, unix ms */
  readonly fromMs: number;
  /** no frame at or after this time, unix ms */
  readonly toMs: number;
  /** updates per market per hour (both venues alike) */
  readonly ratePerMarketPerHour: number;
  readonly seed?: number;
  /** a planted arbitrage in every n-th pair (default 10; 0 = none) */
  readonly arbEvery?: number;
  /** levels per ladder in the snapshots (default 20) */
  readonly levels?: number;
}

export const syntheticPolyId = (i: number): string => '0x' + i.toString(16).padStart(64, '0');
export const syntheticKalshiId = (i: number): string => `KXSYN-${i}`;
const yesToken = (i: number) => String(10n ** 40n + BigInt(2 * i));
const noToken = (i: number) => String(10n ** 40n + BigInt(2 * i + 1));

/** The pairs and the feed subscriptions (Polymarket token ids) the frames are decoded with. */
export function syntheticUniverse(o: Pick<SyntheticOptions, 'pairs' | 'fromMs'>): { pairs: Pair[]; markets: FeedMarket[] } {
  const pairs: Pair[] = [];
  const markets: FeedMarket[] = [];
  for (let i = 0; i < o.pairs; i++) {
    pairs.push({
      pairId: `syn-${i}`, legs: [{ venue: 'polymarket', marketId: syntheticPolyId(i) }, { venue: 'kalshi', marketId: syntheticKalshiId(i) }],
      yesMapsToNo: false, status: 'approved', confidence: 1, humanReviewed: true, resolutionTs: o.fromMs + 60 * 86_400_000, reasons: [], source: 'file',
    });
    markets.push({ venue: 'polymarket', marketId: syntheticPolyId(i), feedRef: { yesTokenId: yesToken(i), noTokenId: noToken(i) } });
    markets.push({ venue: 'kalshi', marketId: syntheticKalshiId(i), feedRef: {} });
  }
  return { pairs, markets };
}

const dollars = (micros: number, dp: number) => (micros / 1e6).toFixed(dp);

/** The frames, lazily, in receive order. */
export function* syntheticFrames(o: SyntheticOptions): Generator<RawFrame> {
  const rng = mulberry32(o.seed ?? 1);
  const levels = o.levels ?? 20;
  const arbEvery = o.arbEvery ?? 10;
  let seq = 0;
  const poly = (tsReceived: number, data: unknown): RawFrame => ({ venue: 'polymarket', connId: 'syn-poly-1', tsReceived, data: JSON.stringify(data) });
  const kalshi = (tsReceived: number, type: string, msg: unknown): RawFrame => ({ venue: 'kalshi', connId: 'syn-kalshi-1', tsReceived, data: JSON.stringify({ type, sid: 1, seq: ++seq, msg }) });
  const polyLadder = (from: number, step: number) => Array.from({ length: levels }, (_, j) => ({ price: dollars(from + j * step, 2), size: String(randInt(rng, 1, 200)) }));
  const kalshiLadder = (from: number, step: number) => Array.from({ length: levels }, (_, j) => [dollars(from + j * step, 4), `${randInt(rng, 1, 200)}.00`]);
  const t0 = o.fromMs;
  // opening snapshots, a few per ms
  for (let i = 0; i < o.pairs; i++) {
    const ts = t0 + Math.floor(i / 4);
    const arb = arbEvery > 0 && i % arbEvery === 0 ? 100_000 : 0;
    const market = syntheticPolyId(i);
    yield poly(ts, [{ event_type: 'book', asset_id: yesToken(i), market, bids: polyLadder(380_000, -10_000), asks: polyLadder(500_000 - arb, 10_000), timestamp: String(ts), hash: `y${i}` }]);
    yield poly(ts, [{ event_type: 'book', asset_id: noToken(i), market, bids: polyLadder(480_000, -10_000), asks: polyLadder(620_000, 10_000), timestamp: String(ts), hash: `n${i}` }]);
    yield kalshi(ts, 'orderbook_snapshot', { market_ticker: syntheticKalshiId(i), market_id: `syn-${i}`, yes_dollars_fp: kalshiLadder(470_000, -10_000), no_dollars_fp: kalshiLadder(470_000, -10_000) });
  }
  // updates: a Poisson process over all markets
  const perMs = (o.ratePerMarketPerHour * 2 * o.pairs) / 3_600_000;
  if (!(perMs > 0)) return;
  // quantity (whole contracts) of the two levels above the best bid: [pair][0 kalshi yes, 1 kalshi no, 2 poly yes][level]
  const extra = Array.from({ length: o.pairs }, () => [[0, 0], [0, 0], [0, 0]]);
  let t = t0 + Math.ceil(o.pairs / 4);
  for (;;) {
    t += -Math.log(1 - rng()) / perMs;
    const ts = Math.floor(t);
    if (ts >= o.toMs) return;
    const i = randInt(rng, 0, o.pairs - 1);
    const onTop = rng() < 1 / 3;
    if (onTop) {
      const k = randInt(rng, 0, 1);
      const which = randInt(rng, 0, 2);
      const cur = extra[i]![which]!;
      const qty = cur[k]! > 0 ? 0 : randInt(rng, 1, 50);
      const delta = qty - cur[k]!;
      cur[k] = qty;
      if (which < 2) {
        yield kalshi(ts, 'orderbook_delta', {
          market_ticker: syntheticKalshiId(i), market_id: `syn-${i}`, price_dollars: dollars(480_000 + k * 10_000, 4),
          delta_fp: `${delta}.00`, side: which === 0 ? 'yes' : 'no', ts: new Date(ts).toISOString(), ts_ms: ts,
        });
      } else {
        yield poly(ts, {
          market: syntheticPolyId(i), event_type: 'price_change', timestamp: String(ts),
          price_changes: [{ asset_id: yesToken(i), price: dollars(385_000 + k * 5_000, 3), side: 'BUY', size: String(qty), hash: `h${ts}` }],
        });
      }
    } else if (rng() < 0.5) {
      const side = rng() < 0.5 ? 'yes' : 'no';
      yield kalshi(ts, 'orderbook_delta', {
        market_ticker: syntheticKalshiId(i), market_id: `syn-${i}`, price_dollars: dollars(470_000 - randInt(rng, 0, levels - 1) * 10_000, 4),
        delta_fp: `${randInt(rng, 1, 20)}.00`, side, ts: new Date(ts).toISOString(), ts_ms: ts,
      });
    } else {
      const bid = rng() < 0.5;
      const price = bid ? 380_000 - randInt(rng, 0, levels - 1) * 10_000 : 620_000 + randInt(rng, 0, levels - 1) * 10_000;
      yield poly(ts, {
        market: syntheticPolyId(i), event_type: 'price_change', timestamp: String(ts),
        price_changes: [{ asset_id: bid ? yesToken(i) : noToken(i), price: dollars(price, 2), side: bid ? 'BUY' : 'SELL', size: String(randInt(rng, 0, 200)), hash: `h${ts}` }],
      });
    }
  }
}
