/**
 * Approved pairs as a stream for the live pipeline (polled from `market_pairs`; emits only when
 * the set changes), merged with the pairs file (a file entry wins for the same two markets).
 * Reads are in src/store/repos/pairs.ts; decisions are written by src/control/pairs.ts.
 */
import type pg from 'pg';
import { combineLatest, distinctUntilChanged, EMPTY, exhaustMap, from, map, catchError, timer, type Observable, type SchedulerLike, asyncScheduler } from 'rxjs';
import { Pair } from '../../schema/pair.js';
import { log } from '../log.js';
import { loadApprovedPairRows } from '../store/repos/pairs.js';
import type { Queryable } from '../store/repos/types.js';

/** Counters of the approved-pairs stream. */
export const pairStreamStats = { polls: 0, pollErrors: 0, rowsRejected: 0, emissions: 0 };

/**
 * Approved pairs whose markets are not closed or resolved, as {@link Pair}s. The resolution time is
 * the later of the two markets' expected resolution (else close) times; a pair without one is
 * skipped (capital lock-up unknown), as is a row that does not fit the Pair schema. Rows mirrored
 * from the pairs file are not read back: the file is their source.
 */
export async function loadApprovedPairs(db: Queryable): Promise<Pair[]> {
  const out: Pair[] = [];
  for (const r of await loadApprovedPairRows(db)) {
    const parsed = Pair.safeParse({
      pairId: r.pairId,
      legs: r.legs,
      yesMapsToNo: r.yesMapsToNo,
      status: 'approved',
      confidence: r.confidence,
      humanReviewed: r.humanReviewed,
      resolutionTs: r.resolutionMs ?? undefined,
      reasons: r.reasons,
      source: r.source,
    });
    if (parsed.success) out.push(parsed.data);
    else {
      pairStreamStats.rowsRejected++;
      log.warn({ pairId: r.pairId, issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) }, 'approved pair skipped');
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
      // the same two markets whichever leg is A
      const marketsKey = (p: Pair): string => p.legs.map((l) => `${l.venue}:${l.marketId}`).sort().join('|');
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
