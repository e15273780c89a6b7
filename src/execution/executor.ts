/**
 * The executor: turns a risk-accepted decision into two filled legs or none, driving one
 * {@link step state machine} per opportunity over the venues' {@link Broker}s.
 *
 *   decision ─► planExecution ─► machine ─► write transitions (executions + execution_events) ─► act (place/status/cancel) ─► answer ─► machine …
 *
 * - **Write-ahead**: every transition is written to the database (one transaction: the row and
 *   its events) BEFORE the orders it names are sent. A crash leaves a record of every order that
 *   may exist at a venue.
 * - **Idempotent ids**: client order ids are `(execution id, role, attempt)`; the execution id is
 *   a hash of the edge id, so the same decision twice is one execution.
 * - **Unknown outcomes** (lost ack, timeout, transport error) are reconciled with
 *   `broker.status`, never assumed filled or not.
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
import type { Execution, ExecutionEvent, Fill, TradingRules } from '../../schema/execution.js';
import type { Micros } from '../../schema/money.js';
import type { LegIndex, Venue } from '../../schema/venue.js';
import { log } from '../log.js';
import { getExecution, openExecutions, writeExecution } from '../store/repos/executions.js';
import { OrderNotFoundError, OrderRejectedError, type Broker } from '../venues/broker.js';
import { planExecution } from './plan.js';
import { DEFAULT_MACHINE_CONFIG, initialMachine, isTerminal, netQty, step, type Command, type Machine, type MachineConfig, type MachineEvent, type Transition } from './stateMachine.js';

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
}

/** The execution id of an edge: the same decision twice is one execution. */
export const executionIdOf = (edgeId: string): string => `ex_${createHash('sha256').update(edgeId).digest('hex').slice(0, 16)}`;

const toRecord = (m: Machine, now: number): Execution => ({
  executionId: m.plan.executionId, pairId: m.plan.pairId, edgeId: m.plan.edgeId, state: m.state, sizeQty: m.plan.sizeQty,
  plan: m.plan, progress: m.progress, netQty: netQty(m.progress), reason: m.reason, tsPlanned: m.plan.tsPlanned, tsUpdated: now,
});

export class Executor {
  readonly counters: ExecutorCounters = { submitted: 0, skipped: 0, busy: 0, blocked: 0, hedged: 0, unwound: 0, failed: 0, alerts: 0, recovered: 0 };
  private readonly updates = new Subject<Execution>();
  /** every written state of every execution */
  readonly executions$: Observable<Execution> = this.updates.asObservable();
  private readonly seqs = new Map<string, number>();
  private readonly running = new Map<string, Promise<Execution>>();
  /** execution id and venue order id → pair id (fills to pairs) */
  private readonly pairs = new Map<string, string>();
  private readonly busyPairs = new Set<string>();
  private killed = false;
  private armed: boolean;
  private ready = false;
  private readonly cfg: MachineConfig;
  private readonly now: () => number;

  constructor(private readonly o: ExecutorOptions) {
    this.cfg = o.machine ?? DEFAULT_MACHINE_CONFIG;
    this.now = o.now ?? Date.now;
    this.armed = o.armed ?? true;
  }

  /** Allows orders (live mode: an admin's decision). */
  arm(on = true): void {
    this.armed = on;
  }

  /** Reloads open executions and drives each to its end (reconciled with the brokers) before new decisions are taken. */
  async start(): Promise<number> {
    const open = await openExecutions(this.o.pool);
    for (const x of open) {
      this.counters.recovered++;
      const m: Machine = { plan: x.plan, state: x.state, progress: x.progress, reason: x.reason };
      this.seqs.set(x.executionId, await this.lastSeq(x.executionId));
      log.warn({ executionId: x.executionId, state: x.state }, 'execution recovered: reconciling with the venues');
      const role = x.state === 'leg1Submitted' ? 'leg1' : x.state === 'leg2Submitted' ? 'leg2' : x.state === 'unwinding' ? 'unwind' : undefined;
      // an order in flight: ask the venue; none (or not started): the deadline decides
      const first: MachineEvent = role && m.progress[role].current ? { type: 'unknown', role, now: this.now() } : { type: 'timeout', now: Number.MAX_SAFE_INTEGER };
      await this.drive(m, first);
    }
    await this.cancelOrphans();
    this.ready = true;
    return open.length;
  }

  /** Our orders still open at a venue after recovery belong to no live execution (we only send IOC): cancel and alert. */
  private async cancelOrphans(): Promise<void> {
    for (const b of Object.values(this.o.brokers)) {
      const open = await b.openOrders().catch((err: unknown) => (log.error({ err, venue: b.venue }, 'recovery: open orders unavailable'), []));
      for (const a of open.filter((x) => x.clientOrderId.startsWith('ex_'))) {
        this.alert(`orphan order ${a.clientOrderId} open at ${b.venue} after recovery: cancelling`);
        await b.cancel({ clientOrderId: a.clientOrderId }).catch((err: unknown) => log.error({ err, venue: b.venue, clientOrderId: a.clientOrderId }, 'recovery: cancel failed'));
      }
    }
  }

  private async lastSeq(executionId: string): Promise<number> {
    const r = await this.o.pool.query<{ n: number | null }>('SELECT max(seq) AS n FROM execution_events WHERE execution_id = $1', [executionId]);
    return r.rows[0]?.n ?? 0;
  }

