/**
 * The executor: turns a risk-accepted decision into two filled legs or none, driving one
 * {@link step state machine} per opportunity over the venues' {@link Broker}s.
 *
 *   decision ─► planExecution ─► machine ─► write transitions (executions + execution_events) ─► act (place/status/cancel) ─► answer ─► machine …
 *
 * - **Write-ahead**: every transition is written to the database (one statement: the row and
 *   its events) BEFORE the orders it names are sent. A crash leaves a record of every order that
 *   may exist at a venue. A new execution's first write is an insert that does nothing when the
 *   id is already on record (no lookup before it): the decision → first order path waits for the
 *   signing (brokers with `prepare`) and one database round trip.
 * - **Idempotent ids**: client order ids are `(execution id, role, attempt)`; the execution id is
 *   a hash of the edge id, so the same decision twice is one execution.
 * - **Unknown outcomes** (lost ack, timeout, transport error) are reconciled with
 *   `broker.status` (with backoff, each call given at least the broker's HTTP timeout), then one
 *   cancel whose answer is booked, never assumed filled or not. Still unknown: the execution is
 *   parked, non-terminal and alerted, its pair blocked; recovery asks again.
 * - **Recovery** ({@link Executor.start}): open executions are reloaded and reconciled against the
 *   brokers, to the end, before any new decision is taken.
 * - **Kill switch**: new executions are blocked and every open order is cancelled. Executions in
 *   flight may still send their risk-reducing orders (leg 2, unwind): stopping those would leave
 *   a leg unhedged.
 */
import { createHash } from 'node:crypto';
import { Subject, type Observable } from 'rxjs';
import type pg from 'pg';
import type { RiskDecision } from '../../schema/edge.js';
import type { Execution, ExecutionEvent, ExecutionState, Fill, OrderAck, TradingRules } from '../../schema/execution.js';
import type { Micros } from '../../schema/money.js';
import type { LegIndex, Venue } from '../../schema/venue.js';
import { log } from '../log.js';
import { insertExecution, openExecutions, writeExecution } from '../store/repos/executions.js';
import { OrderNotFoundError, OrderRejectedError, type Broker } from '../venues/broker.js';
import { planExecution } from './plan.js';
import { DEFAULT_MACHINE_CONFIG, initialMachine, isParked, isTerminal, netQty, step, type Command, type Machine, type MachineConfig, type MachineEvent, type Transition } from './stateMachine.js';

export interface ExecutorOptions {
  readonly pool: pg.Pool;
  readonly brokers: Partial<Record<Venue, Broker>>;
  readonly rules: (venue: Venue, marketId: string) => TradingRules;
  /** the most an unwind may lose per execution, micro-dollars */
  readonly lossCapMicros: Micros;
  readonly machine?: MachineConfig;
  readonly followerLeg?: (pairId: string) => LegIndex | undefined;
  readonly venueLatencyMs?: Partial<Record<Venue, number>>;
  readonly now?: () => number;
  /** unhedged residuals, unknown outcomes (also logged at error level) */
  readonly onAlert?: (message: string) => void;
  /** false: nothing is sent until {@link Executor.arm} (live mode waits for an admin); default true */
  readonly armed?: boolean;
  /**
   * The shortest time a status or cancel is given before its outcome counts as unknown, ms, for
   * brokers that do not tell their HTTP timeout ({@link Broker.requestTimeoutMs}). Default 5_000.
   */
  readonly requestTimeoutMs?: number;
  /**
   * Tests only (the crash soak, tests/execution/crash.int.spec.ts): called synchronously after a
   * step's transitions are written ('written', before its orders are sent) and after a venue
   * answered a command ('sent', before the answer is fed back and written). Production leaves it unset.
   */
  readonly onTransition?: (m: Machine, phase: 'written' | 'sent', detail: TransitionDetail) => void;
}

export interface TransitionDetail {
  readonly transitions: readonly Transition[];
  /** 'sent': the command the venue answered */
  readonly command?: OrderCommand;
}

/** A broker that can fetch the fills the venue reported while we were not listening, emitted on fills$ (Polymarket). */
interface FillReconcilingBroker {
  reconcileFills?(sinceMs: number): Promise<number>;
}

/** What recovery found, per execution and in total ({@link Executor.start}). */
export interface RecoveryReport {
  readonly recovered: readonly { readonly executionId: string; readonly from: ExecutionState; readonly to: ExecutionState; readonly netQty: number }[];
  /** venue positions that do not match what the executions hold (alerted) */
  readonly mismatches: readonly string[];
  readonly orphansCancelled: number;
}

