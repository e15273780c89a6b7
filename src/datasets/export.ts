/**
 * `arbstream dataset export`: recorded sessions and store tables to Parquet files in the layout of
 * ./layout.ts, columns of ./kinds.ts, written by ./stage.ts.
 *
 * Recordings: each venue's frames are read in recorded order and decoded with the venue's own
 * replay decoder (`replay.bookEvents`, the live decoders) only to learn which markets a frame is
 * about; the frame is stored once in the file of each such market (a Polymarket frame carrying
 * books of three markets is in three files, with the same (venue, ts, seq) identity, and
 * {@link readDataset} yields it once). A frame with no book event goes to the venue-level file.
 * The recording's `meta.json` (markets, pairs, fees: what a replay decodes with) is copied to
 * `<out>/meta.json` (or `meta-<hash>.json` when a different one is already there).
 * Bad lines and cut-short files are reported with the file and line and skipped.
 *
 * Tables: read through a server-side cursor (bounded memory), money as BIGINT text, times as exact
 * µs, arrays and jsonb as they are.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { Subject } from 'rxjs';
import type { BookEvent } from '../../schema/book.js';
import { VENUE_IDS, type Venue } from '../../schema/venue.js';
import { readRecordingMeta } from '../history/meta.js';
import { listRecording, newReplayCounters } from '../history/replaySource.js';
import { log } from '../log.js';
import { venues } from '../venues/registry.js';
import type { RawFrame } from '../venues/common/types.js';
import { errText, openDuck, type DuckOptions } from './duck.js';
import { RECORDING_KIND, q, tableKindsOf, type ColType, type KindGroup, type TableKind } from './kinds.js';
import { datasetFile } from './layout.js';
import type { DatasetProblem } from './problems.js';
import { recordingLines } from './recordingLines.js';
import { Stager } from './stage.js';

export interface ExportOptions {
  /** dataset root (e.g. `data/`) */
  readonly out: string;
  /** unix ms, inclusive */
  readonly from?: number;
  /** unix ms, exclusive */
  readonly to?: number;
  readonly venues?: readonly Venue[];
  readonly markets?: readonly string[];
  /** default: recording when `recording` is given, plus books and history when `pool` is given */
  readonly kinds?: readonly KindGroup[];
  /** recording directory of `arbstream record` */
  readonly recording?: string;
  /** the store, for books and history */
  readonly pool?: pg.Pool;
  readonly duck?: DuckOptions;
}

export interface ExportResult {
  /** rows staged per kind */
  rows: Record<string, number>;
  /** files written, relative to `out` */
  files: string[];
  /** kinds asked for whose table is not in the database */
  missingTables: string[];
  problems: DatasetProblem[];
}

const usOfMs = (ms: number): bigint => BigInt(Math.round(ms * 1000));

/** Copies the recording's meta.json next to the dataset (see the module comment); returns the name written or found. */
function copyMeta(recording: string, out: string): string {
  readRecordingMeta(recording); // a clear error when missing or invalid
  const text = readFileSync(join(recording, 'meta.json'), 'utf8');
  const main = join(out, 'meta.json');
  if (!existsSync(main) || readFileSync(main, 'utf8') === text) {
    writeFileSync(main, text);
    return 'meta.json';
  }
  const name = `meta-${createHash('sha256').update(text).digest('hex').slice(0, 12)}.json`;
  writeFileSync(join(out, name), text);
  log.warn({ file: name }, 'dataset already has a different meta.json; this recording\'s is kept as ' + name);
  return name;
}

async function stageRecording(stager: Stager, o: ExportOptions & { recording: string }, problems: DatasetProblem[]): Promise<number> {
  const meta = readRecordingMeta(o.recording);
  const listing = await listRecording(o.recording, newReplayCounters());
  const from = o.from ?? -Infinity;
  const to = o.to ?? Infinity;
  const wantMarket = o.markets ? new Set(o.markets) : undefined;
  let rows = 0;
  for (const venue of VENUE_IDS) {
    if (o.venues && !o.venues.includes(venue)) continue;
    const frames = new Subject<RawFrame>();
    let touched = new Set<string>();
    let decoderDead = false;
    const sub = frames.pipe(venues[venue].replay.bookEvents(meta.markets.filter((m) => m.venue === venue))).subscribe({
      next: (e: BookEvent) => void touched.add(e.marketId),
      error: (err: unknown) => {
        decoderDead = true;
        log.error({ err, venue }, 'replay decoder failed; later frames of this venue go to the venue-level file');
      },
    });
    let lastMs = NaN;
    let seq = 0n;
    for (const f of listing.get(venue) ?? []) {
      if (f.lastTs !== undefined && f.lastTs < from) continue;
      if (f.firstTs !== undefined && f.firstTs >= to) continue;
      const path = join(o.recording, f.file);
      for await (const item of recordingLines(path)) {
        if (!item.ok) {
          problems.push({ file: path, position: `line ${item.line}`, message: item.reason });
          log.warn({ file: path, line: item.line, reason: item.reason }, 'recording line skipped');
          continue;
        }
        const frame = item.frame;
        if (frame.venue !== venue) {
          problems.push({ file: path, position: `line ${item.line}`, message: `frame of venue ${frame.venue} in a ${venue} file` });
          continue;
        }
        // identity within the venue: receive ms + ordinal in that ms (recorded order)
        if (frame.tsReceived === lastMs) seq += 1n;
        else {
          lastMs = frame.tsReceived;
          seq = 0n;
        }
        if (frame.tsReceived < from || frame.tsReceived >= to) continue;
        touched = new Set();
        if (!decoderDead) frames.next(frame);
        const markets = touched.size ? [...touched].sort() : [''];
        for (const market of markets) {
          if (market !== '' && wantMarket && !wantMarket.has(market)) continue;
          stager.append({
            file: datasetFile(venue, market, frame.tsReceived),
            kind: RECORDING_KIND,
            venue,
            market,
            tsUs: usOfMs(frame.tsReceived),
            seq,
            values: { conn_id: frame.connId, data: frame.data, binary: frame.binary === true },
          });
          rows += 1;
        }
      }
    }
    sub.unsubscribe();
  }
  return rows;
}