  /** Acts on an accepted decision; resolves with the execution's final record (undefined when not acted on). */
  async submit(d: RiskDecision): Promise<Execution | undefined> {
    if (!d.accepted) return undefined;
    if (this.killed || !this.ready || !this.armed) {
      this.counters.blocked++;
      log.info({ edgeId: d.edge.edgeId, killed: this.killed, ready: this.ready, armed: this.armed }, 'execution blocked');
      return undefined;
    }
    const executionId = executionIdOf(d.edge.edgeId);
    const inFlight = this.running.get(executionId);
    if (inFlight) return inFlight;
    // one execution per pair at a time: the next decision sees its exposure
    if (this.busyPairs.has(d.edge.pairId)) {
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
    if (await getExecution(this.o.pool, executionId)) return undefined;
    const missing = d.edge.legs.map((l) => l.venue).filter((v) => !this.o.brokers[v]);
    const planned = missing.length
      ? ({ ok: false, reason: `no broker for ${missing.join(', ')}` } as const)
      : planExecution(d.edge, {
          executionId, rules: this.o.rules, lossCapMicros: this.o.lossCapMicros, now: this.now(),
          ...(this.o.followerLeg?.(d.edge.pairId) !== undefined ? { followerLeg: this.o.followerLeg(d.edge.pairId)! } : {}),
          ...(this.o.venueLatencyMs ? { venueLatencyMs: this.o.venueLatencyMs } : {}),
        });
    if (!planned.ok) {
      this.counters.skipped++;
      log.info({ edgeId: d.edge.edgeId, reason: planned.reason }, 'not an executable opportunity');
      return undefined;
    }
    this.counters.submitted++;
    const run = this.drive(initialMachine(planned.plan), { type: 'start', now: this.now() });
    this.running.set(executionId, run);
    try {
      return await run;
    } finally {
      this.running.delete(executionId);
    }
  }

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

  private async persist(m: Machine, transitions: readonly Transition[]): Promise<Execution> {
    const id = m.plan.executionId;
    let seq = this.seqs.get(id) ?? 0;
    const events: ExecutionEvent[] = transitions.map((t) => ({
      executionId: id, seq: ++seq, fromState: t.from, toState: t.to, reason: t.reason, clientOrderIds: [...t.clientOrderIds], venueOrderIds: [...t.venueOrderIds], ts: t.ts,
    }));
    const rec = toRecord(m, this.now());
    // the write must land before anything is sent: retry briefly, then stop this execution loudly
    for (let attempt = 1; ; attempt++) {
      try {
        await writeExecution(this.o.pool, rec, events);
        break;
      } catch (err) {
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

  /** Steps the machine to its end: write ahead, then act, then feed the answer back. */
  private async drive(m: Machine, first: MachineEvent): Promise<Execution> {
    let ev = first;
    let rec = toRecord(m, this.now());
    for (;;) {
      const s = step(m, ev, this.cfg);
      m = s.machine;
      // write-ahead: a failed write stops here, before any order is sent
      if (s.transitions.length) rec = await this.persist(m, s.transitions);
      const acts: OrderCommand[] = [];
      for (const c of s.commands) {
        if (c.type === 'alert') this.alert(c.message);
        else acts.push(c);
      }
      if (isTerminal(m)) {
        for (const c of acts) void this.act(c, m.progress.deadline);
        this.counters[m.state as 'hedged' | 'unwound' | 'failed']++;
        log.info({ executionId: m.plan.executionId, state: m.state, reason: m.reason, netQty: netQty(m.progress) }, 'execution ended');
        return rec;
      }
      const last = acts.at(-1);
      if (!last) {
        // nothing in flight: wait for the state's deadline
        await sleep(Math.max(0, m.progress.deadline - this.now()));
        ev = { type: 'timeout', now: Math.max(this.now(), m.progress.deadline) };
        continue;
      }
      for (const c of acts.slice(0, -1)) await this.act(c, m.progress.deadline);
      ev = await this.act(last, m.progress.deadline);
    }
  }

  private alert(message: string): void {
    this.counters.alerts++;
    log.error({ alert: message }, 'execution alert');
    this.o.onAlert?.(message);
  }

  /** Sends one command; its answer as a machine event (timeouts and transport errors = unknown). */
  private async act(c: OrderCommand, deadline: number): Promise<MachineEvent> {
    const broker = this.o.brokers[c.venue];
    const role = c.role;
    if (!broker) return { type: 'rejected', role, reason: `no broker for ${c.venue}`, now: this.now() };
    const call = c.type === 'place' ? broker.place(c.order) : c.type === 'status' ? broker.status({ clientOrderId: c.clientOrderId }) : broker.cancel({ clientOrderId: c.clientOrderId });
    try {
      const ack = await withDeadline(call, Math.max(1, deadline - this.now()));
      if (ack === TIMED_OUT) return { type: 'unknown', role, now: this.now() };
      return { type: 'ack', role, ack, now: this.now() };
    } catch (err) {
      if (err instanceof OrderRejectedError) return { type: 'rejected', role, reason: err.reason, now: this.now() };
      if (err instanceof OrderNotFoundError) return { type: 'notFound', role, now: this.now() };
      log.warn({ err, venue: c.venue, command: c.type }, 'order outcome unknown: reconciling');
      return { type: 'unknown', role, now: this.now() };
    }
  }
}

type OrderCommand = Exclude<Command, { type: 'alert' }>;
const WRITE_ATTEMPTS = 3;
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
