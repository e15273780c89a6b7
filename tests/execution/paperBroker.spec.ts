import { describe, expect, it } from 'vitest';
import { BehaviorSubject } from 'rxjs';
import type { Book } from '../../schema/book.js';
import type { Fill, OrderRequest } from '../../schema/execution.js';
import { PaperBroker } from '../../src/execution/paperBroker.js';
import { FeeBook } from '../../src/fees/schedule.js';
import { OrderNotFoundError, OrderRejectedError, OrderUnknownError, type BrokerAnomaly } from '../../src/venues/broker.js';
import { ONE } from './fixtures.js';

const kalshiBook = (asks: [number, number][], bids: [number, number][] = []): Book => ({
  venue: 'kalshi', marketId: 'KX-1', yes: { bids: [], asks: [] }, no: { bids: bids.map(([price, qty]) => ({ price, qty: qty * ONE })), asks: asks.map(([price, qty]) => ({ price, qty: qty * ONE })) },
  tsVenue: 0, tsReceived: 0, issues: [],
});
const order = (o: Partial<OrderRequest> = {}): OrderRequest => ({ clientOrderId: 'c1', marketId: 'KX-1', outcome: 'no', side: 'buy', limitPriceMicros: 520_000, qty: 10 * ONE, timeInForce: 'IOC', ...o });

function broker(b: Book, o: { latencyMs?: number; haircut?: number; cashMicros?: number; feeBook?: FeeBook } = {}) {
  const books$ = new BehaviorSubject<Book>(b);
  const p = new PaperBroker({ venue: 'kalshi', books$, latencyMs: o.latencyMs ?? 0, ...o });
  const fills: Fill[] = [];
  p.fills$.subscribe((f) => fills.push(f));
  return { p, books$, fills };
}

describe('PaperBroker', () => {
  it('IOC takes what is at or better than the limit, the rest is cancelled; fills carry side and the engine fee', async () => {
    const { p, fills } = broker(kalshiBook([[500_000, 4], [510_000, 3], [530_000, 50]]), { feeBook: FeeBook.withDefaults() });
    const ack = await p.place(order());
    expect(ack).toMatchObject({ state: 'cancelled', filledQty: 7 * ONE, avgPriceMicros: 504_286, reason: 'IOC remainder cancelled' });
    expect(fills.map((f) => [f.side, f.priceMicros, f.qty])).toEqual([['buy', 500_000, 4 * ONE], ['buy', 510_000, 3 * ONE]]);
    expect(fills.reduce((s, f) => s + f.feeMicros!, 0)).toBe(ack.feesMicros);
    expect(ack.feesMicros).toBeGreaterThan(0);
    expect(await p.positions()).toEqual([{ marketId: 'KX-1', outcome: 'no', qty: 7 * ONE, avgPriceMicros: 504_286 }]);
  });

  it('FOK is all or nothing', async () => {
    const { p } = broker(kalshiBook([[500_000, 4]]));
    expect(await p.place(order({ timeInForce: 'FOK' }))).toMatchObject({ state: 'cancelled', filledQty: 0 });
    expect(await p.place(order({ clientOrderId: 'c2', timeInForce: 'FOK', qty: 4 * ONE }))).toMatchObject({ state: 'filled', filledQty: 4 * ONE });
  });

  it('queue: our fills use up the level until the next book; the haircut leaves others their share', async () => {
    const { p, books$ } = broker(kalshiBook([[500_000, 10]]), { haircut: 0.5 });
    expect((await p.place(order({ qty: 4 * ONE }))).filledQty).toBe(4 * ONE);
    expect((await p.place(order({ clientOrderId: 'c2' }))).filledQty).toBe(1 * ONE);
    books$.next(kalshiBook([[500_000, 10]]));
    expect((await p.place(order({ clientOrderId: 'c3' }))).filledQty).toBe(5 * ONE);
  });

  it('latency: the order meets the book as it is after the delay', async () => {
    const { p, books$ } = broker(kalshiBook([[500_000, 10]]), { latencyMs: 30 });
    const placing = p.place(order());
    books$.next(kalshiBook([[600_000, 10]]));
    expect(await placing).toMatchObject({ filledQty: 0, reason: 'nothing at or better than the limit' });
  });

  it('idempotent client order ids; status by either id; unknown ids; lost acks; rejections', async () => {
    const { p, fills } = broker(kalshiBook([[500_000, 100]], [[490_000, 100]]), { cashMicros: 6 * ONE });
    const a = await p.place(order());
    expect(await p.place(order())).toBe(a);
    expect(fills).toHaveLength(1);
    expect(await p.status({ venueOrderId: a.venueOrderId! })).toBe(a);
    await expect(p.status({ clientOrderId: 'nope' })).rejects.toBeInstanceOf(OrderNotFoundError);
    // cash left: $1: a second buy of 10 is refused
    await expect(p.place(order({ clientOrderId: 'c2' }))).rejects.toMatchObject({ reason: 'insufficient_balance' });
    p.faults.rejectNext = 'price_moved';
    await expect(p.place(order({ clientOrderId: 'c3' }))).rejects.toBeInstanceOf(OrderRejectedError);
    p.faults.loseAckNext = true;
    await expect(p.place(order({ clientOrderId: 'c4', side: 'sell', limitPriceMicros: 480_000, qty: 5 * ONE }))).rejects.toBeInstanceOf(OrderUnknownError);
    expect(await p.status({ clientOrderId: 'c4' })).toMatchObject({ state: 'filled', filledQty: 5 * ONE, avgPriceMicros: 490_000 });
    expect(await p.balance()).toMatchObject({ cashMicros: 1_000_000 + 2_450_000 });
    await expect(p.place(order({ clientOrderId: 'c5', side: 'sell', limitPriceMicros: 480_000, qty: 6 * ONE }))).rejects.toMatchObject({ reason: 'insufficient_balance' });
  });

  it('a pending order can be cancelled (kill switch) and then fills nothing', async () => {
    const { p, fills } = broker(kalshiBook([[500_000, 10]]), { latencyMs: 50 });
    const placing = p.place(order());
    expect(await p.openOrders()).toHaveLength(1);
    expect(await p.cancel({ clientOrderId: 'c1' })).toMatchObject({ state: 'cancelled' });
    expect(await placing).toMatchObject({ state: 'cancelled', filledQty: 0 });
    expect(fills).toEqual([]);
    expect(await p.openOrders()).toEqual([]);
  });

  it('anomalies$: a venue order id it never issued is reported and counted; a client id it never saw is just not found', async () => {
    const { p } = broker(kalshiBook([[500_000, 4]]));
    const seen: BrokerAnomaly[] = [];
    p.anomalies$.subscribe((a) => seen.push(a));
    await expect(p.status({ venueOrderId: 'paper-nope' })).rejects.toBeInstanceOf(OrderNotFoundError);
    await expect(p.status({ clientOrderId: 'never-sent' })).rejects.toBeInstanceOf(OrderNotFoundError);
    expect(seen).toEqual([expect.objectContaining({ venue: 'kalshi', kind: 'unknown_order', where: 'status' })]);
    expect(p.anomalyCounts).toMatchObject({ unknown_order: 1, invalid_answer: 0, unknown_fill: 0, channel_down: 0 });
    let done = false;
    p.anomalies$.subscribe({ complete: () => (done = true) });
    await p.close();
    expect(done).toBe(true);
  });
});
