import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { deadLetter, deadLetterStats, decodeEntries, decodeOrDeadLetter, encodeEvent } from '../../../src/store/streams/deadletter.js';
import { MemoryStreamLog } from '../../../src/store/streams/memory.js';

const Ev = z.object({ seq: z.number().int(), px: z.number().int() });

describe('decodeEntries', () => {
  it('splits good from bad with a reason for each bad entry', () => {
    const { good, bad } = decodeEntries(
      [
        { id: '1-0', fields: encodeEvent('ev', { seq: 1, px: 500_000 }) },
        { id: '2-0', fields: { t: 'ev', d: '{not json' } },
        { id: '3-0', fields: { t: 'ev', d: JSON.stringify({ seq: 'x', px: 1 }) } },
        { id: '4-0', fields: { t: 'ev' } },
        { id: '5-0', fields: encodeEvent('ev', { seq: 5, px: 1 }) },
      ],
      Ev,
    );
    expect(good).toEqual([
      { id: '1-0', type: 'ev', value: { seq: 1, px: 500_000 } },
      { id: '5-0', type: 'ev', value: { seq: 5, px: 1 } },
    ]);
    expect(bad.map((b) => b.entry.id)).toEqual(['2-0', '3-0', '4-0']);
    expect(bad[0]!.reason).toMatch(/^not JSON/);
    expect(bad[1]!.reason).toMatch(/^schema: seq:/);
    expect(bad[2]!.reason).toBe('missing field d');
  });
});

describe('deadLetter', () => {
  it('moves bad entries to <stream>:dead with reason/stream/id/raw, acks them and counts them', async () => {
    const log = new MemoryStreamLog();
    await log.ensureGroup('s', 'g');
    await log.append('s', [encodeEvent('ev', { seq: 1, px: 1 }), { t: 'ev', d: 'garbage' }, encodeEvent('ev', { seq: 2 })]);
    const entries = await log.readGroup('s', 'g', 'c', { count: 10 });
    const before = deadLetterStats.total;
    const { good, dead } = await decodeOrDeadLetter(log, 's', 'g', entries, Ev);
    expect(good.map((g) => g.value.seq)).toEqual([1]);
    expect(dead).toBe(2);
    expect(deadLetterStats.total - before).toBe(2);
    expect(deadLetterStats.byStream.get('s')).toBeGreaterThanOrEqual(2);
    // the bad ones no longer block the group; the good one is still pending until its owner acks
    expect(await log.pending('s', 'g')).toEqual({ count: 1, consumers: { c: 1 } });
    await log.ensureGroup('s:dead', 'inspect');
    const deadEntries = await log.readGroup('s:dead', 'inspect', 'x', { count: 10 });
    expect(deadEntries.map((e) => e.fields.id)).toEqual([entries[1]!.id, entries[2]!.id]);
    expect(deadEntries[0]!.fields).toMatchObject({ stream: 's', raw: JSON.stringify({ t: 'ev', d: 'garbage' }) });
    expect(deadEntries[0]!.fields.reason).toMatch(/not JSON/);
    expect(deadEntries[1]!.fields.reason).toMatch(/px/);
    expect(await deadLetter(log, 's', 'g', [])).toBe(0);
  });
});