export interface ExecutorCounters {
  submitted: number;
  skipped: number;
  /** a decision for a pair with an execution in flight */
  busy: number;
  blocked: number;
  hedged: number;
  unwound: number;
  failed: number;
  alerts: number;
  recovered: number;
  /** executions left non-terminal with an order of unknown outcome (alerted; recovery asks again) */
  parked: number;
}

/** The execution id of an edge: the same decision twice is one execution. */
export const executionIdOf = (edgeId: string): string => `ex_${createHash('sha256').update(edgeId).digest('hex').slice(0, 16)}`;

const toRecord = (m: Machine, now: number): Execution => ({
  executionId: m.plan.executionId, pairId: m.plan.pairId, edgeId: m.plan.edgeId, state: m.state, sizeQty: m.plan.sizeQty,
  plan: m.plan, progress: m.progress, netQty: netQty(m.progress), reason: m.reason, tsPlanned: m.plan.tsPlanned, tsUpdated: now,
});

export class Executor {
  readonly counters: ExecutorCounters = { submitted: 0, skipped: 0, busy: 0, blocked: 0, hedged: 0, unwound: 0, failed: 0, alerts: 0, recovered: 0, parked: 0 };
  private readonly updates = new Subject<Execution>();
  /** every written state of every execution */
  readonly executions$: Observable<Execution> = this.updates.asObservable();
  private readonly seqs = new Map<string, number>();
  private readonly running = new Map<string, Promise<Execution>>();
  /** execution id and venue order id → pair id (fills to pairs) */
  private readonly pairs = new Map<string, string>();
  private readonly busyPairs = new Set<string>();
  /** place calls not yet answered, by client order id (a late answer may still land) */
  private readonly placing = new Map<string, Promise<unknown>>();
  /** parked executions (unknown outcome) by id: their pairs stay blocked until an answer ends them */
  private readonly parked = new Map<string, Machine>();
  private killed = false;
  private isArmed: boolean;
  private ready = false;
  private readonly cfg: MachineConfig;
  private readonly now: () => number;

  constructor(private readonly o: ExecutorOptions) {
    this.cfg = o.machine ?? DEFAULT_MACHINE_CONFIG;
    this.now = o.now ?? Date.now;
    this.isArmed = o.armed ?? true;
  }

  /** Allows orders (live mode: an admin's decision). */
  arm(on = true): void {
    this.isArmed = on;
  }

  /** Whether orders may be sent ({@link arm}). */
  get armed(): boolean {
    return this.isArmed;
  }

  /** Ids of the executions parked with an order of unknown outcome (see {@link recheckParked}). */
  get parkedExecutions(): readonly string[] {
    return [...this.parked.keys()];
  }

  /**
   * Asks the venues again about every parked execution (a fresh reconcile budget, as recovery
   * does); resolves with their records after. An admin or a timer may call it; recovery does too.
   */
  async recheckParked(): Promise<Execution[]> {
    const out: Execution[] = [];
    for (const [id, m] of [...this.parked]) {
      this.parked.delete(id);
      out.push(await this.drive(m, { type: 'resume', now: this.now() }));
    }
    return out;
  }

  /**
   * Recovery, before any new decision is taken. Each open execution is reloaded and carried on
   * from its written record ({@link MachineEvent} `resume`): an order in flight is asked about at
   * its venue (status by venue order id when one was written ahead, else by client order id),
   * so a leg that filled while we were down is booked and hedged or unwound; a state with no
   * order in flight takes its next step. Each is driven to its end. Then fills the venues
   * reported meanwhile are fetched (brokers that can), open orders of ours that belong to no
   * execution are cancelled, and the venues' positions in the recovered markets are compared
   * with what the executions hold (a mismatch is alerted). Resolves with the number recovered.
   */
  async start(): Promise<number> {
    return (await this.recover()).recovered.length;
  }

