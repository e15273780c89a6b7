import { describe, expect, it } from 'vitest';
import type { Execution, RoleProgress } from '../../schema/execution.js';
import { orderRowsOf } from '../../src/execution/orderRows.js';
import { ONE, planFixture } from './fixtures.js';

const role = (o: Partial<RoleProgress> = {}): RoleProgress => ({ attempts: 0, filledQty: 0, costMicros: 0, feesMicros: 0, venueOrderIds: [], ...o });
const plan = planFixture();
const rec = (o: Partial<Execution>, p: Partial<Execution['progress']> = {}): Execution => ({
  executionId: plan.executionId, pairId: plan.pairId, edgeId: plan.edgeId, state: 'planned', sizeQty: plan.sizeQty, plan,
  progress: { leg1: role(), leg2: role(), unwind: role(), leg2TargetQty: 0, unwindTargetQty: 0, unwindLimitMicros: 0, deadline: 0, alerts: [], ...p },
  netQty: 0, reason: '', tsPlanned: 1, tsUpdated: 1, ...o,
});

describe('orderRowsOf', () => {
  const id1 = `${plan.executionId}:leg1:1`;
  const sent = rec({ state: 'leg1Submitted', tsUpdated: 10, reason: 'leg 1 first' }, { leg1: role({ attempts: 1, current: { clientOrderId: id1, qty: 10 * ONE, limitPriceMicros: 500_000, side: 'buy', reconciles: 0 } }) });

  it('an order sent is a pending row with the leg it trades', () => {
    const rows = orderRowsOf(rec({}), sent);
    const leg = plan.legs[0];
    expect(rows).toEqual([{
      executionId: plan.executionId, role: 'leg1', clientOrderId: id1, venue: leg.venue, marketId: leg.marketId, outcome: leg.outcome, side: 'buy', limitPriceMicros: 500_000,
      qty: 10 * ONE, timeInForce: 'IOC', state: 'pending', filledQty: 0, costMicros: 0, feesMicros: 0, reason: 'leg 1 first', createdAt: 10, updatedAt: 10,
    }]);
    expect(orderRowsOf(sent, sent)).toEqual([]);
  });

  it('an ended order takes what the role gained; the next order starts as pending', () => {
    const id2 = `${plan.executionId}:leg2:1`;
    const next = rec({ state: 'leg2Submitted', tsUpdated: 20, reason: 'leg 2 sized' }, {
      leg1: role({ attempts: 1, filledQty: 6 * ONE, costMicros: 3_000_000, feesMicros: 10_000, venueOrderIds: ['v1'] }),
      leg2: role({ attempts: 1, current: { clientOrderId: id2, qty: 6 * ONE, limitPriceMicros: 460_000, side: 'buy', reconciles: 0 } }),
    });
    const rows = orderRowsOf(sent, next);
    expect(rows.map((r) => [r.clientOrderId, r.state, r.filledQty, r.costMicros, r.feesMicros, r.venueOrderId])).toEqual([
      [id1, 'cancelled', 6 * ONE, 3_000_000, 10_000, 'v1'],
      [id2, 'pending', 0, 0, 0, undefined],
    ]);
    const full = rec({ state: 'hedged', tsUpdated: 30 }, { leg1: next.progress.leg1, leg2: role({ attempts: 1, filledQty: 6 * ONE, costMicros: 2_760_000, feesMicros: 0, venueOrderIds: ['v2'] }) });
    expect(orderRowsOf(next, full)).toMatchObject([{ clientOrderId: id2, state: 'filled', filledQty: 6 * ONE, venueOrderId: 'v2', updatedAt: 30 }]);
  });

  it('a rejected order with nothing filled is rejected; an acknowledged one in flight is open', () => {
    const failed = rec({ state: 'failed', reason: `order ${id1} rejected: price_moved`, tsUpdated: 20 });
    expect(orderRowsOf(sent, failed)).toMatchObject([{ clientOrderId: id1, state: 'rejected', filledQty: 0 }]);
    const acked = rec({ state: 'leg1Submitted', tsUpdated: 15 }, { leg1: role({ attempts: 1, venueOrderIds: ['v9'], current: { ...sent.progress.leg1.current!, venueOrderId: 'v9' } }) });
    expect(orderRowsOf(sent, acked)).toMatchObject([{ clientOrderId: id1, state: 'open', venueOrderId: 'v9' }]);
    // first record seen after a restart with an order in flight
    expect(orderRowsOf(undefined, sent)).toMatchObject([{ clientOrderId: id1, state: 'pending' }]);
  });
});
