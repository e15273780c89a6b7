/**
 * The execution pipeline: accepted decisions in, orders out, positions and exposure back into
 * the pipeline. Wiring only (the work is in src/execution/):
 *
 *   stored fills (+ settlements) ─► re-seed positions and exposure (before the first decision)
 *   decisions$ ─► accepted ─► executor.submit ─► executions$ (executions, execution_events)
 *                                                   └─► orderRowsOf ─► orders$ ─► orders table
 *   brokers' fills$ ──┐
 *   books$ (marks) ───┼─► applyPositionEvent (scan) ─► positions$ ─► toExposure ─► exposure (core's exposure$: sizing, risk gate)
 *   lifecycle$ ───────┘   (settlements)                   └─► positionRecords (throttled) ─► positions table
 *   control$ (kill switch) ─► executor.setKillSwitch (cancels open orders, blocks new executions)
 *
 * Brokers: `paper` = a PaperBroker per registered venue filling against `books$`; `live` = each
 * venue's own broker (`VenueModule.broker`), and nothing is sent until an admin arms the executor.
 * On start, positions are re-seeded from the stored fills, open executions are reloaded and
 * reconciled, and the re-seeded positions are compared with the brokers' (a mismatch is alerted),
 * all before the first decision is taken.
 */
import { BehaviorSubject, Subject, asyncScheduler, concatMap, distinctUntilChanged, filter, from, map, merge, mergeMap, scan, share, throttleTime, EMPTY, type Observable, type Observer, type Subscription } from 'rxjs';
import type pg from 'pg';
import type { Book } from '../schema/book.js';
import type { RiskDecision } from '../schema/edge.js';
import { TERMINAL_STATES, type Execution, type Fill, type MarketSettlement, type OrderRecord, type PositionRecord } from '../schema/execution.js';
import { SCALE } from '../schema/money.js';
import type { Venue } from '../schema/venue.js';
import type { Exposure } from '../operators/sizeToLimits.js';
import type { Config } from '../src/config.js';
import { FatalError } from '../src/errors.js';
import { Executor } from '../src/execution/executor.js';
import { orderRowsOf } from '../src/execution/orderRows.js';
import { PaperBroker } from '../src/execution/paperBroker.js';
import { DEFAULT_TRADING_RULES } from '../src/execution/plan.js';
import { applyPositionEvent, fillFee, foldFill, initialPositionsState, positionMismatches, positionRecords, toExposure, EMPTY_POSITIONS, type PositionEvent, type PositionsState, type PositionsSnapshot } from '../src/execution/positions.js';
import type { FeeBook } from '../src/fees/schedule.js';
import { log } from '../src/log.js';
import { executionPairIndex, storedFills, writeFill } from '../src/store/repos/executions.js';
import { writeOrders } from '../src/store/repos/orders.js';
import { settledPositions, writePositions } from '../src/store/repos/positions.js';
import type { Broker } from '../src/venues/broker.js';
import { perVenue, venues } from '../src/venues/registry.js';
import type { VenueFeed } from '../src/venues/venue.js';
import type { RiskControl } from './core.js';

/** A venue lifecycle message that may carry a market's settlement (`LifecycleEvent` fits). */
export interface SettlementSource {
  readonly settlement?: MarketSettlement;
}

export interface ExecutionSources {
  readonly decisions$: Observable<RiskDecision>;
  readonly books$: Observable<Book>;
  readonly control$: Observable<RiskControl>;
  /** the venues' lifecycle messages: a resolved market settles the positions held in it */
  readonly lifecycle$?: Observable<SettlementSource>;
}

export interface ExecutionSettings {
  readonly config: Pick<Config, 'execution' | 'venues'>;
  readonly pool: pg.Pool;
  readonly feeBook: FeeBook;
  readonly feeds?: Readonly<Record<Venue, VenueFeed>>;
  /** where exposure from positions goes (the core pipeline's exposure$) */
  readonly exposure: Observer<Exposure>;
  readonly onAlert?: (message: string) => void;
  /** brokers to use instead of the mode's (tests, simulators); their positions are reconciled at start */
  readonly brokers?: Readonly<Record<Venue, Broker>>;
  /** the positions table is written on change at most this often; default 250 ms */
  readonly positionsWriteMs?: number;
}

export interface ExecutionHandle {
  readonly executor: Executor;
  readonly brokers: Readonly<Record<Venue, Broker>>;
  readonly executions$: Observable<Execution>;
  /** positions marked at the best bids and settled at resolution; replays the latest to a new subscriber */
  readonly positions$: Observable<PositionsSnapshot>;
  /** every order row written (sent, acknowledged, ended) */
  readonly orders$: Observable<OrderRecord>;
  latestPositions(): PositionsSnapshot;
  stop(): Promise<void>;
}

