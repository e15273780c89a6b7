/**
 * The matcher's store in memory: markets, pairs and the LLM ledger in plain maps, with the same
 * semantics as the PostgreSQL store ({@link PgMatcherStore}): a changed rules hash sends the
 * market's approved pairs back to pending (decided by 'discovery'); the matcher never overwrites a
 * human decision made on the same rules hashes. For the eval (`arbstream match eval`) and tests:
 * `runMatcher({ store: new MemoryMatcherStore(), ... })` runs the real loop without a database.
 */
import type { MarketRecord } from '../../schema/market.js';
import type { PairStatus } from '../../schema/pair.js';
import { legsKey, type MatcherDecisionRow } from '../control/pairs.js';
import { log } from '../log.js';
import { MemoryLedger } from './cost.js';
import { discoveryStats, type MarketFilter, type MatcherStore, type StoredDecision, type StoredMarket, type UpsertEntry, type UpsertResult } from './marketStore.js';
import { rulesHash } from './records.js';

/**
 * A pair as the memory store keeps it: the matcher's decision row (the columns of `market_pairs`
 * it writes), with a confidence a human decision may clear and whether a human reviewed it.
 */
export interface MemoryPair extends Omit<MatcherDecisionRow, 'confidence'> {
  readonly confidence: number | null;
  readonly humanReviewed: boolean;
}

const marketKey = (venue: string, marketId: string): string => `${venue}:${marketId}`;
const hashesJson = (guards: Readonly<Record<string, unknown>>): string => JSON.stringify(guards.rulesHash ?? null);

export class MemoryMatcherStore implements MatcherStore {
  readonly ledger = new MemoryLedger();
  private readonly markets = new Map<string, StoredMarket>();
  private readonly pairsByLegs = new Map<string, MemoryPair>();

  async loadMarkets(filter: MarketFilter = {}): Promise<StoredMarket[]> {
    const ids = filter.ids ? new Set(filter.ids) : undefined;
    const statuses = filter.statuses ? new Set(filter.statuses) : undefined;
    return [...this.markets.values()].filter(
      (m) => (!filter.venue || m.record.venue === filter.venue) && (!statuses || statuses.has(m.record.status)) && (!ids || ids.has(m.record.marketId)),
    );
  }

  async upsertMarkets(entries: readonly UpsertEntry[]): Promise<UpsertResult> {
    let inserted = 0;
    let updated = 0;
    const changed: { venue: MarketRecord['venue']; marketId: string }[] = [];
    for (const { record, textFlags } of entries) {
      const key = marketKey(record.venue, record.marketId);
      const old = this.markets.get(key);
      const hash = rulesHash(record);
      this.markets.set(key, { record, textFlags: [...(textFlags ?? [])], rulesHash: hash });
      if (!old) inserted++;
      else {
        updated++;
        if (old.rulesHash !== hash) changed.push({ venue: record.venue, marketId: record.marketId });
      }
    }
    discoveryStats.upserted += inserted + updated;
    discoveryStats.rulesChanged += changed.length;
    if (changed.length) await this.markPairsForRecheck(changed);
    return { inserted, updated, changed };
  }

  async markPairsForRecheck(markets: readonly { venue: MarketRecord['venue']; marketId: string }[]): Promise<number> {
    const keys = new Set(markets.map((m) => marketKey(m.venue, m.marketId)));
    let n = 0;
    for (const [k, p] of this.pairsByLegs) {
      if (p.status !== 'approved' || !p.legs.some((l) => keys.has(marketKey(l.venue, l.marketId)))) continue;
      this.pairsByLegs.set(k, { ...p, status: 'pending', humanReviewed: false, decidedBy: 'discovery', reasons: [...p.reasons, 'market rules changed: re-check'] });
      n++;
    }
    if (n) log.info({ pairs: n }, 'pairs set back to pending: market rules changed');
    return n;
  }

  async matcherDecisions(): Promise<Map<string, StoredDecision>> {
    return new Map([...this.pairsByLegs].map(([k, p]) => [k, { decidedBy: p.decidedBy, hashes: hashesJson(p.guards) }]));
  }

  async recordMatcherDecision(d: MatcherDecisionRow): Promise<boolean> {
    const key = legsKey(d.legs);
    const old = this.pairsByLegs.get(key);
    if (old && (old.humanReviewed || old.decidedBy.startsWith('human:')) && hashesJson(old.guards) === hashesJson(d.guards)) return false;
    this.pairsByLegs.set(key, {
      pairId: old?.pairId ?? d.pairId,
      legs: d.legs,
      status: d.status,
      confidence: d.confidence,
      yesMapsToNo: d.yesMapsToNo,
      humanReviewed: false,
      reasons: [...d.reasons],
      guards: d.guards,
      ...(d.verdictModel !== undefined ? { verdictModel: d.verdictModel } : {}),
      decidedBy: d.decidedBy,
    });
    return true;
  }

  /** A human decision (as the control layer makes one): status, human-reviewed, reason appended. Returns the pair, or undefined (no such pair). */
  decide(pairId: string, status: PairStatus, by: string): MemoryPair | undefined {
    for (const [k, p] of this.pairsByLegs) {
      if (p.pairId !== pairId) continue;
      const next: MemoryPair = { ...p, status, humanReviewed: true, decidedBy: by, reasons: [...p.reasons, `${status} by ${by}`] };
      this.pairsByLegs.set(k, next);
      return next;
    }
    return undefined;
  }

  /** Every pair, in the order first decided. */
  pairs(): MemoryPair[] {
    return [...this.pairsByLegs.values()];
  }
}
