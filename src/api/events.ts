/**
 * Live events: the pipeline publishes here, GraphQL subscriptions (and riskControl$) read here.
 *
 *   const live = await createLiveEvents(config);          // Redis pub/sub when config.redis.mode === 'redis'
 *   live.events.publishEdge(edge);                         // from the pipeline
 *   for await (const e of live.subscribe('edge')) ...      // bounded, per subscriber
 *   live.view('edge', { filter, map })                      // the same, filtered and projected once per event
 *   await live.close();
 *
 * Transport: graphql-yoga's `createPubSub` over an event target, in-process by default, or
 * `@graphql-yoga/redis-event-target` over two ioredis connections (one publishes, one
 * subscribes) so that every API process sees every event. Redis channels are
 * `<channelPrefix><topic>` (default `arbstream:live:`), e.g. `arbstream:live:edge`,
 * `arbstream:live:book:<pairId>`.
 *
 * Fan-out: one hub per channel holds the ONE listener on the event target. It validates each
 * payload once (what comes back from Redis is another process's output: see `LivePayload`;
 * what does not parse is dropped, logged and counted), then hands the same frozen-by-contract
 * object to every subscriber's bounded queue. A `view` projection runs once per event per
 * distinct `map` function and its result is shared by all subscribers using it, so a thousand
 * GraphQL subscribers cost one validation and one projection per event, not a thousand.
 * A subscriber that falls behind loses its oldest pending events (counted), never blocks others.
 *
 * Payloads are plain JSON (numbers are integer micro-dollars / millionths, unix ms).
 */
import { setMaxListeners } from 'node:events';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub, type PubSub, type PubSubEventTarget } from 'graphql-yoga';
import { Redis } from 'ioredis';
import { z } from 'zod';
import type { Config } from '../config.js';
import { log } from '../log.js';
import type { Book } from '../../schema/book.js';
import type { Edge, RiskDecision } from '../../schema/edge.js';
import type { FeedStatus } from '../venues/common/types.js';
import type { RiskLimits } from '../../operators/riskGate.js';

export type AlertLevel = 'info' | 'warn' | 'critical';
export interface Alert {
  readonly level: AlertLevel;
  readonly message: string;
  /** unix ms */
  readonly ts: number;
}
export interface KillSwitchEvent {
  readonly on: boolean;
  /** API token name (or 'pipeline', 'discord:<user>') that flipped it */
  readonly by: string;
  /** unix ms */
  readonly ts: number;
}
export interface RiskLimitsEvent {
  readonly limits: RiskLimits;
  readonly by: string;
  readonly ts: number;
}
export interface PairStatusEvent {
  readonly pairId: string;
  readonly status: 'pending' | 'approved' | 'rejected';
  readonly by: string;
  readonly ts: number;
}

/** What the pipeline (and the API's own mutations) publish. Fire and forget: never throws. */
export interface LiveEvents {
  publishEdge(e: Edge): void;
  publishDecision(d: RiskDecision): void;
  publishBook(pairId: string, book: Book): void;
  publishFeedStatus(s: FeedStatus): void;
  publishAlert(a: Alert): void;
  publishKillSwitch(on: boolean, by: string): void;
  publishRiskLimits(limits: RiskLimits, by: string): void;
  publishPairStatus(e: Omit<PairStatusEvent, 'ts'>): void;
}

/** Topic → payload (`book` is keyed by pair id: channel `book:<pairId>`). */
export type LiveTopics = {
  edge: [Edge];
  decision: [RiskDecision];
  book: [pairId: string, book: Book];
  feedStatus: [FeedStatus];
  alert: [Alert];
  killSwitch: [KillSwitchEvent];
  riskLimits: [RiskLimitsEvent];
  pairStatus: [PairStatusEvent];
};
export type LiveTopic = keyof LiveTopics;
type Payload<T extends LiveTopic> = LiveTopics[T] extends [infer P] ? P : LiveTopics[T] extends [string, infer P] ? P : never;

