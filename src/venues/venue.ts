/**
 * The venue seam: everything the rest of arbstream needs from a venue, behind one interface.
 * A venue is a folder `src/venues/<id>/` whose `index.ts` exports a {@link VenueModule}, plus its
 * id in `schema/venue.ts` (`VENUE_IDS`) and one line in `./registry.ts`. Nothing outside the
 * venue folders branches on a venue's name: pipelines, services, history and the API iterate
 * over the registry and address a pair's markets by leg position (`pair.legs[i]`).
 *
 * ```
 *   VenueModule ─┬─ marketId (zod), marketUrl()          validation, links for traders
 *                ├─ feed(config) → VenueFeed             books$, status$, frames$ (recorder), counters,
 *                │                                       feeUpdates$ (fee messages), lifecycle$ (market lifecycle)
 *                ├─ rest(config) → VenueRest             discovery (MarketRecord), pair-market metadata, fee schedules
 *                ├─ fees                                 fee defaults, category keys (parsers: ./<id>/fees.ts)
 *                ├─ replay.bookEvents(markets)           recorded RawFrames → BookEvents (the live decoders)
 *                ├─ simulator.start(opts)                the venue simulator (wire-exact WS + REST)
 *                ├─ broker?                              order entry (./broker.ts, schema/execution.ts)
 *                └─ tradingRules?                        tick, minimum size (the executor rounds to them)
 * ```
 */
import type { MarketSettlement } from '../../schema/execution.js';
import type { Observable, OperatorFunction } from 'rxjs';
import type pg from 'pg';
import { z } from 'zod';
import type { BookEvent } from '../../schema/book.js';
import type { MarketRecord } from '../../schema/market.js';
import { VenueId, type Venue } from '../../schema/venue.js';
import type { Config } from '../config.js';
import { log } from '../log.js';
import type { FeeBook, FeeScheduleEntry, MarketRef } from '../fees/schedule.js';
import type { ApplyResult, DiscoveredMarket, MarketSource } from '../matching/discovery.js';
import type { FeedCounters, FeedStatus } from '../../schema/feed.js';
import type { RawFrame } from './common/types.js';
import type { SimControl } from './common/simFaults.js';
import type { BrokerFactory } from './broker.js';
import type { TradingRules } from '../../schema/execution.js';

/** The part of the app config a venue reads (its URLs, credentials, feed timings). */
export type VenueConfig = Pick<Config, 'venues'>;

/**
 * A market as the venue's feed subscribes to it: the id plus what the feed needs besides
 * (Polymarket: the YES/NO token ids; Kalshi: nothing). Plain JSON: recordings keep it in
 * `meta.json` so that a replay decodes exactly as the live feed did.
 */
export const FeedMarket = z.object({
  venue: VenueId,
  marketId: z.string().min(1),
  /** venue-specific subscription data, validated by the venue (e.g. `{ yesTokenId, noTokenId }`) */
  feedRef: z.record(z.string(), z.string()).default({}),
});
export type FeedMarket = z.output<typeof FeedMarket>;

/** What a pair's market needs to be subscribed and priced, fetched once from the venue's REST API. */
export interface MarketMeta extends FeedMarket {
  /** where the market sits for fees (event, series, category) */
  readonly ref: MarketRef;
  /** the venue's market object as received (fee facts such as Polymarket's feeSchedule) */
  readonly raw: unknown;
}

/** A venue fee-update message (Kalshi `event_fee_update`) as a change to apply to the FeeBook. */
export interface FeeUpdate {
  readonly venue: Venue;
  /** our receive time, unix ms: the update is valid from then on */
  readonly tsReceived: number;
  /** Applies the update; false when it was rejected (logged and counted by the FeeBook). */
  apply(feeBook: FeeBook): boolean;
}

/** A venue market-lifecycle message (created, resolved, closed…) as a `venue_markets` write. */
export interface LifecycleEvent {
  readonly venue: Venue;
  readonly marketId: string;
  /** the venue's event name, e.g. 'new_market', 'market_resolved', 'determined' */
  readonly event: string;
  /** The market's settlement when this message resolves it (what one YES contract pays); positions settle on it. */
  readonly settlement?: MarketSettlement;
  /** Writes the change to `venue_markets` (src/matching/discovery.ts does the work). */
  store(pool: pg.Pool): Promise<ApplyResult>;
}

/** `{ settlement }` when there is one (exactOptionalPropertyTypes: no `settlement: undefined`). */
export const withSettlement = (settlement: MarketSettlement | undefined): { settlement?: MarketSettlement } => (settlement ? { settlement } : {});

