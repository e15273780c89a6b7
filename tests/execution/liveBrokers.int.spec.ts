/**
 * The real Executor (fresh PostgreSQL) driving the two LIVE brokers against the two running venue
 * simulators: Kalshi V2 order endpoints (RSA-PSS signed) and Polymarket CLOB V2 (EIP-712 signed
 * through @polymarket/clob-client-v2). Hedged arbitrage, leg-2 rejection unwound within the loss
 * cap, lost ack reconciled (one order per client order id), partial leg 1 sizing leg 2, the kill
 * switch (measured: call → every open order cancelled at the simulators), and live mode unarmed.
 *
 * The edge: leg A buys Polymarket YES (asks 0.46), leg B buys Kalshi NO (asks 0.50, i.e. YES bids
 * 0.50). Kalshi walks more levels, so it is leg 1.
 */
import { pgGate } from '../helpers/gates.js';
import { generatePrivateKey } from 'viem/accounts';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { SCALE } from '../../schema/money.js';
import type { Venue } from '../../schema/venue.js';
import { Executor, executionIdOf } from '../../src/execution/executor.js';
import { DEFAULT_TRADING_RULES } from '../../src/execution/plan.js';
import { DEFAULT_MACHINE_CONFIG, type MachineConfig } from '../../src/execution/stateMachine.js';
import { executionEvents } from '../../src/store/repos/executions.js';
import type { Broker } from '../../src/venues/broker.js';
import { KalshiBroker } from '../../src/venues/kalshi/broker.js';
import { kalshiVenue } from '../../src/venues/kalshi/index.js';
import { startKalshiSimulator, type KalshiSim } from '../../src/venues/kalshi/simulator.js';
import { PolymarketBroker } from '../../src/venues/polymarket/broker.js';
import { polymarketVenue } from '../../src/venues/polymarket/index.js';
import { startPolymarketSimulator, type PolySim } from '../../src/venues/polymarket/simulator.js';
import { mirrorLadders } from '../../src/venues/polymarket/simulator/book.js';
import { pgTestPool, type PgTestDb } from '../helpers/db.js';
import { decisionFixture, edgeFixture } from './fixtures.js';

const needsPg = await pgGate();

const S = SCALE;
const LOSS_CAP = 500_000;
const machine: MachineConfig = {
  ...DEFAULT_MACHINE_CONFIG,
  timeoutsMs: { planned: 1_000, leg1Submitted: 3_000, leg1Filled: 1_000, leg1Partial: 1_000, leg2Submitted: 3_000, unwinding: 3_000 },
};

let db: PgTestDb;
let ksim: KalshiSim;
let psim: PolySim;
let kalshi: KalshiBroker;
let poly: PolymarketBroker;
let ticker: string;
let cond: string;
let yesToken: string;
const alerts: string[] = [];

const brokers = (): Record<Venue, Broker> => ({ kalshi, polymarket: poly });
const executor = (o: { armed?: boolean } = {}) =>
  new Executor({
    pool: db.pool, brokers: brokers(), lossCapMicros: LOSS_CAP, machine, onAlert: (m) => alerts.push(m),
    // as pipelines/execute.ts wires it
    rules: (venue, marketId) => brokers()[venue].rules?.(marketId) ?? { kalshi: kalshiVenue, polymarket: polymarketVenue }[venue].tradingRules ?? DEFAULT_TRADING_RULES,
    ...(o.armed !== undefined ? { armed: o.armed } : {}),
  });

let n = 0;
/** An accepted 10-contract edge on the simulators' markets (unique edge and, by default, pair). */
const decision = (pairId = `pair-${++n}`) =>
  decisionFixture(edgeFixture({
    edgeId: `live-edge-${process.pid}-${++n}`, pairId,
    legs: [
      { venue: 'polymarket', marketId: cond, outcome: 'yes', vwapMicros: 460_000, worstPriceMicros: 460_000, costMicros: 4_600_000, feeMicros: 0, levelsUsed: 1, tsVenue: 0, tsReceived: 0 },
      { venue: 'kalshi', marketId: ticker, outcome: 'no', vwapMicros: 500_000, worstPriceMicros: 500_000, costMicros: 5_000_000, feeMicros: 0, levelsUsed: 2, tsVenue: 0, tsReceived: 0 },
    ],
  }));

