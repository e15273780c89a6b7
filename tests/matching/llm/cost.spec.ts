import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { costMicros, formatUsageTable, MemoryLedger, utcDayStart } from '../../../src/matching/cost.js';
import { parseSince } from '../../../src/cli/match.js';
import { registerSecret } from '../../../src/log.js';

describe('costMicros', () => {
  it('is tokens × price per 1M, rounded up to a micro-dollar', () => {
    // DeepSeek list prices: 0.27 $ / 1.10 $ per 1M tokens
    expect(costMicros(1_000_000, 0, 270_000, 1_100_000)).toBe(270_000);
    expect(costMicros(1000, 200, 270_000, 1_100_000)).toBe(270 + 220);
    expect(costMicros(1, 0, 270_000, 1_100_000)).toBe(1); // 0.27 µ$ → 1 µ$
    expect(costMicros(0, 0, 270_000, 1_100_000)).toBe(0);
    expect(costMicros(3, 1, 270_000, 1_100_000)).toBe(2); // 0.81 + 1.10 = 1.91 → 2
  });
  it('is exact for large counts (no float error) and never under-charges (property)', () => {
    fc.assert(fc.property(fc.nat(50_000_000), fc.nat(5_000_000), fc.nat(100_000_000), fc.nat(100_000_000), (p, c, pin, pout) => {
      const exact = BigInt(p) * BigInt(pin) + BigInt(c) * BigInt(pout);
      const got = BigInt(costMicros(p, c, pin, pout));
      expect(got * 1_000_000n >= exact).toBe(true);
      expect((got - 1n) * 1_000_000n < exact || got === 0n).toBe(true);
    }));
  });
});

describe('utcDayStart', () => {
  it('is midnight UTC of the same UTC day', () => {
    expect(utcDayStart(Date.UTC(2025, 10, 20, 23, 59, 59, 999))).toBe(Date.UTC(2025, 10, 20));
    expect(utcDayStart(Date.UTC(2025, 10, 21))).toBe(Date.UTC(2025, 10, 21));
  });
});

describe('MemoryLedger', () => {
  it('sums spend since a time and scrubs secrets from stored errors', async () => {
    registerSecret('sk-memory-ledger-secret');
    const l = new MemoryLedger();
    await l.recordCall({ ts: 10, provider: 'p', model: 'm', costMicros: 5, status: 'ok', cacheHit: false });
    await l.recordCall({ ts: 20, provider: 'p', model: 'm', costMicros: 7, status: 'error', error: 'bad sk-memory-ledger-secret', cacheHit: false });
    expect(await l.spentSince(0)).toBe(12);
    expect(await l.spentSince(15)).toBe(7);
    expect(l.calls[1]!.error).toBe('bad [REDACTED]');
  });
});

describe('match cost CLI helpers', () => {
  const now = Date.UTC(2025, 10, 20, 15, 30);
  it('parses --since', () => {
    expect(parseSince('today', now).getTime()).toBe(Date.UTC(2025, 10, 20));
    expect(parseSince('24h', now).getTime()).toBe(now - 86_400_000);
    expect(parseSince('7d', now).getTime()).toBe(now - 7 * 86_400_000);
    expect(parseSince('90m', now).getTime()).toBe(now - 90 * 60_000);
    expect(parseSince('2025-11-01T00:00:00Z', now).getTime()).toBe(Date.UTC(2025, 10, 1));
    expect(() => parseSince('yesterday-ish', now)).toThrow(/--since/);
  });
  it('formats the table with exact dollars and a total line', () => {
    const t = formatUsageTable([
      { provider: 'deepseek', calls: 3, requests: 2, cacheHits: 1, errors: 0, promptTokens: 1800, completionTokens: 240, costMicros: 750, p50LatencyMs: 1000 },
      { provider: 'openai', calls: 1, requests: 1, cacheHits: 0, errors: 1, promptTokens: 900, completionTokens: 100, costMicros: 3_250_001, p50LatencyMs: null },
    ]).split('\n');
    expect(t[0]).toMatch(/^provider\s+calls\s+requests\s+cache hits\s+errors\s+prompt tok\s+completion tok\s+cost \(USD\)\s+p50 latency$/);
    expect(t[2]).toMatch(/^deepseek\s+3\s+2\s+1\s+0\s+1800\s+240\s+\$0\.000750\s+1000 ms$/);
    expect(t[3]).toMatch(/^openai\s+1\s+1\s+0\s+1\s+900\s+100\s+\$3\.250001\s+-$/);
    expect(t[4]).toMatch(/^total\s+4\s+3\s+1\s+1\s+2700\s+340\s+\$3\.250751$/);
  });
});