// ── payload validation (what another process published through Redis) ─────────────────────────
const int = z.number().int();
const level = z.object({ price: int, qty: int });
const side = z.object({ bids: z.array(level), asks: z.array(level) });
const leg = z.object({ venue: z.enum(['polymarket', 'kalshi']), marketId: z.string(), outcome: z.enum(['yes', 'no']), vwapMicros: int, worstPriceMicros: int, costMicros: int, feeMicros: int, levelsUsed: int });
const edge = z.object({
  edgeId: z.string().min(1), pairId: z.string().min(1), direction: z.enum(['polyYes', 'polyNo']), sizeQty: int,
  netEdgePerContractMicros: int, profitMicros: int, feesMicros: int, capitalCostMicros: int, payoutMicros: int,
  legs: z.tuple([leg, leg]), polyTsVenue: z.number(), kalshiTsVenue: z.number(), oldestBookTsReceived: z.number(), tsDetected: z.number(),
});
const limits = z.object({
  minEdgePerContractMicros: int, minSizeQty: int, minProfitMicros: int, maxPairExposureMicros: int, maxVenueExposureMicros: int,
  maxTotalExposureMicros: int, maxBookAgeMs: int, minPairConfidence: z.number().min(0).max(1), hysteresisMicros: int,
});
/** zod schemas of every topic's payload; `subscribe` validates each message with them. */
export const LivePayload = {
  edge,
  decision: z.object({ edge, accepted: z.boolean(), reasons: z.array(z.string()), ts: z.number() }),
  book: z.object({
    venue: z.enum(['polymarket', 'kalshi']), marketId: z.string(), yes: side, no: side, tsVenue: z.number(), tsReceived: z.number(),
    seq: z.number().optional(), issues: z.array(z.string()),
  }),
  feedStatus: z.object({
    venue: z.enum(['polymarket', 'kalshi']), state: z.enum(['connecting', 'live', 'stale', 'reconnecting', 'closed']), reason: z.string().optional(),
    ts: z.number(), attempt: int, connId: z.string().optional(), retryInMs: z.number().optional(),
  }),
  alert: z.object({ level: z.enum(['info', 'warn', 'critical']), message: z.string(), ts: z.number() }),
  killSwitch: z.object({ on: z.boolean(), by: z.string(), ts: z.number() }),
  riskLimits: z.object({ limits, by: z.string(), ts: z.number() }),
  pairStatus: z.object({ pairId: z.string(), status: z.enum(['pending', 'approved', 'rejected']), by: z.string(), ts: z.number() }),
} as const satisfies Record<LiveTopic, z.ZodType>;

/** Counters of messages dropped: malformed (once per event), or a slow subscriber's overflow (once per lost event per subscriber). */
export interface LiveCounters {
  invalid: number;
  overflow: number;
}

/** A subscriber's stream: an async iterator over its bounded queue; `return()` unsubscribes. */
export interface LiveSubscription<V> extends AsyncIterableIterator<V> {
  next(): Promise<IteratorResult<V, undefined>>;
  return(): Promise<IteratorResult<V, undefined>>;
}

export interface LiveViewOptions<P, V> {
  /** `book` only: the pair id */
  readonly key?: string;
  /** Runs at delivery, before the queue: events it refuses never take buffer space. Must not throw. */
  readonly filter?: (p: P) => boolean;
  /**
   * Projection, PURE: it runs once per event per distinct function (keep it a module-level
   * constant) and every subscriber with the same function receives the same result object.
   * If it throws, the subscriptions using it end with that error (masked by the API).
   */
  readonly map: (p: P) => V;
}

export interface LiveEventsHandle {
  readonly events: LiveEvents;
  /** graphql-yoga pub/sub on the chosen event target (publish side; subscribe with `subscribe` below). */
  readonly pubsub: PubSub<LiveTopics>;
  /**
   * Validated payloads of a topic as an async iterable (`return()` unsubscribes).
   * Each subscriber has its own sliding buffer of `bufferSize` (default 1000): a subscriber that
   * falls behind loses its oldest pending events, never the process.
   */
  subscribe<T extends LiveTopic>(topic: T, ...key: T extends 'book' ? [pairId: string] : []): LiveSubscription<Payload<T>>;
  /** `subscribe` with a filter and a shared projection (see LiveViewOptions). */
  view<T extends LiveTopic, V>(topic: T, opts: LiveViewOptions<Payload<T>, V>): LiveSubscription<V>;
  readonly counters: Readonly<LiveCounters>;
  readonly mode: 'memory' | 'redis';
  /** Unsubscribes everything and closes the Redis connections. Idempotent. */
  close(): Promise<void>;
}