  /** {@link start}, with what it found. */
  async recover(): Promise<RecoveryReport> {
    const open = await openExecutions(this.o.pool);
    const recovered: { executionId: string; from: ExecutionState; to: ExecutionState; netQty: number }[] = [];
    for (const x of open) {
      this.counters.recovered++;
      const m: Machine = { plan: x.plan, state: x.state, progress: x.progress, reason: x.reason };
      this.seqs.set(x.executionId, await this.lastSeq(x.executionId));
      log.warn({ executionId: x.executionId, state: x.state }, 'execution recovered: reconciling with the venues');
      const end = await this.drive(m, { type: 'resume', now: this.now() });
      recovered.push({ executionId: x.executionId, from: x.state, to: end.state, netQty: end.netQty });
    }
    if (open.length) await this.reconcileFills(Math.min(...open.map((x) => x.tsPlanned)));
    const orphansCancelled = await this.cancelOrphans();
    const mismatches = open.length ? await this.checkPositions(open.map((x) => x.plan)) : [];
    this.ready = true;
    return { recovered, mismatches, orphansCancelled };
  }

  /** Fills reported while we were down, for brokers that can fetch them (emitted on their fills$ for the ledger). */
  private async reconcileFills(sinceMs: number): Promise<void> {
    for (const b of Object.values(this.o.brokers) as (Broker & FillReconcilingBroker)[]) {
      if (!b.reconcileFills) continue;
      await b.reconcileFills(sinceMs).catch((err: unknown) => log.error({ err, venue: b.venue }, 'recovery: fills unavailable'));
    }
  }

  /** Our orders still open at a venue after recovery belong to no live execution (we only send IOC): cancel and alert. */
  private async cancelOrphans(): Promise<number> {
    let n = 0;
    for (const b of Object.values(this.o.brokers)) {
      const open = await b.openOrders().catch((err: unknown) => (log.error({ err, venue: b.venue }, 'recovery: open orders unavailable'), []));
      for (const a of open.filter((x) => x.clientOrderId.startsWith('ex_') || (x.venueOrderId !== undefined && this.pairs.has(x.venueOrderId)))) {
        n++;
        this.alert(`orphan order ${a.clientOrderId} open at ${b.venue} after recovery: cancelling`);
        const ref = a.venueOrderId ? { venueOrderId: a.venueOrderId } : { clientOrderId: a.clientOrderId };
        await b.cancel(ref).catch((err: unknown) => log.error({ err, venue: b.venue, clientOrderId: a.clientOrderId }, 'recovery: cancel failed'));
      }
    }
    return n;
  }

  /**
   * The venues' positions in the recovered executions' markets against what every execution on
   * record holds there (leg fills, less the unwinds). A venue that reports a different quantity is
   * alerted: contracts we hold without a record, or a record without contracts. A market the
   * venue does not list is not compared (a broker may only list markets it traded since start).
   */
  private async checkPositions(plans: readonly Execution['plan'][]): Promise<string[]> {
    const key = (venue: Venue, marketId: string, outcome: string) => `${venue}|${marketId}|${outcome}`;
    const wanted = new Set(plans.flatMap((p) => p.legs.map((l) => key(l.venue, l.marketId, l.outcome))));
    const r = await this.o.pool.query<{ plan: Execution['plan']; progress: Execution['progress'] }>('SELECT plan, progress FROM executions');
    const held = new Map<string, number>();
    const add = (k: string, q: number) => held.set(k, (held.get(k) ?? 0) + q);
    for (const { plan, progress } of r.rows) {
      const [l1, l2] = plan.legs;
      add(key(l1.venue, l1.marketId, l1.outcome), progress.leg1.filledQty - progress.unwind.filledQty);
      add(key(l2.venue, l2.marketId, l2.outcome), progress.leg2.filledQty);
    }
    const out: string[] = [];
    for (const b of Object.values(this.o.brokers)) {
      const pos = await b.positions().catch((err: unknown) => (log.error({ err, venue: b.venue }, 'recovery: positions unavailable'), undefined));
      if (!pos) {
        out.push(`${b.venue}: positions unavailable, not compared`);
        continue;
      }
      for (const p of pos) {
        const k = key(b.venue, p.marketId, p.outcome);
        if (!wanted.has(k)) continue;
        const mine = held.get(k) ?? 0;
        if (p.qty !== mine) out.push(`${b.venue} ${p.marketId} ${p.outcome}: venue holds ${p.qty}, executions on record ${mine}`);
      }
    }
    for (const m of out) this.alert(`recovery: position mismatch: ${m}`);
    return out;
  }

  private async lastSeq(executionId: string): Promise<number> {
    const r = await this.o.pool.query<{ n: number | null }>('SELECT max(seq) AS n FROM execution_events WHERE execution_id = $1', [executionId]);
    return r.rows[0]?.n ?? 0;
  }