/** The SELECT expression of a column read from PostgreSQL for staging (exact: money and times as text). */
function pgOut(name: string, type: ColType): string {
  switch (type) {
    case 'timestamptz':
      return `((extract(epoch FROM ${q(name)}) * 1000000)::bigint)::text`;
    case 'bigint':
    case 'jsonb':
      return `${q(name)}::text`;
    default:
      return q(name);
  }
}

export async function tableExists(pool: pg.Pool, table: string): Promise<boolean> {
  const r = await pool.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [table]);
  return r.rows[0]?.t != null;
}

async function stageTable(stager: Stager, pool: pg.Pool, k: TableKind, o: ExportOptions): Promise<number> {
  const client = await pool.connect();
  const lq = (s: string) => client.escapeLiteral(s);
  const where = [
    ...(o.from !== undefined ? [`ts >= ${lq(new Date(o.from).toISOString())}::timestamptz`] : []),
    ...(o.to !== undefined ? [`ts < ${lq(new Date(o.to).toISOString())}::timestamptz`] : []),
    ...(o.venues ? [`venue IN (${o.venues.map(lq).join(', ') || 'NULL'})`] : []),
    ...(o.markets ? [`${q(k.marketColumn)} IN (${o.markets.map(lq).join(', ') || 'NULL'})`] : []),
  ];
  const cols = k.columns.map((c) => `${pgOut(c.name, c.type)} AS ${q(c.name)}`);
  // a total order (every column), so `seq` (ordinal among a market's rows of the same µs) is stable
  const order = ['ts', '1', '2', ...k.columns.map((_, i) => String(i + 4))].join(', ');
  const sql = `SELECT venue, ${q(k.marketColumn)}::text AS market, ${pgOut('ts', 'timestamptz')} AS ts_us, ${cols.join(', ')}
    FROM ${q(k.table)} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order}`;
  let rows = 0;
  try {
    await client.query('BEGIN READ ONLY');
    await client.query(`DECLARE dataset_export NO SCROLL CURSOR FOR ${sql}`);
    let last = '';
    let seq = 0n;
    for (;;) {
      const res = await client.query<Record<string, unknown>>('FETCH 5000 FROM dataset_export');
      if (res.rows.length === 0) break;
      for (const r of res.rows) {
        const venue = r.venue as Venue;
        const market = String(r.market);
        const tsUs = BigInt(r.ts_us as string);
        const key = `${venue}\u0000${market}\u0000${tsUs}`;
        seq = key === last ? seq + 1n : 0n;
        last = key;
        const tsMs = Number(tsUs / 1000n) - (tsUs % 1000n < 0n ? 1 : 0);
        stager.append({ file: datasetFile(venue, market, tsMs), kind: k.kind, venue, market, tsUs, seq, values: r });
        rows += 1;
      }
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
  return rows;
}

/** Exports recordings and/or tables (see the module comment). Problems are reported in the result and logged, never thrown. */
export async function exportDataset(o: ExportOptions): Promise<ExportResult> {
  const groups: readonly KindGroup[] = o.kinds ?? [...(o.recording ? (['recording'] as const) : []), ...(o.pool ? (['books', 'history'] as const) : [])];
  const result: ExportResult = { rows: {}, files: [], missingTables: [], problems: [] };
  mkdirSync(o.out, { recursive: true });
  const duck = await openDuck(o.duck);
  try {
    const stager = await Stager.create(duck.conn);
    const kinds: string[] = [];
    if (groups.includes('recording')) {
      if (!o.recording) throw new Error('--kind recording needs --recording <dir>');
      copyMeta(o.recording, o.out);
      result.rows[RECORDING_KIND] = await stageRecording(stager, { ...o, recording: o.recording }, result.problems);
      kinds.push(RECORDING_KIND);
    }
    const tableKinds = tableKindsOf(groups);
    if (tableKinds.length && !o.pool) throw new Error('books and history are exported from the database: no database given');
    for (const k of tableKinds) {
      if (!(await tableExists(o.pool!, k.table))) {
        result.missingTables.push(k.table);
        log.warn({ kind: k.kind, table: k.table }, 'table not in the database (migration not applied?); kind skipped');
        continue;
      }
      result.rows[k.kind] = await stageTable(stager, o.pool!, k, o);
      kinds.push(k.kind);
    }
    const w = await stager.write(o.out, { kinds, ...(o.from !== undefined ? { fromUs: usOfMs(o.from) } : {}), ...(o.to !== undefined ? { toUs: usOfMs(o.to) } : {}) }, result.problems);
    result.files = w.files;
    return result;
  } catch (err) {
    log.error({ err: errText(err) }, 'dataset export failed');
    throw err;
  } finally {
    duck.close();
  }
}
