/**
 * bookRowsSource: stored books (book_depth / book_tops rows) stream as book snapshots in receive
 * order with keyset pagination (pages end exactly between rows of the same ts), filtered by time
 * and market, and go through the replay graph like decoded frames.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { FeeBook } from '../../src/fees/schedule.js';
import { bookRowsSource, newBookRowsCounters } from '../../src/history/bookSource.js';
import { outputLines, streamReplay } from '../../pipelines/replay.js';
import type { Pair } from '../../schema/pair.js';
import { pgTestPool, type PgTestDb } from '../helpers/db.js';

let db: PgTestDb;
const t0 = Date.UTC(2026, 5, 1);
const POLY = '0x' + 'ab'.repeat(32);
const KAL = 'KXTEST-1';
const side = (bid: number, ask: number) => ({ bids: [{ price: bid, qty: 5_000_000 }, { price: bid - 10_000, qty: 7_000_000 }], asks: [{ price: ask, qty: 5_000_000 }] });

beforeAll(async () => {
  db = await pgTestPool({ migrate: true });
  const rows: [number, string, string, string, unknown, unknown][] = [];
  // three rows at the same ms (two markets, two stream ids): a page boundary falls between them
  rows.push([t0, 'polymarket', POLY, 'a', side(380_000, 400_000), side(580_000, 620_000)]);
  rows.push([t0, 'polymarket', POLY, 'b', side(380_000, 400_000), side(580_000, 620_000)]);
  rows.push([t0, 'kalshi', KAL, 'a', side(470_000, 490_000), side(510_000, 530_000)]);
  for (let i = 1; i <= 6; i++) rows.push([t0 + i * 10_000, i % 2 ? 'kalshi' : 'polymarket', i % 2 ? KAL : POLY, 'a', side(470_000 - i * 1000, 490_000), side(510_000, 530_000)]);
  rows.push([t0 + 3_600_000, 'kalshi', KAL, 'a', side(1, 2), side(3, 4)]); // outside the window
  rows.push([t0 + 20_000, 'kalshi', 'OTHER', 'a', side(1, 2), side(3, 4)]); // another market
  for (const [ts, venue, market, stream, yes, no] of rows) {
    await db.pool.query('INSERT INTO book_depth (ts, venue, market_id, ts_venue, yes, no, stream_id) VALUES ($1, $2, $3, $1, $4, $5, $6)', [new Date(ts), venue, market, JSON.stringify(yes), JSON.stringify(no), stream]);
  }
  await db.pool.query(`INSERT INTO book_depth (ts, venue, market_id, yes, no, stream_id) VALUES ($1, 'kalshi', $2, '{"bids": "nope"}', '{}', 'bad')`, [new Date(t0 + 15_000), KAL]);
  await db.pool.query(`INSERT INTO book_tops (ts, venue, market_id, yes_bid, yes_bid_qty, yes_ask, yes_ask_qty, no_bid, no_bid_qty, no_ask, no_ask_qty) VALUES ($1, 'kalshi', $2, 470000, 1000000, 490000, 2000000, NULL, NULL, 530000, 3000000)`, [new Date(t0), KAL]);
}, 60_000);

afterAll(async () => {
  await db?.drop();
});

const all = async <T>(it: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};

describe('bookRowsSource', () => {
  it('streams every row in (ts, venue, market, stream) order across pages of any size, as full snapshots; bad rows counted and skipped', async () => {
    const whole = await all(bookRowsSource(db.pool, { from: t0, to: t0 + 60_000, pageSize: 1000 }));
    for (const pageSize of [1, 2, 3]) {
      const counters = newBookRowsCounters();
      const paged = await all(bookRowsSource(db.pool, { from: t0, to: t0 + 60_000, pageSize, counters }));
      expect(paged).toEqual(whole);
      expect(counters.badRows).toBe(1);
      expect(counters.pages).toBeGreaterThan(whole.length / pageSize);
    }
    expect(whole).toHaveLength(9); // 3 at t0, 5 within the hour's first minute (the 6th is at `to`, exclusive), OTHER
    expect(whole.map((e) => e.tsReceived)).toEqual([...whole.map((e) => e.tsReceived)].sort((a, b) => a - b));
    expect(whole.slice(0, 3).map((e) => `${e.venue}:${e.marketId}`)).toEqual([`kalshi:${KAL}`, `polymarket:${POLY}`, `polymarket:${POLY}`]);
    expect(whole[0]).toEqual({
      kind: 'snapshot', venue: 'kalshi', marketId: KAL, tsVenue: t0, tsReceived: t0,
      ladders: { yesBid: side(470_000, 490_000).bids, yesAsk: side(470_000, 490_000).asks, noBid: side(510_000, 530_000).bids, noAsk: side(510_000, 530_000).asks },
    });
  });

  it('filters by market; reads top-of-book rows; rejects bad options', async () => {
    const only = await all(bookRowsSource(db.pool, { from: t0, to: t0 + 60_000, markets: [{ venue: 'kalshi', marketId: 'OTHER' }] }));
    expect(only.map((e) => e.marketId)).toEqual(['OTHER']);
    const tops = await all(bookRowsSource(db.pool, { from: t0, to: t0 + 1, table: 'tops' }));
    expect(tops).toEqual([{ kind: 'snapshot', venue: 'kalshi', marketId: KAL, tsVenue: t0, tsReceived: t0, ladders: { yesBid: [{ price: 470_000, qty: 1_000_000 }], yesAsk: [{ price: 490_000, qty: 2_000_000 }], noBid: [], noAsk: [{ price: 530_000, qty: 3_000_000 }] } }]);
    await expect(all(bookRowsSource(db.pool, { from: t0, to: t0 + 1, pageSize: 0 }))).rejects.toThrow(/pageSize/);
    await expect(all(bookRowsSource(db.pool, { from: t0 + 1, to: t0 }))).rejects.toThrow(/from/);
  });

  it('goes through the replay graph: the stored cross-venue edge comes out, identically twice', async () => {
    const config = loadConfig({ LOG_LEVEL: 'silent' });
    const pair: Pair = { pairId: 'p1', legs: [{ venue: 'polymarket', marketId: POLY }, { venue: 'kalshi', marketId: KAL }], yesMapsToNo: false, status: 'approved', confidence: 1, humanReviewed: true, resolutionTs: t0 + 30 * 86_400_000, reasons: [], source: 'file' };
    const once = async () => {
      const r = streamReplay({ bookEvents: bookRowsSource(db.pool, { from: t0, to: t0 + 60_000, pageSize: 2 }), pairs: [pair], markets: [], feeBook: FeeBook.withDefaults(), risk: config.risk });
      const lines: string[] = [];
      outputLines(r.outputs, (l) => lines.push(l));
      const stats = await r.run();
      return { text: lines.join('\n'), stats };
    };
    const a = await once();
    expect(a.stats).toMatchObject({ frames: 0, inputEvents: 9 });
    expect(a.text).toContain('"stage":"edges"');
    expect((await once()).text).toBe(a.text);
  });
});
