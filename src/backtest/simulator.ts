/**
 * Execution on virtual time for the backtest: accepted risk decisions → plan → the real state
 * machine (src/execution/stateMachine.ts `step`, in memory: no database) → the paper broker
 * (src/execution/paperBroker.ts) filling against the replayed book.
 *
 *   decision (t) ─► cash check ─► planExecution ─► step(start) ─► place leg 1 ──(latency, virtual)──► book at t+L ─► ack ─► step …
 *                                                                                   leg 2 / unwind: another latency each
 *   execution ends ─► trade (fills' exact cost and fees, capital cost to resolution) ─► capital released at resolution or end of data
 *
 * Assumptions (stated in the result):
 * - **Latency**: every order meets the book `latencyMs` of virtual time after it is sent (leg 2
 *   after leg 1's answer, so a hedged trade's leg 2 meets the book at t + 2L); the answer is back
 *   at that same instant. L = 0: the order meets the book the decision saw.
 * - **Queue**: we get `queueShare` of each displayed level (the broker's haircut = 1 − share);
 *   what we took stays taken until the market's next book.
 * - **Fees**: the paper broker's, with the fee schedule valid at the fill's virtual time.
 * - **Capital**: an execution reserves the edge's cost + fees at decision; when it ends the
 *   reservation becomes what it actually spent; a hedged trade's payout comes back at the pair's
 *   resolution, or never within the data (locked until its end). A decision whose reservation
 *   exceeds the free cash is skipped (counted). Capital cost: APR × capital × (resolution − t).
 * - One execution per pair at a time (a decision for a busy pair is skipped, counted).
 * - The replayed books do not show our own fills: a decision quoted on a book of a market no
 *   newer than our last fill there is skipped (counted `consumed`); the broker likewise keeps
 *   what we took off a level until the market's next book.
 * - Unhedged contracts left by a failed or unwound execution are valued at 0.
 */
import type { Observable } from 'rxjs';
import type { BacktestTrade } from '../../schema/backtest.js';
import type { Book } from '../../schema/book.js';
import type { RiskDecision } from '../../schema/edge.js';
import type { Fill, OrderAck } from '../../schema/execution.js';
import { SCALE, notional, type Micros } from '../../schema/money.js';
import type { Pair } from '../../schema/pair.js';
import type { Venue } from '../../schema/venue.js';
import { capitalCost } from '../../operators/friction.js';
import { PaperBroker } from '../execution/paperBroker.js';
import { DEFAULT_TRADING_RULES, planExecution } from '../execution/plan.js';
import { DEFAULT_MACHINE_CONFIG, initialMachine, isTerminal, step, type Command, type Machine, type MachineEvent, type Role } from '../execution/stateMachine.js';
import type { FeeBook } from '../fees/schedule.js';
import type { VirtualClock } from '../history/virtualClock.js';
import { venueList, venues } from '../venues/registry.js';

export interface SimSettings {
  readonly latencyMs: number;
  /** share of displayed depth we get, 0..1 */
  readonly queueShare: number;
  readonly cashMicros: Micros;
  /** yearly capital cost, exact decimal ("0.05") */
  readonly capitalApr: string;
  readonly lossCapMicros: Micros;
  /** only decisions with ts in [from, to) are executed (walk-forward folds); capital is released by `to` at the latest */
  readonly window?: { readonly from: number; readonly to: number };
}

export interface SimCounts {
  /** accepted decisions seen (in the window) */
  accepted: number;
  executed: number;
  /** the pair had an execution in flight */
  busy: number;
  /** the reservation exceeded the free cash */
  noCash: number;
  /** the plan was refused (below a venue minimum, limit below the tick) */
  unplannable: number;
  /** quoted on a book we had already traded against (the venue had not sent a newer one) */
  consumed: number;
  alerts: number;
}

/** A finished execution, with what the metrics need besides the trade row. */
export interface SimTrade {
  readonly trade: BacktestTrade;
  /** when the execution ended (its P&L is booked then), virtual ms */
  readonly endedAt: number;
  /** capital the trade used: costs + fees − unwind proceeds, micro-dollars */
  readonly capitalMicros: Micros;
}

export interface SimOutcome {
  readonly settings: SimSettings;
  readonly trades: readonly SimTrade[];
  /** quoted net edge per contract of every accepted decision (in the window) */
  readonly edges: readonly number[];
  readonly counts: Readonly<SimCounts>;
  /** state-machine alerts (unhedged residuals) */
  readonly alerts: readonly string[];
}

interface Exec {
  readonly decision: RiskDecision;
  readonly pair: Pair | undefined;
  machine: Machine;
  readonly reserveMicros: Micros;
  readonly fills: { readonly role: Role; readonly fill: Fill }[];
  readonly acks: Map<string, OrderAck>;
}

const BROKER_CASH = 1e15; // the simulator keeps the cash; the brokers never refuse for it

