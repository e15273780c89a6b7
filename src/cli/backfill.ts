/**
 * `arbstream backfill --from <iso> --to <iso> [--pairs | --markets id,id] [--venue v]`: venue
 * history into the database (src/history/backfill.ts). Resumable: run it again after a kill and
 * it continues; over a done window it adds nothing. A progress bar on a terminal, plain lines
 * otherwise; Ctrl-C (or SIGTERM) stops after the current page, keeps the progress and prints the
 * summary. Exit code 1 when a market failed or was not found, 130 when stopped.
 *
 * Markets: `--pairs` takes both legs of every approved pair; `--markets` takes Polymarket
 * condition ids (0x…) and Kalshi tickers (or any ids with `--venue`). Polymarket token ids come
 * from `venue_markets`, else from Gamma; Kalshi series tickers from the market's event.
 */
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { VenueId, type Venue } from '../../schema/venue.js';
import { loadConfig, type Config } from '../config.js';
import { NOT_PUBLISHED, runBackfill, type BackfillMarket, type BackfillProgressEvent, type BackfillSummary } from '../history/backfill.js';
import { log } from '../log.js';
import { openDb, type Db } from '../store/db/index.js';
import { loadApprovedPairRows } from '../store/repos/pairs.js';
import type { Queryable } from '../store/repos/types.js';
import { KalshiHistory, type CandlePeriod } from '../venues/kalshi/history.js';
import { KalshiRest, kalshiRestOptions } from '../venues/kalshi/rest.js';
import { POLY_DATA_API_URL, PolymarketHistory } from '../venues/polymarket/history.js';
import { PolymarketRest } from '../venues/polymarket/rest.js';

interface BackfillCliOptions {
  from: string;
  to: string;
  pairs?: boolean;
  markets?: string;
  venue?: string;
  fidelity: string;
  period: string;
  dataUrl: string;
  json?: boolean;
}

const parseTime = (name: string, v: string): number => {
  const t = Date.parse(v);
  if (!Number.isFinite(t)) throw new Error(`--${name}: expected an ISO date/time, got "${v}"`);
  return t;
};

/** The markets to backfill as (venue, id): from approved pairs or the `--markets` list. */
export async function selectTargets(db: Queryable, o: { pairs?: boolean; markets?: string; venue?: Venue }): Promise<{ venue: Venue; id: string }[]> {
  if (Boolean(o.pairs) === Boolean(o.markets)) throw new Error('give exactly one of --pairs or --markets id,id');
  let out: { venue: Venue; id: string }[];
  if (o.pairs) {
    out = (await loadApprovedPairRows(db)).flatMap((p) => p.legs.map((l) => ({ venue: VenueId.parse(l.venue), id: l.marketId })));
  } else {
    out = o.markets!.split(',').map((s) => s.trim()).filter(Boolean).map((id) => ({ venue: o.venue ?? (id.startsWith('0x') ? 'polymarket' : 'kalshi'), id }));
  }
  if (o.venue) out = out.filter((t) => t.venue === o.venue);
  const seen = new Set<string>();
  return out.filter((t) => !seen.has(`${t.venue}:${t.id}`) && seen.add(`${t.venue}:${t.id}`) !== undefined);
}

