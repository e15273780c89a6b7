/**
 * Kalshi broker against the simulator's V2 order endpoints: IOC full/partial/no fill, FOK, reject
 * reasons, ack lost then reconciled by client order id, idempotent resend, cancel, the fill
 * channel, positions and balance consistent with fills; bad input on anomalies$. Golden tests:
 * the real captures / doc examples and the simulator's answers parse with the same schemas.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Subject, firstValueFrom, take, toArray, timeout } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SCALE } from '../../../schema/money.js';
import { OrderNotFoundError, OrderRejectedError, OrderUnknownError, type Fill, type OrderRequest } from '../../../src/venues/broker.js';
import type { BrokerAnomaly } from '../../../src/venues/common/brokerAnomaly.js';
import { KalshiBroker } from '../../../src/venues/kalshi/broker.js';
import { KALSHI_TRADING_RULES, kalshiOrderAck, kalshiRulesOf, kalshiSideOf } from '../../../src/venues/kalshi/ordersMap.js';
import { createKalshiSigner } from '../../../src/venues/kalshi/auth.js';
import { KalshiBalance, KalshiCancelOrderV2Response, KalshiCreateOrderV2Response, KalshiErrorBody, KalshiFillsPage, KalshiMarketPositionFrame, KalshiOrderResponse, KalshiOrdersPage, KalshiPositionsPage, KalshiUserOrderFrame } from '../../../src/venues/kalshi/orders.js';
import { startKalshiSimulator, type KalshiSim } from '../../../src/venues/kalshi/simulator.js';
import { KalshiWsFrame } from '../../../src/venues/kalshi/wire.js';

const FIX = path.join(import.meta.dirname, '../../fixtures/kalshi/orders');
const fixture = (f: string): unknown => JSON.parse(readFileSync(path.join(FIX, f), 'utf8'));

let sim: KalshiSim;
let broker: KalshiBroker;
let ticker: string;
let n = 0;
const C = SCALE;
const cid = () => `t-${process.pid}-${++n}`;
const order = (o: Partial<OrderRequest> = {}): OrderRequest => ({
  clientOrderId: cid(), marketId: ticker, outcome: 'yes', side: 'buy', limitPriceMicros: 550_000, qty: 10 * C, timeInForce: 'IOC', ...o,
});
/** YES bids 40¢ ×20 and 39¢ ×20; NO bids 50¢ ×5 and 48¢ ×10 (YES asks 50¢ ×5, 52¢ ×10). */
const plant = () => sim.setBook(ticker, {
  yesBid: [{ price: 400_000, qty: 20 * C }, { price: 390_000, qty: 20 * C }],
  noBid: [{ price: 500_000, qty: 5 * C }, { price: 480_000, qty: 10 * C }],
});

beforeAll(async () => {
  sim = await startKalshiSimulator({ seed: 7, marketCount: 3, balanceMicros: 1_000 * SCALE });
  ticker = sim.markets.find((m) => m.status === 'active')!.ticker;
  broker = new KalshiBroker({ restUrl: sim.restUrl, wsUrl: sim.wsUrl, auth: sim.auth!, timeoutMs: 1_000, reconnectMs: 50 });
});
afterAll(async () => {
  await broker.close();
  await sim.stop();
});
afterEach(() => plant());

