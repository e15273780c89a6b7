/**
 * Where a dataset's files live (issue 13 §2):
 *
 * ```
 * <root>/<venue>/<YYYY-MM>/<market>_<YYYYMMDD>.parquet     one file per venue, market and UTC day
 * ```
 * - `<market>` is the market id, percent-encoded ({@link encodeMarket}) so that any id is a safe,
 *   reversible file name. The empty market (`_<YYYYMMDD>.parquet`) holds a venue's frames that
 *   belong to no single market (acks, heartbeats, trades and lifecycle messages, malformed frames).
 * - The kind of a row (recording, books, history…) is a column of the file, not a folder: the
 *   issue's layout stays exactly as written, one market-day is one file whatever was exported
 *   into it, and a replay reads recorded frames and stored books of a market-day together.
 *   Columns of the kinds are unioned by name (./kinds.ts), files written before a kind existed
 *   are read with `union_by_name`.
 * - The day is the UTC day of the row's `ts` (receive time of a frame, time of a book or trade).
 */
import { readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { VENUE_IDS, type Venue } from '../../schema/venue.js';

const DAY_MS = 86_400_000;

/** Characters kept as they are in a file name; everything else is `%XX` (UTF-8 bytes, upper-case hex). */
const SAFE = /^[A-Za-z0-9_-]$/;

/**
 * A market id as a file-name part: `[A-Za-z0-9_-]` kept, `.` kept except in first position (no
 * hidden files, no `.`/`..`), every other UTF-8 byte as `%XX`. Injective; {@link decodeMarket}
 * inverts it. (On a case-insensitive file system two ids differing only in case would share a
 * file; neither venue issues such ids.)
 */
export function encodeMarket(market: string): string {
  let out = '';
  let i = 0;
  for (const ch of market) {
    if (SAFE.test(ch) || (ch === '.' && i > 0)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
    i += ch.length;
  }
  return out;
}

/** The market id of an encoded name; undefined when `name` is not exactly what {@link encodeMarket} writes. */
export function decodeMarket(name: string): string | undefined {
  if (!/^(?:[A-Za-z0-9_.-]|%[0-9A-F]{2})*$/.test(name)) return undefined;
  let market: string;
  try {
    market = decodeURIComponent(name);
  } catch {
    return undefined;
  }
  // canonical form only (e.g. '%41' for 'A' is refused): one file name per market
  return encodeMarket(market) === name ? market : undefined;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** `YYYYMMDD` of the UTC day of `ts` (unix ms). */
export function dayStamp(ts: number): string {
  const d = new Date(ts);
  return `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
}

/** Start of the UTC day of `ts`, unix ms. */
export const dayStart = (ts: number): number => Math.floor(ts / DAY_MS) * DAY_MS;

/** The file of a venue, market and day, relative to the dataset root, '/'-separated. */
export function datasetFile(venue: Venue, market: string, ts: number): string {
  const day = dayStamp(ts);
  return `${venue}/${day.slice(0, 4)}-${day.slice(4, 6)}/${encodeMarket(market)}_${day}.parquet`;
}

export interface DatasetFile {
  /** relative to the root, '/'-separated */
  readonly file: string;
  readonly venue: Venue;
  /** '' for the venue-level file */
  readonly market: string;
  /** start of the file's UTC day, unix ms */
  readonly day: number;
}

const FILE_RE = /^([a-z0-9_-]+)\/(\d{4})-(\d{2})\/(.*)_(\d{4})(\d{2})(\d{2})\.parquet$/;

/** Parses a relative path written by {@link datasetFile}; undefined for anything else. */
export function parseDatasetFile(file: string): DatasetFile | undefined {
  const m = FILE_RE.exec(file);
  if (!m) return undefined;
  const [, venue, y, mo, enc, fy, fmo, fd] = m as unknown as [string, string, string, string, string, string, string, string];
  if (!(VENUE_IDS as readonly string[]).includes(venue) || y !== fy || mo !== fmo) return undefined;
  const market = decodeMarket(enc);
  if (market === undefined) return undefined;
  const day = Date.UTC(Number(fy), Number(fmo) - 1, Number(fd));
  if (!Number.isFinite(day) || dayStamp(day) !== `${fy}${fmo}${fd}`) return undefined;
  return { file, venue: venue as Venue, market, day };
}

export interface FileFilter {
  /** unix ms, inclusive */
  readonly from?: number;
  /** unix ms, exclusive */
  readonly to?: number;
  readonly venues?: readonly Venue[];
  /** market ids; the venue-level file ('') is included unless `venueLevel: false` */
  readonly markets?: readonly string[];
  readonly venueLevel?: boolean;
}

/**
 * The dataset files under `root` that can hold rows of the filter, sorted by day, venue order,
 * market. Files whose names do not fit the layout are returned in `foreign` (the caller reports them).
 */
export async function listDatasetFiles(root: string, f: FileFilter = {}): Promise<{ files: DatasetFile[]; foreign: string[] }> {
  const files: DatasetFile[] = [];
  const foreign: string[] = [];
  const markets = f.markets ? new Set(f.markets) : undefined;
  const from = f.from ?? -Infinity;
  const to = f.to ?? Infinity;
  for (const venue of VENUE_IDS) {
    if (f.venues && !f.venues.includes(venue)) continue;
    const vdir = join(root, venue);
    if (!existsSync(vdir)) continue;
    for (const month of (await readdir(vdir)).sort()) {
      const mdir = join(vdir, month);
      let names: string[];
      try {
        names = await readdir(mdir);
      } catch {
        foreign.push(`${venue}/${month}`);
        continue;
      }
      for (const name of names) {
        if (name.endsWith('.tmp')) continue;
        const rel = `${venue}/${month}/${name}`;
        const d = parseDatasetFile(rel);
        if (!d) {
          foreign.push(rel);
          continue;
        }
        if (d.day + DAY_MS <= from || d.day >= to) continue;
        if (d.market === '' ? f.venueLevel === false : markets && !markets.has(d.market)) continue;
        files.push(d);
      }
    }
  }
  const vi = (v: Venue) => VENUE_IDS.indexOf(v);
  files.sort((a, b) => a.day - b.day || vi(a.venue) - vi(b.venue) || (a.market < b.market ? -1 : a.market > b.market ? 1 : 0));
  return { files, foreign };
}

export { DAY_MS };
