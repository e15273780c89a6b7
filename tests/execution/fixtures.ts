/** Shared fixtures of the execution tests: an accepted edge and its plan. */
import type { Edge, RiskDecision } from '../../schema/edge.js';
import type { ExecutionPlan } from '../../schema/execution.js';
import { planExecution, DEFAULT_TRADING_RULES } from '../../src/execution/plan.js';

export const ONE = 1_000_000;

export function edgeFixture(o: Partial<Edge> = {}): Edge {
  return {
    edgeId: 'e1',
    pairId: 'p1',
    direction: 'aYes',
    sizeQty: 10 * ONE,
    netEdgePerContractMicros: 40_000,
    profitMicros: 400_000,
    feesMicros: 0,
    capitalCostMicros: 0,
    payoutMicros: 10 * ONE,
    legs: [
      { venue: 'polymarket', marketId: '0xabc', outcome: 'yes', vwapMicros: 450_000, worstPriceMicros: 460_000, costMicros: 4_600_000, feeMicros: 0, levelsUsed: 1, tsVenue: 0, tsReceived: 0 },
      { venue: 'kalshi', marketId: 'KX-1', outcome: 'no', vwapMicros: 500_000, worstPriceMicros: 500_000, costMicros: 5_000_000, feeMicros: 0, levelsUsed: 2, tsVenue: 0, tsReceived: 0 },
    ],
    oldestBookTsReceived: 0,
    tsDetected: 0,
    ...o,
  };
}

export const decisionFixture = (edge: Edge = edgeFixture(), accepted = true): RiskDecision => ({ edge, accepted, reasons: [], ts: edge.tsDetected });

export function planFixture(o: { lossCapMicros?: number; edge?: Edge } = {}): ExecutionPlan {
  const r = planExecution(o.edge ?? edgeFixture(), { executionId: 'ex1', rules: () => DEFAULT_TRADING_RULES, lossCapMicros: o.lossCapMicros ?? 500_000, now: 0 });
  if (!r.ok) throw new Error(r.reason);
  return r.plan;
}
