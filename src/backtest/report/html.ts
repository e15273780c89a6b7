/**
 * The backtest report as ONE self-contained HTML file (pure: a string from the result and the
 * script assets; report.ts does the I/O).
 *
 * - Tables and text are rendered here, escaped, so the numbers read without JavaScript; the charts
 *   are drawn in the browser by Apache ECharts from the result embedded as JSON.
 * - No network: the chart library and the page script are inlined; the data is inlined in
 *   `<script type="application/json">` blocks escaped by {@link jsonForScript}, so hostile market
 *   text cannot close the element.
 * - Content-Security-Policy (meta): nothing may load (`default-src 'none'`), scripts only the
 *   page's own inline ones, pinned by their SHA-256 hashes (stricter than `'unsafe-inline'`: an
 *   injected script would not run), styles inline only, images only `data:`.
 *   No inline event handlers (they would need `'unsafe-inline'`): the page script binds listeners.
 */
import { createHash } from 'node:crypto';
import type { BacktestResult, BacktestGap, PairRow, SweepRow } from '../../../schema/backtest.js';
import { FatalError } from '../../errors.js';
import { chartView } from './charts.js';
import { cents, centsOrNa, duration, escapeHtml as h, jsonForScript, pct, ratio, usd, utc, utcMinute } from './format.js';

export interface ReportAssets {
  /** the chart library's minified browser build (a classic script defining `echarts`) */
  readonly chartLib: string;
  /** e.g. "Apache ECharts 6.1.0" */
  readonly chartLibName: string;
  /** src/backtest/report/page.js */
  readonly pageScript: string;
}

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** An inline `<script>` body must not contain `</script` (it would end the element early). */
function inlineScript(text: string, what: string): string {
  if (/<\/script/i.test(text) || text.includes('<!--')) throw new FatalError(`${what} cannot be inlined: it contains "</script" or "<!--"`, { what });
  return text;
}

const STYLE = `
:root { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d232a; background: #f4f6f8; }
body { margin: 0; }
header { background: #1d232a; color: #fff; padding: .75rem 1rem; }
header h1 { font-size: 1.2rem; margin: 0 0 .25rem; }
header dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .75rem; margin: .25rem 0 0; }
header dt { color: #aab4c0; } header dd { margin: 0; overflow-wrap: anywhere; }
main { max-width: 1200px; margin: 0 auto; padding: .5rem .75rem 2rem; }
section { background: #fff; border-radius: 6px; padding: .25rem 1rem 1rem; margin: .75rem 0; box-shadow: 0 1px 2px #0002; min-width: 0; }
h2 { font-size: 1.05rem; margin: .75rem 0 .5rem; }
.verdict { font-size: 1.05rem; font-weight: 600; padding: .5rem .75rem; border-radius: 4px; border-left: 4px solid #888; background: #f1f2f4; }
.verdict.holds { border-color: #2e8b57; background: #eaf6ef; }
.verdict.fails { border-color: #b00020; background: #fbeaec; }
.method { color: #4a5561; font-size: .9rem; overflow-wrap: anywhere; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 520px), 1fr)); gap: .75rem; }
.charts section { margin: 0; }
.chart { width: 100%; height: 320px; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #e3e6ea; white-space: nowrap; vertical-align: top; }
td.text { white-space: normal; overflow-wrap: anywhere; min-width: 10rem; }
td.when { white-space: normal; min-width: 6.5rem; }
td.window { font-size: .9em; }
table.kv th { white-space: normal; width: 45%; }
table.kv td { white-space: normal; overflow-wrap: anywhere; min-width: 0; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.neg { color: #b00020; }
th button { font: inherit; font-weight: 600; background: none; border: 0; padding: 0; cursor: pointer; color: inherit; }
th[aria-sort=ascending] button::after { content: " \\25B2"; } th[aria-sort=descending] button::after { content: " \\25BC"; }
tr.chosen td { font-weight: 600; background: #f3f8ff; }
.muted { color: #667; }
.none { color: #2e8b57; font-weight: 600; }
ul.skipped { margin: .25rem 0; padding-left: 1.25rem; } ul.skipped li { overflow-wrap: anywhere; }
footer { color: #667; font-size: .85rem; text-align: center; padding: 1rem; }
@media (max-width: 600px) {
  main { padding: .25rem .4rem 1rem; }
  section { padding: .1rem .6rem .75rem; }
  .chart { height: 260px; }
  header dl { grid-template-columns: 1fr; } header dt { margin-top: .2rem; }
  td.text { min-width: 8rem; }
}
`;

