/**
 * Parquet datasets end to end: a recording and the store's books and history exported to
 * data/<venue>/<YYYY-MM>/<market>_<YYYYMMDD>.parquet, read back exactly (frames byte for byte,
 * BIGINT money, µs times), imported idempotently; bad files and lines reported and skipped.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { from } from 'rxjs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { exportDataset } from '../../src/datasets/export.js';
import { importDataset } from '../../src/datasets/import.js';
import { readDataset, type DatasetRow } from '../../src/datasets/reader.js';
import type { DatasetProblem } from '../../src/datasets/problems.js';
import { writeRecordingMeta, type RecordingMeta } from '../../src/history/meta.js';
import { recordFrames } from '../../src/history/recorder.js';
import { recordedFrames } from '../../src/history/replaySource.js';
import type { RawFrame } from '../../src/venues/common/types.js';
import { pgTestPool, type PgTestDb } from '../helpers/db.js';

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'arbstream-ds-'));
});
afterEach(() => {
  rmSync(work, { recursive: true, force: true });
});

const collect = async (it: AsyncIterable<DatasetRow>): Promise<DatasetRow[]> => {
  const out: DatasetRow[] = [];
  for await (const r of it) out.push(r);
  return out;
};

// 2026-01-02 23:59:59.990 UTC: the recording crosses midnight, so two days of files
const T0 = Date.UTC(2026, 0, 2, 23, 59, 59, 990);
const META: RecordingMeta = {
  pairs: [],
  markets: [
    { venue: 'kalshi' as const, marketId: 'KX-A.B', feedRef: {} },
    { venue: 'kalshi' as const, marketId: 'KX_C', feedRef: {} },
    { venue: 'polymarket' as const, marketId: '0xaa', feedRef: { yesTokenId: '11', noTokenId: '12' } },
    { venue: 'polymarket' as const, marketId: '0xbb', feedRef: { yesTokenId: '21', noTokenId: '22' } },
  ],
  feeSchedules: [],
  marketRefs: [],
};

const kSnap = (seq: number, ticker: string) => JSON.stringify({ type: 'orderbook_snapshot', sid: 1, seq, msg: { market_ticker: ticker, yes_dollars_fp: [['0.4000', '10.00']], no_dollars_fp: [['0.5500', '3.25']] } });
const pBook = (asset: string, market: string, ts: number) => ({ event_type: 'book', asset_id: asset, market, bids: [{ price: '0.40', size: '100' }], asks: [{ price: '0.45', size: '50' }], timestamp: String(ts), hash: 'h' });

/** Frames of both venues; same-ms frames, binary, awkward text, a Polymarket frame with two markets' books. */
function frames(): RawFrame[] {
  const out: RawFrame[] = [];
  let seq = 0;
  for (let i = 0; i < 40; i++) {
    const ts = T0 + Math.floor(i / 2); // two frames per ms
    const k = i % 4;
    if (k === 0) out.push({ venue: 'kalshi', connId: 'k1', tsReceived: ts, data: kSnap(++seq, i % 8 === 0 ? 'KX-A.B' : 'KX_C') });
    else if (k === 1) out.push({ venue: 'polymarket', connId: 'p1', tsReceived: ts, data: i % 3 === 0 ? 'PONG' : `weird "q" \\ é€😀 \u2028 #${i}` });
    else if (k === 2) out.push({ venue: 'polymarket', connId: 'p1', tsReceived: ts, data: JSON.stringify([pBook('11', '0xaa', ts), pBook('21', '0xbb', ts)]) });
    else out.push({ venue: 'kalshi', connId: 'k1', tsReceived: ts, data: Buffer.from([i, 0, 255, 10]).toString('base64'), binary: true });
  }
  return out;
}

async function makeRecording(dir: string, fs: RawFrame[]): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeRecordingMeta(dir, META);
  await recordFrames(from(fs), { dir, flushMs: 0 }).done;
}

