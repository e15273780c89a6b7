/** State of one Kalshi simulator shared by its WS sessions, REST routes and controls. */
import type { Rng } from '../../common/prng.js';
import type { SimBook } from './book.js';
import type { KalshiEventSpec, KalshiMarketSpec, KalshiSeriesSpec } from './markets.js';

export interface KalshiSimStats {
  connectionsOpen: number;
  connectionsTotal: number;
  handshakesRejected: number;
  messagesSent: number;
  commandsReceived: number;
  snapshotsSent: number;
  deltasSent: number;
  pingsSent: number;
  /** pongs the clients sent back (answers to our heartbeat pings) */
  pongsReceived: number;
  restRequests: number;
  restRejected: number;
}

export const newStats = (): KalshiSimStats => ({
  connectionsOpen: 0, connectionsTotal: 0, handshakesRejected: 0, messagesSent: 0, commandsReceived: 0, snapshotsSent: 0,
  deltasSent: 0, pingsSent: 0, pongsReceived: 0, restRequests: 0, restRejected: 0,
});

export interface SimTrade {
  trade_id: string;
  ticker: string;
  /** YES price, micro-dollars */
  yes: number;
  /** millionths */
  count: number;
  taker: 'yes' | 'no';
  /** unix ms */
  ts: number;
}

export interface KalshiSimState {
  readonly rng: Rng;
  /** seed of the PRNG (candlesticks derive their own PRNG from it) */
  readonly seed: number;
  readonly now: () => number;
  readonly baseTimeMs: number;
  readonly markets: readonly KalshiMarketSpec[];
  readonly series: readonly KalshiSeriesSpec[];
  readonly events: readonly KalshiEventSpec[];
  readonly byTicker: ReadonlyMap<string, KalshiMarketSpec>;
  readonly books: ReadonlyMap<string, SimBook>;
  /** last 10_000 trades, oldest first */
  readonly trades: SimTrade[];
  /** ticker → traded quantity, millionths */
  readonly volume: Map<string, number>;
  readonly stats: KalshiSimStats;
  tradeNo: number;
}

/** The book of a known market (callers check the ticker first). */
export const bookOf = (s: KalshiSimState, ticker: string): SimBook => s.books.get(ticker)!;