function brokersFor(src: ExecutionSources, s: ExecutionSettings): Record<Venue, Broker> {
  if (s.brokers) return { ...s.brokers };
  const { mode, paper } = s.config.execution;
  return perVenue((v) => {
    if (mode === 'paper') return new PaperBroker({ venue: v.id, books$: src.books$, feeBook: s.feeBook, latencyMs: paper.latencyMs, haircut: paper.haircut, cashMicros: paper.cashMicros });
    if (!v.broker) throw new FatalError(`EXECUTION_MODE=live: ${v.name} has no live broker yet`, { venue: v.id });
    return v.broker(s.config, s.feeds ? { feed: s.feeds[v.id] } : {});
  });
}

/** The pair of a fill from the stored executions (execution id of the client order id, else the venue order id). */
const pairFromIndex = (index: ReadonlyMap<string, string>) => (f: Pick<Fill, 'clientOrderId' | 'venueOrderId'>): string | undefined =>
  (f.clientOrderId ? index.get(f.clientOrderId.split(':')[0]!) : undefined) ?? index.get(f.venueOrderId);

/**
 * Positions as the stored fills leave them: every fill folded (pairs from the stored executions),
 * then the settlements recorded in the positions table re-applied.
 */
export async function reseedPositions(pool: pg.Pool, feeBook?: FeeBook): Promise<PositionsState> {
  const [{ fills, skipped }, index, settled] = await Promise.all([storedFills(pool), executionPairIndex(pool), settledPositions(pool)]);
  if (skipped) log.warn({ skipped }, 'stored fills without side/outcome/market skipped at re-seed');
  const pairOf = pairFromIndex(index);
  let st = initialPositionsState(fills.reduce((s, f) => foldFill(s, f, pairOf(f), feeBook), EMPTY_POSITIONS));
  const seen = new Set<string>();
  for (const r of settled) {
    if (r.settlementMicros === undefined || r.settledAt === undefined || seen.has(`${r.venue}|${r.marketId}`)) continue;
    seen.add(`${r.venue}|${r.marketId}`);
    const yesPayoutMicros = r.outcome === 'yes' ? r.settlementMicros : SCALE - r.settlementMicros;
    st = applyPositionEvent(st, { type: 'settle', settlement: { venue: r.venue, marketId: r.marketId, yesPayoutMicros, event: 'stored', ts: r.settledAt } });
  }
  return st;
}

const sameExposure = (a: Exposure, b: Exposure): boolean => JSON.stringify(a) === JSON.stringify(b);
const rowKey = (r: PositionRecord): string => `${r.venue}|${r.marketId}|${r.outcome}|${r.pairId}`;
const rowBody = ({ updatedAt: _u, ...r }: PositionRecord): string => JSON.stringify(r);

