/**
 * Manual market pairs from a JSON file: the source of pairs before the matcher exists, and
 * a manual override afterwards (a pair in the file wins over the matcher's verdict for the
 * same two markets). Format (see README "Pairs file"):
 *
 * { "pairs": [ { "pairId": "fed-dec", "polyMarketId": "0x…", "kalshiMarketId": "FED-25DEC-T4.25",
 *                "yesMapsToNo": false, "status": "approved", "confidence": 1,
 *                "resolution": "2025-12-10T19:00:00Z", "reasons": ["same FOMC decision"] } ] }
 */
import { readFileSync, watch } from 'node:fs';
import { Observable } from 'rxjs';
import { z } from 'zod';
import { Pair } from '../../schema/pair.js';
import { NonRetryableError } from '../errors.js';
import { log } from '../log.js';

const FileEntry = Pair.omit({ resolutionTs: true, source: true, confidence: true }).extend({
  confidence: z.number().min(0).max(1).default(1),
  /** ISO 8601 time or unix ms of the expected resolution (payout) */
  resolution: z.union([z.iso.datetime({ offset: true }), z.number().int().positive()]),
});
export const PairsFile = z.object({ pairs: z.array(FileEntry) });

export class PairsFileError extends NonRetryableError {}

/** Parses a pairs file's text. Every problem is listed with the entry index and field. */
export function parsePairsFile(text: string, source = 'pairs file'): Pair[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new PairsFileError(`${source}: not valid JSON (${(e as Error).message})`, { source });
  }
  const res = PairsFile.safeParse(json);
  if (!res.success) {
    const lines = res.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new PairsFileError(`${source}: ${res.error.issues.length} problem(s):\n${lines.join('\n')}`, { source });
  }
  const pairs = res.data.pairs.map(({ resolution, ...p }) => ({
    ...p,
    source: 'file' as const,
    resolutionTs: typeof resolution === 'number' ? resolution : Date.parse(resolution),
  }));
  const seen = new Set<string>();
  for (const p of pairs) {
    if (seen.has(p.pairId)) throw new PairsFileError(`${source}: duplicate pairId "${p.pairId}"`, { source });
    seen.add(p.pairId);
  }
  return pairs;
}

export function loadPairsFile(path: string): Pair[] {
  return parsePairsFile(readFileSync(path, 'utf8'), path);
}

/**
 * The file's pairs now and after every change. A change that does not parse is logged and
 * ignored (the last good pairs stay in force), so a typo never drops live pairs.
 */
export function pairsFromFile$(path: string, opts: { watch?: boolean } = {}): Observable<readonly Pair[]> {
  return new Observable<readonly Pair[]>((subscriber) => {
    subscriber.next(loadPairsFile(path));
    if (!opts.watch) {
      subscriber.complete();
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const watcher = watch(path, () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        try {
          subscriber.next(loadPairsFile(path));
        } catch (err) {
          log.error({ err, path }, 'pairs file change rejected; keeping the previous pairs');
        }
      }, 100);
    });
    return () => {
      clearTimeout(timer);
      watcher.close();
    };
  });
}

interface Queryable {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

/**
 * Mirrors the file's pairs into `market_pairs` (source 'file') so the API, the dashboard and the
 * Discord bot show them. Rows the matcher owns (another pair id on the same two markets) are left
 * alone: the file still wins in the pipeline (mergePairSources), the table keeps the matcher's row.
 */
export async function syncFilePairs(db: Queryable, pairs: readonly Pair[]): Promise<number> {
  let n = 0;
  for (const p of pairs) {
    try {
      await db.query(
        `INSERT INTO market_pairs (pair_id, poly_market_id, kalshi_market_id, status, confidence, yes_maps_to_no, reasons, source, decided_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'file', 'pairs file')
         ON CONFLICT (pair_id) DO UPDATE SET status = EXCLUDED.status, confidence = EXCLUDED.confidence, yes_maps_to_no = EXCLUDED.yes_maps_to_no,
           reasons = EXCLUDED.reasons, updated_at = now()
         WHERE market_pairs.source = 'file'`,
        [p.pairId, p.polyMarketId, p.kalshiMarketId, p.status, p.confidence, p.yesMapsToNo, JSON.stringify(p.reasons)],
      );
      n++;
    } catch (err) {
      if ((err as { code?: string }).code !== '23505') throw err;
      log.warn({ err, pairId: p.pairId }, 'file pair not mirrored into market_pairs (the matcher owns these markets)');
    }
  }
  return n;
}
