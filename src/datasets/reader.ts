/**
 * The streaming reader of a dataset, for replay and backtest: every row of the wanted venues,
 * markets, kinds and time range, ordered by `ts` (receive time for frames and books) across files,
 * ties by venue (VENUE_IDS order, as the recording replay), kind, seq, market.
 *
 * Strategy: files are partitioned by UTC day, so days never interleave; the reader runs one
 * DuckDB query per day, `SELECT … FROM read_parquet([that day's files], union_by_name) ORDER BY …`,
 * and pulls its result chunk by chunk (2,048 rows). DuckDB sorts at native speed and spills sort
 * runs to disk past its memory_limit, so memory stays bounded whatever the size of a day (a day of
 * 2,000 pairs is 4,000+ files; a JS k-way merge would keep a decoder and a chunk open per file,
 * gigabytes at that width) and only one day is open at a time for a month.
 *
 * A frame stored in several markets' files (./export.ts) is yielded once: its copies share
 * (venue, ts, seq) and are adjacent in this order.
 *
 * Bad files: a file that cannot be read (truncated, corrupt page, not Parquet, missing columns)
 * is reported (logged and pushed to `problems`, with DuckDB's message and the row group when it
 * names one) and skipped; the day goes on from the last row yielded, so nothing is repeated.
 */
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { VENUE_IDS, type Venue } from '../../schema/venue.js';
import { log } from '../log.js';
import type { RawFrame } from '../venues/common/types.js';
import { errText, openDuck, type DuckOptions } from './duck.js';
import { RECORDING_KIND, lit, q } from './kinds.js';
import { listDatasetFiles, type DatasetFile } from './layout.js';
import type { DatasetProblem } from './problems.js';

/** A value of a kind's own column: text, integer (bigint, always for BIGINT money), boolean, µs timestamps as bigint, lists. */
export type DatasetValue = string | number | bigint | boolean | null | readonly DatasetValue[];

export interface DatasetRow {
  readonly kind: string;
  readonly venue: Venue;
  /** the market ('' = venue-level); for a frame stored in several markets' files, the first of them */
  readonly market: string;
  /** unix µs, exact */
  readonly tsUs: bigint;
  /** unix ms (fractional only when the source had sub-ms precision) */
  readonly ts: number;
  readonly seq: bigint;
  /** the kind's own columns (timestamptz as unix µs bigint) */
  readonly values: Readonly<Record<string, DatasetValue>>;
  /** recording rows: the frame exactly as recorded */
  readonly frame?: RawFrame;
}

export interface ReadOptions {
  /** unix ms, inclusive */
  readonly from?: number;
  /** unix ms, exclusive */
  readonly to?: number;
  readonly venues?: readonly Venue[];
  /** market ids; venue-level frames are included unless `venueLevel: false` */
  readonly markets?: readonly string[];
  readonly venueLevel?: boolean;
  /** kinds (default all), e.g. ['recording'] */
  readonly kinds?: readonly string[];
  /** bad files are pushed here (and logged) */
  readonly problems?: DatasetProblem[];
  readonly duck?: DuckOptions;
}

const COMMON = new Set(['kind', 'venue', 'market', 'ts', 'seq']);
const VRANK = `CASE venue ${VENUE_IDS.map((v, i) => `WHEN ${lit(v)} THEN ${i}`).join(' ')} END`;

/** The row group DuckDB names in an error, if any. */
const rowGroupOf = (msg: string): string | undefined => /row[ _]group[^0-9]{0,3}(\d+)/i.exec(msg)?.[1];

/**
 * Reads a dataset file completely; the reason it cannot be used, or undefined when it is fine.
 * Every column of every row is decoded (a corrupt page fails here) and the common columns must be there.
 */
export async function checkDatasetFile(conn: DuckDBConnection, path: string): Promise<DatasetProblem | undefined> {
  try {
    const cols = (await (await conn.runAndReadAll(`SELECT name FROM parquet_schema(${lit(path)})`)).getRowsJS()).map((r) => String(r[0]));
    const missing = [...COMMON].filter((c) => !cols.includes(c));
    if (missing.length) return { file: path, message: `not a dataset file: missing column(s) ${missing.join(', ')}` };
    await conn.run(`SELECT bit_xor(hash(t)) FROM read_parquet(${lit(path)}) t`);
    return undefined;
  } catch (err) {
    const msg = errText(err);
    const rg = rowGroupOf(msg);
    return { file: path, ...(rg !== undefined ? { position: `row group ${rg}` } : {}), message: `unreadable Parquet file, skipped: ${msg}` };
  }
}

interface Key {
  readonly tsUs: bigint;
  readonly vrank: number;
  readonly kind: string;
  readonly seq: bigint;
  readonly market: string;
}

/** `(ts, vrank, kind, seq, market) > key`, spelled out (lexicographic). */
function after(k: Key): string {
  const parts: [string, string][] = [
    ['epoch_us(ts)', String(k.tsUs)],
    [VRANK, String(k.vrank)],
    ['kind', lit(k.kind)],
    ['seq', String(k.seq)],
    ['market', lit(k.market)],
  ];
  const ors = parts.map((_, i) => [...parts.slice(0, i).map(([c, v]) => `${c} = ${v}`), `${parts[i]![0]} > ${parts[i]![1]}`].join(' AND '));
  return `(${ors.map((o) => `(${o})`).join(' OR ')})`;
}