export async function startExecution(src: ExecutionSources, s: ExecutionSettings): Promise<ExecutionHandle> {
  const brokers = brokersFor(src, s);
  const executor = new Executor({
    pool: s.pool, brokers, lossCapMicros: s.config.execution.lossCapMicros, armed: s.config.execution.mode !== 'live',
    rules: (venue, marketId) => brokers[venue].rules?.(marketId) ?? venues[venue].tradingRules ?? DEFAULT_TRADING_RULES,
    ...(s.onAlert ? { onAlert: s.onAlert } : {}),
  });
  const subs: Subscription[] = [];
  const alert = (m: string): void => {
    log.error({ alert: m }, 'execution alert');
    s.onAlert?.(m);
  };

  // what is held after a restart, before anything else (sizing must see it)
  const seeded = await reseedPositions(s.pool, s.feeBook);
  const latest = new BehaviorSubject<PositionsSnapshot>(seeded.snapshot);
  s.exposure.next(toExposure(seeded.snapshot));
  log.info({ fills: seeded.snapshot.fills, positions: seeded.snapshot.positions.size }, 'positions re-seeded from stored fills');
  const storedPairOf = pairFromIndex(await executionPairIndex(s.pool));

  // what a venue said that we cannot account for (invalid answers, unknown orders, fills we never sent, private channel down): alerted;
  // the fills are held in positions (unattributed) and the unknown outcomes reconciled by the executor
  subs.push(merge(...Object.values(brokers).map((b) => b.anomalies$)).subscribe((a) => alert(`${a.venue} broker ${a.kind} (${a.where}): ${a.detail}`)));
  const fills$ = merge(...Object.values(brokers).map((b) => b.fills$)).pipe(share());
  const events$: Observable<PositionEvent> = merge(
    fills$.pipe(map((f): PositionEvent => ({ type: 'fill', fill: f, pairId: executor.pairOf(f) ?? storedPairOf(f) }))),
    src.books$.pipe(map((book): PositionEvent => ({ type: 'book', book }))),
    (src.lifecycle$ ?? EMPTY).pipe(
      map((e) => e.settlement),
      filter((x): x is MarketSettlement => x !== undefined),
      map((settlement): PositionEvent => ({ type: 'settle', settlement })),
    ),
  );
  const snapshots$ = events$.pipe(
    scan((st: PositionsState, e: PositionEvent) => applyPositionEvent(st, e, s.feeBook), seeded),
    map((st) => st.snapshot),
    distinctUntilChanged(),
    share(),
  );
  subs.push(snapshots$.subscribe(latest));
  const positions$ = latest.asObservable();
  subs.push(positions$.pipe(map(toExposure), distinctUntilChanged(sameExposure)).subscribe((x) => s.exposure.next(x)));
  // a fill for an order no execution sent: held (it is real exposure) and alerted
  subs.push(positions$.pipe(map((p) => p.unknownFills), distinctUntilChanged(), filter((n) => n > 0)).subscribe((n) => alert(`${n} fill(s) for orders no execution sent: check the venue account`)));
  subs.push(fills$.pipe(mergeMap((f) => from(writeFill(s.pool, f, fillFee(f, s.feeBook)).catch((err: unknown) => log.error({ err, fillId: f.fillId }, 'fill not stored'))))).subscribe());

  // the positions table: on change, at most every positionsWriteMs; only rows that changed
  const written = new Map<string, string>();
  const writePositionRows = async (snap: PositionsSnapshot): Promise<void> => {
    const rows = positionRecords(snap, Date.now()).filter((r) => written.get(rowKey(r)) !== rowBody(r));
    if (!rows.length) return;
    try {
      await writePositions(s.pool, rows);
      for (const r of rows) written.set(rowKey(r), rowBody(r));
    } catch (err) {
      log.error({ err, rows: rows.length }, 'positions not stored');
    }
  };
  const writeMs = s.positionsWriteMs ?? 250;
  let positionWrites = Promise.resolve();
  subs.push(
    positions$.pipe(throttleTime(writeMs, asyncScheduler, { leading: true, trailing: true }), concatMap((snap) => from((positionWrites = writePositionRows(snap))))).subscribe(),
  );

  // order rows from the write-ahead records
  const orders$ = new Subject<OrderRecord>();
  const lastRecord = new Map<string, Execution>();
  let orderWrites = Promise.resolve();
  subs.push(
    executor.executions$
      .pipe(
        map((x) => {
          const rows = orderRowsOf(lastRecord.get(x.executionId), x);
          if (TERMINAL_STATES.has(x.state)) lastRecord.delete(x.executionId);
          else lastRecord.set(x.executionId, x);
          return rows;
        }),
        filter((rows) => rows.length > 0),
        concatMap((rows) =>
          from(
            (orderWrites = writeOrders(s.pool, rows).then(
              () => rows.forEach((r) => orders$.next(r)),
              (err: unknown) => log.error({ err, executionId: rows[0]?.executionId }, 'order rows not stored'),
            )),
          ),
        ),
      )
      .subscribe(),
  );
  subs.push(src.control$.pipe(map((c) => c.killSwitch), distinctUntilChanged()).subscribe((on) => void executor.setKillSwitch(on)));

  // reconcile what a previous run left open before any new decision
  const recovered = await executor.start();
  if (recovered) log.warn({ recovered }, 'open executions reconciled');
  // then the re-seeded positions against what the venues hold (a paper broker starts flat every run)
  if (s.brokers || s.config.execution.mode === 'live') {
    for (const b of Object.values(brokers)) {
      try {
        for (const m of positionMismatches(latest.value, b.venue, await b.positions())) alert(m);
      } catch (err) {
        alert(`positions at ${b.venue} unavailable at start: not reconciled (${(err as Error).message})`);
      }
    }
  } else log.info('paper brokers start flat every run: re-seeded positions not reconciled with them');
  const decisionsSub = src.decisions$.pipe(filter((d) => d.accepted), mergeMap((d) => from(executor.submit(d).catch((err: unknown) => log.error({ err, edgeId: d.edge.edgeId }, 'execution stopped'))))).subscribe({ error: (err: unknown) => log.fatal({ err }, 'execution failed') });
  log.info({ mode: s.config.execution.mode, armed: s.config.execution.mode !== 'live' }, 'execution running');
  return {
    executor, brokers, executions$: executor.executions$, positions$, orders$: orders$.asObservable(),
    latestPositions: () => latest.value,
    async stop() {
      decisionsSub.unsubscribe();
      await executor.idle();
      for (const sub of subs) sub.unsubscribe();
      await Promise.all([positionWrites, orderWrites]);
      // the last snapshot, unthrottled
      await writePositionRows(latest.value);
      orders$.complete();
      await Promise.all(Object.values(brokers).map((b) => b.close()));
    },
  };
}