const moneyTd = (micros: number): string => `<td class="num${micros < 0 ? ' neg' : ''}" data-v="${micros}">${h(usd(micros))}</td>`;
const numTd = (v: number | null, text: string): string => `<td class="num" data-v="${v === null ? '' : v}">${h(text)}</td>`;

function verdictClass(holds: boolean | null): string {
  if (holds === true) return 'holds';
  if (holds === false) return 'fails';
  return 'undefined';
}

function headerHtml(r: BacktestResult): string {
  const d = r.dataset;
  const rows: [string, string][] = [
    ['source', d.source],
    ['window', `${utc(d.from)} to ${utc(d.to)} (${duration(Math.max(0, d.to - d.from))})`],
    ['venues', d.venues.join(', ') || 'none'],
    ['pairs', String(d.pairs)],
    ['frames', d.frames.toLocaleString('en-US')],
  ];
  return `<header><h1>Backtest report</h1><dl id="dataset">${rows.map(([k, v]) => `<dt>${h(k)}</dt><dd>${h(v)}</dd>`).join('')}</dl></header>`;
}

function metricsHtml(r: BacktestResult): string {
  const m = r.metrics;
  const outcomes = new Map<string, number>();
  for (const t of r.trades) outcomes.set(t.outcome, (outcomes.get(t.outcome) ?? 0) + 1);
  const outcomeText = [...outcomes].map(([o, n]) => `${o} ${n}`).join(', ') || 'none';
  const rows: [string, string, string?][] = [
    ['P&L', usd(m.pnlMicros), m.pnlMicros < 0 ? 'neg' : ''],
    ['trades', String(m.trades)],
    ['outcomes', outcomeText],
    ['fill rate', pct(m.fillRate)],
    ['Sharpe (daily, annualised)', ratio(m.sharpeDaily)],
    ['Sharpe (per trade, annualised)', ratio(m.sharpePerTrade)],
    ['Sortino (daily, annualised)', ratio(m.sortinoDaily)],
    ['max drawdown', `${usd(m.maxDrawdownMicros)} (${pct(m.maxDrawdownPct)} of the peak)`],
    ['slippage per contract: mean / p50 / p90', `${centsOrNa(m.slippageMeanMicros)} / ${centsOrNa(m.slippageP50Micros)} / ${centsOrNa(m.slippageP90Micros)}`],
  ];
  return `<section id="summary"><h2>Result</h2>
<p id="verdict" class="verdict ${verdictClass(m.sharpeTargetHolds)}">${h(m.verdict)}</p>
<div class="scroll"><table id="metrics" class="kv"><tbody>${rows
    .map(([k, v, cls]) => `<tr><th scope="row">${h(k)}</th><td class="num${cls ? ` ${cls}` : ''}">${h(v)}</td></tr>`)
    .join('')}</tbody></table></div>
<h2>Method</h2><p id="method" class="method">${h(m.method)}</p></section>`;
}

