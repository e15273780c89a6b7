/**
 * Polymarket broker (CLOB V2 through @polymarket/clob-client-v2 1.1.0, throwaway wallet key)
 * against the simulator: L2 HMAC and EIP-712 V2 signature checked by the simulator; FAK full /
 * partial / no fill, FOK, reject reasons, ack lost then reconciled by the order hash, idempotent
 * re-post, fills, positions and balance; bad input on anomalies$. Golden tests: the captures,
 * the doc examples and the simulator's answers parse with the same schemas.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { generatePrivateKey } from 'viem/accounts';
import { Subject } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCALE } from '../../../schema/money.js';
import { OrderNotFoundError, OrderRejectedError, OrderUnknownError, type Fill, type OrderRequest } from '../../../src/venues/broker.js';
import type { BrokerAnomaly } from '../../../src/venues/common/brokerAnomaly.js';
import { POLYMARKET_TRADING_RULES, PolymarketBroker, polyRejectReason, polyRulesOf } from '../../../src/venues/polymarket/broker.js';
import type { RawFrame } from '../../../src/venues/common/types.js';
import { FAK_TEXT, FOK_TEXT, PolyBalanceAllowance, PolyCancelResponse, PolyErrorBody, PolyOpenOrder, PolyOpenOrdersPage, PolyPostOrderResponse, PolyTrade, PolyTradesPage, PolyUserOrderEvent, PolyUserTradeEvent } from '../../../src/venues/polymarket/orders.js';
import { startPolymarketSimulator, type PolySim } from '../../../src/venues/polymarket/simulator.js';
import { mirrorLadders } from '../../../src/venues/polymarket/simulator/book.js';

const FIX = path.join(import.meta.dirname, '../../fixtures/polymarket/orders');
const fixture = (f: string): unknown => JSON.parse(readFileSync(path.join(FIX, f), 'utf8'));
const body = (f: string): unknown => (fixture(f) as { response: { body_parsed: unknown } }).response.body_parsed;

let sim: PolySim;
let broker: PolymarketBroker;
let market: string;
let yesToken: string;
let n = 0;
const S = SCALE;
const order = (o: Partial<OrderRequest> = {}): OrderRequest => ({
  clientOrderId: `p-${process.pid}-${++n}`, marketId: market, outcome: 'yes', side: 'buy', limitPriceMicros: 520_000, qty: 10 * S, timeInForce: 'IOC', ...o,
});
/** YES asks 0.50 ×10, 0.52 ×10; YES bids 0.48 ×10 (NO mirrored). */
const plant = () => sim.setBook(market, mirrorLadders([{ price: 480_000, qty: 10 * S }], [{ price: 500_000, qty: 10 * S }, { price: 520_000, qty: 10 * S }]));
const newBroker = () => new PolymarketBroker({ clobUrl: sim.restUrl, privateKey: generatePrivateKey(), creds: sim.orders.creds, timeoutMs: 1_000 });

beforeAll(async () => {
  sim = await startPolymarketSimulator({ seed: 3, marketCount: 4, balanceMicros: 1_000 * S });
  const m = sim.markets.find((x) => !x.negRisk && x.active && !x.closed)!;
  market = m.conditionId;
  yesToken = m.yesTokenId;
  broker = newBroker();
});
afterAll(async () => {
  await broker.close();
  await sim.stop();
});