export interface LiveEventsOptions {
  /** Redis channel prefix (default `arbstream:live:`). */
  readonly channelPrefix?: string;
  /** Per-subscriber sliding buffer (default 1000). */
  readonly bufferSize?: number;
  /** Clock for published `ts` fields (default Date.now). */
  readonly now?: () => number;
}

interface MinimalTarget {
  addEventListener(type: string, cb: (e: Event) => void): void;
  removeEventListener(type: string, cb: (e: Event) => void): void;
  dispatchEvent(e: Event): boolean;
}

/** Marks a Redis message that was not JSON; the subscriber logs and counts it. */
const UNPARSEABLE = Symbol('unparseable');

/** Builds the live event bus described by `cfg.redis` (`{ redis: { mode: 'memory' } }` suffices in tests). */
export async function createLiveEvents(
  cfg: { readonly redis: Config['redis'] | { readonly mode: 'memory' } },
  opts: LiveEventsOptions = {},
): Promise<LiveEventsHandle> {
  const now = opts.now ?? Date.now;
  const bufferSize = opts.bufferSize ?? 1000;
  const counters: LiveCounters = { invalid: 0, overflow: 0 };
  let target: MinimalTarget;
  let closeRedis: () => Promise<void> = async () => undefined;

  if (cfg.redis.mode === 'redis') {
    const prefix = opts.channelPrefix ?? 'arbstream:live:';
    const publishClient = new Redis(cfg.redis.url, { lazyConnect: true, maxRetriesPerRequest: 3 });
    const subscribeClient = new Redis(cfg.redis.url, { lazyConnect: true });
    for (const c of [publishClient, subscribeClient]) c.on('error', (err: Error) => log.warn({ err }, 'live events: redis connection error'));
    await Promise.all([publishClient.connect(), subscribeClient.connect()]);
    const inner = createRedisEventTarget<CustomEvent>({
      publishClient,
      subscribeClient,
      serializer: {
        stringify: (v) => JSON.stringify(v),
        parse: (s) => {
          try {
            return JSON.parse(s) as unknown;
          } catch {
            return { [UNPARSEABLE]: s };
          }
        },
      },
    });
    // channels carry the prefix; listeners keep the bare topic name
    const wrapped = new Map<(e: Event) => void, (e: CustomEvent) => void>();
    target = {
      addEventListener(type, cb) {
        const w = (e: CustomEvent): void => cb(new CustomEvent(type, { detail: e.detail as unknown }));
        wrapped.set(cb, w);
        inner.addEventListener(prefix + type, w);
      },
      removeEventListener(type, cb) {
        const w = wrapped.get(cb);
        if (!w) return;
        wrapped.delete(cb);
        inner.removeEventListener(prefix + type, w);
      },
      dispatchEvent(e) {
        return inner.dispatchEvent(new CustomEvent(prefix + e.type, { detail: (e as CustomEvent).detail as unknown }));
      },
    };
    closeRedis = async () => {
      await Promise.allSettled([publishClient.quit(), subscribeClient.quit()]);
    };
  } else {
    const et = new EventTarget();
    setMaxListeners(0, et); // one listener per channel (book:<pairId> channels can be many)
    target = et;
  }

  const pubsub = createPubSub<LiveTopics>({ eventTarget: target as unknown as PubSubEventTarget<LiveTopics> });

  const safe = (what: string, fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      log.warn({ err, what }, 'live events: publish failed');
    }
  };
  const events: LiveEvents = {
    publishEdge: (e) => safe('edge', () => pubsub.publish('edge', e)),
    publishDecision: (d) => safe('decision', () => pubsub.publish('decision', d)),
    publishBook: (pairId, book) => safe('book', () => pubsub.publish('book', pairId, book)),
    publishFeedStatus: (s) => safe('feedStatus', () => pubsub.publish('feedStatus', s)),
    publishAlert: (a) => safe('alert', () => pubsub.publish('alert', a)),
    publishKillSwitch: (on, by) => safe('killSwitch', () => pubsub.publish('killSwitch', { on, by, ts: now() })),
    publishRiskLimits: (limits, by) => safe('riskLimits', () => pubsub.publish('riskLimits', { limits, by, ts: now() })),
    publishPairStatus: (e) => safe('pairStatus', () => pubsub.publish('pairStatus', { ...e, ts: now() })),
  };

  /** One per channel with at least one subscriber: the only listener on the target for it. */
  interface Hub {
    readonly queues: Set<LiveQueue<unknown>>;
    readonly listener: (e: Event) => void;
  }
  const hubs = new Map<string, Hub>();

  function hubFor(topic: LiveTopic, channel: string): Hub {
    let hub = hubs.get(channel);
    if (hub) return hub;
    const schema: z.ZodType = LivePayload[topic];
    const queues = new Set<LiveQueue<unknown>>();
    const listener = (e: Event): void => {
      const detail = (e as CustomEvent).detail as unknown;
      const res = schema.safeParse(detail);
      if (!res.success) {
        counters.invalid++;
        const raw = typeof detail === 'object' && detail !== null && UNPARSEABLE in detail ? String((detail as Record<symbol, unknown>)[UNPARSEABLE]) : JSON.stringify(detail);
        log.warn({ topic, raw: raw?.slice(0, 2000), issues: res.error.issues.slice(0, 5) }, 'live event rejected');
        return;
      }
      // projections computed for this event, by function: shared by every subscriber using it
      const views: ViewCache = new Map();
      for (const q of queues) q.offer(detail, views);
    };
    hub = { queues, listener };
    hubs.set(channel, hub);
    target.addEventListener(channel, listener);
    return hub;
  }

  function attach<P, V>(topic: LiveTopic, key: string | undefined, filter: ((p: P) => boolean) | undefined, map: ((p: P) => V) | undefined): LiveSubscription<V> {
    const channel = key !== undefined ? `${topic}:${key}` : topic;
    const hub = hubFor(topic, channel);
    const q: LiveQueue<V> = new LiveQueue<V>({
      capacity: bufferSize,
      filter: filter as ((p: unknown) => boolean) | undefined,
      map: map as ((p: unknown) => V) | undefined,
      onOverflow: (first) => {
        counters.overflow++;
        if (first) log.warn({ topic, channel, bufferSize }, 'live events: slow subscriber, dropping its oldest events');
      },
      onClose: () => {
        hub.queues.delete(q as LiveQueue<unknown>);
        if (hub.queues.size === 0 && hubs.get(channel) === hub) {
          hubs.delete(channel);
          target.removeEventListener(channel, hub.listener);
        }
      },
    });
    hub.queues.add(q as LiveQueue<unknown>);
    return q;
  }

  function subscribe<T extends LiveTopic>(topic: T, ...key: T extends 'book' ? [pairId: string] : []): LiveSubscription<Payload<T>> {
    return attach<Payload<T>, Payload<T>>(topic, key[0], undefined, undefined);
  }
  function view<T extends LiveTopic, V>(topic: T, opts: LiveViewOptions<Payload<T>, V>): LiveSubscription<V> {
    if ((topic === 'book') !== (opts.key !== undefined)) throw new TypeError(`live.view('${topic}'): a key is required for 'book' and only for it`);
    return attach(topic, opts.key, opts.filter, opts.map);
  }

  let closed: Promise<void> | null = null;
  return {
    events,
    pubsub,
    subscribe,
    view,
    counters,
    mode: cfg.redis.mode,
    close: () =>
      (closed ??= (async () => {
        const all = [...hubs.values()].flatMap((h) => [...h.queues]);
        await Promise.allSettled(all.map((q) => q.return()));
        await closeRedis();
      })()),
  };
}