describe('KalshiBroker against the simulator', () => {
  it('maps outcome/side to the V2 book side and YES price', () => {
    expect(kalshiSideOf({ outcome: 'yes', side: 'buy', limitPriceMicros: 550_000 })).toEqual({ side: 'bid', yesPrice: 550_000 });
    expect(kalshiSideOf({ outcome: 'yes', side: 'sell', limitPriceMicros: 550_000 })).toEqual({ side: 'ask', yesPrice: 550_000 });
    expect(kalshiSideOf({ outcome: 'no', side: 'buy', limitPriceMicros: 600_000 })).toEqual({ side: 'ask', yesPrice: 400_000 });
    expect(kalshiSideOf({ outcome: 'no', side: 'sell', limitPriceMicros: 600_000 })).toEqual({ side: 'bid', yesPrice: 400_000 });
  });

  it('IOC full fill: book consumed, fee ceil to the cent, fill on the channel, position and balance agree', async () => {
    plant();
    const fills = firstValueFrom(broker.fills$.pipe(take(2), toArray(), timeout(3000)));
    await new Promise((r) => setTimeout(r, 150)); // the fill channel subscribes
    const cash0 = (await broker.balance()).cashMicros;
    const o = order({ qty: 10 * C, limitPriceMicros: 520_000 });
    const ack = await broker.place(o);
    expect(ack).toMatchObject({ state: 'filled', filledQty: 10 * C, clientOrderId: o.clientOrderId });
    // 5 @ 0.50 + 5 @ 0.52 = 5.10 → avg 0.51
    expect(ack.avgPriceMicros).toBe(510_000);
    // 0.07 × (5×0.5×0.5 + 5×0.52×0.48) = 0.17486 → 0.18
    expect(ack.feesMicros).toBe(180_000);
    const got: Fill[] = await fills;
    expect(got.map((f) => [f.priceMicros, f.qty])).toEqual([[500_000, 5 * C], [520_000, 5 * C]]);
    expect(got.reduce((s, f) => s + (f.feeMicros ?? 0), 0)).toBe(180_000);
    expect(got.every((f) => f.clientOrderId === o.clientOrderId && f.venueOrderId === ack.venueOrderId && f.outcome === 'yes' && f.side === 'buy')).toBe(true);
    expect(sim.book(ticker).noBid).toEqual([{ price: 480_000, qty: 5 * C }]);
    const pos = await broker.positions();
    expect(pos.find((p) => p.marketId === ticker)).toMatchObject({ outcome: 'yes', qty: 10 * C, avgPriceMicros: 510_000 });
    expect((await broker.balance()).cashMicros).toBe(cash0 - 5_100_000 - 180_000);
    const st = await broker.status({ clientOrderId: o.clientOrderId });
    expect(st).toMatchObject({ state: 'filled', filledQty: 10 * C, avgPriceMicros: 510_000, feesMicros: 180_000 });
  });

  it('IOC partial fill cancels the remainder; IOC with nothing crossing fills nothing', async () => {
    plant();
    const part = await broker.place(order({ qty: 8 * C, limitPriceMicros: 500_000 }));
    expect(part).toMatchObject({ state: 'cancelled', filledQty: 5 * C, avgPriceMicros: 500_000 });
    const none = await broker.place(order({ qty: 1 * C, limitPriceMicros: 300_000 }));
    expect(none).toMatchObject({ state: 'cancelled', filledQty: 0 });
    expect((await broker.status({ clientOrderId: part.clientOrderId })).state).toBe('cancelled');
  });

  it('FOK fills all or nothing; buy NO / sell YES take the YES bids', async () => {
    plant();
    const killed = await broker.place(order({ qty: 16 * C, limitPriceMicros: 520_000, timeInForce: 'FOK' }));
    expect(killed).toMatchObject({ state: 'cancelled', filledQty: 0 });
    expect(sim.book(ticker).noBid[0]).toEqual({ price: 500_000, qty: 5 * C });
    const full = await broker.place(order({ qty: 15 * C, limitPriceMicros: 520_000, timeInForce: 'FOK' }));
    expect(full).toMatchObject({ state: 'filled', filledQty: 15 * C });
    // buy NO at most 0.61 = sell YES at least 0.39: takes YES bids 0.40 then 0.39
    const no = await broker.place(order({ outcome: 'no', qty: 25 * C, limitPriceMicros: 610_000 }));
    expect(no.state).toBe('filled');
    expect(no.avgPriceMicros).toBe(Math.round((20 * 600_000 + 5 * 610_000) / 25));
  });

  it('rejects with the venue reason: tick, unknown market, insufficient balance, price moved', async () => {
    plant();
    await expect(broker.place(order({ limitPriceMicros: 555_000 }))).rejects.toMatchObject({ reason: 'tick' });
    await expect(broker.place(order({ marketId: 'NOPE-26-X' }))).rejects.toMatchObject({ reason: 'market_closed' });
    await expect(broker.place(order({ qty: 100_000 * C }))).rejects.toBeInstanceOf(OrderRejectedError);
    await expect(broker.place(order({ qty: 100_000 * C }))).rejects.toMatchObject({ reason: 'insufficient_balance' });
    sim.orders.fault({ kind: 'reject', reason: 'insufficient_balance' });
    await expect(broker.place(order())).rejects.toMatchObject({ reason: 'insufficient_balance' });
    sim.orders.fault({ kind: 'reject', reason: 'price_moved' });
    expect(await broker.place(order({ limitPriceMicros: 520_000 }))).toMatchObject({ state: 'cancelled', filledQty: 0 });
  });

  it('partial and slow fills on demand', async () => {
    plant();
    sim.orders.fault({ kind: 'partial', ratio: 0.3 });
    expect(await broker.place(order({ qty: 10 * C, limitPriceMicros: 520_000 }))).toMatchObject({ state: 'cancelled', filledQty: 3 * C });
    sim.orders.fault({ kind: 'slowFill', ms: 200 });
    const t0 = Date.now();
    expect(await broker.place(order({ qty: 1 * C, limitPriceMicros: 520_000 }))).toMatchObject({ state: 'filled' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
  });

  it('ack lost: unknown outcome, reconciled by client order id; the same id is never placed twice', async () => {
    plant();
    sim.orders.fault({ kind: 'ackLost' });
    const o = order({ qty: 2 * C, limitPriceMicros: 520_000 });
    await expect(broker.place(o)).rejects.toBeInstanceOf(OrderUnknownError);
    const st = await broker.status({ clientOrderId: o.clientOrderId });
    expect(st).toMatchObject({ state: 'filled', filledQty: 2 * C });
    const placed = sim.orders.stats.ordersPlaced;
    // a resend with the same id: the venue answers 409, the broker returns the first order's status
    expect(await broker.place(o)).toMatchObject({ venueOrderId: st.venueOrderId, state: 'filled' });
    expect(sim.orders.stats.ordersPlaced).toBe(placed);
    // a fresh broker (after a restart) finds it too, without local state
    const b2 = new KalshiBroker({ restUrl: sim.restUrl, wsUrl: sim.wsUrl, auth: sim.auth! });
    expect(await b2.status({ clientOrderId: o.clientOrderId })).toMatchObject({ venueOrderId: st.venueOrderId });
    await expect(b2.status({ clientOrderId: 'never-sent' })).rejects.toBeInstanceOf(OrderNotFoundError);
    await b2.close();
  });

  it('a send that times out is an unknown outcome', async () => {
    sim.orders.fault({ kind: 'slowFill', ms: 1_500 });
    const o = order({ qty: 1 * C, limitPriceMicros: 520_000 });
    await expect(broker.place(o)).rejects.toBeInstanceOf(OrderUnknownError);
    await new Promise((r) => setTimeout(r, 1_600));
    expect((await broker.status({ clientOrderId: o.clientOrderId })).filledQty).toBe(1 * C);
  });

  it('cancel of a finished order returns its status; an unknown venue order id is an anomaly', async () => {
    plant();
    const ack = await broker.place(order({ qty: 1 * C, limitPriceMicros: 520_000 }));
    expect((await broker.cancel({ clientOrderId: ack.clientOrderId })).state).toBe('filled');
    const seen: BrokerAnomaly[] = [];
    const s = broker.anomalies$.subscribe((a) => seen.push(a));
    await expect(broker.status({ venueOrderId: 'ffffffff-0000-4000-8000-000000000000' })).rejects.toBeInstanceOf(OrderNotFoundError);
    await expect(broker.cancel({ venueOrderId: 'ffffffff-0000-4000-8000-000000000000' })).rejects.toBeInstanceOf(OrderNotFoundError);
    s.unsubscribe();
    expect(seen.map((a) => a.kind)).toEqual(['unknown_order', 'unknown_order']);
    expect(broker.anomalies.counts.unknown_order).toBeGreaterThanOrEqual(2);
  });

  it('a fill for an order we never sent and an answer that does not validate are anomalies', async () => {
    plant();
    const seen: BrokerAnomaly[] = [];
    const s = broker.anomalies$.subscribe((a) => seen.push(a));
    const sub = broker.fills$.subscribe();
    await new Promise((r) => setTimeout(r, 100));
    // another client of the same account trades: its fill reaches our channel
    const other = new KalshiBroker({ restUrl: sim.restUrl, wsUrl: sim.wsUrl, auth: sim.auth! });
    await other.place(order({ qty: 1 * C, limitPriceMicros: 520_000 }));
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.some((a) => a.kind === 'unknown_fill')).toBe(true);
    await other.close();
    // a venue answer that does not validate: unknown outcome plus an anomaly
    const bad = new KalshiBroker({
      restUrl: sim.restUrl, wsUrl: sim.wsUrl, auth: sim.auth!,
      fetch: async () => new Response(JSON.stringify({ order_id: 42 }), { status: 201 }),
    });
    const badSeen: BrokerAnomaly[] = [];
    bad.anomalies$.subscribe((a) => badSeen.push(a));
    await expect(bad.place(order())).rejects.toBeInstanceOf(OrderUnknownError);
    expect(badSeen.map((a) => a.kind)).toEqual(['invalid_answer']);
    await bad.close();
    sub.unsubscribe();
    s.unsubscribe();
  });

  it('REST reconciliation emits fills the channel missed, once', async () => {
    plant();
    const b = new KalshiBroker({ restUrl: sim.restUrl, wsUrl: sim.wsUrl, auth: sim.auth! });
    const got: Fill[] = [];
    const ack = await b.place(order({ qty: 6 * C, limitPriceMicros: 520_000 }));
    // fills$ was never subscribed: the channel saw nothing
    b.fills$.subscribe((f) => got.push(f));
    await new Promise((r) => setTimeout(r, 100));
    expect(await b.reconcileFills()).toBe(2);
    expect(await b.reconcileFills()).toBe(0);
    expect(got.filter((f) => f.venueOrderId === ack.venueOrderId).reduce((q, f) => q + f.qty, 0)).toBe(6 * C);
    await b.close();
  });
});

describe('KalshiBroker: trading rules, slow orders, the fill channel across disconnects', () => {
  it('rules from the price level structure: linear cent, deci-cent, tapered (a grid valid in every band), fractional', () => {
    expect(KALSHI_TRADING_RULES).toEqual({ tickMicros: 10_000, minQty: C, qtyStep: C, minNotionalMicros: 0 });
    expect(kalshiRulesOf({ price_level_structure: 'linear_cent', price_ranges: [{ step: '0.0100' }] }).tickMicros).toBe(10_000);
    expect(kalshiRulesOf({ price_level_structure: 'deci_cent', price_ranges: [{ step: '0.0010' }] }).tickMicros).toBe(1_000);
    expect(kalshiRulesOf({ price_level_structure: 'deci_cent' }).tickMicros).toBe(1_000);
    expect(kalshiRulesOf({ price_level_structure: 'tapered_deci_cent', price_ranges: [{ step: '0.001' }, { step: '0.01' }, { step: '0.001' }] }).tickMicros).toBe(10_000);
    expect(kalshiRulesOf({ price_level_structure: 'something_new' }).tickMicros).toBe(10_000);
    expect(kalshiRulesOf({ fractional_trading_enabled: true })).toMatchObject({ minQty: 10_000, qtyStep: 10_000 });
  });

  it('learns a market\'s rules from GET /markets/{ticker}; unknown market: undefined (venue defaults apply)', async () => {
    const b = new KalshiBroker({ restUrl: sim.restUrl, wsUrl: sim.wsUrl, auth: sim.auth! });
    expect(b.rules(ticker)).toBeUndefined(); // starts learning
    expect(await b.loadRules(ticker)).toEqual({ tickMicros: 10_000, minQty: C, qtyStep: C, minNotionalMicros: 0 });
    expect(b.rules(ticker)).toEqual(KALSHI_TRADING_RULES);
    expect(await b.loadRules('NO-SUCH-MARKET')).toBeUndefined();
    expect(b.setRules(ticker, { price_level_structure: 'deci_cent' }).tickMicros).toBe(1_000);
    expect(b.rules(ticker)!.tickMicros).toBe(1_000);
    await b.close();
  });

  it('a deci-cent market: rules learnt from the venue (0.1¢ tick), a sub-penny limit accepted and filled, off-grid refused', async () => {
    const spec = { ...sim.markets.find((m) => m.status === 'active')!, priceLevelStructure: 'deci_cent', frozen: true };
    const dsim = await startKalshiSimulator({ seed: 9, markets: [spec], series: sim.series, balanceMicros: 100 * C });
    const b = new KalshiBroker({ restUrl: dsim.restUrl, wsUrl: dsim.wsUrl, auth: dsim.auth!, timeoutMs: 1_000 });
    try {
      expect(await b.loadRules(spec.ticker)).toEqual({ tickMicros: 1_000, minQty: C, qtyStep: C, minNotionalMicros: 0 });
      dsim.setBook(spec.ticker, { yesBid: [{ price: 400_000, qty: 5 * C }], noBid: [{ price: 495_000, qty: 5 * C }] });
      const ack = await b.place({ clientOrderId: cid(), marketId: spec.ticker, outcome: 'yes', side: 'buy', limitPriceMicros: 505_000, qty: 2 * C, timeInForce: 'IOC' });
      expect(ack).toMatchObject({ state: 'filled', filledQty: 2 * C, avgPriceMicros: 505_000 });
      const off = b.place({ clientOrderId: cid(), marketId: spec.ticker, outcome: 'yes', side: 'buy', limitPriceMicros: 505_500, qty: 1 * C, timeInForce: 'IOC' });
      await expect(off).rejects.toMatchObject({ reason: 'tick' });
      // the linear-cent market of the main simulator still refuses a sub-penny price
      await expect(broker.place(order({ limitPriceMicros: 505_000 }))).rejects.toMatchObject({ reason: 'tick' });
    } finally {
      await b.close();
      await dsim.stop();
    }
  });

  it('price_level_structure_updated on the feed\'s lifecycle refetches the market\'s rules', async () => {
    const lifecycle$ = new Subject<{ marketId: string; event: string }>();
    const b = new KalshiBroker({ restUrl: sim.restUrl, wsUrl: sim.wsUrl, auth: sim.auth!, lifecycle$ });
    await b.loadRules(ticker);
    b.setRules(ticker, { price_level_structure: 'deci_cent' });
    lifecycle$.next({ marketId: ticker, event: 'activated' });
    expect(b.rules(ticker)!.tickMicros).toBe(1_000);
    lifecycle$.next({ marketId: ticker, event: 'price_level_structure_updated' });
    await expect.poll(() => b.rules(ticker)?.tickMicros, { timeout: 1000 }).toBe(10_000);
    await b.close();
  });

  it('user_orders and market_positions channels: positions as the venue reports them; a frame that does not validate is an anomaly', async () => {
    plant();
    const b = new KalshiBroker({ restUrl: sim.restUrl, wsUrl: sim.wsUrl, auth: sim.auth! });
    const anomalies: BrokerAnomaly[] = [];
    b.anomalies$.subscribe((a) => anomalies.push(a));
    b.fills$.subscribe();
    await new Promise((r) => setTimeout(r, 150));
    await b.place(order({ qty: 2 * C, limitPriceMicros: 520_000 }));
    await expect.poll(() => b.channelPosition(ticker), { timeout: 1000 }).toBe(sim.orders.position(ticker));
    await sim.replay([
      JSON.stringify({ type: 'user_order', sid: 9, msg: { order_id: 'x', ticker, status: 'sideways' } }),
      JSON.stringify({ type: 'market_position', sid: 9, msg: { market_ticker: ticker, position_fp: 'lots' } }),
    ]);
    await expect.poll(() => anomalies.map((a) => `${a.kind}:${a.where}`).sort(), { timeout: 1000 }).toEqual(['invalid_answer:market_positions', 'invalid_answer:user_orders']);
    expect(b.channelPosition(ticker)).toBe(sim.orders.position(ticker));
    await b.close();
  });

  it('a slow order rests at the venue until it matches: listed as open, cancellable, then answered unfilled', async () => {
    plant();
    sim.orders.fault({ kind: 'slowFill', ms: 600 });
    const o = order({ qty: 2 * C, limitPriceMicros: 520_000 });
    const placing = broker.place(o);
    await expect.poll(async () => (await broker.openOrders()).map((a) => a.clientOrderId), { timeout: 500 }).toContain(o.clientOrderId);
    expect(await broker.cancel({ clientOrderId: o.clientOrderId })).toMatchObject({ state: 'cancelled', filledQty: 0 });
    expect(await placing).toMatchObject({ state: 'cancelled', filledQty: 0 });
    expect(sim.orders.ordersWithClientId(o.clientOrderId)).toHaveLength(1);
    expect(sim.book(ticker).noBid[0]).toEqual({ price: 500_000, qty: 5 * C });
  });

  it('fill channel: a dropped connection is a channel_down anomaly; it reconnects, resubscribes, and the fills it missed come from REST once', async () => {
    plant();
    const b = new KalshiBroker({ restUrl: sim.restUrl, wsUrl: sim.wsUrl, auth: sim.auth!, reconnectMs: 20, idleTimeoutMs: 3_000 });
    const got: Fill[] = [];
    const anomalies: BrokerAnomaly[] = [];
    b.anomalies$.subscribe((a) => anomalies.push(a));
    b.fills$.subscribe((f) => got.push(f));
    await new Promise((r) => setTimeout(r, 150));
    const first = await b.place(order({ qty: 1 * C, limitPriceMicros: 520_000 }));
    await expect.poll(() => got.filter((f) => f.venueOrderId === first.venueOrderId).length, { timeout: 1000 }).toBe(1);
    // the channel is cut, and the venue refuses to reconnect for a while: this order fills meanwhile
    sim.control.inject({ kind: 'disconnect', refuseMs: 400 });
    await new Promise((r) => setTimeout(r, 50));
    const missed = await b.place(order({ qty: 6 * C, limitPriceMicros: 520_000 }));
    expect(got.some((f) => f.venueOrderId === missed.venueOrderId)).toBe(false);
    await expect.poll(() => got.filter((f) => f.venueOrderId === missed.venueOrderId).reduce((q, f) => q + f.qty, 0), { timeout: 3000 }).toBe(6 * C);
    expect(b.stats.reconnects).toBeGreaterThanOrEqual(1);
    expect(anomalies.some((a) => a.kind === 'channel_down')).toBe(true);
    expect(b.anomalyCounts.channel_down).toBeGreaterThanOrEqual(1);
    // resubscribed: a fill after the reconnect arrives on the channel again, and nothing twice
    const after = await b.place(order({ qty: 1 * C, limitPriceMicros: 520_000 }));
    await expect.poll(() => got.filter((f) => f.venueOrderId === after.venueOrderId).length, { timeout: 1000 }).toBe(1);
    expect(new Set(got.map((f) => f.fillId)).size).toBe(got.length);
    await b.close();
  });

  it('fill channel: a silent connection (stalled venue) is detected by the idle timeout and replaced', async () => {
    const b = new KalshiBroker({ restUrl: sim.restUrl, wsUrl: sim.wsUrl, auth: sim.auth!, reconnectMs: 20, idleTimeoutMs: 300 });
    const anomalies: BrokerAnomaly[] = [];
    b.anomalies$.subscribe((a) => anomalies.push(a));
    b.fills$.subscribe();
    await new Promise((r) => setTimeout(r, 150));
    sim.control.inject({ kind: 'stall', ms: 700 });
    await expect.poll(() => anomalies.filter((a) => a.kind === 'channel_down').map((a) => a.detail).join(), { timeout: 2000 }).toContain('stale');
    await expect.poll(() => b.stats.reconnects, { timeout: 3000 }).toBeGreaterThanOrEqual(1);
    await b.close();
  });
});

describe('Kalshi order wire: captures and simulator answers parse with the same schemas', () => {
  it('real legacy captures (order object, errors) and V2 doc examples', () => {
    for (const f of readdirSync(FIX).filter((x) => x.startsWith('capture_'))) {
      const c = fixture(f) as { response: { status: number; body_parsed: unknown } };
      const schema = c.response.status < 300 ? KalshiOrderResponse : KalshiErrorBody;
      expect(schema.safeParse(c.response.body_parsed).success, f).toBe(true);
    }
    expect(KalshiCreateOrderV2Response.safeParse(fixture('rest_create_order_v2_response.docs.json')).success).toBe(true);
    expect(KalshiCancelOrderV2Response.safeParse(fixture('rest_cancel_order_v2_response.docs.json')).success).toBe(true);
    expect(KalshiErrorBody.safeParse(fixture('rest_error_rate_limited_429.docs.json')).success).toBe(true);
    expect(KalshiUserOrderFrame.safeParse(fixture('ws_user_order.docs.json')).success).toBe(true);
    expect(KalshiMarketPositionFrame.safeParse(fixture('ws_market_position.docs.json')).success).toBe(true);
  });

  it('legacy capture orders map to acks: partial IOC is cancelled with its fill, sells are costed on the NO leg', () => {
    const order = (f: string) => KalshiOrderResponse.parse(fixture(f) && (fixture(f) as { response: { body_parsed: unknown } }).response.body_parsed).order;
    const part = kalshiOrderAck(order('capture_post_orders_ioc_buy_partial_fill.json'), 'c', 'yes', 0);
    expect(part).toMatchObject({ state: 'cancelled', filledQty: 114 * C, avgPriceMicros: 90_000, feesMicros: 660_000 });
    const sell = kalshiOrderAck(order('capture_post_orders_ioc_sell_partial_fill.json'), 'c', 'yes', 0);
    // sell 7 YES: cost 1.12 on the NO leg = 16¢ a contract, so YES sold at 84¢
    expect(sell).toMatchObject({ filledQty: 7 * C, avgPriceMicros: 840_000 });
    expect(kalshiOrderAck(order('capture_post_orders_ioc_buy_full_fill.json'), 'c', 'yes', 0).state).toBe('filled');
  });

  it('the simulator answers REST and WS in those shapes', async () => {
    plant();
    const signer = createKalshiSigner(sim.auth!);
    const call = async (method: string, p: string, body?: unknown) => {
      const res = await fetch(`${sim.restUrl}${p}`, { method, headers: { 'content-type': 'application/json', ...signer.headers(method, `/trade-api/v2${p}`) }, ...(body ? { body: JSON.stringify(body) } : {}) });
      return { status: res.status, json: (await res.json()) as unknown };
    };
    const { default: WebSocket } = await import('ws');
    const ws = new WebSocket(sim.wsUrl, { headers: signer.headers('GET', '/trade-api/ws/v2') });
    const frames: unknown[] = [];
    ws.on('message', (d) => frames.push(JSON.parse(String(d))));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ id: 1, cmd: 'subscribe', params: { channels: ['fill', 'user_orders', 'market_positions'] } }));
    await new Promise((r) => setTimeout(r, 100));
    const create = await call('POST', '/portfolio/events/orders', { ...fixture('rest_create_order_v2_request.docs.json') as object, ticker, client_order_id: cid(), price: '0.5200', time_in_force: 'immediate_or_cancel' });
    expect(create.status).toBe(201);
    expect(KalshiCreateOrderV2Response.safeParse(create.json).success).toBe(true);
    const id = (create.json as { order_id: string }).order_id;
    expect(KalshiOrderResponse.safeParse((await call('GET', `/portfolio/orders/${id}`)).json).success).toBe(true);
    expect(KalshiOrdersPage.safeParse((await call('GET', '/portfolio/orders')).json).success).toBe(true);
    expect(KalshiFillsPage.safeParse((await call('GET', '/portfolio/fills')).json).success).toBe(true);
    expect(KalshiPositionsPage.safeParse((await call('GET', '/portfolio/positions')).json).success).toBe(true);
    expect(KalshiBalance.safeParse((await call('GET', '/portfolio/balance')).json).success).toBe(true);
    expect(KalshiCancelOrderV2Response.safeParse((await call('DELETE', `/portfolio/events/orders/${id}`)).json).success).toBe(true);
    const err = await call('POST', '/portfolio/events/orders', { ticker: 'NOPE', side: 'bid', count: '1.00', price: '0.5000', time_in_force: 'immediate_or_cancel', self_trade_prevention_type: 'taker_at_cross' });
    expect(err.status).toBe(404);
    expect(err.json).toEqual((fixture('capture_post_orders_error_market_not_found.json') as { response: { body_parsed: unknown } }).response.body_parsed);
    expect((await call('GET', '/portfolio/orders/unknown-id')).status).toBe(404);
    await new Promise((r) => setTimeout(r, 100));
    ws.close();
    const byType = (t: string) => frames.filter((f) => (f as { type: string }).type === t);
    expect(byType('fill').length).toBeGreaterThan(0);
    for (const f of byType('fill')) expect(KalshiWsFrame.safeParse(f).success).toBe(true);
    for (const f of byType('user_order')) expect(KalshiUserOrderFrame.safeParse(f).success).toBe(true);
    for (const f of byType('market_position')) expect(KalshiMarketPositionFrame.safeParse(f).success).toBe(true);
    expect(byType('user_order').length).toBeGreaterThan(0);
    expect(byType('market_position').length).toBeGreaterThan(0);
  });
});