describe('recordings as Parquet', () => {
  it('export writes the issue layout; readDataset gives back the replay source\'s frames, byte for byte and in its order', async () => {
    const rec = join(work, 'rec');
    const out = join(work, 'data');
    await makeRecording(rec, frames());
    const r = await exportDataset({ recording: rec, out, kinds: ['recording'] });
    expect(r.problems).toEqual([]);
    expect(r.files.sort()).toEqual([
      'kalshi/2026-01/KX-A.B_20260102.parquet',
      'kalshi/2026-01/KX-A.B_20260103.parquet',
      'kalshi/2026-01/KX_C_20260102.parquet',
      'kalshi/2026-01/KX_C_20260103.parquet',
      'kalshi/2026-01/_20260102.parquet',
      'kalshi/2026-01/_20260103.parquet',
      'polymarket/2026-01/0xaa_20260102.parquet',
      'polymarket/2026-01/0xaa_20260103.parquet',
      'polymarket/2026-01/0xbb_20260102.parquet',
      'polymarket/2026-01/0xbb_20260103.parquet',
      'polymarket/2026-01/_20260102.parquet',
      'polymarket/2026-01/_20260103.parquet',
    ]);
    expect(existsSync(join(out, 'meta.json'))).toBe(true);

    const replayed: RawFrame[] = [];
    for await (const f of recordedFrames(rec)) replayed.push(f);
    const rows = await collect(readDataset(out));
    expect(rows.map((x) => x.frame)).toEqual(replayed);
    expect(replayed).toHaveLength(40);

    // one market: its frames only (the two-market Polymarket frames once each), no venue-level ones
    const only = await collect(readDataset(out, { markets: ['0xbb'], venueLevel: false }));
    expect(only.map((x) => x.frame)).toEqual(replayed.filter((f) => f.data.includes('"0xbb"')));
    expect(only).toHaveLength(10);

    // a time window across files
    const win = await collect(readDataset(out, { from: T0 + 5, to: T0 + 12 }));
    expect(win.map((x) => x.frame)).toEqual(replayed.filter((f) => f.tsReceived >= T0 + 5 && f.tsReceived < T0 + 12));

    // exporting again changes nothing
    await exportDataset({ recording: rec, out, kinds: ['recording'] });
    expect((await collect(readDataset(out))).map((x) => x.frame)).toEqual(replayed);
  });

  it('reports a truncated recording file with its file and line, and exports the rest', async () => {
    const rec = join(work, 'rec');
    const out = join(work, 'data');
    await makeRecording(rec, frames().filter((f) => f.venue === 'polymarket'));
    // a crashed session's file: not indexed, last line cut
    const lines = [
      JSON.stringify({ venue: 'kalshi', connId: 'k9', tsReceived: T0 + 100, data: kSnap(1, 'KX_C') }),
      'not json at all',
      JSON.stringify({ venue: 'kalshi', connId: 'k9', tsReceived: T0 + 101, data: 'PONG' }),
      '{"venue":"kalshi","connId":"k9","tsRec',
    ];
    mkdirSync(join(rec, 'kalshi'), { recursive: true });
    const crashed = join(rec, 'kalshi', '20260103-000000-9999.jsonl.gz');
    writeFileSync(crashed, gzipSync(lines.join('\n')));
    const r = await exportDataset({ recording: rec, out, kinds: ['recording'] });
    expect(r.problems).toEqual([
      { file: crashed, position: 'line 2', message: 'not JSON' },
      { file: crashed, position: 'line 4', message: 'truncated last line (not JSON)' },
    ]);
    const kalshi = await collect(readDataset(out, { venues: ['kalshi'] }));
    expect(kalshi.map((x) => x.frame?.data)).toEqual([kSnap(1, 'KX_C'), 'PONG']);

    // a gzip stream cut short: reported after the last line read
    const cut = join(rec, 'kalshi', '20260103-000001-9998.jsonl.gz');
    const gz = gzipSync(Array.from({ length: 200 }, (_, i) => JSON.stringify({ venue: 'kalshi', connId: 'k8', tsReceived: T0 + 200 + i, data: `frame ${i} ${'x'.repeat(50 + (i * 7919) % 300)}` })).join('\n'));
    writeFileSync(cut, gz.subarray(0, Math.floor(gz.length / 2)));
    const r2 = await exportDataset({ recording: rec, out, kinds: ['recording'] });
    const cutProblems = r2.problems.filter((x) => x.file === cut);
    expect(cutProblems).toHaveLength(1);
    const m = /^line (\d+)$/.exec(cutProblems[0]!.position ?? '');
    expect(cutProblems[0]!.message).toBe(`file cut short or corrupt after line ${Number(m?.[1]) - 1} (partial line dropped): unexpected end of file`);
    // every complete line before the cut was exported
    const k8 = (await collect(readDataset(out, { venues: ['kalshi'] }))).filter((x) => x.frame?.connId === 'k8');
    expect(k8).toHaveLength(Number(m?.[1]) - 1);
    expect(k8.map((x) => x.frame?.data.split(' ')[1])).toEqual(k8.map((_, i) => String(i)));
  });
});