export interface LiveQueueOptions<V> {
  readonly capacity: number;
  readonly filter?: ((p: unknown) => boolean) | undefined;
  readonly map?: ((p: unknown) => V) | undefined;
  /** called for each event lost to overflow; `first` the first time for this subscriber */
  readonly onOverflow: (first: boolean) => void;
  /** called once, when the queue stops taking events (consumer `return()`, `end()` or a failure) */
  readonly onClose: () => void;
}

type ViewCache = Map<unknown, { ok: true; v: unknown } | { ok: false; err: unknown }>;
const NO_VIEWS: ViewCache = new Map();

/**
 * One subscriber's bounded queue (a ring that grows up to `capacity`, then drops its oldest
 * entry), read as an async iterator. `offer` never blocks and never throws. The producer may
 * `end()` it or `fail(err)` it: what is buffered is still read first, then done / the error.
 */
export class LiveQueue<V> implements LiveSubscription<V> {
  private ring: (V | undefined)[] = [];
  private head = 0;
  private size = 0;
  private readonly waiters: { resolve: (r: IteratorResult<V, undefined>) => void; reject: (err: unknown) => void }[] = [];
  /** set when no more events come: `{}` = normal end, `{ err }` = failure */
  private closing: { err?: unknown } | undefined;
  private done = false;
  private dropped = 0;
  private detached = false;

