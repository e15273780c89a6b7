import { describe, expect, it } from 'vitest';
import { MemoryStreamLog } from '../../../src/store/streams/memory.js';
import { createStreamLog } from '../../../src/store/streams/index.js';
import { streamKey } from '../../../src/store/streams/types.js';
import { runStreamLogContract } from './contract.js';

runStreamLogContract('memory', async () => {
  const log = new MemoryStreamLog();
  return { log, key: (n) => `stream:test:mem:${n}`, cleanup: () => log.close() };
});

describe('MemoryStreamLog specifics', () => {
  it('counts deliveries of a pending entry across re-reads and claims', async () => {
    let now = 1_000;
    const log = new MemoryStreamLog({ now: () => now });
    await log.ensureGroup('s', 'g');
    const [id] = await log.append('s', { d: '1' });
    await log.readGroup('s', 'g', 'a', { count: 1 });
    expect(log.deliveries('s', 'g', id!)).toBe(1);
    now += 100;
    await log.claimStuck('s', 'g', 'b', { minIdleMs: 50, count: 1 });
    await log.readGroup('s', 'g', 'b', { count: 1, pending: true });
    expect(log.deliveries('s', 'g', id!)).toBe(3);
  });

  it('ids stay increasing when the clock goes backwards', async () => {
    let now = 5_000;
    const log = new MemoryStreamLog({ now: () => now });
    const [a] = await log.append('s', { d: '1' });
    now = 4_000;
    const [b] = await log.append('s', { d: '2' });
    expect(a).toBe('5000-0');
    expect(b).toBe('5000-1');
  });

  it('uses the configured maxLen by default', async () => {
    const log = new MemoryStreamLog({ maxLen: 5 });
    await log.append('s', Array.from({ length: 20 }, (_, i) => ({ d: String(i) })));
    expect(await log.length('s')).toBe(5);
  });

  it('createStreamLog picks the stand-in without a Redis URL', () => {
    expect(createStreamLog({ mode: 'memory', maxLen: 10, prefix: 'stream' }).kind).toBe('memory');
  });

  it('streamKey builds stream:<stage>:<venue>:<market> and rejects empty parts', () => {
    expect(streamKey('books', 'kalshi', 'KXBTC-25')).toBe('stream:books:kalshi:KXBTC-25');
    expect(streamKey('edges', 'pair', 'p1', 'x')).toBe('x:edges:pair:p1');
    expect(() => streamKey('books', '', 'm')).toThrow(/venue/);
    expect(() => streamKey('books', 'kalshi', 'a b')).toThrow(/market/);
  });
});