/** Runs executions for the decisions of one replay on its virtual clock. Create it before the replay runs. */
export class VirtualExecution {
  private readonly brokers: Readonly<Record<Venue, PaperBroker>>;
  private readonly pairs: ReadonlyMap<string, Pair>;
  private readonly busy = new Set<string>();
  private readonly open = new Set<Exec>();
  private readonly done: SimTrade[] = [];
  private readonly edges: number[] = [];
  private readonly alerts: string[] = [];
  private readonly counts: SimCounts = { accepted: 0, executed: 0, busy: 0, noCash: 0, unplannable: 0, consumed: 0, alerts: 0 };
  /** payouts due back: [time, micros], released lazily at the next decision */
  private releases: [number, Micros][] = [];
  private cash: Micros;
  private seq = 0;
  /** `${venue}|${market}` → virtual time of our last fill there */
  private readonly lastFill = new Map<string, number>();

  /**
   * @param books$ the replay's books: subscribe this BEFORE the decisions (the brokers must hold a
   *   book before a decision on it is executed at latency 0)
   */
  constructor(
    books$: Observable<Book>,
    private readonly clock: VirtualClock,
    feeBook: FeeBook,
    pairs: readonly Pair[],
    private readonly s: SimSettings,
  ) {
    const haircut = 1 - s.queueShare;
    this.brokers = Object.fromEntries(
      venueList.map((v) => [v.id, new PaperBroker({ venue: v.id, books$, feeBook, latencyMs: 0, haircut, cashMicros: BROKER_CASH, now: () => clock.now() })]),
    ) as Record<Venue, PaperBroker>;
    this.pairs = new Map(pairs.map((p) => [p.pairId, p]));
    this.cash = s.cashMicros;
  }

  /** Feed every risk decision (rejected ones are ignored). */
  onDecision(d: RiskDecision): void {
    if (!d.accepted) return;
    const w = this.s.window;
    if (w && (d.ts < w.from || d.ts >= w.to)) return;
    this.counts.accepted++;
    this.edges.push(d.edge.netEdgePerContractMicros);
    this.release(d.ts);
    const e = d.edge;
    if (this.busy.has(e.pairId)) return void this.counts.busy++;
    // the replayed books do not show our own fills: an edge on a book no newer than our last fill
    // there is liquidity we already took
    if (e.legs.some((l) => l.tsReceived <= (this.lastFill.get(`${l.venue}|${l.marketId}`) ?? -Infinity))) return void this.counts.consumed++;
    const reserve = e.legs[0].costMicros + e.legs[1].costMicros + e.feesMicros;
    if (reserve > this.cash) return void this.counts.noCash++;
    const plan = planExecution(e, {
      executionId: `bt-${++this.seq}`,
      rules: (venue) => venues[venue].tradingRules ?? DEFAULT_TRADING_RULES,
      lossCapMicros: this.s.lossCapMicros,
      now: d.ts,
    });
    if (!plan.ok) return void this.counts.unplannable++;
    this.counts.executed++;
    this.cash -= reserve;
    this.busy.add(e.pairId);
    const x: Exec = { decision: d, pair: this.pairs.get(e.pairId), machine: initialMachine(plan.plan), reserveMicros: reserve, fills: [], acks: new Map() };
    this.open.add(x);
    this.feed(x, { type: 'start', now: this.clock.now() });
  }

  private release(t: number): void {
    if (!this.releases.length) return;
    const keep: [number, Micros][] = [];
    for (const r of this.releases) {
      if (r[0] <= t) this.cash += r[1];
      else keep.push(r);
    }
    this.releases = keep;
  }

  private feed(x: Exec, e: MachineEvent): void {
    const s = step(x.machine, e, DEFAULT_MACHINE_CONFIG);
    x.machine = s.machine;
    for (const c of s.commands) this.act(x, c);
    if (isTerminal(x.machine) && this.open.has(x)) this.finish(x);
  }

  private act(x: Exec, c: Command): void {
    switch (c.type) {
      case 'place': {
        const go = (): void => this.place(x, c);
        if (this.s.latencyMs > 0) this.clock.schedule(go, this.s.latencyMs);
        else go();
        return;
      }
      case 'status':
      case 'cancel': {
        // paper IOC orders always answer at once: the answer is the one already given
        const ack = x.acks.get(c.clientOrderId);
        if (ack) this.feed(x, { type: 'ack', role: c.role, ack, now: this.clock.now() });
        else this.feed(x, { type: 'notFound', role: c.role, now: this.clock.now() });
        return;
      }
      case 'alert':
        this.counts.alerts++;
        this.alerts.push(c.message);
        return;
    }
  }