/** Kalshi: YES bids 0.50 ×40 (NO asks 0.50), NO bids 0.49 ×40 (for an unwind). Polymarket: YES asks 0.46 ×40, bids 0.40 ×40. */
function plant(): void {
  ksim.setBook(ticker, { yesBid: [{ price: 500_000, qty: 40 * S }], noBid: [{ price: 490_000, qty: 40 * S }] });
  psim.setBook(cond, mirrorLadders([{ price: 400_000, qty: 40 * S }], [{ price: 460_000, qty: 40 * S }]));
}

/** What both simulators hold (Kalshi net position, Polymarket YES shares) and their cash. */
const venueState = () => ({ kPos: ksim.orders.position(ticker), kCash: ksim.orders.cashMicros(), pPos: psim.orders.position(yesToken), pCash: psim.orders.cashMicros() });

needsPg.describe('executor with the live brokers against the simulators', () => {
  beforeAll(async () => {
    db = await pgTestPool({ migrate: true });
    ksim = await startKalshiSimulator({ seed: 21, marketCount: 3, balanceMicros: 1_000 * S });
    psim = await startPolymarketSimulator({ seed: 22, marketCount: 3, balanceMicros: 1_000 * S });
    ksim.control.walk(false);
    psim.control.walk(false);
    ticker = ksim.markets.find((m) => m.status === 'active')!.ticker;
    const pm = psim.markets.find((m) => !m.negRisk && m.active && !m.closed)!;
    cond = pm.conditionId;
    yesToken = pm.yesTokenId;
    kalshi = new KalshiBroker({ restUrl: ksim.restUrl, wsUrl: ksim.wsUrl, auth: ksim.auth!, timeoutMs: 2_000, reconnectMs: 50 });
    poly = new PolymarketBroker({ clobUrl: psim.restUrl, privateKey: generatePrivateKey(), creds: psim.orders.creds, timeoutMs: 2_000 });
    // the brokers learn each market's rules before the first plan
    await Promise.all([kalshi.loadRules(ticker), poly.loadRules(cond)]);
  });
  afterAll(async () => {
    await kalshi?.close();
    await poly?.close();
    await ksim?.stop();
    await psim?.stop();
    await db?.drop();
  });
  beforeEach(() => {
    plant();
    alerts.length = 0;
  });

  it('(a) hedged: both legs fill, the simulators hold the two legs and the cash moved by their cost', async () => {
    const ex = executor();
    await ex.start();
    const before = venueState();
    const rec = await ex.submit(decision());
    expect(rec).toMatchObject({ state: 'hedged', netQty: 0 });
    const after = venueState();
    // Kalshi: NO 10 (net −10); Polymarket: YES 10
    expect(after.kPos - before.kPos).toBe(-10 * S);
    expect(after.pPos - before.pPos).toBe(10 * S);
    // cash: Kalshi 10 × 0.50 + fee (0.07 × 10 × 0.25 = 0.175 → 0.18); Polymarket 10 × 0.46
    expect(before.kCash - after.kCash).toBe(5_000_000 + 180_000);
    expect(before.pCash - after.pCash).toBe(4_600_000);
    expect(rec!.progress.leg1).toMatchObject({ filledQty: 10 * S, costMicros: 5_000_000 });
    expect(rec!.progress.leg2).toMatchObject({ filledQty: 10 * S, costMicros: 4_600_000 });
    // the brokers' own view agrees with the venues'
    expect((await kalshi.positions()).find((p) => p.marketId === ticker)).toMatchObject({ outcome: 'no', qty: -after.kPos });
    expect((await poly.positions()).find((p) => p.marketId === cond && p.outcome === 'yes')).toMatchObject({ qty: after.pPos });
    expect((await kalshi.balance()).cashMicros).toBe(after.kCash);
    expect((await poly.balance()).cashMicros).toBe(after.pCash);
    expect(alerts).toEqual([]);
  });

  it('(b) leg 2 rejected (price moved): leg 1 is unwound at the venue within the loss cap', async () => {
    const ex = executor();
    await ex.start();
    const before = venueState();
    psim.orders.fault({ kind: 'reject', reason: 'price_moved', count: machine.maxLeg2Attempts });
    const rec = await ex.submit(decision());
    expect(rec).toMatchObject({ state: 'unwound', netQty: 0 });
    const after = venueState();
    expect(after.kPos).toBe(before.kPos);
    expect(after.pPos).toBe(before.pPos);
    // bought NO 10 @ 0.50, sold 10 @ 0.49 (the NO bids): 0.10 lost plus fees, within the cap
    expect(rec!.progress.unwind).toMatchObject({ filledQty: 10 * S, costMicros: 4_900_000 });
    const lost = before.kCash - after.kCash;
    expect(lost).toBeGreaterThan(0);
    expect(rec!.progress.leg1.costMicros - rec!.progress.unwind.costMicros).toBeLessThanOrEqual(LOSS_CAP);
    expect(lost).toBeLessThanOrEqual(LOSS_CAP + rec!.progress.leg1.feesMicros + rec!.progress.unwind.feesMicros);
    expect(before.pCash).toBe(after.pCash);
  });

  it('(c) ack lost on leg 1: reconciled by status, never resent (one order per client order id at the simulator)', async () => {
    const ex = executor();
    await ex.start();
    const placed0 = ksim.orders.stats.ordersPlaced;
    ksim.orders.fault({ kind: 'ackLost' });
    const d = decision();
    const rec = await ex.submit(d);
    expect(rec).toMatchObject({ state: 'hedged', netQty: 0 });
    const id = executionIdOf(d.edge.edgeId);
    expect(ksim.orders.ordersWithClientId(`${id}:leg1:1`)).toHaveLength(1);
    expect(ksim.orders.stats.ordersPlaced - placed0).toBe(1);
    expect(ksim.orders.stats.acksDropped).toBeGreaterThanOrEqual(1);
    expect(rec!.progress.leg1.attempts).toBe(1);
    expect((await executionEvents(db.pool, id)).some((e) => e.reason.includes('asking kalshi'))).toBe(true);
  });

  it('(c) ack lost on a Polymarket leg 1: reconciled by the order hash, the signed order never re-posted', async () => {
    const ex = executor();
    await ex.start();
    const count0 = psim.orders.orderCount();
    const before = venueState();
    psim.orders.fault({ kind: 'ackLost' });
    // Polymarket walks more levels here, so it goes first
    const base = decision();
    const rec = await ex.submit(decisionFixture({ ...base.edge, legs: [{ ...base.edge.legs[0], levelsUsed: 3 }, base.edge.legs[1]] }));
    expect(rec).toMatchObject({ state: 'hedged', netQty: 0 });
    expect(rec!.plan.legs[0].venue).toBe('polymarket');
    expect(rec!.progress.leg1.attempts).toBe(1);
    expect(psim.orders.orderCount() - count0).toBe(1);
    expect(psim.orders.position(yesToken) - before.pPos).toBe(10 * S);
    expect(ksim.orders.position(ticker) - before.kPos).toBe(-10 * S);
  });

  it('(d) partial fill of leg 1: leg 2 is sized to the actual fill', async () => {
    const ex = executor();
    await ex.start();
    const before = venueState();
    ksim.orders.fault({ kind: 'partial', ratio: 0.6 });
    const rec = await ex.submit(decision());
    expect(rec).toMatchObject({ state: 'hedged', netQty: 0 });
    expect(rec!.progress.leg1.filledQty).toBe(6 * S);
    expect(rec!.progress.leg2TargetQty).toBe(6 * S);
    expect(rec!.progress.leg2.filledQty).toBe(6 * S);
    const after = venueState();
    expect(after.kPos - before.kPos).toBe(-6 * S);
    expect(after.pPos - before.pPos).toBe(6 * S);
  });

  it('(d) a partial leg 1 below the other venue\'s minimum order (Polymarket 5 shares) is unwound, flat at both venues', async () => {
    const ex = executor();
    await ex.start();
    const before = venueState();
    ksim.orders.fault({ kind: 'partial', ratio: 0.4 });
    const rec = await ex.submit(decision());
    expect(rec!.progress.leg1.filledQty).toBe(4 * S);
    expect(rec).toMatchObject({ state: 'unwound', netQty: 0 });
    const after = venueState();
    expect(after.kPos).toBe(before.kPos);
    expect(after.pPos).toBe(before.pPos);
  });

  it('(e) kill switch: open orders at both venues cancelled within 1 s (measured), new submits blocked', async () => {
    const ex = executor();
    await ex.start();
    // leg 1 of each execution rests at its venue (slow fill): one Kalshi-first, one Polymarket-first
    ksim.orders.fault({ kind: 'slowFill', ms: 2_500 });
    psim.orders.fault({ kind: 'slowFill', ms: 2_500 });
    const dk = decision();
    const base = decision();
    const dp = decisionFixture({ ...base.edge, legs: [{ ...base.edge.legs[0], levelsUsed: 3 }, base.edge.legs[1]] });
    const runs = [ex.submit(dk), ex.submit(dp)];
    await expect.poll(() => ksim.orders.restingOrders().length + psim.orders.liveOrders().length, { timeout: 2_000, interval: 5 }).toBe(2);
    const kId = ksim.orders.restingOrders()[0]!.order_id;
    const pId = psim.orders.liveOrders()[0]!.id;
    const t0 = performance.now();
    const kill = ex.setKillSwitch(true);
    await expect.poll(() => ksim.orders.restingOrders().length + psim.orders.liveOrders().length, { timeout: 5_000, interval: 1 }).toBe(0);
    const ms = performance.now() - t0;
    await kill;
    console.log(`[kill switch] setKillSwitch(true) → every open order cancelled at the simulators: ${ms.toFixed(1)} ms`);
    expect(ms).toBeLessThan(1000);
    expect(ksim.orders.order(kId)!.status).toBe('canceled');
    expect(await ex.submit(decision())).toBeUndefined();
    expect(ex.counters.blocked).toBe(1);
    const recs = await Promise.all(runs);
    for (const r of recs) expect(r).toMatchObject({ state: 'failed', netQty: 0 });
    expect(pId).toMatch(/^0x/);
  }, 15_000);

  it('(f) live mode starts unarmed: nothing reaches the simulators until arm()', async () => {
    const ex = executor({ armed: false });
    await ex.start();
    const k0 = ksim.orders.stats.ordersPlaced + ksim.orders.stats.ordersRejected;
    const p0 = psim.orders.orderCount() + psim.orders.stats.ordersRejected;
    expect(await ex.submit(decision())).toBeUndefined();
    expect(ksim.orders.stats.ordersPlaced + ksim.orders.stats.ordersRejected).toBe(k0);
    expect(psim.orders.orderCount() + psim.orders.stats.ordersRejected).toBe(p0);
    ex.arm();
    expect(await ex.submit(decision())).toMatchObject({ state: 'hedged', netQty: 0 });
    expect(ksim.orders.stats.ordersPlaced).toBe(k0 + 1);
    expect(psim.orders.orderCount()).toBe(p0 + 1);
  });
});
