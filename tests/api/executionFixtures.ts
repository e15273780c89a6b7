/** Executions and fills as the executor and the brokers write them, for the API, dashboard and bot tests. */
import { Execution, type Fill } from '../../schema/execution.js';
import type { ExecutionState } from '../../schema/execution.js';
import { KALSHI_ID, POLY_ID } from './helpers.js';

const role = (filledQty = 0, costMicros = 0, feesMicros = 0, venueOrderIds: string[] = []) => ({ attempts: venueOrderIds.length, filledQty, costMicros, feesMicros, venueOrderIds });

/** A two-leg execution of `pairId`: leg 1 on Kalshi (NO), leg 2 on Polymarket (YES), 10 contracts. */
export function makeExecution(over: { executionId: string; state: ExecutionState; pairId?: string; tsPlanned?: number; reason?: string; netQty?: number; filled?: boolean }): Execution {
  const ts = over.tsPlanned ?? Date.parse('2026-11-27T12:00:00Z');
  const filled = over.filled ?? over.state === 'hedged';
  const x = over.executionId;
  return Execution.parse({
    executionId: x, pairId: over.pairId ?? 'btc-100k', edgeId: `edge-${x}`, state: over.state, sizeQty: 10_000_000,
    plan: {
      executionId: x, pairId: over.pairId ?? 'btc-100k', edgeId: `edge-${x}`, direction: 'aYes', sizeQty: 10_000_000,
      legs: [
        { pairLeg: 1, venue: 'kalshi', marketId: KALSHI_ID, outcome: 'no', limitPriceMicros: 540_000, tickMicros: 10_000, minQty: 1_000_000, qtyStep: 1_000_000, minNotionalMicros: 0 },
        { pairLeg: 0, venue: 'polymarket', marketId: POLY_ID, outcome: 'yes', limitPriceMicros: 440_000, tickMicros: 10_000, minQty: 0, qtyStep: 10_000, minNotionalMicros: 1_000_000 },
      ],
      lossCapMicros: 5_000_000, expectedProfitMicros: 200_000, tsPlanned: ts,
    },
    progress: {
      leg1: filled ? role(10_000_000, 5_400_000, 70_000, [`k-${x}`]) : role(), leg2: filled ? role(10_000_000, 4_400_000, 0, [`p-${x}`]) : role(), unwind: role(),
      leg2TargetQty: filled ? 10_000_000 : 0, unwindTargetQty: 0, unwindLimitMicros: 0, deadline: ts + 5_000, alerts: [],
    },
    netQty: over.netQty ?? 0, reason: over.reason ?? (filled ? 'both legs filled' : 'planned'), tsPlanned: ts, tsUpdated: ts + 1_000,
  });
}

/** The fills of a hedged {@link makeExecution}: leg 1 (Kalshi NO at 0.54, fee 0.07) and leg 2 (Polymarket YES at 0.44). */
export function fillsOf(executionId: string, ts = Date.parse('2026-11-27T12:00:01Z')): Fill[] {
  return [
    { venue: 'kalshi', fillId: `kf-${executionId}`, venueOrderId: `k-${executionId}`, marketId: KALSHI_ID, outcome: 'no', side: 'buy', priceMicros: 540_000, qty: 10_000_000, feeMicros: 70_000, tsVenue: ts, tsReceived: ts + 5 },
    { venue: 'polymarket', fillId: `pf-${executionId}`, clientOrderId: `${executionId}:leg2:1`, venueOrderId: `p-${executionId}`, marketId: POLY_ID, outcome: 'yes', side: 'buy', priceMicros: 440_000, qty: 10_000_000, feeMicros: 0, tsVenue: ts + 100, tsReceived: ts + 105 },
  ];
}