  constructor(private readonly opts: LiveQueueOptions<V>) {}

  /** Delivers one payload; `views` caches this event's projection by function (see LiveViewOptions). */
  offer(payload: unknown, views: ViewCache = NO_VIEWS): void {
    if (this.done || this.closing) return;
    const { filter, map } = this.opts;
    let value: V;
    try {
      if (filter && !filter(payload)) return;
      if (map) {
        let r = views === NO_VIEWS ? undefined : views.get(map);
        if (!r) {
          try {
            r = { ok: true, v: map(payload) };
          } catch (err) {
            r = { ok: false, err };
          }
          if (views !== NO_VIEWS) views.set(map, r);
        }
        if (!r.ok) throw r.err;
        value = r.v as V;
      } else value = payload as V;
    } catch (err) {
      this.fail(err);
      return;
    }
    const w = this.waiters.shift();
    if (w) {
      w.resolve({ value, done: false });
      return;
    }
    const cap = this.opts.capacity;
    if (this.size >= cap) {
      // slide: the oldest pending event goes
      this.ring[this.head] = undefined;
      this.head = (this.head + 1) % this.ring.length;
      this.size--;
      this.opts.onOverflow(this.dropped++ === 0);
    }
    if (this.size === this.ring.length) this.grow(Math.min(cap, Math.max(4, this.ring.length * 2)));
    this.ring[(this.head + this.size) % this.ring.length] = value;
    this.size++;
  }

  /** No more events: readers get what is buffered, then done. */
  end(): void {
    this.close({});
  }

  /** No more events: readers get what is buffered, then `err`. */
  fail(err: unknown): void {
    this.close({ err });
  }

  /** Pending events not yet read. */
  get pending(): number {
    return this.size;
  }

  next(): Promise<IteratorResult<V, undefined>> {
    if (this.size > 0) {
      const value = this.ring[this.head] as V;
      this.ring[this.head] = undefined;
      this.head = (this.head + 1) % this.ring.length;
      this.size--;
      return Promise.resolve({ value, done: false });
    }
    const closing = this.closing;
    if (closing && !this.done) {
      this.finish();
      if ('err' in closing) return Promise.reject(closing.err);
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<V, undefined>> {
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(err?: unknown): Promise<IteratorResult<V, undefined>> {
    this.finish();
    return Promise.reject(err);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private close(how: { err?: unknown }): void {
    if (this.done || this.closing) return;
    this.closing = how;
    this.detach();
    if (this.waiters.length === 0) return; // (waiters exist only while the ring is empty)
    const waiters = this.waiters.splice(0);
    this.finish();
    if ('err' in how) for (const w of waiters) w.reject(how.err);
    else for (const w of waiters) w.resolve({ value: undefined, done: true });
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.ring = [];
    this.size = 0;
    this.head = 0;
    this.detach();
    for (const w of this.waiters.splice(0)) w.resolve({ value: undefined, done: true });
  }

  private detach(): void {
    if (this.detached) return;
    this.detached = true;
    this.opts.onClose();
  }

  private grow(to: number): void {
    const next: (V | undefined)[] = new Array<V | undefined>(to);
    for (let i = 0; i < this.size; i++) next[i] = this.ring[(this.head + i) % this.ring.length];
    this.ring = next;
    this.head = 0;
  }
}
