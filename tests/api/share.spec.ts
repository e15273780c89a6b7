/**
 * Shared graphql-ws subscription executions: one upstream per (role, operation, variables),
 * one bounded queue per subscriber, errors and ends passed on, upstream stopped with its last subscriber.
 */
import type { ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { LiveQueue } from '../../src/api/events.js';
import { createSharedSubscriptions, shareKey, type SubscribeResult } from '../../src/api/share.js';

/** An upstream we drive by hand: push results, end or fail it; records starts and stops. */
function upstream() {
  const log = { starts: 0, stops: 0 };
  let q: LiveQueue<ExecutionResult> | undefined;
  const start = (): SubscribeResult => {
    log.starts++;
    q = new LiveQueue<ExecutionResult>({ capacity: 100, onOverflow: () => undefined, onClose: () => log.stops++ });
    return q;
  };
  return { log, start, push: (n: number) => q!.offer({ data: { n } }), end: () => q!.end(), fail: (e: Error) => q!.fail(e) };
}

const iter = (r: SubscribeResult): AsyncIterator<ExecutionResult> => {
  if (!(Symbol.asyncIterator in r)) throw new Error('expected a stream');
  return r[Symbol.asyncIterator]();
};
const tick = () => new Promise((r) => setImmediate(r));
const ns = async (it: AsyncIterator<ExecutionResult>, k: number): Promise<unknown[]> => {
  const out: unknown[] = [];
  for (let i = 0; i < k; i++) {
    const r = await it.next();
    if (r.done) break;
    out.push((r.value.data as { n: number }).n);
  }
  return out;
};

describe('shared subscriptions', () => {
  const op = { query: 'subscription { edgeAdded { edgeId } }' };

  it('identical operations share one execution; each subscriber gets every result; a different role or variables get their own', async () => {
    const s = createSharedSubscriptions();
    const u = upstream();
    const other = upstream();
    const a = iter(await s.subscribe(shareKey('viewer', op), u.start));
    const b = iter(await s.subscribe(shareKey('viewer', op), u.start));
    const c = iter(await s.subscribe(shareKey('operator', op), other.start));
    const d = iter(await s.subscribe(shareKey('viewer', { ...op, variables: { min: 1 } }), other.start));
    expect(u.log.starts).toBe(1);
    expect(other.log.starts).toBe(2);
    expect(s.stats()).toMatchObject({ executions: 3, subscribers: 4 });
    u.push(1);
    u.push(2);
    expect(await ns(a, 2)).toEqual([1, 2]);
    expect(await ns(b, 2)).toEqual([1, 2]);
    for (const it of [a, b, c, d]) await it.return!();
  });

  it('the last subscriber leaving stops the execution; the next subscriber starts a new one', async () => {
    const s = createSharedSubscriptions();
    const u = upstream();
    const a = iter(await s.subscribe('k', u.start));
    const b = iter(await s.subscribe('k', u.start));
    await a.return!();
    await tick();
    expect(u.log.stops).toBe(0);
    await b.return!();
    await tick();
    expect(u.log.stops).toBe(1);
    expect(s.stats().executions).toBe(0);
    const c = iter(await s.subscribe('k', u.start));
    expect(u.log.starts).toBe(2);
    await c.return!();
  });

  it('a start that returns errors is given to the subscriber and not kept', async () => {
    const s = createSharedSubscriptions();
    let starts = 0;
    const bad = (): SubscribeResult => {
      starts++;
      return { errors: [] };
    };
    expect(await s.subscribe('k', bad)).toEqual({ errors: [] });
    expect(await s.subscribe('k', bad)).toEqual({ errors: [] });
    expect(starts).toBe(2);
    expect(s.stats()).toMatchObject({ executions: 0, subscribers: 0 });
    await expect(s.subscribe('t', () => Promise.reject(new Error('start failed')))).rejects.toThrow('start failed');
  });

  it('upstream end and failure reach every subscriber after what they have queued', async () => {
    const s = createSharedSubscriptions();
    const u = upstream();
    const a = iter(await s.subscribe('k', u.start));
    const b = iter(await s.subscribe('k', u.start));
    u.push(1);
    u.end();
    expect(await ns(a, 5)).toEqual([1]);
    expect(await ns(b, 5)).toEqual([1]);

    const f = upstream();
    const x = iter(await s.subscribe('f', f.start));
    f.push(7);
    f.fail(new Error('resolver blew up'));
    expect(await ns(x, 1)).toEqual([7]);
    await expect(x.next()).rejects.toThrow('resolver blew up');
  });

  it('a slow subscriber loses its oldest results (counted) while a fast one gets them all', async () => {
    const s = createSharedSubscriptions({ bufferSize: 2 });
    const u = upstream();
    const slow = iter(await s.subscribe('k', u.start));
    const fast = iter(await s.subscribe('k', u.start));
    const got: unknown[] = [];
    for (let i = 0; i < 5; i++) {
      const next = fast.next();
      u.push(i);
      got.push(((await next).value!.data as { n: number }).n);
    }
    expect(got).toEqual([0, 1, 2, 3, 4]);
    expect(await ns(slow, 2)).toEqual([3, 4]);
    expect(s.stats().overflow).toBe(3);
    await slow.return!();
    await fast.return!();
  });
});
