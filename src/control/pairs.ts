/**
 * The one writer of pair decisions. Meaning, the same through every door:
 *
 * - a HUMAN decision (CLI `pairs approve|reject`, GraphQL `approvePair`/`rejectPair`, Discord
 *   `/approve`) sets the status, `human_reviewed = true` and `decided_by = '<door>:<who>'`,
 *   appends a reason line, never touches the matcher's confidence, and is audited in the same
 *   transaction. The risk gate accepts a pair when it is approved AND (human-reviewed OR its
 *   confidence reaches `minPairConfidence`), so a 0.85 pair approved from any door trades.
 * - the pairs FILE is a human door too: a mirrored row is human-reviewed as its entry says (an
 *   approved entry is); a sync that adds or changes a status is audited once (action `syncFilePairs`).
 * - the MATCHER's automatic decisions (`human_reviewed = false`) never overwrite a human decision
 *   made on the same rules; DISCOVERY sends approved pairs back to pending when a market's rules
 *   change.
 */
import type pg from 'pg';
import type { Pair, PairStatus } from '../../schema/pair.js';
import { log } from '../log.js';
import {
  legsKey,
  existingDecisions,
  upsertFilePair,
  upsertMatcherDecision,
  writeHumanDecision,
  writeRecheck,
  type MatcherDecisionRow,
} from '../store/repos/pairWrites.js';
import type { PairRecord } from '../store/repos/pairs.js';
import type { Queryable } from '../store/repos/types.js';
import { actorName, audited, ControlError, recordAudit, type Actor } from './audit.js';
import { notify, type ControlEvents } from './events.js';

export { legsKey, type MatcherDecisionRow };

export class UnknownPairError extends ControlError {
  constructor(pairId: string) {
    super(`no pair with id "${pairId}"`, 'NOT_FOUND', { pairId });
  }
}

export interface HumanDecision {
  readonly actor: Actor;
  /** why (stored with the pair and in the audit row) */
  readonly reason?: string;
  /** door-specific facts for the audit row (e.g. the Discord channel) */
  readonly context?: Readonly<Record<string, unknown>>;
  /** told after the commit (pairStatus event) */
  readonly events?: ControlEvents;
}

export interface DecisionResult {
  readonly pair: PairRecord;
  /** the status before this decision */
  readonly previous: PairStatus;
}

const ACTION: Readonly<Record<PairStatus, string>> = { approved: 'approvePair', rejected: 'rejectPair', pending: 'setPairPending' };

/** A human sets a pair's status (see the module comment for what that means). Throws {@link UnknownPairError}. */
export async function setPairStatus(pool: pg.Pool, pairId: string, status: PairStatus, d: HumanDecision): Promise<DecisionResult> {
  const by = actorName(d.actor);
  const reason = d.reason?.trim() || undefined;
  const args = { pairId, ...(reason ? { reason } : {}), ...d.context };
  const out = await audited(pool, { actor: d.actor, action: ACTION[status], args }, async (db) => {
    const r = await writeHumanDecision(db, pairId, status, by, `${status} by ${by}${reason ? `: ${reason}` : ''}`);
    if (!r) throw new UnknownPairError(pairId);
    return r;
  });
  log.info({ pairId, status, previous: out.previous, by }, 'pair decided by a human');
  await notify(() => d.events?.publishPairStatus?.({ pairId, status, by }));
  return out;
}

export const approvePair = (pool: pg.Pool, pairId: string, d: HumanDecision): Promise<DecisionResult> => setPairStatus(pool, pairId, 'approved', d);
export const rejectPair = (pool: pg.Pool, pairId: string, d: HumanDecision): Promise<DecisionResult> => setPairStatus(pool, pairId, 'rejected', d);
export const setPairPending = (pool: pg.Pool, pairId: string, d: HumanDecision): Promise<DecisionResult> => setPairStatus(pool, pairId, 'pending', d);

/** The matcher's decision (automatic: not human-reviewed). Returns whether the row was written. */
export function recordMatcherDecision(db: Queryable, d: MatcherDecisionRow): Promise<boolean> {
  return upsertMatcherDecision(db, d);
}

/** What the matcher has decided so far, by {@link legsKey}: who decided and on which rules hashes. */
export function matcherDecisions(db: Queryable): Promise<Map<string, { decidedBy: string | null; hashes: string }>> {
  return existingDecisions(db);
}

/** Markets whose rules changed: their approved pairs go back to pending for a new verdict. Returns the pair ids. */
export async function recheckPairs(db: Queryable, markets: readonly { venue: string; marketId: string }[]): Promise<string[]> {
  const ids = await writeRecheck(db, markets, 'discovery', 'market rules changed: re-check');
  if (ids.length) log.info({ pairs: ids.length, sample: ids.slice(0, 5) }, 'pairs set back to pending: market rules changed');
  return ids;
}

/** The pairs file as a door: who appears in decided_by and the audit log. */
export const FILE_ACTOR: Actor = { door: 'file', who: 'pairs file' };

/**
 * Mirrors the pairs file's pairs into `market_pairs` (source 'file', `humanReviewed` as parsed) so the API,
 * the dashboard and the Discord bot show them. Rows the matcher owns (another pair id on the same
 * two markets, or the same id) are left alone: the file still wins in the pipeline
 * (mergePairSources), the table keeps the matcher's row. New rows and status changes are audited
 * in one row. Returns how many entries were written.
 */
export async function syncFilePairs(db: Queryable, pairs: readonly Pair[]): Promise<number> {
  let n = 0;
  const changes: { pairId: string; status: PairStatus; previous: PairStatus | null }[] = [];
  for (const p of pairs) {
    try {
      const r = await upsertFilePair(db, { ...p, source: 'file' }, actorName(FILE_ACTOR));
      if (!r) continue;
      n++;
      if (r.previous !== p.status) changes.push({ pairId: p.pairId, status: p.status, previous: r.previous });
    } catch (err) {
      if ((err as { code?: string }).code !== '23505') throw err;
      log.warn({ err, pairId: p.pairId }, 'file pair not mirrored into market_pairs (the matcher owns these markets)');
    }
  }
  if (changes.length) await recordAudit(db, { actor: FILE_ACTOR, action: 'syncFilePairs', args: { changes }, result: 'ok' });
  return n;
}
