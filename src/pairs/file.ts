/**
 * Manual market pairs from a JSON file: the source of pairs before the matcher exists, and
 * a manual override afterwards (a pair in the file wins over the matcher's verdict for the
 * same two markets). Format (see README "Pairs file"): legs by position, leg A first:
 *
 * { "pairs": [ { "pairId": "fed-dec",
 *                "legs": [{ "venue": "polymarket", "marketId": "0x…" }, { "venue": "kalshi", "marketId": "FED-25DEC-T4.25" }],
 *                "yesMapsToNo": false, "status": "approved", "confidence": 1,
 *                "resolution": "2025-12-10T19:00:00Z", "reasons": ["same FOMC decision"] } ] }
 *
 * The legacy entry form `"polyMarketId": "0x…", "kalshiMarketId": "…"` (instead of `legs`) is still
 * accepted: it means legs [polymarket, kalshi]. Each leg's market id is checked against its
 * venue's format (the venue registry). An approved entry counts as reviewed by a human (the file's
 * author): `humanReviewed` is true.
 */
import { readFileSync, watch } from 'node:fs';
import { Observable } from 'rxjs';
import { z } from 'zod';
import { Pair, type PairLeg } from '../../schema/pair.js';
import { checkMarketId } from '../venues/registry.js';
import { NonRetryableError } from '../errors.js';
import { log } from '../log.js';

const Common = Pair.omit({ legs: true, resolutionTs: true, source: true, confidence: true, humanReviewed: true }).extend({
  confidence: z.number().min(0).max(1).default(1),
  /** ISO 8601 time or unix ms of the expected resolution (payout) */
  resolution: z.union([z.iso.datetime({ offset: true }), z.number().int().positive()]),
});
/** Checks each leg's market id with its venue's schema (issue at legs.<i>.marketId). */
const legs = Pair.shape.legs.superRefine((ls, ctx) => {
  ls.forEach((leg, i) => {
    const problem = checkMarketId(leg.venue, leg.marketId);
    if (problem) ctx.addIssue({ code: 'custom', path: [i, 'marketId'], message: problem });
  });
});
const LegsEntry = Common.extend({ legs });
/** The form before legs by position: leg A on Polymarket, leg B on Kalshi. */
const LegacyEntry = Common.extend({ polyMarketId: z.string(), kalshiMarketId: z.string() })
  .superRefine((e, ctx) => {
    const ids = { polyMarketId: ['polymarket', e.polyMarketId], kalshiMarketId: ['kalshi', e.kalshiMarketId] } as const;
    for (const [field, [venue, id]] of Object.entries(ids)) {
      const problem = checkMarketId(venue, id);
      if (problem) ctx.addIssue({ code: 'custom', path: [field], message: problem });
    }
  })
  .transform(({ polyMarketId, kalshiMarketId, ...rest }) => ({
    ...rest,
    legs: [{ venue: 'polymarket', marketId: polyMarketId }, { venue: 'kalshi', marketId: kalshiMarketId }] as [PairLeg, PairLeg],
  }));
/** An entry: `legs` when present, else the legacy form (so the issues name the fields of the form used). */
const FileEntry = z.unknown().transform((v, ctx) => {
  const r = (typeof v === 'object' && v !== null && !('legs' in v) ? LegacyEntry : LegsEntry).safeParse(v);
  if (r.success) return r.data;
  for (const i of r.error.issues) ctx.addIssue({ code: 'custom', path: i.path, message: i.message, input: v });
  return z.NEVER;
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
  const pairs: Pair[] = res.data.pairs.map(({ resolution, ...p }) => ({
    ...p,
    source: 'file' as const,
    humanReviewed: p.status === 'approved',
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