  /** Acts on an accepted decision; resolves with the execution's final record (undefined when not acted on). */
  async submit(d: RiskDecision): Promise<Execution | undefined> {
    if (!d.accepted) return undefined;
    if (this.killed || !this.ready || !this.isArmed) {
      this.counters.blocked++;
      log.info({ edgeId: d.edge.edgeId, killed: this.killed, ready: this.ready, armed: this.isArmed }, 'execution blocked');
      return undefined;
    }
    const executionId = executionIdOf(d.edge.edgeId);
    const inFlight = this.running.get(executionId);
    if (inFlight) return inFlight;
    // one execution per pair at a time: the next decision sees its exposure (a parked one too)
    if (this.busyPairs.has(d.edge.pairId) || [...this.parked.values()].some((m) => m.plan.pairId === d.edge.pairId)) {
      this.counters.busy++;
      return undefined;
    }
    this.busyPairs.add(d.edge.pairId);
    try {
      return await this.submitNew(d, executionId);
    } finally {
      this.busyPairs.delete(d.edge.pairId);
    }
  }

  private async submitNew(d: RiskDecision, executionId: string): Promise<Execution | undefined> {
    // no lookup here: the first write inserts or finds the id on record (then nothing is sent)
    const missing = d.edge.legs.map((l) => l.venue).filter((v) => !this.o.brokers[v]);
    const planned = missing.length
      ? ({ ok: false, reason: `no broker for ${missing.join(', ')}` } as const)
      : planExecution(d.edge, {
          executionId, rules: this.rules, lossCapMicros: this.o.lossCapMicros, now: this.now(),
          ...(this.o.followerLeg?.(d.edge.pairId) !== undefined ? { followerLeg: this.o.followerLeg(d.edge.pairId)! } : {}),
          ...(this.o.venueLatencyMs ? { venueLatencyMs: this.o.venueLatencyMs } : {}),
        });
    if (!planned.ok) {
      this.counters.skipped++;
      log.info({ edgeId: d.edge.edgeId, reason: planned.reason }, 'not an executable opportunity');
      return undefined;
    }
    const run = this.drive(initialMachine(planned.plan), { type: 'start', now: this.now() }, true);
    this.running.set(executionId, run);
    try {
      return await run;
    } catch (err) {
      if (err === ON_RECORD) return undefined;
      throw err;
    } finally {
      this.running.delete(executionId);
    }
  }

  /** The broker's own rules for a market when it knows them (Polymarket's per-market minimum and tick), else the configured ones. */
  private readonly rules = (venue: Venue, marketId: string): TradingRules => this.o.brokers[venue]?.rules?.(marketId) ?? this.o.rules(venue, marketId);

  /** The kill switch: on = block new executions and cancel every open order (at every broker). */
  async setKillSwitch(on: boolean): Promise<void> {
    this.killed = on;
    if (!on) return;
    await Promise.all(
      Object.values(this.o.brokers).map(async (b) => {
        const open = await b.openOrders().catch((err: unknown) => (log.error({ err, venue: b.venue }, 'kill switch: open orders unavailable'), []));
        await Promise.all(open.map((a) => b.cancel({ clientOrderId: a.clientOrderId }).catch((err: unknown) => log.error({ err, venue: b.venue, clientOrderId: a.clientOrderId }, 'kill switch: cancel failed'))));
      }),
    );
  }

  /** The pair of the execution that sent a fill's order (by client order id, else venue order id); undefined: not ours. */
  pairOf(f: Pick<Fill, 'clientOrderId' | 'venueOrderId'>): string | undefined {
    const byClient = f.clientOrderId ? this.pairs.get(f.clientOrderId.split(':')[0]!) : undefined;
    return byClient ?? this.pairs.get(f.venueOrderId);
  }

  get killSwitch(): boolean {
    return this.killed;
  }

