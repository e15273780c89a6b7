/**
 * One contract for every StreamLog: Redis Streams semantics (consumer groups, pending list,
 * XAUTOCLAIM, blocking reads, approximate trimming, checkpoints). Run by memory.spec.ts and
 * redis.int.spec.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compareIds, type StreamLog } from '../../../src/store/streams/types.js';

export interface ContractFixture {
  readonly log: StreamLog;
  /** a stream key unique to this test */
  readonly key: (name: string) => string;
  readonly cleanup: () => Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function runStreamLogContract(name: string, factory: () => Promise<ContractFixture>, describeFn: (name: string, fn: () => void) => void = describe): void {
  describeFn(`StreamLog contract: ${name}`, () => {
    let fx: ContractFixture;
    let log: StreamLog;
    beforeEach(async () => {
      fx = await factory();
      log = fx.log;
    });
    afterEach(async () => {
      await fx.cleanup();
    });

    it('appends single entries and batches in order with increasing ids', async () => {
      const s = fx.key('a');
      const [one] = await log.append(s, { t: 'x', d: '1' });
      const ids = await log.append(s, [{ t: 'x', d: '2' }, { t: 'x', d: '3' }, { t: 'x', d: '4' }]);
      expect(ids).toHaveLength(3);
      const all = [one!, ...ids];
      for (let i = 1; i < all.length; i++) expect(compareIds(all[i]!, all[i - 1]!)).toBeGreaterThan(0);
      expect(await log.length(s)).toBe(4);
      expect(await log.append(s, [])).toEqual([]);
      await log.ensureGroup(s, 'g');
      const got = await log.readGroup(s, 'g', 'c1', { count: 10 });
      expect(got.map((e) => e.id)).toEqual(all);
      expect(got.map((e) => e.fields.d)).toEqual(['1', '2', '3', '4']);
      expect(got[0]!.fields).toEqual({ t: 'x', d: '1' });
    });

    it('reading a missing group throws; ensureGroup is idempotent and creates the stream', async () => {
      const s = fx.key('nogroup');
      await expect(log.readGroup(s, 'g', 'c', { count: 1 })).rejects.toThrow(/NOGROUP/);
      await log.ensureGroup(s, 'g');
      await log.ensureGroup(s, 'g');
      expect(await log.length(s)).toBe(0);
      expect(await log.readGroup(s, 'g', 'c', { count: 1 })).toEqual([]);
    });

    it("a group started at '$' sees only later entries; one started at '0' sees all", async () => {
      const s = fx.key('dollar');
      await log.append(s, { d: 'old' });
      await log.ensureGroup(s, 'new', '$');
      await log.ensureGroup(s, 'all', '0');
      await log.append(s, { d: 'new' });
      expect((await log.readGroup(s, 'new', 'c', { count: 10 })).map((e) => e.fields.d)).toEqual(['new']);
      expect((await log.readGroup(s, 'all', 'c', { count: 10 })).map((e) => e.fields.d)).toEqual(['old', 'new']);
    });

    it('consumers of one group share the entries; each group sees every entry', async () => {
      const s = fx.key('share');
      await log.ensureGroup(s, 'g1');
      await log.ensureGroup(s, 'g2');
      await log.append(s, Array.from({ length: 10 }, (_, i) => ({ d: String(i) })));
      const a = await log.readGroup(s, 'g1', 'a', { count: 4 });
      const b = await log.readGroup(s, 'g1', 'b', { count: 100 });
      expect(a).toHaveLength(4);
      expect(b).toHaveLength(6);
      expect(new Set([...a, ...b].map((e) => e.id)).size).toBe(10);
      expect(await log.readGroup(s, 'g1', 'a', { count: 100 })).toEqual([]);
      expect(await log.readGroup(s, 'g2', 'z', { count: 100 })).toHaveLength(10);
      expect(await log.pending(s, 'g1')).toEqual({ count: 10, consumers: { a: 4, b: 6 } });
    });

    it('ack removes entries from the pending list and counts only pending ones', async () => {
      const s = fx.key('ack');
      await log.ensureGroup(s, 'g');
      const ids = await log.append(s, [{ d: '1' }, { d: '2' }, { d: '3' }]);
      await log.readGroup(s, 'g', 'c', { count: 10 });
      expect(await log.ack(s, 'g', [ids[0]!, ids[1]!])).toBe(2);
      expect(await log.ack(s, 'g', [ids[0]!])).toBe(0);
      expect(await log.ack(s, 'g', [])).toBe(0);
      expect(await log.pending(s, 'g')).toEqual({ count: 1, consumers: { c: 1 } });
      await log.ack(s, 'g', [ids[2]!]);
      expect(await log.pending(s, 'g')).toEqual({ count: 0, consumers: {} });
    });

    it('a restarted consumer re-reads its own pending entries, in order, paging with after', async () => {
      const s = fx.key('own');
      await log.ensureGroup(s, 'g');
      const ids = await log.append(s, Array.from({ length: 5 }, (_, i) => ({ d: String(i) })));
      await log.readGroup(s, 'g', 'c', { count: 5 });
      await log.ack(s, 'g', [ids[1]!]);
      const page1 = await log.readGroup(s, 'g', 'c', { count: 2, pending: true });
      expect(page1.map((e) => e.id)).toEqual([ids[0], ids[2]]);
      const page2 = await log.readGroup(s, 'g', 'c', { count: 10, pending: true, after: page1.at(-1)!.id });
      expect(page2.map((e) => e.id)).toEqual([ids[3], ids[4]]);
      expect(await log.readGroup(s, 'g', 'other', { count: 10, pending: true })).toEqual([]);
      // pending re-reads do not consume new entries
      expect(await log.readGroup(s, 'g', 'c', { count: 10 })).toEqual([]);
    });

    it('claimStuck moves only entries idle long enough to the claiming consumer', async () => {
      const s = fx.key('claim');
      await log.ensureGroup(s, 'g');
      const ids = await log.append(s, Array.from({ length: 6 }, (_, i) => ({ d: String(i) })));
      await log.readGroup(s, 'g', 'dead', { count: 6 });
      expect(await log.claimStuck(s, 'g', 'live', { minIdleMs: 60_000, count: 10 })).toEqual([]);
      await sleep(30);
      const got = await log.claimStuck(s, 'g', 'live', { minIdleMs: 20, count: 4 });
      expect(got.map((e) => e.id)).toEqual(ids.slice(0, 4));
      expect(got[0]!.fields).toEqual({ d: '0' });
      expect(await log.pending(s, 'g')).toEqual({ count: 6, consumers: { dead: 2, live: 4 } });
      // just claimed: idle time restarted
      expect(await log.claimStuck(s, 'g', 'other', { minIdleMs: 20, count: 10 }).then((r) => r.map((e) => e.id))).not.toContain(ids[0]);
      await log.ack(s, 'g', got.map((e) => e.id));
      await sleep(30);
      const rest = await log.claimStuck(s, 'g', 'live', { minIdleMs: 20, count: 10 });
      expect(rest.map((e) => e.id)).toEqual(ids.slice(4));
    });

    // A consumer exists from its first delivery; whether a read that returns nothing creates or
    // refreshes it differs between Redis versions (7.0 no, 7.2 yes), so no test depends on it.
    it('consumers lists every consumer with its pending count and idle time since its last delivery', async () => {
      const s = fx.key('consumers');
      await log.ensureGroup(s, 'g');
      await expect(log.consumers(s, 'nogroup')).rejects.toThrow(/NOGROUP/);
      expect(await log.consumers(s, 'g')).toEqual([]);
      await log.append(s, Array.from({ length: 4 }, (_, i) => ({ d: String(i) })));
      await log.readGroup(s, 'g', 'a', { count: 2 });
      await log.readGroup(s, 'g', 'b', { count: 1 });
      await sleep(30);
      const [c] = await log.readGroup(s, 'g', 'c', { count: 1 });
      await log.ack(s, 'g', [c!.id]);
      const list = await log.consumers(s, 'g');
      expect(list.map((x) => [x.name, x.pending])).toEqual([['a', 2], ['b', 1], ['c', 0]]);
      const idle = Object.fromEntries(list.map((x) => [x.name, x.idleMs]));
      expect(idle.a).toBeGreaterThanOrEqual(25);
      expect(idle.c).toBeLessThan(25);
    });

    it('deleteConsumer removes a consumer only when it has no pending entries and was idle long enough', async () => {
      const s = fx.key('delconsumer');
      await log.ensureGroup(s, 'g');
      const [id, id2] = await log.append(s, [{ d: '1' }, { d: '2' }]);
      await log.readGroup(s, 'g', 'busy', { count: 1 });
      await log.readGroup(s, 'g', 'empty', { count: 1 });
      await log.ack(s, 'g', [id2!]);
      await sleep(30);
      expect(await log.deleteConsumer(s, 'g', 'busy')).toBe(false); // has a pending entry
      expect(await log.deleteConsumer(s, 'g', 'empty', { minIdleMs: 60_000 })).toBe(false); // not idle long enough
      expect(await log.deleteConsumer(s, 'g', 'missing')).toBe(false);
      expect(await log.deleteConsumer(s, 'g', 'empty', { minIdleMs: 20 })).toBe(true);
      expect((await log.consumers(s, 'g')).map((x) => x.name)).toEqual(['busy']);
      expect(await log.pending(s, 'g')).toEqual({ count: 1, consumers: { busy: 1 } });
      await log.ack(s, 'g', [id!]);
      expect(await log.deleteConsumer(s, 'g', 'busy')).toBe(true);
      expect(await log.consumers(s, 'g')).toEqual([]);
      // a deleted consumer that is handed entries again exists again
      await log.append(s, { d: '3' });
      await log.readGroup(s, 'g', 'empty', { count: 1 });
      expect((await log.consumers(s, 'g')).map((x) => [x.name, x.pending])).toEqual([['empty', 1]]);
    });

    it("claimFrom moves only the named consumer's entries that were idle long enough", async () => {
      const s = fx.key('claimfrom');
      await log.ensureGroup(s, 'g');
      const ids = await log.append(s, Array.from({ length: 5 }, (_, i) => ({ d: String(i) })));
      await log.readGroup(s, 'g', 'dead', { count: 3 });
      await log.readGroup(s, 'g', 'other', { count: 2 });
      expect(await log.claimFrom(s, 'g', 'dead', 'live', { minIdleMs: 60_000, count: 10 })).toEqual([]);
      await sleep(30);
      const got = await log.claimFrom(s, 'g', 'dead', 'live', { minIdleMs: 20, count: 2 });
      expect(got.map((e) => e.id)).toEqual(ids.slice(0, 2));
      expect(got[1]!.fields).toEqual({ d: '1' });
      expect(await log.pending(s, 'g')).toEqual({ count: 5, consumers: { dead: 1, live: 2, other: 2 } });
      expect((await log.claimFrom(s, 'g', 'dead', 'live', { minIdleMs: 20, count: 10 })).map((e) => e.id)).toEqual([ids[2]]);
      expect(await log.claimFrom(s, 'g', 'nobody', 'live', { minIdleMs: 0, count: 10 })).toEqual([]);
    });

    it('flush resolves once the appends in flight have landed', async () => {
      const s = fx.key('flush');
      const appends = Array.from({ length: 20 }, (_, i) => log.append(s, Array.from({ length: 50 }, (_, j) => ({ d: `${i}:${j}` }))));
      await log.flush();
      expect(await log.length(s)).toBe(1000);
      await Promise.all(appends);
      await log.flush(); // nothing in flight: at once
    });

    it('a blocking read wakes when an entry is appended', async () => {
      const s = fx.key('block');
      await log.ensureGroup(s, 'g', '$');
      const read = log.readGroup(s, 'g', 'c', { count: 10, blockMs: 10_000 });
      await sleep(50);
      await log.append(s, { d: 'wake' });
      const got = await read;
      expect(got.map((e) => e.fields.d)).toEqual(['wake']);
      // the connection used for blocking is free again for other commands
      expect(await log.length(s)).toBe(1);
    });

    it('a blocking read returns empty after blockMs with no entries', async () => {
      const s = fx.key('timeout');
      await log.ensureGroup(s, 'g');
      expect(await log.readGroup(s, 'g', 'c', { count: 10, blockMs: 50 })).toEqual([]);
    });

    it('appends trim approximately to maxLen (at least maxLen newest kept)', async () => {
      const s = fx.key('trim');
      const batch = Array.from({ length: 1000 }, (_, i) => ({ d: String(i) }));
      await log.append(s, batch, { maxLen: 10 });
      const len = await log.length(s);
      expect(len).toBeGreaterThanOrEqual(10);
      expect(len).toBeLessThan(1000);
      await log.ensureGroup(s, 'g');
      const got = await log.readGroup(s, 'g', 'c', { count: 2000 });
      expect(got.at(-1)!.fields.d).toBe('999');
      // maxLen 0 = no trimming
      const s2 = fx.key('notrim');
      await log.append(s2, batch, { maxLen: 0 });
      expect(await log.length(s2)).toBe(1000);
    });

    it('claimStuck drops pending entries whose data was trimmed away', async () => {
      const s = fx.key('trimclaim');
      await log.ensureGroup(s, 'g');
      await log.append(s, Array.from({ length: 300 }, (_, i) => ({ d: String(i) })), { maxLen: 0 });
      await log.readGroup(s, 'g', 'dead', { count: 300 });
      await log.append(s, Array.from({ length: 1000 }, (_, i) => ({ d: `n${i}` })), { maxLen: 100 });
      const left = await log.length(s);
      expect(left).toBeLessThan(400);
      await sleep(20);
      const got = await log.claimStuck(s, 'g', 'live', { minIdleMs: 10, count: 1000 });
      expect(got).toEqual([]);
      expect((await log.pending(s, 'g')).count).toBe(0);
    });

    it('checkpoints are per stream and group', async () => {
      const s = fx.key('cp');
      expect(await log.checkpoint(s, 'g')).toBeNull();
      await log.setCheckpoint(s, 'g', '5-1');
      await log.setCheckpoint(s, 'h', '7-0');
      expect(await log.checkpoint(s, 'g')).toBe('5-1');
      expect(await log.checkpoint(s, 'h')).toBe('7-0');
      expect(await log.checkpoint(fx.key('cp2'), 'g')).toBeNull();
    });

    it('close releases a blocked reader with an empty result', async () => {
      const s = fx.key('close');
      await log.ensureGroup(s, 'g', '$');
      const read = log.readGroup(s, 'g', 'c', { count: 1, blockMs: 30_000 });
      await sleep(50);
      await log.close();
      expect(await read).toEqual([]);
    });
  });
}
