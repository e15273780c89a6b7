/**
 * The fan-out machinery behind the live events (src/api/events.ts): one hub per channel holds the
 * ONE listener on the event target, validates each payload once with the topic's schema (what
 * does not parse is dropped, logged and counted) and hands the same object to every subscriber's
 * bounded {@link LiveQueue}. A `view` projection runs once per event per distinct `map` function.
 */
import type { z } from 'zod';
import { log } from '../log.js';

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


/** The part of an EventTarget the hubs use. */
export interface MinimalTarget {
  addEventListener(type: string, cb: (e: Event) => void): void;
  removeEventListener(type: string, cb: (e: Event) => void): void;
  dispatchEvent(e: Event): boolean;
}

/** Marks a Redis message that was not JSON; the hub logs and counts it. */
export const UNPARSEABLE = Symbol('unparseable');

export interface LiveHubs {
  /** A new bounded subscription to `channel` (validated with `schema`; `topic` names it in logs). */
  attach<P, V>(topic: string, channel: string, schema: z.ZodType, filter: ((p: P) => boolean) | undefined, map: ((p: P) => V) | undefined): LiveSubscription<V>;
  /** Ends every subscription. */
  closeAll(): Promise<void>;
}

/** One hub per channel with at least one subscriber, on `target`. */
export function createLiveHubs(target: MinimalTarget, counters: LiveCounters, bufferSize: number): LiveHubs {
  interface Hub {
    readonly queues: Set<LiveQueue<unknown>>;
    readonly listener: (e: Event) => void;
  }
  const hubs = new Map<string, Hub>();

  function hubFor(topic: string, channel: string, schema: z.ZodType): Hub {
    let hub = hubs.get(channel);
    if (hub) return hub;
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

  return {
    attach<P, V>(topic: string, channel: string, schema: z.ZodType, filter: ((p: P) => boolean) | undefined, map: ((p: P) => V) | undefined): LiveSubscription<V> {
      const hub = hubFor(topic, channel, schema);
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
    },
    async closeAll() {
      const all = [...hubs.values()].flatMap((h) => [...h.queues]);
      await Promise.allSettled(all.map((q) => q.return()));
    },
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