/** The venue's live market-data feed (wraps its socket client: reconnects, heartbeats, resubscribes). */
export interface VenueFeed {
  readonly venue: Venue;
  /** Book events of every subscribed market (snapshots, deltas, resets). */
  readonly books$: Observable<BookEvent>;
  /** Feed lifecycle; replays the current status to new subscribers. */
  readonly status$: Observable<FeedStatus>;
  /** Every raw frame as received (for the recorder; replay decodes them with `replay.bookEvents`). */
  readonly frames$: Observable<RawFrame>;
  /** Fee changes the venue pushes (empty for a venue without such messages). */
  readonly feeUpdates$: Observable<FeeUpdate>;
  /** Market lifecycle messages (new, changed, closed, resolved markets). */
  readonly lifecycle$: Observable<LifecycleEvent>;
  /** Live counters (messages, bytes, decode errors, gaps, reconnects…; venues add their own). */
  readonly counters: Readonly<FeedCounters>;
  /** Adds markets (already subscribed ones are ignored); works while connected or not. */
  subscribe(markets: readonly FeedMarket[]): void;
  /** Closes for good: books$, status$ and frames$ complete. */
  close(): void;
}

/** A venue's own feed client: what {@link feedOf} takes from it as is. */
export type FeedClient = Pick<VenueFeed, 'books$' | 'status$' | 'frames$' | 'counters' | 'close'>;

/** A VenueFeed over the venue's feed client plus the venue-specific parts (message mapping, subscribe). */
export function feedOf(venue: Venue, client: FeedClient, own: Pick<VenueFeed, 'feeUpdates$' | 'lifecycle$' | 'subscribe'>): VenueFeed {
  return {
    venue,
    books$: client.books$,
    status$: client.status$,
    frames$: client.frames$,
    feeUpdates$: own.feeUpdates$,
    lifecycle$: own.lifecycle$,
    get counters() {
      return client.counters;
    },
    subscribe: (markets) => own.subscribe(markets),
    close: () => client.close(),
  };
}

/** What a fee refresh did (for logs and tests). */
export interface FeeRefreshStats {
  /** markets whose fee facts were loaded */
  markets: number;
  /** wider scopes loaded (Kalshi series) */
  scopes: number;
  errors: number;
}

/**
 * The venue's REST side: discovery, the metadata pairs need, fee schedules (wraps its REST client).
 * `discover` is discovery's source (src/matching/discovery.ts: markets with raw text and flags).
 */
export interface VenueRest extends MarketSource {
  /** The venue's open markets as MarketRecords, without extra lookups (`max` caps paging for smoke runs). */
  listMarkets(o?: { readonly max?: number }): Promise<MarketRecord[]>;
  /** Metadata of these markets (subscription data, fee refs). Markets the venue does not know are left out and logged. */
  marketMeta(marketIds: readonly string[]): Promise<MarketMeta[]>;
  /**
   * Loads these markets' fee schedules into the FeeBook (valid from now; scheduled changes at
   * their own times with `scheduled: true`). Failures are logged and counted, never thrown.
   */
  refreshFees(feeBook: FeeBook, markets: readonly MarketMeta[], o?: { readonly scheduled?: boolean }): Promise<FeeRefreshStats>;
}

/** Discovered markets as MarketRecords; one that does not fit is logged and left out. */
export function marketRecords(markets: readonly DiscoveredMarket[]): MarketRecord[] {
  const out: MarketRecord[] = [];
  for (const m of markets) {
    try {
      out.push(m.record());
    } catch (err) {
      log.warn({ err, venue: m.venue, raw: JSON.stringify(m.raw)?.slice(0, 512) }, 'market rejected');
    }
  }
  return out;
}

/** Decoding of recorded frames: the same pure decoders the live feed uses. */
export interface VenueReplay {
  /** RawFrames of this venue → BookEvents; `markets` are the recorded subscriptions (meta.json). */
  bookEvents(markets: readonly FeedMarket[]): OperatorFunction<RawFrame, BookEvent>;
}

/** A book as the simulators take it: any of the four ladders, best first (venues use what they have). */
export type SimBook = Partial<Record<'yesBid' | 'yesAsk' | 'noBid' | 'noAsk', readonly { readonly price: number; readonly qty: number }[]>>;

