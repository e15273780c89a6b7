/**
 * `orders` rows derived from the execution records the executor writes ahead (executions$):
 * the executor keeps the order in flight of each role (`progress.<role>.current`) and books an
 * ended order's fills into the role's totals, so comparing one record with the previous one of the
 * same execution tells which order was sent, acknowledged and ended, and what it filled.
 *
 *   prev ─┐
 *   next ─┴─► orderRowsOf ─► OrderRecord[] (upserted by (venue, clientOrderId))
 *
 * `createdAt` is the time of the record that shows the order; the upsert keeps the first one.
 * Orders are IOC (the state machine sends nothing else). An ended order is `filled` when it filled
 * its quantity, `rejected` when the record says the venue refused it, else `cancelled` (the IOC's
 * rest, or nothing filled).
 */
import type { Execution, OrderRecord, OrderRole, RoleProgress } from '../../schema/execution.js';

const ROLES: readonly OrderRole[] = ['leg1', 'leg2', 'unwind'];

type Current = NonNullable<RoleProgress['current']>;

function legOf(x: Execution, role: OrderRole): Execution['plan']['legs'][number] {
  return role === 'leg2' ? x.plan.legs[1] : x.plan.legs[0];
}

function base(x: Execution, role: OrderRole, cur: Current): Omit<OrderRecord, 'state' | 'filledQty' | 'costMicros' | 'feesMicros' | 'updatedAt'> {
  const leg = legOf(x, role);
  return {
    executionId: x.executionId, role, clientOrderId: cur.clientOrderId, ...(cur.venueOrderId ? { venueOrderId: cur.venueOrderId } : {}),
    venue: leg.venue, marketId: leg.marketId, outcome: leg.outcome, side: cur.side, limitPriceMicros: cur.limitPriceMicros, qty: cur.qty,
    timeInForce: 'IOC', reason: x.reason, createdAt: x.tsUpdated,
  };
}

/**
 * The order rows a new execution record changes, given the previous record of the same execution
 * (undefined: the first seen, e.g. after a restart). Pure.
 */
export function orderRowsOf(prev: Execution | undefined, next: Execution): OrderRecord[] {
  const out: OrderRecord[] = [];
  for (const role of ROLES) {
    const was = prev?.progress[role];
    const now = next.progress[role];
    const before = was?.current;
    const after = now.current;
    if (before && before.clientOrderId !== after?.clientOrderId) {
      // ended between the two records: its fills are what the role's totals gained
      const filledQty = Math.max(0, now.filledQty - was.filledQty);
      const rejected = next.reason.includes(`${before.clientOrderId} rejected`);
      const venueOrderId = before.venueOrderId ?? now.venueOrderIds.find((v) => !was.venueOrderIds.includes(v));
      out.push({
        ...base(next, role, venueOrderId ? { ...before, venueOrderId } : before),
        state: filledQty >= before.qty ? 'filled' : rejected && filledQty === 0 ? 'rejected' : 'cancelled',
        filledQty, costMicros: Math.max(0, now.costMicros - was.costMicros), feesMicros: Math.max(0, now.feesMicros - was.feesMicros), updatedAt: next.tsUpdated,
      });
    }
    if (after && (before?.clientOrderId !== after.clientOrderId || before.venueOrderId !== after.venueOrderId || !prev)) {
      out.push({ ...base(next, role, after), state: after.venueOrderId ? 'open' : 'pending', filledQty: 0, costMicros: 0, feesMicros: 0, updatedAt: next.tsUpdated });
    }
  }
  return out;
}
