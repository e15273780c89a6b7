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
 * `<channelPrefix><topic>` (default `<ns>:live:` with ns = config.redis.prefix, the deployment's
 * namespace), e.g. `stream:live:edge`, `stream:live:book:<pairId>`.
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
import { liveChannelPrefix } from '../store/streams/namespace.js';
import { Book } from '../../schema/book.js';
import { Edge, RiskDecision } from '../../schema/edge.js';
import { Execution } from '../../schema/execution.js';
import { FeedStatus } from '../../schema/feed.js';
import { PairStatus } from '../../schema/pair.js';
import { RiskLimits } from '../../schema/risk.js';
import { createExecutionSlot, type ExecutionMode, type ExecutionSlot, type RunningExecution } from './executionSlot.js';
import { createLiveHubs, UNPARSEABLE, type LiveCounters, type LiveSubscription, type LiveViewOptions, type MinimalTarget } from './liveHub.js';

export { LiveQueue, type LiveCounters, type LiveQueueOptions, type LiveSubscription, type LiveViewOptions } from './liveHub.js';

export type AlertLevel = 'info' | 'warn' | 'critical';
export interface Alert {
  readonly level: AlertLevel;
  readonly message: string;
  /** unix ms */
  readonly ts: number;
  /** what raised it: 'persister', 'stream-log', 'dead-letter', 'llm' (budget reached), … (dedup key and Discord label) */
  readonly source?: string;
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
  readonly status: PairStatus;
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
  /** every written state of an execution (the executor's executions$) */
  publishExecution(e: Execution): void;
  /**
   * The running execution of THIS process for the doors (`live.execution`, ./executionSlot.ts);
   * undefined detaches it. Not carried over Redis: another process's doors see only the events.
   */
  attachExecution(h: RunningExecution | undefined, mode?: ExecutionMode): void;
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
  execution: [Execution];
};
export type LiveTopic = keyof LiveTopics;
type Payload<T extends LiveTopic> = LiveTopics[T] extends [infer P] ? P : LiveTopics[T] extends [string, infer P] ? P : never;

// ── payload validation (what another process published through Redis): the domain schemas ──
/** zod schemas of every topic's payload; `subscribe` validates each message with them. */
export const LivePayload = {
  edge: Edge,
  decision: RiskDecision,
  book: Book,
  feedStatus: FeedStatus,
  alert: z.object({ level: z.enum(['info', 'warn', 'critical']), message: z.string(), ts: z.number(), source: z.string().optional() }),
  killSwitch: z.object({ on: z.boolean(), by: z.string(), ts: z.number() }),
  riskLimits: z.object({ limits: RiskLimits, by: z.string(), ts: z.number() }),
  pairStatus: z.object({ pairId: z.string(), status: PairStatus, by: z.string(), ts: z.number() }),
  execution: Execution,
} as const satisfies Record<LiveTopic, z.ZodType>;

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
  /** The execution running in this process, if any (attached by the pipeline: `events.attachExecution`). */
  readonly execution: ExecutionSlot;
  /** Unsubscribes everything and closes the Redis connections. Idempotent. */
  close(): Promise<void>;
}

export interface LiveEventsOptions {
  /** Redis channel prefix (default `<config.redis.prefix>:live:`, the deployment's namespace: see src/store/streams/namespace.ts). */
  readonly channelPrefix?: string;
  /** Per-subscriber sliding buffer (default 1000). */
  readonly bufferSize?: number;
  /** Clock for published `ts` fields (default Date.now). */
  readonly now?: () => number;
}

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
    const prefix = opts.channelPrefix ?? liveChannelPrefix(cfg.redis.prefix);
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
  const execution = createExecutionSlot();
  const events: LiveEvents = {
    publishEdge: (e) => safe('edge', () => pubsub.publish('edge', e)),
    publishDecision: (d) => safe('decision', () => pubsub.publish('decision', d)),
    publishBook: (pairId, book) => safe('book', () => pubsub.publish('book', pairId, book)),
    publishFeedStatus: (s) => safe('feedStatus', () => pubsub.publish('feedStatus', s)),
    publishAlert: (a) => safe('alert', () => pubsub.publish('alert', a)),
    publishKillSwitch: (on, by) => safe('killSwitch', () => pubsub.publish('killSwitch', { on, by, ts: now() })),
    publishRiskLimits: (limits, by) => safe('riskLimits', () => pubsub.publish('riskLimits', { limits, by, ts: now() })),
    publishPairStatus: (e) => safe('pairStatus', () => pubsub.publish('pairStatus', { ...e, ts: now() })),
    publishExecution: (e) => safe('execution', () => pubsub.publish('execution', e)),
    attachExecution: (h, mode = 'paper') => (h ? execution.attach(h, mode) : execution.detach()),
  };

  const hubs = createLiveHubs(target, counters, bufferSize);
  function attach<P, V>(topic: LiveTopic, key: string | undefined, filter: ((p: P) => boolean) | undefined, map: ((p: P) => V) | undefined): LiveSubscription<V> {
    return hubs.attach(topic, key !== undefined ? `${topic}:${key}` : topic, LivePayload[topic], filter, map);
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
    execution,
    close: () =>
      (closed ??= (async () => {
        execution.detach();
        await hubs.closeAll();
        await closeRedis();
      })()),
  };
}

