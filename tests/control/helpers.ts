/**
 * Shared by the control-layer tests: a 0.85-confidence matcher pair on two markets that resolve
 * in a month, an edge on it, and the risk state the pipeline would build (minPairConfidence 0.9).
 */
import type pg from 'pg';
import { expect } from 'vitest';
import type { Edge } from '../../schema/edge.js';
import type { Pair } from '../../schema/pair.js';
import type { RiskLimits } from '../../schema/risk.js';
import { riskReasons, type RiskState } from '../../operators/riskGate.js';
import { loadApprovedPairs } from '../../src/matching/pairs.js';

export const PAIR_ID = 'btc-100k-auto';
export const POLY_ID = '0x' + 'cd'.repeat(32);
export const KALSHI_ID = 'KXBTC-26JAN31-T100000';

/** A pending pair as the matcher leaves it: confidence 0.85, not human-reviewed; both markets open. */
export async function insertAutoPair(pool: pg.Pool, o: { status?: 'pending' | 'approved'; pairId?: string; kalshiId?: string } = {}): Promise<void> {
  const kalshiId = o.kalshiId ?? KALSHI_ID;
  const close = new Date(Date.now() + 30 * 86_400_000);
  await pool.query(
    `INSERT INTO venue_markets (venue, market_id, title, status, close_time) VALUES
       ('polymarket', $1, 'Will BTC be above $100k on Jan 31?', 'open', $3), ('kalshi', $2, 'BTC above 100k Jan 31', 'open', $3)
     ON CONFLICT DO NOTHING`,
    [POLY_ID, kalshiId, close],
  );
  await pool.query(
    `INSERT INTO market_pairs (pair_id, a_venue, a_market_id, b_venue, b_market_id, status, confidence, human_reviewed, reasons, source, decided_by)
     VALUES ($1, 'polymarket', $2, 'kalshi', $3, $4, 0.85, false, '["llm: same strike"]', 'llm', 'matcher')`,
    [o.pairId ?? PAIR_ID, POLY_ID, kalshiId, o.status ?? 'pending'],
  );
}

export const LIMITS: RiskLimits = {
  minEdgePerContractMicros: 0,
  minSizeQty: 0,
  minProfitMicros: 0,
  maxPairExposureMicros: 1e12,
  maxVenueExposureMicros: 1e12,
  maxTotalExposureMicros: 1e12,
  maxBookAgeMs: 60_000,
  minPairConfidence: 0.9,
  hysteresisMicros: 0,
};

export function edgeOn(pairId: string, now: number): Edge {
  return {
    edgeId: `e-${pairId}`,
    pairId,
    direction: 'aYes',
    sizeQty: 10_000_000,
    netEdgePerContractMicros: 20_000,
    profitMicros: 200_000,
    feesMicros: 10_000,
    capitalCostMicros: 0,
    payoutMicros: 10_000_000,
    legs: [
      { venue: 'polymarket', marketId: POLY_ID, outcome: 'yes', vwapMicros: 480_000, worstPriceMicros: 480_000, costMicros: 4_800_000, feeMicros: 0, levelsUsed: 1, tsVenue: now - 20, tsReceived: now - 10 },
      { venue: 'kalshi', marketId: KALSHI_ID, outcome: 'no', vwapMicros: 500_000, worstPriceMicros: 500_000, costMicros: 5_000_000, feeMicros: 10_000, levelsUsed: 1, tsVenue: now - 20, tsReceived: now - 10 },
    ],
    oldestBookTsReceived: now - 10,
    tsDetected: now,
  };
}

/** The risk gate's reasons for an edge on `pairId`, with the pairs as the pipeline loads them. */
export function gateReasons(pairs: readonly Pair[], pairId: string): string[] {
  const now = Date.now();
  const state: RiskState = {
    killSwitch: false,
    limits: LIMITS,
    exposure: { byPair: {}, byVenue: { polymarket: 0, kalshi: 0 }, total: 0 },
    pairs: new Map(pairs.map((p) => [p.pairId, p])),
  };
  return riskReasons(edgeOn(pairId, now), state, now);
}

/**
 * What every door must leave behind after a human approved the 0.85 pair: the pipeline loads it,
 * the risk gate (minPairConfidence 0.9) passes its edge, the confidence is still 0.85, and one
 * audit row names the door and who.
 */
export async function expectHumanApproval(pool: pg.Pool, actorName: string): Promise<void> {
  const pairs = await loadApprovedPairs(pool);
  const p = pairs.find((x) => x.pairId === PAIR_ID);
  expect(p).toMatchObject({ status: 'approved', confidence: 0.85, humanReviewed: true });
  expect(gateReasons(pairs, PAIR_ID)).toEqual([]);
  const row = (await pool.query('SELECT status, confidence, human_reviewed, decided_by FROM market_pairs WHERE pair_id = $1', [PAIR_ID])).rows[0];
  expect(row).toEqual({ status: 'approved', confidence: 0.85, human_reviewed: true, decided_by: actorName });
  const audit = (await pool.query("SELECT token_name, action, args, result FROM audit_log WHERE action = 'approvePair'")).rows as { token_name: string; args: { pairId: string }; result: string }[];
  expect(audit).toHaveLength(1);
  expect(audit[0]).toMatchObject({ token_name: actorName, args: { pairId: PAIR_ID }, result: 'ok' });
}
