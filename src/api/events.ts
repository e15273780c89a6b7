/**
 * Live events: the pipeline publishes here, GraphQL subscriptions (and riskControl$) read here.
 *
 *   const live = await createLiveEvents(config);          // Redis pub/sub when config.redis.mode === 'redis'
 *   live.events.publishEdge(edge);                         // from the pipeline
 *   for await (const e of live.subscribe('edge')) ...      // bounded, per subscriber
 *   await live.close();
 *
 * Transport: graphql-yoga's `createPubSub` over an event target, in-process by default, or
 * `@graphql-yoga/redis-event-target` over two ioredis connections (one publishes, one
 * subscribes) so that every API process sees every event. Redis channels are
 * `<channelPrefix><topic>` (default `arbstream:live:`), e.g. `arbstream:live:edge`,
 * `arbstream:live:book:<pairId>`.
 *
 * Payloads are plain JSON (numbers are integer micro-dollars / millionths, unix ms). What comes
 * back from Redis is another process's output, so subscribers validate it (see `LivePayload`)
 * and drop, log and count what does not parse instead of crashing.
 */
import { setMaxListeners } from 'node:events';
import { Repeater, SlidingBuffer } from '@repeaterjs/repeater';
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

/** Counters of messages dropped by subscribers (malformed, or a slow subscriber's overflow). */
export interface LiveCounters {
  invalid: number;
}

export interface LiveEventsHandle {
  readonly events: LiveEvents;
  /** graphql-yoga pub/sub on the chosen event target (publish side; subscribe with `subscribe` below). */
  readonly pubsub: PubSub<LiveTopics>;
  /**
   * Validated payloads of a topic as an async iterable (a Repeater; `return()` unsubscribes).
   * Each subscriber has its own sliding buffer of `bufferSize` (default 1000): a subscriber that
   * falls behind loses its oldest pending events, never the process.
   */
  subscribe<T extends LiveTopic>(topic: T, ...key: T extends 'book' ? [pairId: string] : []): Repeater<Payload<T>>;
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
  const counters: LiveCounters = { invalid: 0 };
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
    setMaxListeners(0, et); // one listener per subscriber is expected
    target = et;
  }

  const pubsub = createPubSub<LiveTopics>({ eventTarget: target as unknown as PubSubEventTarget<LiveTopics> });
  const live = new Set<Repeater<unknown>>();

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

  function subscribe<T extends LiveTopic>(topic: T, ...key: T extends 'book' ? [pairId: string] : []): Repeater<Payload<T>> {
    const channel = key.length ? `${topic}:${key[0]}` : topic;
    const schema: z.ZodType = LivePayload[topic];
    const r = new Repeater<Payload<T>>(async (push, stop) => {
      const listener = (e: Event): void => {
        const detail = (e as CustomEvent).detail as unknown;
        const res = schema.safeParse(detail);
        if (!res.success) {
          counters.invalid++;
          const raw = typeof detail === 'object' && detail !== null && UNPARSEABLE in detail ? String((detail as Record<symbol, unknown>)[UNPARSEABLE]) : JSON.stringify(detail);
          log.warn({ topic, raw: raw?.slice(0, 2000), issues: res.error.issues.slice(0, 5) }, 'live event rejected');
          return;
        }
        // the buffer is a sliding one, so push never overflows; its promise is not awaited
        void push(detail as Payload<T>).catch(() => undefined);
      };
      target.addEventListener(channel, listener);
      await stop;
      target.removeEventListener(channel, listener);
      live.delete(r as Repeater<unknown>);
    }, new SlidingBuffer(bufferSize));
    live.add(r as Repeater<unknown>);
    return r;
  }

  let closed: Promise<void> | null = null;
  return {
    events,
    pubsub,
    subscribe,
    counters,
    mode: cfg.redis.mode,
    close: () =>
      (closed ??= (async () => {
        await Promise.allSettled([...live].map((r) => r.return()));
        await closeRedis();
      })()),
  };
}
