/**
 * Shared subscription executions for graphql-ws: subscribers whose operations are identical
 * (same role, query text, operation name and variables) share ONE GraphQL subscription. Its
 * results are computed once per event (resolvers, scalars, masked errors) and handed to every
 * subscriber's own bounded queue, which graphql-ws then reads, serialises and sends. Without it,
 * each of a thousand dashboard subscribers ran the same execution for every event.
 *
 *   const shared = createSharedSubscriptions({ bufferSize: 1000 });
 *   return shared.subscribe(shareKey(role, payload), () => yogaSubscribe(args));
 *
 * Rules that keep it correct:
 * - the key includes the principal's ROLE, so a role-gated field can never leak across roles.
 *   Resolvers reachable from Subscription must not depend on who the principal is beyond its role
 *   (today none read the principal at all);
 * - each subscriber has its own sliding queue: a slow one loses its oldest results (counted,
 *   logged once), never blocks the others or the shared execution;
 * - a start that fails or returns errors (e.g. BAD_USER_INPUT) is given to the subscribers waiting
 *   on it and not kept: the next subscriber starts afresh;
 * - when the shared execution ends or fails, every subscriber gets what it has queued, then the
 *   end / the error; when its last subscriber leaves, the shared execution is stopped.
 */
import type { ExecutionResult } from 'graphql';
import { log } from '../log.js';
import { LiveQueue } from './events.js';

export type SubscribeResult = AsyncIterable<ExecutionResult> | ExecutionResult;

export interface SharedSubscriptionsOptions {
  /** Per-subscriber sliding queue (default 1000). */
  readonly bufferSize?: number;
}

export interface SharedSubscriptionStats {
  /** shared executions running */
  readonly executions: number;
  /** subscribers attached to them */
  readonly subscribers: number;
  /** results a slow subscriber lost (oldest first) */
  readonly overflow: number;
}

export interface SharedSubscriptions {
  /**
   * This subscriber's result stream for the operation `key`: joins the running execution, or
   * starts one with `start` (yoga's subscribe for this subscriber's execution args).
   */
  subscribe(key: string, start: () => Promise<SubscribeResult> | SubscribeResult): Promise<SubscribeResult>;
  stats(): SharedSubscriptionStats;
}

/** The share key of an operation: role, operation name, query text and variables. */
export function shareKey(role: string, op: { readonly query: string; readonly operationName?: string | null | undefined; readonly variables?: Readonly<Record<string, unknown>> | null | undefined }): string {
  return JSON.stringify([role, op.operationName ?? null, op.query, op.variables ?? null]);
}

const isAsyncIterable = (v: unknown): v is AsyncIterable<ExecutionResult> =>
  typeof v === 'object' && v !== null && typeof (v as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function';

interface Share {
  readonly key: string;
  readonly queues: Set<LiveQueue<ExecutionResult>>;
  ready: Promise<SubscribeResult>;
  iterator: AsyncIterator<ExecutionResult> | undefined;
  /** no new subscribers: it ended, failed, or lost its last subscriber */
  closed: boolean;
}

export function createSharedSubscriptions(opts: SharedSubscriptionsOptions = {}): SharedSubscriptions {
  const bufferSize = opts.bufferSize ?? 1000;
  const shares = new Map<string, Share>();
  let overflow = 0;

  const drop = (share: Share): void => {
    share.closed = true;
    if (shares.get(share.key) === share) shares.delete(share.key);
  };

  const stop = (share: Share): void => {
    if (share.closed) return;
    drop(share);
    void Promise.resolve()
      .then(() => share.iterator?.return?.())
      .catch((err: unknown) => log.warn({ err }, 'api: stopping a shared subscription failed'));
  };

  async function pump(share: Share, it: AsyncIterator<ExecutionResult>): Promise<void> {
    try {
      for (;;) {
        const r = await it.next();
        if (r.done) break;
        for (const q of share.queues) q.offer(r.value);
      }
      drop(share);
      for (const q of [...share.queues]) q.end();
    } catch (err) {
      drop(share);
      for (const q of [...share.queues]) q.fail(err);
    }
  }

  function open(key: string, start: () => Promise<SubscribeResult> | SubscribeResult): Share {
    const share: Share = { key, queues: new Set(), ready: Promise.resolve({}), iterator: undefined, closed: false };
    shares.set(key, share);
    share.ready = (async () => {
      let result: SubscribeResult;
      try {
        result = await start();
      } catch (err) {
        drop(share);
        throw err;
      }
      if (!isAsyncIterable(result)) {
        drop(share);
        return result;
      }
      const it = result[Symbol.asyncIterator]();
      share.iterator = it;
      if (share.queues.size === 0) stop(share); // everyone left while it started
      else void pump(share, it);
      return result;
    })();
    return share;
  }

  return {
    async subscribe(key, start) {
      let share = shares.get(key);
      if (!share || share.closed) share = open(key, start);
      const s = share;
      const q: LiveQueue<ExecutionResult> = new LiveQueue<ExecutionResult>({
        capacity: bufferSize,
        onOverflow: (first) => {
          overflow++;
          if (first) log.warn({ bufferSize }, 'api: slow subscriber, dropping its oldest results');
        },
        onClose: () => {
          s.queues.delete(q);
          if (s.queues.size === 0 && s.iterator) stop(s);
        },
      });
      s.queues.add(q);
      let first: SubscribeResult;
      try {
        first = await s.ready;
      } catch (err) {
        await q.return();
        throw err;
      }
      if (!isAsyncIterable(first)) {
        await q.return();
        return first;
      }
      return q;
    },
    stats: () => {
      let subscribers = 0;
      for (const s of shares.values()) subscribers += s.queues.size;
      return { executions: shares.size, subscribers, overflow };
    },
  };
}