/** Options every venue simulator takes; `scenario` is the venue's own market specs (its simulator's types). */
export interface VenueSimOptions {
  readonly seed?: number;
  readonly rateHz?: number;
  readonly baseTimeMs?: number;
  readonly port?: number;
  readonly marketCount?: number;
  /** the venue's scenario: `{ markets: [...] }` in its simulator's spec type, plus venue extras (Kalshi: series) */
  readonly scenario?: { readonly markets: readonly unknown[]; readonly [extra: string]: unknown };
}

/** A running venue simulator. */
export interface VenueSimulator {
  readonly venue: Venue;
  readonly wsUrl: string;
  readonly restUrl: string;
  /** The config with this venue's adapters pointed at the simulator. */
  configure(config: Config): Config;
  /** Environment variables that point arbstream at the simulator; `dir` receives files they name (e.g. a key). */
  env(dir: string): Record<string, string>;
  /** Publishes a fresh snapshot of a market's book (the demo driver keeps planted books alive). */
  setBook(marketId: string, book: SimBook): void;
  /** Fault injection and walk control (`arbstream simulate --faults`, tests/faults/). */
  readonly control: SimControl;
  stop(): Promise<void>;
}

/** A venue's own running simulator: what {@link simulatorOf} takes from it as is. */
export type SimulatorServer = Pick<VenueSimulator, 'wsUrl' | 'restUrl' | 'control' | 'stop'>;

/** A VenueSimulator over the venue's simulator plus the venue-specific parts (config, env, book shape). */
export function simulatorOf(venue: Venue, sim: SimulatorServer, own: Pick<VenueSimulator, 'configure' | 'env' | 'setBook'>): VenueSimulator {
  return { venue, wsUrl: sim.wsUrl, restUrl: sim.restUrl, control: sim.control, stop: () => sim.stop(), ...own };
}

/** The options every venue simulator shares (`SimulatorOptions`), from {@link VenueSimOptions}; set fields only. */
export function commonSimOptions(o: VenueSimOptions): { seed?: number; rateHz?: number; baseTimeMs?: number; port?: number; marketCount?: number } {
  return {
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.rateHz !== undefined ? { rateHz: o.rateHz } : {}),
    ...(o.baseTimeMs !== undefined ? { baseTimeMs: o.baseTimeMs } : {}),
    ...(o.port ? { port: o.port } : {}),
    ...(o.marketCount !== undefined ? { marketCount: o.marketCount } : {}),
  };
}

export interface VenueSimulatorFactory {
  start(opts?: VenueSimOptions): Promise<VenueSimulator>;
}

/** Hints for a market link: what the venue's web app routes by when the id alone is not enough. */
export interface MarketLinkHint {
  /** Polymarket market slug */
  readonly slug?: string;
  /** Kalshi series ticker */
  readonly seriesId?: string;
}

/** The venue's fee specifics the FeeBook needs (parsing of its fee messages lives in `src/venues/<id>/fees.ts`). */
export interface VenueFees {
  /** built-in schedule entries (defaults, published tables), loaded by `FeeBook.withDefaults()` */
  defaults(): FeeScheduleEntry[];
  /** a category label as the venue's category table keys it (e.g. case-insensitive); as is when absent */
  categoryKey?(label: string): string;
}

/** One venue. See the module comment; implementations in `src/venues/<id>/index.ts`. */
export interface VenueModule {
  readonly id: Venue;
  /** display name, e.g. 'Polymarket' */
  readonly name: string;
  /** the venue's market id format (pairs file, API input): Polymarket condition id, Kalshi ticker */
  readonly marketId: z.ZodType<string>;
  /** A link a trader can open for the market. */
  marketUrl(marketId: string, hint?: MarketLinkHint): string;
  /** The live feed, configured from the app config. */
  feed(config: VenueConfig): VenueFeed;
  /** The REST client (discovery, metadata, fees), configured from the app config. */
  rest(config: VenueConfig): VenueRest;
  /** Fee defaults and category keys (the FeeBook's venue specifics). */
  readonly fees: VenueFees;
  readonly replay: VenueReplay;
  readonly simulator: VenueSimulatorFactory;
  /** Order entry (live broker on the venue's order API); absent until the venue has one. */
  readonly broker?: BrokerFactory;
  /**
   * The venue's default order-entry rules (tick, minimum size, size step); a broker's
   * `rules(marketId)` overrides them per market. Absent: the executor uses a conservative
   * default (1¢ tick, whole contracts, one contract minimum).
   */
  readonly tradingRules?: TradingRules;
}