describe('PolymarketBroker against the simulator', () => {
  it('FAK full fill: signed V2 order accepted, book consumed, fills, position and balance agree', async () => {
    plant();
    const fills: Fill[] = [];
    broker.fills$.subscribe((f) => fills.push(f));
    const cash0 = (await broker.balance()).cashMicros;
    const o = order({ qty: 15 * S });
    const ack = await broker.place(o);
    expect(ack).toMatchObject({ state: 'filled', filledQty: 15 * S, venueOrderId: broker.venueOrderIdOf(o.clientOrderId) });
    expect(ack.avgPriceMicros).toBe(Math.round((10 * 500_000 + 5 * 520_000) / 15));
    await new Promise((r) => setTimeout(r, 200));
    expect(fills.map((f) => [f.priceMicros, f.qty])).toEqual([[500_000, 10 * S], [520_000, 5 * S]]);
    expect(sim.book(market).yesAsk).toEqual([{ price: 520_000, qty: 5 * S }]);
    expect(sim.book(market).noBid).toEqual([{ price: 480_000, qty: 5 * S }]);
    expect((await broker.balance()).cashMicros).toBe(cash0 - 7_600_000);
    expect(await broker.positions()).toEqual([{ marketId: market, outcome: 'yes', qty: 15 * S, avgPriceMicros: 506_667 }]);
    expect(sim.orders.position(yesToken)).toBe(15 * S);
    expect(await broker.status({ clientOrderId: o.clientOrderId })).toMatchObject({ state: 'filled', filledQty: 15 * S, avgPriceMicros: 506_667 });
  });

  it('FAK partial and no fill; FOK all or nothing; sell takes the bids', async () => {
    plant();
    expect(await broker.place(order({ qty: 25 * S }))).toMatchObject({ state: 'cancelled', filledQty: 20 * S });
    plant();
    expect(await broker.place(order({ limitPriceMicros: 400_000 }))).toMatchObject({ state: 'cancelled', filledQty: 0, reason: FAK_TEXT });
    expect(await broker.place(order({ qty: 25 * S, timeInForce: 'FOK' }))).toMatchObject({ state: 'cancelled', filledQty: 0, reason: FOK_TEXT });
    expect(sim.book(market).yesAsk).toHaveLength(2);
    expect(await broker.place(order({ qty: 20 * S, timeInForce: 'FOK' }))).toMatchObject({ state: 'filled', filledQty: 20 * S });
    expect(await broker.place(order({ side: 'sell', qty: 5 * S, limitPriceMicros: 470_000 }))).toMatchObject({ state: 'filled', filledQty: 5 * S, avgPriceMicros: 480_000 });
  });

  it('rejects: off tick (locally), insufficient balance, selling more than held, price moved, min size', async () => {
    plant();
    await expect(broker.place(order({ limitPriceMicros: 505_000 }))).rejects.toMatchObject({ reason: 'tick' });
    await expect(broker.place(order({ qty: 1 * S }))).rejects.toMatchObject({ reason: 'min_size' });
    sim.orders.fault({ kind: 'reject', reason: 'insufficient_balance' });
    await expect(broker.place(order())).rejects.toMatchObject({ reason: 'insufficient_balance' });
    await expect(broker.place(order({ side: 'sell', qty: 10_000 * S, limitPriceMicros: 10_000 }))).rejects.toBeInstanceOf(OrderRejectedError);
    sim.orders.fault({ kind: 'reject', reason: 'price_moved' });
    expect(await broker.place(order())).toMatchObject({ state: 'cancelled', filledQty: 0 });
    expect(polyRejectReason('order 0xabc... is invalid. Price (100) breaks minimum tick size rule: 0.1')).toBe('tick');
    expect(polyRejectReason('not enough balance / allowance')).toBe('insufficient_balance');
  });

  it('prepare: signs once and returns the order hash before any send; place posts that same signed order', async () => {
    plant();
    const o = order({ qty: 5 * S });
    const placed = sim.orders.stats.ordersPlaced;
    const invalid = broker.anomalyCounts.invalid_answer;
    const [h1, h2] = await Promise.all([broker.prepare(o), broker.prepare(o)]);
    expect(h1).toMatch(/^0x[0-9a-f]{64}$/);
    expect(h2).toBe(h1);
    expect(sim.orders.stats.ordersPlaced).toBe(placed);
    expect(broker.venueOrderIdOf(o.clientOrderId)).toBe(h1);
    // the venue answers with the id it computed from the posted order: the hash written ahead
    expect(await broker.place(o)).toMatchObject({ state: 'filled', venueOrderId: h1 });
    expect(broker.anomalyCounts.invalid_answer).toBe(invalid);
    // off the tick: refused before anything is signed or sent
    await expect(broker.prepare(order({ limitPriceMicros: 505_000 }))).rejects.toBeInstanceOf(OrderRejectedError);
  });

  it('ack lost: unknown outcome, reconciled by the order hash; a re-post is refused as a duplicate', async () => {
    plant();
    sim.orders.fault({ kind: 'ackLost' });
    const o = order({ qty: 5 * S });
    await expect(broker.place(o)).rejects.toBeInstanceOf(OrderUnknownError);
    expect(await broker.status({ clientOrderId: o.clientOrderId })).toMatchObject({ state: 'filled', filledQty: 5 * S });
    const placed = sim.orders.stats.ordersPlaced;
    expect(await broker.place(o)).toMatchObject({ state: 'filled', venueOrderId: broker.venueOrderIdOf(o.clientOrderId) });
    expect(sim.orders.stats.ordersPlaced).toBe(placed);
  });

  it('partial and slow fills on demand; a slow answer past the timeout is unknown', async () => {
    plant();
    sim.orders.fault({ kind: 'partial', ratio: 0.5 });
    expect(await broker.place(order({ qty: 10 * S }))).toMatchObject({ state: 'cancelled', filledQty: 5 * S });
    sim.orders.fault({ kind: 'slowFill', ms: 1_300 });
    const o = order({ qty: 5 * S });
    await expect(broker.place(o)).rejects.toBeInstanceOf(OrderUnknownError);
    await new Promise((r) => setTimeout(r, 1_400));
    expect((await broker.status({ clientOrderId: o.clientOrderId })).filledQty).toBe(5 * S);
  });

  it('a neg-risk market: the order is signed for the neg-risk exchange and verified', async () => {
    const nrSim = await startPolymarketSimulator({ seed: 4, markets: [{ ...sim.markets[0]!, negRisk: true }], creds: sim.orders.creds });
    const m = nrSim.markets[0]!;
    nrSim.setBook(m.conditionId, mirrorLadders([{ price: 480_000, qty: 10 * S }], [{ price: 500_000, qty: 10 * S }]));
    const b = new PolymarketBroker({ clobUrl: nrSim.restUrl, privateKey: generatePrivateKey(), creds: sim.orders.creds });
    expect(await b.place(order({ marketId: m.conditionId, qty: 5 * S }))).toMatchObject({ state: 'filled', filledQty: 5 * S });
    await b.close();
    await nrSim.stop();
  });

  it('the simulator refuses a V2 order body whose EIP-712 signature does not verify', async () => {
    const doc = fixture('rest_post_order_request_v2.docs.json') as { order: Record<string, unknown> };
    const payload = JSON.stringify({ ...doc, order: { ...doc.order, tokenId: yesToken }, owner: sim.orders.creds.key, orderType: 'FAK' });
    const ts = String(Math.floor(Date.now() / 1000));
    const sig = createHmac('sha256', Buffer.from(sim.orders.creds.secret.replace(/-/g, '+').replace(/_/g, '/'), 'base64')).update(`${ts}POST/order${payload}`).digest('base64').replace(/\+/g, '-').replace(/\//g, '_');
    const res = await fetch(`${sim.restUrl}/order`, {
      method: 'POST', body: payload,
      headers: { 'content-type': 'application/json', POLY_ADDRESS: '0x0000000000000000000000000000000000000001', POLY_SIGNATURE: sig, POLY_TIMESTAMP: ts, POLY_API_KEY: sim.orders.creds.key, POLY_PASSPHRASE: sim.orders.creds.passphrase },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errorMsg: 'invalid order signature' });
  });

  it('an unknown order id, a bad answer and bad credentials are surfaced', async () => {
    const seen: BrokerAnomaly[] = [];
    const s = broker.anomalies$.subscribe((a) => seen.push(a));
    await expect(broker.status({ venueOrderId: `0x${'ab'.repeat(32)}` })).rejects.toBeInstanceOf(OrderNotFoundError);
    expect(seen.map((a) => a.kind)).toEqual(['unknown_order']);
    s.unsubscribe();
    const bad = new PolymarketBroker({ clobUrl: sim.restUrl, privateKey: generatePrivateKey(), creds: { ...sim.orders.creds, secret: Buffer.from('wrong secret').toString('base64') } });
    plant();
    await expect(bad.place(order())).rejects.toBeInstanceOf(OrderRejectedError);
    expect(sim.orders.stats.authRejected).toBeGreaterThan(0);
    // fills of orders this broker never sent (another broker on the account): anomalies
    const other = newBroker();
    const oSeen: BrokerAnomaly[] = [];
    other.anomalies$.subscribe((a) => oSeen.push(a));
    expect(await other.reconcileFills(0)).toBe(0);
    expect(oSeen.length).toBeGreaterThan(0);
    expect(oSeen.every((a) => a.kind === 'unknown_fill')).toBe(true);
    await other.close();
    await bad.close();
  });
});

describe('PolymarketBroker: trading rules, tick size changes, positions after a restart, slow orders', () => {
  it('rules: venue defaults; per market from /clob-markets (tick, minimum size); a tick_size_change frame moves the tick', async () => {
    expect(POLYMARKET_TRADING_RULES).toEqual({ tickMicros: 10_000, minQty: 5 * S, qtyStep: 10_000, minNotionalMicros: S });
    expect(polyRulesOf('0.001', 15)).toEqual({ tickMicros: 1_000, minQty: 15 * S, qtyStep: 10_000, minNotionalMicros: S });
    const frames$ = new Subject<RawFrame>();
    const b = new PolymarketBroker({ clobUrl: sim.restUrl, privateKey: generatePrivateKey(), creds: sim.orders.creds, tickFrames$: frames$ });
    const spec = sim.markets.find((m) => m.conditionId === market)!;
    expect(b.rules(market)).toBeUndefined(); // starts learning
    expect(await b.loadRules(market)).toEqual(polyRulesOf(spec.tickSize, spec.orderMinSize));
    const frame = (data: string): RawFrame => ({ venue: 'polymarket', connId: 'c1', tsReceived: Date.now(), data });
    frames$.next(frame(JSON.stringify({ event_type: 'book', market, asset_id: yesToken, bids: [], asks: [] })));
    expect(b.rules(market)!.tickMicros).toBe(10_000);
    frames$.next(frame(JSON.stringify([{ event_type: 'tick_size_change', asset_id: yesToken, market, old_tick_size: '0.01', new_tick_size: '0.001', timestamp: '1' }])));
    expect(b.rules(market)).toMatchObject({ tickMicros: 1_000, minQty: spec.orderMinSize * S });
    // a malformed one is an anomaly, and changes nothing
    const anomalies: BrokerAnomaly[] = [];
    b.anomalies$.subscribe((a) => anomalies.push(a));
    frames$.next(frame(JSON.stringify({ event_type: 'tick_size_change', market, new_tick_size: 7 })));
    expect(anomalies.map((a) => a.kind)).toEqual(['invalid_answer']);
    expect(b.rules(market)!.tickMicros).toBe(1_000);
    await b.close();
  });

  it('positions after a restart: a fresh broker (nothing in memory) finds the account\'s tokens from its trades', async () => {
    plant();
    await broker.place(order({ qty: 6 * S, limitPriceMicros: 500_000 }));
    const held = sim.orders.position(yesToken);
    expect(held).toBeGreaterThan(0);
    const fresh = newBroker();
    const pos = await fresh.positions();
    expect(pos.find((p) => p.marketId === market && p.outcome === 'yes')).toMatchObject({ qty: held });
    expect(pos.find((p) => p.marketId === market && p.outcome === 'yes')!.avgPriceMicros).toBeGreaterThan(0);
    expect(pos).toEqual(await broker.positions());
    await fresh.close();
  });

  it('user channel: a dropped connection is a channel_down anomaly; it reconnects and the trades it missed come from REST once', async () => {
    plant();
    const b = new PolymarketBroker({ clobUrl: sim.restUrl, userWsUrl: sim.wsUrl.replace(/\/market$/, '/user'), privateKey: generatePrivateKey(), creds: sim.orders.creds, timeoutMs: 1_000 });
    const got: Fill[] = [];
    const anomalies: BrokerAnomaly[] = [];
    b.anomalies$.subscribe((a) => anomalies.push(a));
    b.fills$.subscribe((f) => got.push(f));
    await new Promise((r) => setTimeout(r, 150));
    sim.control.inject({ kind: 'disconnect', refuseMs: 500 });
    await new Promise((r) => setTimeout(r, 50));
    const o = order({ qty: 6 * S, limitPriceMicros: 500_000 });
    const ack = await b.place(o);
    // the order's own trades are fetched after its ack; the channel is down, so wait for the reconnect's catch-up to be a no-op
    await expect.poll(() => got.filter((f) => f.venueOrderId === ack.venueOrderId).reduce((q, f) => q + f.qty, 0), { timeout: 3000 }).toBe(6 * S);
    await expect.poll(() => anomalies.some((a) => a.kind === 'channel_down'), { timeout: 3000 }).toBe(true);
    await new Promise((r) => setTimeout(r, 900));
    expect(got.filter((f) => f.venueOrderId === ack.venueOrderId).reduce((q, f) => q + f.qty, 0)).toBe(6 * S);
    expect(new Set(got.map((f) => f.fillId)).size).toBe(got.length);
    expect(await b.reconcileFills(0)).toBe(0);
    await b.close();
  });

  it('a slow order is live at the venue until it matches: listed as open, cancellable, then answered unfilled', async () => {
    plant();
    sim.orders.fault({ kind: 'slowFill', ms: 600 });
    const o = order({ qty: 5 * S });
    const placing = broker.place(o);
    await expect.poll(async () => (await broker.openOrders()).map((a) => a.clientOrderId), { timeout: 500 }).toContain(o.clientOrderId);
    expect(sim.orders.liveOrders()).toHaveLength(1);
    expect(await broker.cancel({ clientOrderId: o.clientOrderId })).toMatchObject({ state: 'cancelled', filledQty: 0 });
    expect(sim.orders.liveOrders()).toHaveLength(0);
    expect(await placing).toMatchObject({ state: 'cancelled', filledQty: 0 });
    expect(sim.book(market).yesAsk[0]).toEqual({ price: 500_000, qty: 10 * S });
  });
});

describe('Polymarket order wire: captures, doc examples and simulator answers parse alike', () => {
  it('real captures and doc examples', () => {
    expect(PolyPostOrderResponse.safeParse(body('capture_post_order_fak_buy_full_fill.json')).success).toBe(true);
    expect(PolyPostOrderResponse.safeParse(body('capture_post_order_fak_buy_partial_fill.json')).success).toBe(true);
    expect(PolyOpenOrder.safeParse(body('capture_get_order_fak_full_fill.json')).success).toBe(true);
    expect(PolyOpenOrder.safeParse(body('capture_get_order_fak_partial_fill.json')).success).toBe(true);
    for (const f of ['rest_post_order_response_live.docs.json', 'rest_post_order_response_matched.docs.json', 'rest_post_order_response_delayed.docs.json']) {
      expect(PolyPostOrderResponse.safeParse(fixture(f)).success, f).toBe(true);
    }
    for (const [k, v] of Object.entries(fixture('rest_post_order_error_examples.docs.json') as Record<string, unknown>)) expect(PolyErrorBody.safeParse(v).success, k).toBe(true);
    expect(PolyTradesPage.safeParse(fixture('rest_data_trades_page.docs.json')).success).toBe(true);
    expect(PolyTrade.safeParse(fixture('rest_data_trade_2024.nautilus.json')).success).toBe(true);
    expect(PolyCancelResponse.safeParse(fixture('rest_cancel_order_response.docs.json')).success).toBe(true);
    for (const f of ['ws_user_order_placement_2024.nautilus.json', 'ws_user_order_cancellation_2024.nautilus.json', 'ws_user_order_fok_killed_2026.nautilus.json']) {
      expect(PolyUserOrderEvent.safeParse(fixture(f)).success, f).toBe(true);
    }
    // the hand-edited 2026 venue-cancel payload lost its event_type (SOURCES.md: "edited")
    expect(PolyUserOrderEvent.safeParse({ event_type: 'order', ...(fixture('ws_user_order_invalid_2026.nautilus.json') as object) }).success).toBe(true);
    for (const f of ['ws_user_trade_matched_2024.nautilus.json', 'ws_user_trade_taker_multi_maker_2024.nautilus.json']) expect(PolyUserTradeEvent.safeParse(fixture(f)).success, f).toBe(true);
  });

  it('the user channel: order and trade events in the venue shapes; the broker books fills from it', async () => {
    plant();
    const { default: WS } = await import('ws');
    const userUrl = sim.wsUrl.replace(/\/market$/, '/user');
    const ws = new WS(userUrl);
    const frames: unknown[] = [];
    ws.on('message', (d) => frames.push(JSON.parse(String(d))));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ auth: { apiKey: sim.orders.creds.key, secret: sim.orders.creds.secret, passphrase: sim.orders.creds.passphrase }, markets: [market], type: 'user' }));
    const b = new PolymarketBroker({ clobUrl: sim.restUrl, userWsUrl: userUrl, privateKey: generatePrivateKey(), creds: sim.orders.creds });
    const fills: Fill[] = [];
    b.fills$.subscribe((f) => fills.push(f));
    await new Promise((r) => setTimeout(r, 150));
    const ack = await b.place(order({ qty: 12 * S }));
    await new Promise((r) => setTimeout(r, 150));
    ws.close();
    const trades = frames.filter((f) => (f as { event_type: string }).event_type === 'trade');
    const orders = frames.filter((f) => (f as { event_type: string }).event_type === 'order');
    expect(trades).toHaveLength(2);
    expect(orders).toHaveLength(1);
    for (const t of trades) expect(PolyUserTradeEvent.safeParse(t).success).toBe(true);
    for (const o of orders) expect(PolyUserOrderEvent.safeParse(o).success).toBe(true);
    expect(fills.filter((f) => f.venueOrderId === ack.venueOrderId).reduce((q, f) => q + f.qty, 0)).toBe(12 * S);
    expect(new Set(fills.map((f) => f.fillId)).size).toBe(fills.length);
    await b.close();
  });

  it('the simulator answers in those shapes (through the broker, which validates every answer)', async () => {
    plant();
    const b = newBroker();
    const seen: BrokerAnomaly[] = [];
    b.anomalies$.subscribe((a) => seen.push(a));
    const ack = await b.place(order({ qty: 5 * S }));
    await b.status({ venueOrderId: ack.venueOrderId! });
    await b.cancel({ venueOrderId: ack.venueOrderId! });
    await b.balance();
    await b.positions();
    await b.openOrders();
    await b.reconcileFills();
    // other brokers' trades on the same account are unknown fills; nothing failed to validate
    expect(seen.filter((a) => a.kind !== 'unknown_fill')).toEqual([]);
    // and directly against the schemas
    const trades = await fetch(`${sim.restUrl}/data/trades`).then((r) => r.status);
    expect(trades).toBe(401);
    expect(PolyOpenOrdersPage.safeParse({ limit: 500, next_cursor: 'LTE=', count: 0, data: [] }).success).toBe(true);
    expect(PolyBalanceAllowance.safeParse({ balance: '1000000', allowances: {} }).success).toBe(true);
    await b.close();
  });
});