/** What the backfill needs of each market (token ids, series ticker), from the database or the venue. */
export async function resolveMarkets(db: Queryable, targets: readonly { venue: Venue; id: string }[], rest: { poly: PolymarketRest; kalshi: KalshiRest }): Promise<{ markets: BackfillMarket[]; unresolved: string[] }> {
  const markets: BackfillMarket[] = [];
  const unresolved: string[] = [];
  for (const t of targets) {
    try {
      if (t.venue === 'polymarket') {
        const r = await db.query('SELECT yes_token_id, no_token_id FROM venue_markets WHERE venue = $1 AND market_id = $2', ['polymarket', t.id]);
        const row = r.rows[0] as { yes_token_id: string | null; no_token_id: string | null } | undefined;
        if (row?.yes_token_id && row.no_token_id) {
          markets.push({ venue: 'polymarket', conditionId: t.id, yesTokenId: row.yes_token_id, noTokenId: row.no_token_id });
          continue;
        }
        let info = (await rest.poly.listMarkets({ query: { condition_ids: t.id }, max: 1 }))[0];
        info ??= (await rest.poly.listMarkets({ query: { condition_ids: t.id, closed: 'true' }, max: 1 }))[0];
        if (!info) throw new Error('not found on Gamma');
        markets.push({ venue: 'polymarket', conditionId: t.id, yesTokenId: info.yesTokenId, noTokenId: info.noTokenId });
      } else {
        const m = await rest.kalshi.getMarket(t.id);
        markets.push({ venue: 'kalshi', ticker: t.id, seriesTicker: m.seriesTicker });
      }
    } catch (err) {
      log.warn({ err, venue: t.venue, market: t.id }, 'backfill: market not resolved, skipped');
      unresolved.push(`${t.venue}:${t.id}`);
    }
  }
  return { markets, unresolved };
}

/** Progress output: a bar on a TTY, otherwise a line per finished market series and at most one page line a second. */
export function progressReporter(tty: boolean, write: (line: string) => void = (l) => process.stdout.write(l + '\n')): { onProgress: (e: BackfillProgressEvent) => void; stop: () => void } {
  let bar: cliProgress.SingleBar | undefined;
  let done = 0;
  let total = 0;
  let lastLine = 0;
  const pct = (): string => (total > 0 ? `${Math.min(100, Math.floor((done / total) * 100))}%` : '100%');
  return {
    onProgress(e) {
      if (e.type === 'plan') {
        total = Math.round(e.totalMs / 60_000);
        if (tty) {
          bar = new cliProgress.SingleBar({ format: 'backfill [{bar}] {percentage}% | {value}/{total} market-minutes | {market}', hideCursor: true }, cliProgress.Presets.shades_classic);
          bar.start(Math.max(1, total), 0, { market: '' });
        } else write(`backfill: ${e.tasks} series, ${total} market-minutes to fetch`);
        return;
      }
      if (e.type === 'page') {
        done += Math.round(e.advancedMs / 60_000);
        if (bar) bar.update(Math.min(done, total), { market: `${e.venue} ${e.kind} ${e.market.slice(0, 24)}` });
        else if (Date.now() - lastLine >= 1000) {
          lastLine = Date.now();
          write(`backfill: ${pct()} ${e.venue} ${e.kind} ${e.market} up to ${new Date(e.doneTs).toISOString()} (+${e.inserted} rows)`);
        }
        return;
      }
      if (!bar) write(`backfill: ${pct()} ${e.venue} ${e.kind} ${e.market} ${e.status} (+${e.inserted} rows)`);
    },
    stop() {
      bar?.stop();
    },
  };
}

/** The summary for the terminal. */
export function formatSummary(s: BackfillSummary, unresolved: readonly string[]): string {
  const lines = [
    `backfill ${new Date(s.fromMs).toISOString()} → ${new Date(s.toMs).toISOString()}${s.aborted ? ' (stopped; run again to continue)' : ''}`,
    `inserted: ${s.inserted.prices} price points, ${s.inserted.candles} candles, ${s.inserted.trades} trades`,
    `series: ${s.tasks.filter((t) => t.status === 'done').length} done, ${s.tasks.filter((t) => t.status === 'already-done').length} already done, ${s.failed} failed, ${s.tasks.filter((t) => t.status === 'aborted').length} stopped`,
  ];
  for (const t of s.tasks.filter((x) => x.status === 'failed')) lines.push(`  failed: ${t.venue} ${t.kind} ${t.market}: ${t.error}`);
  for (const u of unresolved) lines.push(`  not resolved: ${u}`);
  lines.push(`gaps in venue history: ${s.gaps.length}`);
  for (const g of s.gaps) lines.push(`  ${g.venue} ${g.kind} ${g.marketId} ${new Date(g.fromTs).toISOString()} → ${new Date(g.toTs).toISOString()}`);
  for (const w of s.warnings) lines.push(`  warning: ${w}`);
  lines.push('not published by the venues:', ...NOT_PUBLISHED.map((n) => `  ${n}`));
  return lines.join('\n');
}

