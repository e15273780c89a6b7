/**
 * The execution pipeline: accepted decisions in, orders out, positions and exposure back into
 * the pipeline. Wiring only (the work is in src/execution/):
 *
 *   decisions$ ─► accepted ─► executor.submit ─► executions$ (executions, execution_events)
 *   brokers' fills$ ─► merge ─► positions(pairOf) ─► positions$ ─► toExposure ─► exposure (core's exposure$: sizing, risk gate)
 *   control$ (kill switch) ─► executor.setKillSwitch (cancels open orders, blocks new executions)
 *
 * Brokers: `paper` = a PaperBroker per registered venue filling against `books$`; `live` = each
 * venue's own broker (`VenueModule.broker`), and nothing is sent until an admin arms the executor.
 * On start, open executions are reloaded and reconciled before the first decision is taken.
 */
import { distinctUntilChanged, filter, map, merge, mergeMap, from, share, type Observable, type Observer, type Subscription } from 'rxjs';
import type pg from 'pg';
import type { Book } from '../schema/book.js';
import type { RiskDecision } from '../schema/edge.js';
import type { Execution } from '../schema/execution.js';
import type { Venue } from '../schema/venue.js';
import type { Exposure } from '../operators/sizeToLimits.js';
import type { Config } from '../src/config.js';
import { FatalError } from '../src/errors.js';
import { Executor } from '../src/execution/executor.js';
import { PaperBroker } from '../src/execution/paperBroker.js';
import { DEFAULT_TRADING_RULES } from '../src/execution/plan.js';
import { positions, toExposure, type PositionsSnapshot } from '../src/execution/positions.js';
import type { FeeBook } from '../src/fees/schedule.js';
import { log } from '../src/log.js';
import { writeFill } from '../src/store/repos/executions.js';
import type { Broker } from '../src/venues/broker.js';
import { perVenue, venues } from '../src/venues/registry.js';
import type { VenueFeed } from '../src/venues/venue.js';
import type { RiskControl } from './core.js';

export interface ExecutionSources {
  readonly decisions$: Observable<RiskDecision>;
  readonly books$: Observable<Book>;
  readonly control$: Observable<RiskControl>;
}

export interface ExecutionSettings {
  readonly config: Pick<Config, 'execution' | 'venues'>;
  readonly pool: pg.Pool;
  readonly feeBook: FeeBook;
  readonly feeds?: Readonly<Record<Venue, VenueFeed>>;
  /** where exposure from positions goes (the core pipeline's exposure$) */
  readonly exposure: Observer<Exposure>;
  readonly onAlert?: (message: string) => void;
}

export interface ExecutionHandle {
  readonly executor: Executor;
  readonly brokers: Readonly<Record<Venue, Broker>>;
  readonly executions$: Observable<Execution>;
  readonly positions$: Observable<PositionsSnapshot>;
  stop(): Promise<void>;
}

function brokersFor(src: ExecutionSources, s: ExecutionSettings): Record<Venue, Broker> {
  const { mode, paper } = s.config.execution;
  return perVenue((v) => {
    if (mode === 'paper') return new PaperBroker({ venue: v.id, books$: src.books$, feeBook: s.feeBook, latencyMs: paper.latencyMs, haircut: paper.haircut, cashMicros: paper.cashMicros });
    if (!v.broker) throw new FatalError(`EXECUTION_MODE=live: ${v.name} has no live broker yet`, { venue: v.id });
    return v.broker(s.config, s.feeds ? { feed: s.feeds[v.id] } : {});
  });
}

export async function startExecution(src: ExecutionSources, s: ExecutionSettings): Promise<ExecutionHandle> {
  const brokers = brokersFor(src, s);
  const executor = new Executor({
    pool: s.pool, brokers, lossCapMicros: s.config.execution.lossCapMicros, armed: s.config.execution.mode !== 'live',
    rules: (venue, marketId) => brokers[venue].rules?.(marketId) ?? venues[venue].tradingRules ?? DEFAULT_TRADING_RULES,
    ...(s.onAlert ? { onAlert: s.onAlert } : {}),
  });
  const subs: Subscription[] = [];
  const fills$ = merge(...Object.values(brokers).map((b) => b.fills$)).pipe(share());
  const positions$ = fills$.pipe(positions({ pairOf: (f) => executor.pairOf(f), feeBook: s.feeBook }), share());
  subs.push(positions$.pipe(map(toExposure)).subscribe(s.exposure));
  // a fill for an order no execution sent: held (it is real exposure) and alerted
  subs.push(positions$.pipe(map((p) => p.unknownFills), distinctUntilChanged(), filter((n) => n > 0)).subscribe((n) => s.onAlert?.(`${n} fill(s) for orders no execution sent: check the venue account`)));
  subs.push(fills$.pipe(mergeMap((f) => from(writeFill(s.pool, f).catch((err: unknown) => log.error({ err, fillId: f.fillId }, 'fill not stored'))))).subscribe());
  subs.push(src.control$.pipe(map((c) => c.killSwitch), distinctUntilChanged()).subscribe((on) => void executor.setKillSwitch(on)));

  // reconcile what a previous run left open before any new decision
  const recovered = await executor.start();
  if (recovered) log.warn({ recovered }, 'open executions reconciled');
  subs.push(src.decisions$.pipe(filter((d) => d.accepted), mergeMap((d) => from(executor.submit(d).catch((err: unknown) => log.error({ err, edgeId: d.edge.edgeId }, 'execution stopped'))))).subscribe({ error: (err: unknown) => log.fatal({ err }, 'execution failed') }));
  log.info({ mode: s.config.execution.mode, armed: s.config.execution.mode !== 'live' }, 'execution running');
  return {
    executor, brokers, executions$: executor.executions$, positions$,
    async stop() {
      for (const sub of subs) sub.unsubscribe();
      await executor.idle();
      await Promise.all(Object.values(brokers).map((b) => b.close()));
    },
  };
}
