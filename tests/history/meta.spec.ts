/**
 * A recording's meta.json: written and read back unchanged (the feeds' subscriptions, fee
 * schedules and market refs a replay needs), and a clear error for one that does not fit.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NonRetryableError } from '../../src/errors.js';
import { FeeBook } from '../../src/fees/schedule.js';
import { feeBookFromMeta, readRecordingMeta, writeRecordingMeta, type RecordingMeta } from '../../src/history/meta.js';

const work = mkdtempSync(path.join(tmpdir(), 'arbstream-meta-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const cid = '0x' + 'ab'.repeat(32);
const meta = (): RecordingMeta => {
  const fb = FeeBook.withDefaults();
  fb.setMarketRef('kalshi', { marketId: 'KXA-1', seriesId: 'KXA', eventId: 'KXA-E' });
  return {
    pairs: [{ pairId: 'p', legs: [{ venue: 'polymarket', marketId: cid }, { venue: 'kalshi', marketId: 'KXA-1' }], yesMapsToNo: false, status: 'approved', confidence: 1, humanReviewed: true, resolutionTs: 2_000_000_000_000, reasons: [], source: 'file' }],
    markets: [{ venue: 'polymarket', marketId: cid, feedRef: { yesTokenId: '1', noTokenId: '2' } }, { venue: 'kalshi', marketId: 'KXA-1', feedRef: {} }],
    feeSchedules: fb.all(),
    marketRefs: [{ venue: 'kalshi', ...fb.marketRef('kalshi', 'KXA-1') }],
  };
};

describe('recording meta', () => {
  it('round-trips, and the FeeBook comes back with its refs', () => {
    const m = meta();
    const d = mkdtempSync(path.join(work, 'rec-'));
    writeRecordingMeta(d, m);
    const back = readRecordingMeta(d);
    expect(back).toEqual(m);
    const fb = feeBookFromMeta(back);
    expect(fb.marketRef('kalshi', 'KXA-1')).toEqual({ marketId: 'KXA-1', seriesId: 'KXA', eventId: 'KXA-E' });
    expect(fb.all().length).toBe(m.feeSchedules.length);
  });

  it('rejects a meta.json that does not fit, naming the file', () => {
    const d = mkdtempSync(path.join(work, 'old-'));
    // the format before the venue seam: polyMarkets instead of markets
    writeFileSync(path.join(d, 'meta.json'), JSON.stringify({ pairs: [], polyMarkets: [], feeSchedules: [] }));
    expect(() => readRecordingMeta(d)).toThrow(NonRetryableError);
    expect(() => readRecordingMeta(d)).toThrow(/meta\.json does not fit the recording meta format/);
    expect(() => readRecordingMeta(path.join(work, 'missing'))).toThrow(/cannot read .*meta\.json/);
  });
});
