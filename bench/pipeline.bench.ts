/**
 * The pipeline graph's throughput: synthetic book events for 50 pairs (Kalshi `add` deltas and
 * Polymarket `set` deltas on 20-level books, with a planted arbitrage in every 10th pair) through
 * orderBook → alignByTime → vwap → friction → edge → riskGate, plus leadLag and the book samplers,
 * on a VirtualTimeScheduler (no I/O). Baseline: the same events through orderBook alone.
 * `npm run bench -- pipeline`.
 */
import { pathToFileURL } from 'node:url';
import { BehaviorSubject, EMPTY, Observable, VirtualTimeScheduler } from 'rxjs';
import { buildPipeline, limitsFromConfig } from '../pipelines/core.js';
import { orderBook } from '../operators/orderBook.js';
import { loadConfig } from '../src/config.js';
import { createLogger, setLogger } from '../src/log.js';
import { FeeBook } from '../src/fees/schedule.js';
import { mulberry32, randInt } from '../src/venues/common/prng.js';
import type { BookEvent, Level } from '../schema/book.js';
import type { Pair } from '../schema/pair.js';
import { pairedRow, type BenchRow } from './types.js';
import { applyPolymarketMarket } from '../src/venues/polymarket/fees.js';

const PAIRS = 50;
const EVENTS = 200_000;
const poly = (i: number) => '0x' + i.toString(16).padStart(64, '0');
const kal = (i: number) => `KXB-${i}`;

function synthetic(): { events: BookEvent[]; pairs: Pair[] } {
  const rng = mulberry32(5);
  const t0 = Date.UTC(2026, 5, 1);
  const pairs: Pair[] = [];
  const events: BookEvent[] = [];
  const ladder = (from: number, step: number): Level[] => Array.from({ length: 20 }, (_, j) => ({ price: from + j * step, qty: randInt(rng, 1, 200) * 1_000_000 }));
  for (let i = 0; i < PAIRS; i++) {
    pairs.push({ pairId: `b${i}`, legs: [{ venue: 'polymarket', marketId: poly(i) }, { venue: 'kalshi', marketId: kal(i) }], yesMapsToNo: false, status: 'approved', confidence: 1, humanReviewed: true, resolutionTs: t0 + 30 * 86_400_000, reasons: [], source: 'file' });
    const arb = i % 10 === 0 ? 100_000 : 0;
    events.push({ kind: 'snapshot', venue: 'polymarket', marketId: poly(i), tsVenue: t0, tsReceived: t0, ladders: { yesBid: ladder(380_000, -10_000), yesAsk: ladder(500_000 - arb, 10_000) } });
    events.push({ kind: 'snapshot', venue: 'polymarket', marketId: poly(i), tsVenue: t0, tsReceived: t0, ladders: { noBid: ladder(480_000, -10_000), noAsk: ladder(620_000, 10_000) } });
    events.push({ kind: 'snapshot', venue: 'kalshi', marketId: kal(i), tsVenue: t0, tsReceived: t0, impliedAsks: true, ladders: { yesBid: ladder(470_000, -10_000), noBid: ladder(470_000, -10_000) } });
  }
  for (let n = 0; n < EVENTS; n++) {
    const i = randInt(rng, 0, PAIRS - 1);
    const ts = t0 + Math.floor(n / 20); // 20 events per ms of venue time
    if (rng() < 0.5) {
      events.push({ kind: 'delta', venue: 'kalshi', marketId: kal(i), tsVenue: ts, tsReceived: ts, changes: [{ ladder: rng() < 0.5 ? 'yesBid' : 'noBid', price: 470_000 - randInt(rng, 0, 19) * 10_000, mode: 'add', qty: randInt(rng, -5, 20) * 1_000_000 }] });
    } else {
      const bid = rng() < 0.5;
      const price = bid ? 380_000 - randInt(rng, 0, 19) * 10_000 : 620_000 + randInt(rng, 0, 19) * 10_000;
      events.push({ kind: 'delta', venue: 'polymarket', marketId: poly(i), tsVenue: ts, tsReceived: ts, changes: [{ ladder: bid ? 'yesBid' : 'noAsk', price, mode: 'set', qty: randInt(rng, 0, 200) * 1_000_000 }] });
    }
  }
  return { events, pairs };
}

function source(events: readonly BookEvent[], scheduler: VirtualTimeScheduler): Observable<BookEvent> {
  const t0 = events[0]!.tsReceived;
  (scheduler as { now: () => number }).now = () => t0 + scheduler.frame;
  return new Observable<BookEvent>((sub) => {
    // one scheduled action per ms of venue time (not per event) keeps the scheduler out of the measure
    let k = 0;
    const step = (): void => {
      const now = scheduler.now();
      while (k < events.length && events[k]!.tsReceived <= now) sub.next(events[k++]!);
      if (k < events.length) scheduler.schedule(step, events[k]!.tsReceived - now);
      else sub.complete();
    };
    scheduler.schedule(step, 0);
  });
}

function measure(events: readonly BookEvent[], pairs: readonly Pair[], whole: boolean): { perSec: number; edges: number } {
  const scheduler = new VirtualTimeScheduler();
  const config = loadConfig({ LOG_LEVEL: 'silent' });
  const fb = FeeBook.withDefaults();
  for (let i = 0; i < PAIRS; i++) applyPolymarketMarket(fb, { conditionId: poly(i), feesEnabled: true, feeSchedule: { rate: 0.04, exponent: 1, takerOnly: true, rebateRate: 0.25 } }, 0);
  let edges = 0;
  const t = performance.now();
  if (whole) {
    const out = buildPipeline(
      { bookEvents$: source(events, scheduler), pairs$: new BehaviorSubject(pairs), feedStatus$: EMPTY, control$: new BehaviorSubject({ killSwitch: false, limits: limitsFromConfig(config.risk) }) },
      { feeBook: fb, risk: { ...config.risk, maxBookAgeMs: 60_000, maxSkewMs: 60_000 }, scheduler },
    );
    out.edges$.subscribe(() => edges++);
    if (process.env.BENCH_DEBUG) {
      let aligned = 0;
      out.aligned$.subscribe(() => aligned++);
      scheduler.flush();
      console.error(JSON.stringify({ aligned, dropped: out.counters.dropped, unprofitable: out.counters.unprofitable, issues: out.counters.books.issues }));
    }
    out.decisions$.subscribe();
    out.leadLag$.subscribe();
    out.tops$.subscribe();
    out.depth$.subscribe();
  } else {
    source(events, scheduler).pipe(orderBook()).subscribe();
  }
  scheduler.flush();
  return { perSec: (events.length * 1000) / (performance.now() - t), edges };
}

export async function run(): Promise<BenchRow[]> {
  // the random deltas drive some Kalshi levels negative on purpose (flagged by orderBook): keep the log quiet
  setLogger(createLogger({ level: process.env.BENCH_LOG_LEVEL ?? 'error' }));
  const { events, pairs } = synthetic();
  const ours: number[] = [], base: number[] = [];
  let edges = 0;
  for (let r = 0; r < 3; r++) {
    const w = measure(events, pairs, true);
    edges = w.edges;
    ours.push(w.perSec);
    base.push(measure(events, pairs, false).perSec);
  }
  return [pairedRow('pipeline: book events/s through the whole graph (vs orderBook alone)', ours, base, 'events/s', `${events.length} events, ${PAIRS} pairs, ${edges} edges found`)];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const row of await run()) console.log(JSON.stringify(row));
}