describe('bad Parquet files', () => {
  it('a truncated, a garbage and a foreign file are reported with the file and skipped; the other files are read', async () => {
    const rec = join(work, 'rec');
    const out = join(work, 'data');
    await makeRecording(rec, frames());
    await exportDataset({ recording: rec, out, kinds: ['recording'] });
    const all = await collect(readDataset(out));

    const truncated = join(out, 'kalshi/2026-01/KX_C_20260102.parquet');
    const lost = all.filter((x) => x.venue === 'kalshi' && x.market === 'KX_C' && x.ts < Date.UTC(2026, 0, 3)).length;
    expect(lost).toBeGreaterThan(0);
    truncateSync(truncated, Math.floor(statSync(truncated).size / 2));
    const garbage = join(out, 'polymarket/2026-01/0xcc_20260102.parquet');
    writeFileSync(garbage, 'PAR1 this is not parquet PAR1');
    // a valid file whose middle is overwritten: decoding its pages fails
    const damaged = join(out, 'polymarket/2026-01/_20260103.parquet');
    const buf = readFileSync(damaged);
    for (let i = 8; i < buf.length - 64; i++) buf[i] = 0xff;
    writeFileSync(damaged, buf);
    const lostDamaged = all.filter((x) => x.venue === 'polymarket' && x.market === '' && x.ts >= Date.UTC(2026, 0, 3)).length;
    writeFileSync(join(out, 'kalshi/2026-01/notes.txt'), 'hello');

    const problems: DatasetProblem[] = [];
    const rows = await collect(readDataset(out, { problems }));
    expect(problems.map((p) => p.file).sort()).toEqual(['kalshi/2026-01/notes.txt', 'polymarket/2026-01/_20260103.parquet', 'kalshi/2026-01/KX_C_20260102.parquet', 'polymarket/2026-01/0xcc_20260102.parquet'].sort());
    expect(problems.find((p) => p.file.startsWith('kalshi/2026-01/KX_C'))?.message).toMatch(/^unreadable Parquet file, skipped: .*KX_C_20260102\.parquet/);
    for (const p of problems) expect(p.message.length).toBeGreaterThan(10);
    expect(rows.length).toBe(all.length - lost - lostDamaged);
    // nothing repeated, order kept
    const keys = rows.map((x) => `${x.tsUs}:${x.venue}:${x.seq}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('books and history through the store', () => {
  let db: PgTestDb;
  beforeAll(async () => {
    db = await pgTestPool({ migrate: true });
  });
  afterAll(async () => {
    await db?.drop();
  });

  const BIG = '9007199254740993'; // 2^53 + 1: not a double
  const dumpBooks = async () => (await db.pool.query(`SELECT ts::text, venue, market_id, ts_venue::text, yes_bid::text, yes_bid_qty::text, yes_ask::text, no_bid::text, no_ask_qty::text, issues, stream_id FROM book_tops ORDER BY 1, 2, 3, stream_id`)).rows;
  const dumpTrades = async () => (await db.pool.query(`SELECT ts::text, venue, market_id, trade_key, asset_id, outcome, price_micros::text, qty::text, side, taker_outcome, tx_hash FROM history_trades ORDER BY 1, 2, 3, 4`)).rows;
  const dumpCandles = async () => (await db.pool.query(`SELECT h::text FROM history_candles h ORDER BY ts, market_id`)).rows;

  it('round-trips exactly (BIGINT money incl. > 2^53 and negative, µs times, arrays, nulls), and a re-import adds nothing', async () => {
    await db.pool.query(`INSERT INTO book_tops (ts, venue, market_id, ts_venue, yes_bid, yes_bid_qty, yes_ask, yes_ask_qty, no_bid, no_bid_qty, no_ask, no_ask_qty, issues, stream_id) VALUES
      ('2026-01-02T23:59:59.999999Z', 'kalshi', 'KX_C', '2026-01-02T23:59:59.5Z', 400000, ${BIG}, 450000, 1, NULL, NULL, 560000, -${BIG}, ARRAY['crossed', 'quote "odd", {x}'], '1-0'),
      ('2026-01-02T23:59:59.999999Z', 'kalshi', 'KX_C', NULL, -1, 0, NULL, NULL, NULL, NULL, NULL, NULL, '{}', '1-1'),
      ('2026-01-03T00:00:00.000001Z', 'polymarket', '0xaa', '2026-01-03T00:00:00Z', 1000000, 123456789, 0, 5, 1, 2, 3, 4, '{}', '2-0')`);
    await db.pool.query(`INSERT INTO history_trades (ts, venue, market_id, trade_key, asset_id, outcome, price_micros, qty, side, taker_outcome, tx_hash) VALUES
      ('2026-01-02T12:00:00.123Z', 'polymarket', '0xaa', 'k1', '11', 'yes', 999999, ${BIG}, 'buy', NULL, '0xdead'),
      ('2026-01-02T12:00:00.123Z', 'kalshi', 'KX_C', 't-9', NULL, 'yes', 1, 1, NULL, 'no', NULL)`);
    await db.pool.query(`INSERT INTO history_candles (ts, venue, market_id, period_s, bid_open_micros, bid_close_micros, price_mean_micros, volume_qty) VALUES
      ('2026-01-02T13:00:00Z', 'kalshi', 'KX_C', 3600, 100, 200, NULL, ${BIG})`);
    const books = await dumpBooks();
    const trades = await dumpTrades();
    const candles = await dumpCandles();

    const out = join(work, 'data');
    const ex = await exportDataset({ pool: db.pool, out, kinds: ['books', 'history'], from: Date.UTC(2026, 0, 1), to: Date.UTC(2026, 0, 4) });
    expect(ex.problems).toEqual([]);
    expect(ex.rows).toMatchObject({ books: 3, trades: 2, candles: 1, prices: 0, depth: 0 });
    expect(ex.files.sort()).toEqual(['kalshi/2026-01/KX_C_20260102.parquet', 'polymarket/2026-01/0xaa_20260102.parquet', 'polymarket/2026-01/0xaa_20260103.parquet']);

    // Parquet types: money BIGINT, times TIMESTAMPTZ, never DOUBLE
    const inst = await DuckDBInstance.create(':memory:');
    const c = await inst.connect();
    const types = Object.fromEntries((await (await c.runAndReadAll(`SELECT name, type FROM parquet_schema('${join(out, 'kalshi/2026-01/KX_C_20260102.parquet')}')`)).getRowsJS()).map((r) => [String(r[0]), String(r[1])]));
    c.closeSync();
    inst.closeSync();
    expect(types).toMatchObject({ yes_bid: 'INT64', yes_bid_qty: 'INT64', price_micros: 'INT64', ts: 'INT64', ts_venue: 'INT64', data: 'BYTE_ARRAY' });
    expect(Object.values(types)).not.toContain('DOUBLE');

    // read back: exact integers
    const rows = await collect(readDataset(out, { kinds: ['books'] }));
    expect(rows.map((r) => [r.tsUs, r.market, r.values.yes_bid_qty, r.values.no_ask_qty, r.values.issues])).toEqual([
      [1767398399999999n, 'KX_C', BigInt(BIG), -BigInt(BIG), ['crossed', 'quote "odd", {x}']],
      [1767398399999999n, 'KX_C', 0n, null, []],
      [1767398400000001n, '0xaa', 123456789n, 4n, []],
    ]);

    // import into an empty store gives the same rows; a second import adds nothing
    await db.pool.query('TRUNCATE book_tops, history_trades, history_candles');
    const im = await importDataset({ in: out, pool: db.pool });
    expect(im.problems).toEqual([]);
    expect(im.inserted).toEqual({ books: 3, trades: 2, candles: 1 });
    expect(await dumpBooks()).toEqual(books);
    expect(await dumpTrades()).toEqual(trades);
    expect(await dumpCandles()).toEqual(candles);
    const again = await importDataset({ in: out, pool: db.pool });
    expect(again.inserted).toEqual({ books: 0, trades: 0, candles: 0 });
    expect(again.present).toEqual({ books: 3, trades: 2, candles: 1 });
    expect(await dumpBooks()).toEqual(books);

    // exporting recordings into the same files keeps the books (kind is a column)
    const rec = join(work, 'rec');
    await makeRecording(rec, frames());
    await exportDataset({ recording: rec, out, kinds: ['recording'] });
    const mixed = await collect(readDataset(out, { venues: ['kalshi'], markets: ['KX_C'], venueLevel: false }));
    expect(new Set(mixed.map((r) => r.kind))).toEqual(new Set(['recording', 'books', 'trades', 'candles']));
    expect(mixed.filter((r) => r.kind === 'books')).toHaveLength(2);

    // a corrupt file is reported and skipped by the import, the others imported
    await db.pool.query('TRUNCATE book_tops, history_trades, history_candles');
    const bad = join(out, 'polymarket/2026-01/0xaa_20260103.parquet');
    copyFileSync(bad, `${bad}.bak`);
    truncateSync(bad, 100);
    const im2 = await importDataset({ in: out, pool: db.pool });
    expect(im2.problems).toHaveLength(2); // the truncated file, and the .bak copy (not in the layout)
    expect(im2.problems.map((p) => p.file).sort()).toEqual(['polymarket/2026-01/0xaa_20260103.parquet', 'polymarket/2026-01/0xaa_20260103.parquet.bak']);
    expect(im2.inserted).toEqual({ books: 2, trades: 2, candles: 1 });
  });
});