function assumptionsHtml(r: BacktestResult): string {
  const a = r.assumptions;
  const rows: [string, string][] = [
    ['latency (decision to order at the venue)', `${a.latencyMs} ms`],
    ['queue share (of displayed depth we get)', pct(a.queueShare)],
    ['minimum edge per contract', cents(a.minEdgeMicros)],
    ['capital cost (lock-up until resolution)', `${(a.capitalAprBps / 100).toFixed(2)}% APR`],
    ['starting cash', usd(a.cashMicros)],
    ['fees', a.fees],
  ];
  return `<section id="assumptions-section"><h2>Assumptions</h2><div class="scroll"><table id="assumptions" class="kv"><tbody>${rows
    .map(([k, v]) => `<tr><th scope="row">${h(k)}</th><td class="text">${h(v)}</td></tr>`)
    .join('')}</tbody></table></div></section>`;
}

function chart(id: string, title: string, caption: string): string {
  return `<section><h2>${h(title)}</h2><div class="chart" id="${id}" role="img" aria-label="${h(title)}"></div><p class="muted">${h(caption)}</p></section>`;
}

function chartsHtml(r: BacktestResult): string {
  const gapNote = r.dataset.gaps.length ? ' Shaded: gaps in the data.' : '';
  return `<div class="charts">
${chart('chart-equity', 'Equity', `Cash plus booked P&L, UTC time.${gapNote}`)}
${chart('chart-drawdown', 'Drawdown', `Fall from the running equity peak.${gapNote}`)}
${chart('chart-edges', 'Edge distribution', `Quoted net edge per contract of every accepted decision (${r.edges.length}).`)}
${chart('chart-latency', 'Slippage and P&L against latency', `Same data re-run at each latency; the assumed latency is ${r.assumptions.latencyMs} ms.`)}
</div>`;
}

function pairRow(p: PairRow): string {
  const title = p.title ?? '';
  return `<tr data-pair-id="${h(p.pairId)}"><td>${h(p.pairId)}</td><td class="text">${h(title)}</td>${numTd(p.trades, String(p.trades))}${moneyTd(p.pnlMicros)}${numTd(
    p.fillRate,
    pct(p.fillRate),
  )}${numTd(p.slippageMeanMicros, centsOrNa(p.slippageMeanMicros))}</tr>`;
}

function perPairHtml(r: BacktestResult): string {
  const cols = ['pair', 'market', 'trades', 'P&L', 'fill rate', 'mean slippage / contract'];
  const head = cols.map((c, i) => `<th scope="col"${i >= 2 ? ' class="num"' : ''}><button type="button">${h(c)}</button></th>`).join('');
  const rows = [...r.perPair].sort((a, b) => b.pnlMicros - a.pnlMicros || a.pairId.localeCompare(b.pairId));
  const body = rows.length ? rows.map(pairRow).join('') : '<tr><td colspan="6" class="muted">no trades</td></tr>';
  return `<section id="per-pair-section"><h2>Trades per pair</h2><div class="scroll"><table id="per-pair" class="sortable"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div></section>`;
}

function sweepHtml(r: BacktestResult): string {
  if (r.sweep.length === 0) return `<section id="sweep-section"><h2>Parameter sweep</h2><p class="muted">No parameter sweep in this run.</p></section>`;
  const rows = [...r.sweep].sort(
    (a, b) => a.fold - b.fold || (a.split === b.split ? 0 : a.split === 'train' ? -1 : 1) || a.minEdgeMicros - b.minEdgeMicros || a.latencyMs - b.latencyMs,
  );
  const row = (s: SweepRow): string =>
    `<tr class="${s.chosen ? 'chosen' : ''}" data-fold="${s.fold}" data-split="${s.split}"><td class="num">${s.fold}</td><td>${s.split}</td><td class="window">${h(utcMinute(s.from))} to<br>${h(utcMinute(s.to))}</td><td class="num">${h(cents(s.minEdgeMicros))}</td><td class="num">${s.latencyMs} ms</td><td class="num">${s.trades}</td>${moneyTd(s.pnlMicros)}<td class="num">${h(
      ratio(s.sharpeDaily),
    )}</td><td>${s.chosen ? 'chosen' : ''}</td></tr>`;
  // the walk-forward result: each fold's test row of the parameters chosen on its train split (integer sum)
  const wf = r.sweep.filter((s) => s.split === 'test' && s.chosen);
  const wfPnl = wf.reduce((a, s) => a + s.pnlMicros, 0);
  const wfTrades = wf.reduce((a, s) => a + s.trades, 0);
  const summary = wf.length
    ? `<p id="walk-forward">Walk-forward (parameters chosen on each train split, applied to its test split): ${h(usd(wfPnl))} over ${wfTrades} trades in ${wf.length} fold${wf.length === 1 ? '' : 's'}.</p>`
    : '';
  return `<section id="sweep-section"><h2>Parameter sweep (walk-forward)</h2>${summary}<div class="scroll"><table id="sweep"><thead><tr>${[
    'fold',
    'split',
    'window (UTC)',
    'min edge',
    'latency',
    'trades',
    'P&L',
    'Sharpe (daily)',
    '',
  ]
    .map((c, i) => `<th scope="col"${i === 0 || (i >= 3 && i <= 7) ? ' class="num"' : ''}>${h(c)}</th>`)
    .join('')}</tr></thead><tbody>${rows.map(row).join('')}</tbody></table></div></section>`;
}

