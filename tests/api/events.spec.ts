/**
 * The live bus's fan-out hub (in-process event target): one validation per event, shared
 * projections, filters before the buffer, bounded sliding queues per subscriber, clean detach.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createLiveEvents, LiveQueue, type LiveEventsHandle } from '../../src/api/events.js';
import type { Edge } from '../../schema/edge.js';
import { makeEdge } from './helpers.js';

let live: LiveEventsHandle;
afterEach(async () => live?.close());

const drain = async <T>(it: AsyncIterator<T>, n: number): Promise<T[]> => {
  const out: T[] = [];
  for (let i = 0; i < n; i++) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
};

describe('live events hub', () => {
  it('every subscriber gets every valid event, in order; a malformed one is counted once, never delivered', async () => {
    live = await createLiveEvents({ redis: { mode: 'memory' } });
    const subs = [live.subscribe('edge'), live.subscribe('edge'), live.subscribe('edge')];
    live.events.publishEdge(makeEdge({ edgeId: 'a' }));
    live.pubsub.publish('edge', { edgeId: 'bad' } as never);
    live.events.publishEdge(makeEdge({ edgeId: 'b' }));
    for (const s of subs) expect((await drain(s, 2)).map((e) => e.edgeId)).toEqual(['a', 'b']);
    expect(live.counters.invalid).toBe(1);
  });

  it('view: the projection runs once per event and its result object is shared; the filter runs per subscriber', async () => {
    live = await createLiveEvents({ redis: { mode: 'memory' } });
    let calls = 0;
    const project = (e: Edge) => {
      calls++;
      return { id: e.edgeId };
    };
    const all = live.view('edge', { map: project });
    const all2 = live.view('edge', { map: project });
    const big = live.view('edge', { filter: (e) => e.netEdgePerContractMicros >= 10_000, map: project });
    live.events.publishEdge(makeEdge({ edgeId: 'small', netEdgePerContractMicros: 1 }));
    live.events.publishEdge(makeEdge({ edgeId: 'large', netEdgePerContractMicros: 20_000 }));
    const [a, b, c] = await Promise.all([drain(all, 2), drain(all2, 2), drain(big, 1)]);
    expect(a.map((v) => v.id)).toEqual(['small', 'large']);
    expect(c.map((v) => v.id)).toEqual(['large']);
    expect(a[1]).toBe(b[1]);
    expect(a[1]).toBe(c[0]);
    expect(calls).toBe(2);
  });

  it('a slow subscriber loses its oldest events (counted), the others get all of them', async () => {
    live = await createLiveEvents({ redis: { mode: 'memory' } }, { bufferSize: 3 });
    const slow = live.subscribe('alert');
    const fast = live.subscribe('alert');
    const got: string[] = [];
    const reading = (async () => {
      for await (const a of fast) {
        got.push(a.message);
        if (got.length === 6) break;
      }
    })();
    for (let i = 0; i < 6; i++) {
      live.events.publishAlert({ level: 'info', message: `m${i}`, ts: i });
      await Promise.resolve();
    }
    await reading;
    expect(got).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
    expect((await drain(slow, 3)).map((a) => a.message)).toEqual(['m3', 'm4', 'm5']);
    expect(live.counters.overflow).toBe(3);
  });

  it('return() ends the iteration and detaches; a pending next() resolves done', async () => {
    live = await createLiveEvents({ redis: { mode: 'memory' } });
    const s = live.subscribe('killSwitch');
    const pending = s.next();
    await s.return();
    expect(await pending).toEqual({ value: undefined, done: true });
    live.events.publishKillSwitch(true, 'x');
    expect(await s.next()).toEqual({ value: undefined, done: true });
  });

  it('a projection that throws ends the subscriptions using it with that error (after what was queued)', async () => {
    live = await createLiveEvents({ redis: { mode: 'memory' } });
    const boom = (e: Edge) => {
      if (e.edgeId === 'boom') throw new Error('projection failed');
      return e.edgeId;
    };
    const s = live.view('edge', { map: boom });
    const other = live.subscribe('edge');
    live.events.publishEdge(makeEdge({ edgeId: 'ok' }));
    live.events.publishEdge(makeEdge({ edgeId: 'boom' }));
    live.events.publishEdge(makeEdge({ edgeId: 'after' }));
    expect(await s.next()).toEqual({ value: 'ok', done: false });
    await expect(s.next()).rejects.toThrow('projection failed');
    expect(await s.next()).toEqual({ value: undefined, done: true });
    expect((await drain(other, 3)).map((e) => e.edgeId)).toEqual(['ok', 'boom', 'after']);
  });

  it('book views need their pair key', async () => {
    live = await createLiveEvents({ redis: { mode: 'memory' } });
    expect(() => live.view('book', { map: (b) => b })).toThrow(/key is required/);
    expect(() => live.view('edge', { key: 'x', map: (e) => e })).toThrow(/key is required/);
  });
});

describe('LiveQueue', () => {
  it('end(): buffered values first, then done; fail(): buffered values first, then the error', async () => {
    const closed: string[] = [];
    const q = new LiveQueue<number>({ capacity: 10, onOverflow: () => undefined, onClose: () => closed.push('closed') });
    q.offer(1);
    q.offer(2);
    q.end();
    q.offer(3); // after end: ignored
    expect(await drain(q, 5)).toEqual([1, 2]);
    expect(closed).toEqual(['closed']);

    const f = new LiveQueue<number>({ capacity: 10, onOverflow: () => undefined, onClose: () => undefined });
    f.offer(1);
    f.fail(new Error('upstream'));
    expect(await f.next()).toEqual({ value: 1, done: false });
    await expect(f.next()).rejects.toThrow('upstream');
    expect(await f.next()).toEqual({ value: undefined, done: true });

    const w = new LiveQueue<number>({ capacity: 10, onOverflow: () => undefined, onClose: () => undefined });
    const waiting = w.next();
    w.fail(new Error('while waiting'));
    await expect(waiting).rejects.toThrow('while waiting');
  });

  it('keeps the newest `capacity` values across wrap-around', async () => {
    let dropped = 0;
    const q = new LiveQueue<number>({ capacity: 5, onOverflow: () => dropped++, onClose: () => undefined });
    for (let i = 0; i < 3; i++) q.offer(i);
    expect(await drain(q, 2)).toEqual([0, 1]);
    for (let i = 3; i < 12; i++) q.offer(i);
    expect(q.pending).toBe(5);
    expect(await drain(q, 5)).toEqual([7, 8, 9, 10, 11]);
    expect(dropped).toBe(5);
  });
});
