/**
 * The `market_pairs` table: the matcher's decisions, human approval and rejection, and the
 * approved pairs as a stream for the live pipeline (polled; emits only when the set changes),
 * merged with the pairs file (a file entry wins for the same two markets).
 */
import type pg from 'pg';
import { combineLatest, distinctUntilChanged, EMPTY, exhaustMap, from, map, catchError, timer, type Observable, type SchedulerLike, asyncScheduler } from 'rxjs';
import { z } from 'zod';
import { Pair, PairStatus } from '../../schema/pair.js';
import { NonRetryableError } from '../errors.js';
import { log } from '../log.js';

export const PairRow = z.object({
  pairId: z.string(),
  polyMarketId: z.string(),
  kalshiMarketId: z.string(),
  status: PairStatus,
  confidence: z.number().nullable(),
  yesMapsToNo: z.boolean(),
  reasons: z.array(z.string()),
  guards: z.unknown(),
  source: z.enum(['manual', 'llm', 'file']),
  verdictModel: z.string().nullable(),
  decidedBy: z.string().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type PairRow = z.infer<typeof PairRow>;

const fromDb = (r: Record<string, unknown>): PairRow =>
  PairRow.parse({
    pairId: r.pair_id,
    polyMarketId: r.poly_market_id,
    kalshiMarketId: r.kalshi_market_id,
    status: r.status,
    confidence: r.confidence ?? null,
    yesMapsToNo: r.yes_maps_to_no,
    reasons: r.reasons,
    guards: r.guards,
    source: r.source,
    verdictModel: r.verdict_model ?? null,
    decidedBy: r.decided_by ?? null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });

/** Pairs, newest first, optionally of one status. */
export async function listPairs(pool: pg.Pool, opts: { status?: PairStatus; limit?: number } = {}): Promise<PairRow[]> {
  const res = await pool.query(
    'SELECT * FROM market_pairs WHERE ($1::text IS NULL OR status = $1) ORDER BY updated_at DESC, pair_id LIMIT $2',
    [opts.status ?? null, opts.limit ?? 1000],
  );
  return (res.rows as Record<string, unknown>[]).map(fromDb);
}

export async function getPair(pool: pg.Pool, pairId: string): Promise<PairRow | undefined> {
  const res = await pool.query('SELECT * FROM market_pairs WHERE pair_id = $1', [pairId]);
  const row = res.rows[0] as Record<string, unknown> | undefined;
  return row ? fromDb(row) : undefined;
}

export class UnknownPairError extends NonRetryableError {}

/**
 * A human decision. Approval sets confidence to 1 (a human vouches for it; the model's number is
 * kept in the reasons); both record who decided and why.
 */
export async function setPairStatus(
  pool: pg.Pool,
  pairId: string,
  status: 'approved' | 'rejected',
  opts: { decidedBy: string; reason?: string },
): Promise<PairRow> {
  const reason = `${status} by ${opts.decidedBy}${opts.reason ? `: ${opts.reason}` : ''}`;
  const res = await pool.query(
    `UPDATE market_pairs SET status = $2, decided_by = $3, updated_at = now(),
       reasons = reasons || jsonb_build_array($4::text || CASE WHEN $2 = 'approved' AND confidence IS NOT NULL AND confidence < 1
                                                         THEN ' (model confidence ' || confidence::text || ')' ELSE '' END),
       confidence = CASE WHEN $2 = 'approved' THEN 1 ELSE confidence END
     WHERE pair_id = $1 RETURNING *`,
    [pairId, status, opts.decidedBy, reason],
  );
  const row = res.rows[0] as Record<string, unknown> | undefined;
  if (!row) throw new UnknownPairError(`no pair with id "${pairId}"`, { pairId });
  log.info({ pairId, status, decidedBy: opts.decidedBy }, 'pair decided by a human');
  return fromDb(row);
}

export interface PairDecisionWrite {
  readonly pairId: string;
  readonly polyMarketId: string;
  readonly kalshiMarketId: string;
  readonly status: PairStatus;
  readonly confidence: number;
  readonly yesMapsToNo: boolean;
  readonly reasons: readonly string[];
  /** guard results, rules hashes, candidate features, verdict (jsonb) */
  readonly guards: Readonly<Record<string, unknown>>;
  readonly verdictModel?: string;
  readonly decidedBy: string;
}

/**
 * Writes the matcher's decision. A human decision on the same rules (same hashes in `guards`) is
 * never overwritten.
 */
export async function upsertPairDecision(pool: pg.Pool, d: PairDecisionWrite): Promise<boolean> {
  const res = await pool.query(
    `INSERT INTO market_pairs (pair_id, poly_market_id, kalshi_market_id, status, confidence, yes_maps_to_no, reasons, guards, source, verdict_model, decided_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, 'llm', $9, $10)
     ON CONFLICT (poly_market_id, kalshi_market_id) DO UPDATE SET
       status = EXCLUDED.status, confidence = EXCLUDED.confidence, yes_maps_to_no = EXCLUDED.yes_maps_to_no,
       reasons = EXCLUDED.reasons, guards = EXCLUDED.guards, source = 'llm', verdict_model = EXCLUDED.verdict_model,
       decided_by = EXCLUDED.decided_by, updated_at = now()
     WHERE NOT (market_pairs.decided_by LIKE 'human:%' AND market_pairs.guards->'rulesHash' = EXCLUDED.guards->'rulesHash')`,
    [d.pairId, d.polyMarketId, d.kalshiMarketId, d.status, d.confidence, d.yesMapsToNo, JSON.stringify(d.reasons), JSON.stringify(d.guards), d.verdictModel ?? null, d.decidedBy],
  );
  return (res.rowCount ?? 0) > 0;
}

/** Counters of the approved-pairs stream. */
export const pairStreamStats = { polls: 0, pollErrors: 0, rowsRejected: 0, emissions: 0 };

/**
 * Approved pairs whose markets are not closed or resolved, as {@link Pair}s. The resolution time is
 * the later of the two markets' expected resolution (else close) times; a pair without one is
 * skipped (capital lock-up unknown), as is a row that does not fit the Pair schema. Rows mirrored
 * from the pairs file are not read back: the file is their source.
 */
export async function loadApprovedPairs(pool: pg.Pool): Promise<Pair[]> {
  const res = await pool.query(`
    SELECT p.pair_id, p.poly_market_id, p.kalshi_market_id, p.yes_maps_to_no, p.confidence, p.reasons, p.source,
      (extract(epoch FROM greatest(coalesce(pm.expected_resolution_time, pm.close_time), coalesce(km.expected_resolution_time, km.close_time))) * 1000)::bigint AS resolution_ms
    FROM market_pairs p
    LEFT JOIN venue_markets pm ON pm.venue = 'polymarket' AND pm.market_id = p.poly_market_id
    LEFT JOIN venue_markets km ON km.venue = 'kalshi' AND km.market_id = p.kalshi_market_id
    WHERE p.status = 'approved'
      -- rows mirrored from the pairs file: the file itself is their source (see syncFilePairs)
      AND p.source <> 'file'
      AND coalesce(pm.status, 'open') NOT IN ('closed', 'resolved')
      AND coalesce(km.status, 'open') NOT IN ('closed', 'resolved')
    ORDER BY p.pair_id`);
  const out: Pair[] = [];
  for (const r of res.rows as Record<string, unknown>[]) {
    const parsed = Pair.safeParse({
      pairId: r.pair_id,
      polyMarketId: r.poly_market_id,
      kalshiMarketId: r.kalshi_market_id,
      yesMapsToNo: r.yes_maps_to_no,
      status: 'approved',
      confidence: r.confidence ?? 0,
      resolutionTs: r.resolution_ms ?? undefined,
      reasons: r.reasons,
      source: r.source,
    });
    if (parsed.success) out.push(parsed.data);
    else {
      pairStreamStats.rowsRejected++;
      log.warn({ pairId: r.pair_id, issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) }, 'approved pair skipped');
    }
  }
  return out;
}

const pairsKey = (ps: readonly Pair[]): string => JSON.stringify([...ps].sort((a, b) => (a.pairId < b.pairId ? -1 : a.pairId > b.pairId ? 1 : 0)));

/**
 * Approved pairs now and after every change: polls every `pollMs` on `scheduler` (first poll at
 * once), emits only when the set differs from the last emission. A failed poll is logged,
 * counted and skipped (the last pairs stay in force).
 */
export function approvedPairs$(pool: pg.Pool, opts: { pollMs: number; scheduler?: SchedulerLike; load?: (pool: pg.Pool) => Promise<Pair[]> }): Observable<readonly Pair[]> {
  const load = opts.load ?? loadApprovedPairs;
  return timer(0, opts.pollMs, opts.scheduler ?? asyncScheduler).pipe(
    exhaustMap(() => {
      pairStreamStats.polls++;
      return from(load(pool)).pipe(
        catchError((err: unknown) => {
          pairStreamStats.pollErrors++;
          log.warn({ err }, 'approved pairs poll failed; keeping the previous pairs');
          return EMPTY;
        }),
      );
    }),
    distinctUntilChanged((a, b) => pairsKey(a) === pairsKey(b)),
    map((ps) => {
      pairStreamStats.emissions++;
      return ps;
    }),
  );
}

/**
 * Pairs file ⊕ database. A file entry wins for the same two markets whatever its status (a file
 * entry with status rejected or pending removes the matcher's pair); only approved pairs come out.
 * A database pair whose id a file pair already uses is dropped with a warning. Emits once both
 * sources have emitted, then on every change.
 */
export function mergePairSources(file$: Observable<readonly Pair[]>, db$: Observable<readonly Pair[]>): Observable<readonly Pair[]> {
  return combineLatest([file$, db$]).pipe(
    map(([file, db]) => {
      const marketsKey = (p: Pair): string => `${p.polyMarketId}|${p.kalshiMarketId}`;
      const fileKeys = new Set(file.map(marketsKey));
      const fileIds = new Set(file.map((p) => p.pairId));
      const out: Pair[] = file.filter((p) => p.status === 'approved');
      for (const p of db) {
        if (fileKeys.has(marketsKey(p))) continue;
        if (fileIds.has(p.pairId)) {
          log.warn({ pairId: p.pairId }, 'matcher pair id collides with a pairs-file id on other markets; matcher pair dropped');
          continue;
        }
        if (p.status === 'approved') out.push(p);
      }
      return out;
    }),
    distinctUntilChanged((a, b) => pairsKey(a) === pairsKey(b)),
  );
}