  /** Executions still running (recovery and tests wait on them). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }

  /** `fresh`: the first write of a new execution (an insert; throws {@link ON_RECORD} when the id is already on record). */
  private async persist(m: Machine, transitions: readonly Transition[], fresh = false): Promise<Execution> {
    const id = m.plan.executionId;
    let seq = this.seqs.get(id) ?? 0;
    const events: ExecutionEvent[] = transitions.map((t) => ({
      executionId: id, seq: ++seq, fromState: t.from, toState: t.to, reason: t.reason, clientOrderIds: [...t.clientOrderIds], venueOrderIds: [...t.venueOrderIds], ts: t.ts,
    }));
    const rec = toRecord(m, this.now());
    // the write must land before anything is sent: retry briefly, then stop this execution loudly
    for (let attempt = 1; ; attempt++) {
      try {
        if (!fresh) await writeExecution(this.o.pool, rec, events);
        else if (!(await insertExecution(this.o.pool, rec, events))) {
          log.info({ executionId: id }, 'execution already on record: not sent again');
          throw ON_RECORD;
        }
        break;
      } catch (err) {
        if (err === ON_RECORD) throw err;
        if (attempt >= WRITE_ATTEMPTS) {
          this.alert(`${id}: write-ahead failed in ${m.state} (${netQty(m.progress)} unhedged millionths on record): execution stopped, reconcile by hand`);
          throw err;
        }
        log.warn({ err, executionId: id, attempt }, 'write-ahead failed: retrying');
        await sleep(100 * attempt);
      }
    }
    this.seqs.set(id, seq);
    this.pairs.set(id, m.plan.pairId);
    for (const r of [m.progress.leg1, m.progress.leg2, m.progress.unwind]) for (const v of r.venueOrderIds) this.pairs.set(v, m.plan.pairId);
    this.updates.next(rec);
    return rec;
  }

  /**
   * Steps the machine to its end (or until it is parked): write ahead, then act, then feed the
   * answer back. `fresh`: a new execution (its first write is an insert).
   */
  private async drive(m: Machine, first: MachineEvent, fresh = false): Promise<Execution> {
    let ev = first;
    let rec = toRecord(m, this.now());
    for (;;) {
      const s = step(m, ev, this.cfg);
      // sign first (the venue order id must be in the write-ahead row), then write, then send
      m = await this.prepare(s.machine, s.commands);
      // write-ahead: a failed write stops here, before any order is sent
      if (s.transitions.length) {
        rec = await this.persist(m, s.transitions, fresh);
        if (fresh) this.counters.submitted++;
        fresh = false;
        this.o.onTransition?.(m, 'written', { transitions: s.transitions });
      }
      const acts: OrderCommand[] = [];
      for (const c of s.commands) {
        if (c.type === 'alert') this.alert(c.message);
        else acts.push(c);
      }
      if (isTerminal(m)) {
        // the machine ends with no order in flight; should a command come with it, it is still
        // sent and its answer logged (never fire-and-forget)
        for (const c of acts) log.error({ executionId: m.plan.executionId, command: c, answer: await this.act(c, m) }, 'command after the end of an execution');
        this.counters[m.state as 'hedged' | 'unwound' | 'failed']++;
        log.info({ executionId: m.plan.executionId, state: m.state, reason: m.reason, netQty: netQty(m.progress) }, 'execution ended');
        return rec;
      }
      if (isParked(m, this.cfg)) {
        this.parked.set(m.plan.executionId, m);
        this.counters.parked++;
        log.error({ executionId: m.plan.executionId, state: m.state, reason: m.reason, netQty: netQty(m.progress) }, 'execution parked: outcome unknown');
        return rec;
      }
      const last = acts.at(-1);
      if (!last) {
        // nothing in flight: wait for the state's deadline
        await sleep(Math.max(0, m.progress.deadline - this.now()));
        ev = { type: 'timeout', now: Math.max(this.now(), m.progress.deadline) };
        continue;
      }
      for (const c of acts.slice(0, -1)) await this.act(c, m);
      ev = await this.act(last, m);
    }
  }

  /**
   * Venue order ids known before the send (brokers with `prepare`: Polymarket's order hash),
   * put on the machine so that they are written ahead with the transition naming the order.
   */
  private async prepare(m: Machine, commands: readonly Command[]): Promise<Machine> {
    for (const c of commands) {
      if (c.type !== 'place') continue;
      const b = this.o.brokers[c.venue];
      if (!b?.prepare) continue;
      // a failure here is the place's to report (the same checks run again there)
      const id = await b.prepare(c.order).catch(() => undefined);
      const r = m.progress[c.role];
      if (!id || r.current?.clientOrderId !== c.order.clientOrderId) continue;
      m = { ...m, progress: { ...m.progress, [c.role]: { ...r, current: { ...r.current, venueOrderId: id }, venueOrderIds: r.venueOrderIds.includes(id) ? r.venueOrderIds : [...r.venueOrderIds, id] } } };
    }
    return m;
  }

  private alert(message: string): void {
    this.counters.alerts++;
    log.error({ alert: message }, 'execution alert');
    this.o.onAlert?.(message);
  }

