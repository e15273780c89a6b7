import { describe, expect, it } from 'vitest';
import { formatSummary, progressReporter, selectTargets } from '../../src/cli/backfill.js';
import type { BackfillSummary } from '../../src/history/backfill.js';
import { NOT_PUBLISHED } from '../../src/history/backfill.js';
import type { Queryable } from '../../src/store/repos/types.js';

const noDb = {} as Queryable;

describe('arbstream backfill (CLI helpers)', () => {
  it('--markets: 0x ids are Polymarket, others Kalshi, unless --venue says; duplicates dropped', async () => {
    expect(await selectTargets(noDb, { markets: '0xabc, KX-1,KX-1' })).toEqual([{ venue: 'polymarket', id: '0xabc' }, { venue: 'kalshi', id: 'KX-1' }]);
    expect(await selectTargets(noDb, { markets: '0xabc,KX-1', venue: 'kalshi' })).toEqual([{ venue: 'kalshi', id: '0xabc' }, { venue: 'kalshi', id: 'KX-1' }]);
  });

  it('exactly one of --pairs and --markets', async () => {
    await expect(selectTargets(noDb, {})).rejects.toThrow(/exactly one/);
    await expect(selectTargets(noDb, { pairs: true, markets: 'x' })).rejects.toThrow(/exactly one/);
  });

  it('plain progress lines off a terminal: the plan, then finished series with a percentage', () => {
    const lines: string[] = [];
    const p = progressReporter(false, (l) => lines.push(l));
    p.onProgress({ type: 'plan', tasks: 2, totalMs: 4 * 60_000 });
    p.onProgress({ type: 'page', venue: 'kalshi', market: 'KX@1m', kind: 'candles', doneTs: 0, toTs: 1, advancedMs: 2 * 60_000, inserted: 2 });
    p.onProgress({ type: 'task', venue: 'kalshi', market: 'KX@1m', kind: 'candles', status: 'done', inserted: 2 });
    p.stop();
    expect(lines[0]).toBe('backfill: 2 series, 4 market-minutes to fetch');
    expect(lines.at(-1)).toBe('backfill: 50% kalshi candles KX@1m done (+2 rows)');
  });

  it('the summary names gaps, failures and what the venues do not publish', () => {
    const s: BackfillSummary = {
      fromMs: 0, toMs: 3_600_000, inserted: { prices: 1, candles: 2, trades: 3 }, aborted: false, failed: 1, warnings: [], notPublished: NOT_PUBLISHED,
      tasks: [{ venue: 'kalshi', market: 'KX', kind: 'trades', status: 'failed', inserted: 0, doneTs: 0, error: 'HTTP 500 after 9 attempts' }],
      gaps: [{ venue: 'kalshi', marketId: 'KX', kind: 'candles', fromTs: 60_000, toTs: 120_000 }],
    };
    const text = formatSummary(s, ['polymarket:0xgone']);
    expect(text).toContain('inserted: 1 price points, 2 candles, 3 trades');
    expect(text).toContain('failed: kalshi trades KX: HTTP 500 after 9 attempts');
    expect(text).toContain('not resolved: polymarket:0xgone');
    expect(text).toContain('kalshi candles KX 1970-01-01T00:01:00.000Z → 1970-01-01T00:02:00.000Z');
    expect(text).toContain('no order-book history');
  });
});
