/**
 * The demo's live terminal table of current edges: everything shown comes from the pipeline's
 * edges$ / decisions$ / feed status; nothing is hard-coded.
 */
import type { Observable, Subscription } from 'rxjs';
import type { Edge, RiskDecision } from '../../schema/edge.js';
import { formatScaled } from '../../schema/money.js';
import { textTable } from '../textTable.js';
import type { FeedStatus } from '../../schema/feed.js';
import { venues } from '../venues/registry.js';
import type { Execution } from '../../schema/execution.js';
import type { PositionsSnapshot } from '../execution/positions.js';
import { lockedPnlMicros } from '../execution/stateMachine.js';

interface Row {
  edge: Edge;
  firstSeen: number;
  lastSeen: number;
  decision?: RiskDecision;
}

/** 'Polymarket YES + Kalshi comp.': what is bought on leg A, then the complement on leg B. */
const direction = (e: Edge): string => `${venues[e.legs[0].venue].name} ${e.direction === 'aYes' ? 'YES' : 'NO'} + ${venues[e.legs[1].venue].name} comp.`;

const usd = (micros: number, dp = 4) => `$${formatScaled(micros, 2).replace(/(\.\d{0,4})\d*$/, '$1').padEnd(dp)}`;

export class EdgeTable {
  private readonly rows = new Map<string, Row>();
  private readonly feeds = new Map<string, FeedStatus>();
  private readonly executions = new Map<string, Execution>();
  private realizedMicros: number | undefined;
  private readonly subs: Subscription[] = [];
  /** a line shown under the title (e.g. the dashboard URL) */
  banner = '';
  constructor(private readonly now: () => number = Date.now, private readonly expireMs = 5000) {}

  follow(edges$: Observable<Edge>, decisions$: Observable<RiskDecision>, feed$: Observable<FeedStatus>): this {
    this.subs.push(edges$.subscribe((e) => {
      const key = `${e.pairId}|${e.direction}`;
      const r = this.rows.get(key);
      this.rows.set(key, { ...r, edge: e, firstSeen: r?.firstSeen ?? this.now(), lastSeen: this.now() });
    }));
    this.subs.push(decisions$.subscribe((d) => {
      const r = this.rows.get(`${d.edge.pairId}|${d.edge.direction}`);
      if (r) r.decision = d;
    }));
    this.subs.push(feed$.subscribe((s) => this.feeds.set(s.venue, s)));
    return this;
  }

  /** Also shows the latest executions (paper or live) and realised P&L from their fills. */
  followExecutions(executions$: Observable<Execution>, positions$?: Observable<PositionsSnapshot>): this {
    this.subs.push(executions$.subscribe((x) => {
      this.executions.delete(x.executionId);
      this.executions.set(x.executionId, x);
      while (this.executions.size > 8) this.executions.delete(this.executions.keys().next().value!);
    }));
    if (positions$) this.subs.push(positions$.subscribe((p) => (this.realizedMicros = [...p.positions.values()].reduce((a, x) => a + x.realizedPnlMicros, 0))));
    return this;
  }

  private renderExecutions(): string[] {
    if (!this.executions.size && this.realizedMicros === undefined) return [];
    const head = ['execution', 'pair', 'state', 'size', 'leg 1', 'leg 2', 'unwound', 'unhedged', 'P&L at resolution', 'reason'];
    const rows = [...this.executions.values()].reverse().map((x) => [
      x.executionId, x.pairId, x.state, formatScaled(x.sizeQty, 0), formatScaled(x.progress.leg1.filledQty, 0), formatScaled(x.progress.leg2.filledQty, 0),
      formatScaled(x.progress.unwind.filledQty, 0), formatScaled(x.netQty, 0), usd(lockedPnlMicros(x.progress)), x.reason.slice(0, 60),
    ]);
    return ['', `Executions${this.realizedMicros !== undefined ? `   realised P&L so far ${usd(this.realizedMicros)} (fees paid; hedged pairs pay out at resolution)` : ''}`, ...textTable(head, rows, { rule: '─' })];
  }

  /** Current rows, oldest opportunity first; rows not refreshed within expireMs are gone. */
  current(): Row[] {
    const now = this.now();
    for (const [k, r] of this.rows) if (now - r.lastSeen > this.expireMs) this.rows.delete(k);
    return [...this.rows.values()].sort((a, b) => a.firstSeen - b.firstSeen);
  }

  render(): string {
    const now = this.now();
    const head = ['pair', 'direction', 'size', 'net edge/ct', 'profit', 'fees', 'risk', 'age'];
    const rows = this.current().map((r) => [
      r.edge.pairId,
      direction(r.edge),
      formatScaled(r.edge.sizeQty, 0),
      usd(r.edge.netEdgePerContractMicros),
      usd(r.edge.profitMicros),
      usd(r.edge.feesMicros),
      r.decision ? (r.decision.accepted ? 'accepted' : `rejected: ${r.decision.reasons.join('; ')}`) : '…',
      `${((now - r.firstSeen) / 1000).toFixed(1)}s`,
    ]);
    const feeds = [...this.feeds.values()].map((f) => `${f.venue}: ${f.state}${f.reason && f.state !== 'live' ? ` (${f.reason})` : ''}`).join('   ');
    return [
      `arbstream demo — ${new Date(now).toISOString()}   ${feeds}`,
      ...(this.banner ? [this.banner] : []),
      '',
      ...textTable(head, rows, { rule: '─' }),
      ...(rows.length ? [] : ['(no edges right now)']),
      ...this.renderExecutions(),
      '',
      'Ctrl-C to stop.',
    ].join('\n');
  }

  stop(): void {
    for (const s of this.subs) s.unsubscribe();
  }
}

/** ANSI sequences of the in-place redraw (a terminal only). */
export const ANSI = { clear: '\x1b[2J', home: '\x1b[H', clearLine: '\x1b[K', clearBelow: '\x1b[J', hideCursor: '\x1b[?25l', showCursor: '\x1b[?25h' } as const;

/**
 * One redraw: cursor home, every line cleared to its end, the rest of the screen cleared. The
 * first frame clears the whole screen. No scrolling, no flicker of a full clear per frame.
 */
export function screenFrame(text: string, first: boolean): string {
  const body = text.split('\n').map((l) => l + ANSI.clearLine).join('\n');
  return (first ? ANSI.clear : '') + ANSI.home + body + '\n' + ANSI.clearBelow;
}

export interface ScreenOptions {
  readonly write?: (s: string) => void;
  readonly everyMs?: number;
}

/**
 * Draws `table` in place every `everyMs` (default 500) on a terminal, cursor hidden; `stop()`
 * draws the last frame and shows the cursor again. Log lines must not reach the terminal
 * meanwhile (`arbstream demo` sends them to a file while the table is drawn).
 */
export function startScreen(table: Pick<EdgeTable, 'render'>, opts: ScreenOptions = {}): { stop(): void } {
  const write = opts.write ?? ((s: string) => void process.stdout.write(s));
  let first = true;
  const draw = (): void => {
    write(screenFrame(table.render(), first));
    first = false;
  };
  write(ANSI.hideCursor);
  draw();
  const timer = setInterval(draw, opts.everyMs ?? 500);
  let stopped = false;
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      draw();
      write(ANSI.showCursor);
    },
  };
}