  /**
   * Sends one command; its answer as a machine event (timeouts and transport errors = unknown).
   * Status and cancel name the order by its venue id when one is on record (a venue without
   * client order ids cannot look ours up after a restart), else by our client order id.
   */
  private async act(c: OrderCommand, m: Machine): Promise<MachineEvent> {
    const broker = this.o.brokers[c.venue];
    const role = c.role;
    if (!broker) return { type: 'rejected', role, reason: `no broker for ${c.venue}`, now: this.now() };
    const cur = m.progress[role].current;
    const venueOrderId = c.type !== 'place' && cur?.clientOrderId === c.clientOrderId ? cur.venueOrderId : undefined;
    const ref = venueOrderId ? { venueOrderId } : { clientOrderId: c.type === 'place' ? c.order.clientOrderId : c.clientOrderId };
    if (c.type === 'status' && c.delayMs > 0) await sleep(c.delayMs);
    if (c.type !== 'place') await this.settled(c.clientOrderId);
    const call = c.type === 'place' ? this.track(c.order.clientOrderId, broker.place(c.order)) : c.type === 'status' ? broker.status(ref) : broker.cancel(ref);
    // a place keeps the state's deadline (then it is asked about); a status or cancel gets at
    // least the broker's HTTP timeout (a cancel may take a status, the cancel and a status)
    const http = broker.requestTimeoutMs ?? this.o.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const left = m.progress.deadline - this.now();
    const ms = c.type === 'place' ? left : Math.max(left, c.type === 'cancel' ? CANCEL_REQUESTS * http : http);
    const ev = await this.answer(c, call, ms);
    this.o.onTransition?.(m, 'sent', { transitions: [], command: c });
    return ev;
  }

  private track(clientOrderId: string, p: Promise<OrderAck>): Promise<OrderAck> {
    const done = p.then(
      () => undefined,
      () => undefined,
    );
    this.placing.set(clientOrderId, done);
    void done.then(() => this.placing.get(clientOrderId) === done && this.placing.delete(clientOrderId));
    return p;
  }

  /**
   * A status or cancel of an order whose place call timed out here waits until that call is
   * answered or fails (the broker's own HTTP timeout bounds it, {@link PLACE_SETTLE_MS} at most):
   * asked while the order is still on its way, a venue says "not found" and the order would be
   * sent again under a new attempt, then filled twice (found by the crash soak under load).
   */
  private async settled(clientOrderId: string): Promise<void> {
    const p = this.placing.get(clientOrderId);
    if (!p) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, PLACE_SETTLE_MS)))]);
    clearTimeout(timer);
  }

  private async answer(c: OrderCommand, call: Promise<OrderAck>, ms: number): Promise<MachineEvent> {
    const role = c.role;
    const clientOrderId = c.type === 'place' ? c.order.clientOrderId : c.clientOrderId;
    try {
      const ack = await withDeadline(call, Math.max(1, ms));
      if (ack === TIMED_OUT) return { type: 'unknown', role, now: this.now() };
      // asked by venue id, a venue without client ids answers with its own: it is this order
      return { type: 'ack', role, ack: ack.clientOrderId === clientOrderId ? ack : { ...ack, clientOrderId }, now: this.now() };
    } catch (err) {
      if (err instanceof OrderRejectedError) return { type: 'rejected', role, reason: err.reason, now: this.now() };
      if (err instanceof OrderNotFoundError) return { type: 'notFound', role, now: this.now() };
      log.warn({ err, venue: c.venue, command: c.type }, 'order outcome unknown: reconciling');
      return { type: 'unknown', role, now: this.now() };
    }
  }
}

export type OrderCommand = Exclude<Command, { type: 'alert' }>;
const WRITE_ATTEMPTS = 3;
/** the broker's HTTP timeout when it does not tell it (both live brokers default to 5 s), ms */
const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
/** requests a cancel may make (a status, the cancel, a status: Polymarket) */
const CANCEL_REQUESTS = 3;
/** the first write found the execution id on record: nothing is sent */
const ON_RECORD = Symbol('execution already on record');
/** the longest a status waits for the same order's unanswered place call, ms */
const PLACE_SETTLE_MS = 30_000;
const TIMED_OUT = Symbol('timed out');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function withDeadline<T>(p: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  // the late answer of a timed-out call is not awaited: keep it from being an unhandled rejection
  p.catch(() => undefined);
  const t = new Promise<typeof TIMED_OUT>((r) => (timer = setTimeout(() => r(TIMED_OUT), ms)));
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}