/**
 * The dataset's rows under `root` (see the module comment). Ends early without leaking when the
 * consumer stops (`break`); throws only when the root cannot be listed or DuckDB fails on files
 * that all read fine on their own.
 */
export async function* readDataset(root: string, o: ReadOptions = {}): AsyncGenerator<DatasetRow> {
  const problems = o.problems ?? [];
  const report = (p: DatasetProblem) => {
    problems.push(p);
    log.warn({ file: p.file, position: p.position, reason: p.message }, 'dataset file skipped');
  };
  const { files, foreign } = await listDatasetFiles(root, {
    ...(o.from !== undefined ? { from: o.from } : {}),
    ...(o.to !== undefined ? { to: o.to } : {}),
    ...(o.venues ? { venues: o.venues } : {}),
    ...(o.markets ? { markets: o.markets } : {}),
    ...(o.venueLevel !== undefined ? { venueLevel: o.venueLevel } : {}),
  });
  for (const f of foreign) report({ file: f, message: 'not in the dataset layout <venue>/<YYYY-MM>/<market>_<YYYYMMDD>.parquet' });
  const days = new Map<number, DatasetFile[]>();
  for (const f of files) days.set(f.day, [...(days.get(f.day) ?? []), f]);
  if (days.size === 0) return;

  const duck = await openDuck(o.duck);
  try {
    const filters = [
      ...(o.from !== undefined ? [`epoch_us(ts) >= ${BigInt(Math.round(o.from * 1000))}`] : []),
      ...(o.to !== undefined ? [`epoch_us(ts) < ${BigInt(Math.round(o.to * 1000))}`] : []),
      ...(o.kinds ? [`kind IN (${o.kinds.map(lit).join(', ') || 'NULL'})`] : []),
    ];
    for (const dayFiles of days.values()) {
      const relOf = new Map(dayFiles.map((f) => [join(root, f.file), f.file]));
      let paths = [...relOf.keys()];
      let last: Key | undefined;
      let lastFrame: { venue: string; tsUs: bigint; seq: bigint } | undefined;
      for (;;) {
        if (paths.length === 0) break;
        const where = [...filters, ...(last ? [after(last)] : [])];
        const source = `read_parquet([${paths.map(lit).join(', ')}], union_by_name = true)`;
        try {
          // timestamps as exact µs BIGINTs: the JS conversion of TIMESTAMPTZ would cut them to ms
          const described = (await (await duck.conn.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowsJS()).map((r) => [String(r[0]), String(r[1])] as const);
          const select = described.map(([name, type]) => (type.startsWith('TIMESTAMP') ? `epoch_us(${q(name)}) AS ${q(name)}` : q(name)));
          const sql = `SELECT ${select.join(', ')}, ${VRANK} AS __vrank FROM ${source}
            ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ts, __vrank, kind, seq, market`;
          const result = await duck.conn.stream(sql);
          const names = result.columnNames();
          const at = (n: string) => names.indexOf(n);
          const [iKind, iVenue, iMarket, iTs, iSeq, iRank] = [at('kind'), at('venue'), at('market'), at('ts'), at('seq'), at('__vrank')];
          const own = names.map((n, i) => [n, i] as const).filter(([n]) => !COMMON.has(n) && n !== '__vrank');
          for await (const chunk of result.yieldRowsJs()) {
            for (const r of chunk) {
              const tsUs = r[iTs] as bigint;
              const kind = String(r[iKind]);
              const venue = String(r[iVenue]) as Venue;
              const seq = r[iSeq] as bigint;
              const market = String(r[iMarket]);
              last = { tsUs, vrank: Number(r[iRank]), kind, seq, market };
              if (kind === RECORDING_KIND) {
                if (lastFrame && lastFrame.venue === venue && lastFrame.tsUs === tsUs && lastFrame.seq === seq) continue;
                lastFrame = { venue, tsUs, seq };
              }
              const values: Record<string, DatasetValue> = {};
              for (const [n, i] of own) values[n] = (r[i] ?? null) as DatasetValue;
              const ts = Number(tsUs) / 1000;
              const row: DatasetRow = { kind, venue, market, tsUs, ts, seq, values };
              yield kind === RECORDING_KIND
                ? {
                    ...row,
                    frame: values.binary === true
                      ? { venue, connId: String(values.conn_id), tsReceived: ts, data: String(values.data), binary: true }
                      : { venue, connId: String(values.conn_id), tsReceived: ts, data: String(values.data) },
                  }
                : row;
            }
          }
          break;
        } catch (err) {
          // find the files that cannot be read, drop them, go on after the last row yielded
          const bad: string[] = [];
          for (const p of paths) {
            const problem = await checkDatasetFile(duck.conn, p);
            if (problem) {
              report({ ...problem, file: relOf.get(p) ?? p });
              bad.push(p);
            }
          }
          if (bad.length === 0) throw err;
          paths = paths.filter((p) => !bad.includes(p));
        }
      }
    }
  } finally {
    duck.close();
  }
}