  /**
   * One order against the book as it is now (virtual time). The paper broker matches a
   * zero-latency order synchronously inside `place` and reports every fill on `fills$` as it
   * happens; the answer is rebuilt from those fills exactly as the broker builds its ack.
   */
  private place(x: Exec, c: Extract<Command, { type: 'place' }>): void {
    const broker = this.brokers[c.venue];
    const fills: Fill[] = [];
    const sub = broker.fills$.subscribe((f) => {
      if (f.clientOrderId === c.order.clientOrderId) fills.push(f);
    });
    // the promise settles later; its outcome is already in the fills. A refusal (the brokers hold
    // ample cash, and an unwind sells only what leg 1 bought) would fill nothing: counted below
    broker.place(c.order).catch(() => undefined);
    sub.unsubscribe();
    const qty = fills.reduce((a, f) => a + f.qty, 0);
    const cost = fills.reduce((a, f) => a + notional(f.priceMicros, f.qty, 'ceil'), 0);
    const fees = fills.some((f) => f.feeMicros !== undefined) ? fills.reduce((a, f) => a + (f.feeMicros ?? 0), 0) : undefined;
    const now = this.clock.now();
    const ack: OrderAck = {
      venue: c.venue, clientOrderId: c.order.clientOrderId, ...(fills[0] ? { venueOrderId: fills[0].venueOrderId } : {}),
      state: qty === c.order.qty ? 'filled' : 'cancelled', filledQty: qty,
      ...(qty > 0 ? { avgPriceMicros: Math.round((cost * SCALE) / qty) } : {}), ...(fees !== undefined ? { feesMicros: fees } : {}),
      ...(qty < c.order.qty ? { reason: qty > 0 ? 'IOC remainder cancelled' : 'nothing at or better than the limit' } : {}), ts: now,
    };
    for (const f of fills) x.fills.push({ role: c.role, fill: f });
    if (fills.length) this.lastFill.set(`${c.venue}|${c.order.marketId}`, now);
    x.acks.set(c.order.clientOrderId, ack);
    this.feed(x, { type: 'ack', role: c.role, ack, now });
  }

  private finish(x: Exec): void {
    this.open.delete(x);
    const e = x.decision.edge;
    this.busy.delete(e.pairId);
    const endedAt = this.clock.now();
    const sum = (role: Role, f: (fl: Fill) => number) => x.fills.filter((r) => r.role === role).reduce((a, r) => a + f(r.fill), 0);
    const cost = (fl: Fill) => notional(fl.priceMicros, fl.qty, 'ceil');
    const fee = (fl: Fill) => fl.feeMicros ?? 0;
    const bought = sum('leg1', cost) + sum('leg2', cost);
    const proceeds = sum('unwind', cost);
    const fees = sum('leg1', fee) + sum('leg2', fee) + sum('unwind', fee);
    const hedged = sum('leg2', (f) => f.qty);
    const capital = Math.max(0, bought + fees - proceeds);
    const endOfWindow = this.s.window?.to;
    const resolution = x.pair?.resolutionTs ?? endOfWindow ?? endedAt;
    // the capital of the hedged contracts is locked until resolution (what it costs runs to resolution)
    const capCost = hedged > 0 ? capitalCost(capital, this.s.capitalApr, x.decision.ts, resolution) : 0;
    const pnl = hedged - bought + proceeds - fees - capCost;
    const releasedAt = hedged > 0 ? (endOfWindow !== undefined ? Math.min(resolution, endOfWindow) : resolution) : endedAt;
    // the reservation becomes what was spent; the payout comes back at resolution
    this.cash += x.reserveMicros - capital;
    if (hedged > 0) this.releases.push([resolution, hedged]);
    const realized = hedged > 0 ? Math.floor((pnl * SCALE) / hedged) : 0;
    const trade: BacktestTrade = {
      t: x.decision.ts, pairId: e.pairId, edgeId: e.edgeId, direction: e.direction, quotedQty: e.sizeQty, filledQty: hedged,
      quotedEdgeMicros: e.netEdgePerContractMicros, realizedEdgeMicros: realized, slippageMicros: hedged > 0 ? e.netEdgePerContractMicros - realized : 0,
      feesMicros: fees, capitalCostMicros: capCost, pnlMicros: pnl, outcome: x.machine.state, releasedAt,
    };
    this.done.push({ trade, endedAt, capitalMicros: capital });
  }

  /**
   * The outcome once the replay has run (its clock flushed: every order has met a book). An
   * execution still open (it cannot be after a flush) would be reported as 'open'.
   */
  result(endOfDataMs: number): SimOutcome {
    for (const x of [...this.open]) {
      x.machine = { ...x.machine, state: 'failed', reason: 'data ended with the execution open' };
      this.finish(x);
    }
    const end = this.s.window?.to ?? endOfDataMs;
    const trades = this.done.map((d) => (d.trade.releasedAt > end ? { ...d, trade: { ...d.trade, releasedAt: end } } : d));
    return { settings: this.s, trades, edges: [...this.edges], counts: { ...this.counts }, alerts: [...this.alerts] };
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.brokers).map((b) => b.close()));
  }
}