function gapsHtml(r: BacktestResult): string {
  const { gaps, skipped } = r.dataset;
  const gapRow = (g: BacktestGap): string =>
    `<tr class="gap"><td>${h(g.venue)}</td><td class="text">${h(g.marketId)}</td><td class="when">${h(utc(g.from))}</td><td class="when">${h(utc(g.to))}</td><td class="num">${h(
      duration(Math.max(0, g.to - g.from)),
    )}</td><td class="text">${h(g.source)}</td></tr>`;
  const gapsPart = gaps.length
    ? `<p>${gaps.length} gap${gaps.length === 1 ? '' : 's'} in the data: nothing was traded or replayed for these markets in these windows.</p><div class="scroll"><table id="gaps-table"><thead><tr>${[
        'venue',
        'market',
        'from',
        'to',
        'length',
        'source',
      ]
        .map((c) => `<th scope="col">${c}</th>`)
        .join('')}</tr></thead><tbody>${gaps.map(gapRow).join('')}</tbody></table></div>`
    : '<p id="gaps-none">Gaps in history: <span class="none">none</span>.</p>';
  const skippedPart = skipped.length
    ? `<p>${skipped.length} unreadable input${skipped.length === 1 ? '' : 's'} skipped:</p><ul class="skipped" id="skipped-list">${skipped.map((s) => `<li>${h(s)}</li>`).join('')}</ul>`
    : '<p id="skipped-none">Skipped input: <span class="none">none</span>.</p>';
  return `<section id="gaps"><h2>Data gaps and skipped input</h2>${gapsPart}${skippedPart}</section>`;
}

/** The whole report page. `result` must already be validated (report.ts does it). */
export function renderReportHtml(result: BacktestResult, assets: ReportAssets): string {
  const data = jsonForScript(result);
  const view = jsonForScript(chartView(result.edges));
  const lib = inlineScript(assets.chartLib, assets.chartLibName);
  const page = inlineScript(assets.pageScript, 'the report page script');
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(lib)} ${sha256(page)}`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const title = `Backtest ${utc(result.dataset.from).slice(0, 10)} to ${utc(result.dataset.to).slice(0, 10)}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${h(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="arbstream backtest; charts: ${h(assets.chartLibName)}">
<title>${h(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${headerHtml(result)}
<main>
${metricsHtml(result)}
${assumptionsHtml(result)}
${chartsHtml(result)}
${perPairHtml(result)}
${sweepHtml(result)}
${gapsHtml(result)}
</main>
<footer>Self-contained report: no network access. The same data is in report.json. Charts: ${h(assets.chartLibName)} (Apache-2.0).</footer>
<script type="application/json" id="report-data">${data}</script>
<script type="application/json" id="chart-view">${view}</script>
<script>${lib}</script>
<script>${page}</script>
</body>
</html>
`;
}