async function backfillCommand(db: Db, cfg: Config, opts: BackfillCliOptions): Promise<void> {
  const fromMs = parseTime('from', opts.from);
  const toMs = parseTime('to', opts.to);
  if (!(toMs > fromMs)) throw new Error('--to must be after --from');
  const venue = opts.venue === undefined ? undefined : VenueId.parse(opts.venue);
  const fidelity = Number(opts.fidelity);
  if (!Number.isInteger(fidelity) || fidelity < 1) throw new Error(`--fidelity: expected a positive integer (minutes), got "${opts.fidelity}"`);
  const period = Number(opts.period);
  if (![1, 60, 1440].includes(period)) throw new Error(`--period: expected 1, 60 or 1440 (minutes), got "${opts.period}"`);

  const poly = new PolymarketRest({ gammaUrl: cfg.venues.polymarket.gammaUrl, clobUrl: cfg.venues.polymarket.clobUrl });
  const kalshiRest = new KalshiRest({ ...kalshiRestOptions(cfg), ratePerSec: 10, maxRetries: 8 });
  const targets = await selectTargets(db.pool, { ...(opts.pairs ? { pairs: true } : {}), ...(opts.markets ? { markets: opts.markets } : {}), ...(venue ? { venue } : {}) });
  const { markets, unresolved } = await resolveMarkets(db.pool, targets, { poly, kalshi: kalshiRest });

  // Ctrl-C: stop after the current page, print the summary (a second Ctrl-C exits at once)
  const ac = new AbortController();
  const onSignal = (): void => {
    if (ac.signal.aborted) process.exit(130);
    console.error('stopping after the current page (progress is kept; Ctrl-C again to exit now)');
    ac.abort(new Error('interrupted'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = progressReporter(Boolean(process.stdout.isTTY) && !opts.json);
  try {
    const summary = await runBackfill({
      pool: db.pool, fromMs, toMs, markets,
      polymarket: new PolymarketHistory({ clobUrl: cfg.venues.polymarket.clobUrl, dataUrl: opts.dataUrl }),
      kalshi: new KalshiHistory(kalshiRest),
      fidelityMin: fidelity, candlePeriod: period as CandlePeriod,
      signal: ac.signal, onProgress: progress.onProgress,
    });
    progress.stop();
    console.log(opts.json ? JSON.stringify({ ...summary, unresolved }, null, 2) : formatSummary(summary, unresolved));
    if (summary.failed > 0 || unresolved.length > 0) process.exitCode = 1;
    else if (summary.aborted) process.exitCode = 130;
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export function register(program: Command): void {
  program
    .command('backfill')
    .description('pull venue history (prices, candles, trades) into the database; resumable and idempotent')
    .requiredOption('--from <iso>', 'window start (ISO date/time)')
    .requiredOption('--to <iso>', 'window end (ISO date/time, exclusive; cut at now)')
    .option('--pairs', 'both legs of every approved pair')
    .option('--markets <ids>', 'comma-separated market ids: Polymarket condition ids (0x…), Kalshi tickers')
    .option('--venue <venue>', 'only this venue (polymarket | kalshi)')
    .option('--fidelity <minutes>', 'Polymarket prices-history bucket, minutes', '1')
    .option('--period <minutes>', 'Kalshi candle period: 1, 60 or 1440 minutes', '1')
    .option('--data-url <url>', 'Polymarket data API base URL', POLY_DATA_API_URL)
    .option('--json', 'print the summary as JSON')
    .action(async (opts: BackfillCliOptions) => {
      // not withDb: its SIGINT handler exits at once, this command stops cleanly and reports first
      const cfg = loadConfig();
      const db = await openDb(cfg.db);
      try {
        await backfillCommand(db, cfg, opts);
      } finally {
        await db.close();
      }
    });
}
