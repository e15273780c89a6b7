/**
 * The HTML backtest report without a browser: files written, JSON round trip (integer money),
 * self-contained page (no remote script/link/style, CSP pinning exactly the inline scripts),
 * hostile market text escaped everywhere, gaps and skipped input reported ("none" when empty),
 * money formatting from integer micros, histogram bins.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BacktestResult } from '../../schema/backtest.js';
import { NonRetryableError } from '../../src/errors.js';
import { writeReport } from '../../src/backtest/report.js';
import { histogram } from '../../src/backtest/report/charts.js';
import { cents, duration, jsonForScript, usd } from '../../src/backtest/report/format.js';
import { GAP, HOSTILE_TITLE, SKIPPED, makeReportResult } from './reportFixture.js';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'arbstream-report-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Every `<script ...>body</script>` of the page (bodies cannot contain `</script`: that is the point). */
function scripts(html: string): { attrs: string; body: string }[] {
  return [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/gi)].map((m) => ({ attrs: m[1]!, body: m[2]! }));
}
const jsonBlock = (html: string, id: string): unknown => JSON.parse(scripts(html).find((s) => s.attrs.includes(`id="${id}"`))!.body);

describe('writeReport', () => {
  const result = makeReportResult();
  let dir: string;
  let html: string;

  beforeAll(async () => {
    dir = join(tmp(), 'nested', 'report');
    await writeReport(result, dir);
    html = readFileSync(join(dir, 'index.html'), 'utf8');
  });

  it('fixture is a valid result with a few hundred equity points', () => {
    expect(BacktestResult.safeParse(result).success).toBe(true);
    expect(result.equity.length).toBeGreaterThanOrEqual(300);
  });

  it('report.json is the result, integer money intact (round trip)', () => {
    const text = readFileSync(join(dir, 'report.json'), 'utf8');
    const back = JSON.parse(text) as BacktestResult;
    expect(back).toEqual(result);
    expect(BacktestResult.parse(back)).toEqual(result);
    expect(Number.isInteger(back.metrics.pnlMicros)).toBe(true);
    expect(back.trades.every((t) => Number.isInteger(t.pnlMicros) && Number.isInteger(t.feesMicros))).toBe(true);
    // the P&L is the integer sum of the trades: nothing rounded on the way
    expect(back.metrics.pnlMicros).toBe(result.trades.reduce((a, t) => a + t.pnlMicros, 0));
  });

  it('the data embedded in the page is the same result (JSON round trip through the script element)', () => {
    expect(jsonBlock(html, 'report-data')).toEqual(result);
    const view = jsonBlock(html, 'chart-view') as { edgeHistogram: { total: number } };
    expect(view.edgeHistogram.total).toBe(result.edges.length);
  });

  it('is self-contained: no remote or external script, link, stylesheet, image or frame', () => {
    const markup = html.replace(/<script([^>]*)>[\s\S]*?<\/script>/gi, '<script$1></script>');
    expect(markup).not.toMatch(/<link\b/i);
    expect(markup).not.toMatch(/<(iframe|img|object|embed|base|form)\b/i);
    expect(markup).not.toMatch(/\s(src|href|srcset|action|poster)\s*=/i);
    expect(markup).not.toMatch(/@import|url\(/i);
    expect(markup).not.toMatch(/https?:\/\//i);
    for (const s of scripts(html)) expect(s.attrs).not.toMatch(/\bsrc\b/i);
    // the chart library is inlined: its code and its licence header are in the page
    expect(html).toContain('Licensed to the Apache Software Foundation');
    expect(html).toMatch(/Apache ECharts 6\.\d+\.\d+/);
  });

  it('has a strict CSP: nothing loads, only its own inline scripts (by hash) run; no inline handlers', () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1]?.replace(/&#39;/g, "'");
    expect(csp).toBeDefined();
    const directives = new Map(csp!.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k!, v]));
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('style-src')).toEqual(["'unsafe-inline'"]);
    const executable = scripts(html).filter((s) => !/type="application\/json"/.test(s.attrs));
    expect(executable).toHaveLength(2);
    const hashes = executable.map((s) => `'sha256-${createHash('sha256').update(s.body, 'utf8').digest('base64')}'`);
    expect(directives.get('script-src')).toEqual(hashes);
    expect(csp).not.toMatch(/unsafe-eval|https?:|\*/);
    // no on*= attributes anywhere outside the script bodies
    const markup = html.replace(/<script([^>]*)>[\s\S]*?<\/script>/gi, '');
    expect(markup).not.toMatch(/<[^>]+\son[a-z]+\s*=/i);
    expect(markup).not.toMatch(/javascript:/i);
  });

  it('escapes a hostile market title: it cannot close the script element or inject markup', () => {
    expect(html).not.toContain(HOSTILE_TITLE);
    expect(html).not.toContain('<script>alert(1)');
    // exactly the page's four script elements
    expect(html.match(/<script\b/gi)).toHaveLength(4);
    // in the JSON it is \u003c-escaped and parses back to the original text
    const data = scripts(html).find((s) => s.attrs.includes('id="report-data"'))!.body;
    expect(data).not.toMatch(/<\/script|<!--|-->/i);
    expect(data).toContain('\\u003c/script\\u003e\\u003cscript\\u003ealert(1)');
    expect((jsonBlock(html, 'report-data') as BacktestResult).perPair.map((p) => p.title)).toContain(HOSTILE_TITLE);
    // in the per-pair table it is text
    expect(html).toContain('<td class="text">&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;</td>');
    expect(html).toContain('Snow in NYC &lt;!-- before --&gt; &quot;Christmas&quot; &amp; New Year?');
  });

  it('header, assumptions, metrics with the verdict and the method', () => {
    expect(html).toContain('<dt>window</dt><dd>2026-11-20 00:00:00 UTC to 2026-11-23 00:00:00 UTC (3d)</dd>');
    expect(html).toContain('<dt>venues</dt><dd>polymarket, kalshi</dd>');
    expect(html).toContain('<dt>frames</dt><dd>1,843,207</dd>');
    expect(html).toMatch(/<p id="verdict" class="verdict holds">The specification&#39;s target Sharpe ≥ 2\.0 holds on this data/);
    expect(html).toContain(`<td class="num">${usd(result.metrics.pnlMicros)}</td>`);
    expect(html).toContain('<td class="num">3.42</td>');
    expect(html).toContain('id="method"');
    expect(html).toContain('<td class="text">$10,000.00</td>');
    expect(html).toContain('<td class="text">0.50¢</td>');
    for (const id of ['chart-equity', 'chart-drawdown', 'chart-edges', 'chart-latency']) expect(html).toContain(`id="${id}"`);
  });

  it('per-pair table rows are summed from the trades; sweep table marks the walk-forward choice', () => {
    const fed = result.perPair.find((p) => p.pairId === 'fed-cut-dec')!;
    expect(fed.pnlMicros).toBe(result.trades.filter((t) => t.pairId === 'fed-cut-dec').reduce((a, t) => a + t.pnlMicros, 0));
    expect(html).toContain(`data-v="${fed.pnlMicros}">${usd(fed.pnlMicros)}</td>`);
    expect(html.match(/<tr class="chosen" data-fold="\d" data-split="test">/g)).toHaveLength(3);
    const wf = result.sweep.filter((s) => s.chosen && s.split === 'test');
    expect(html).toContain(`${usd(wf.reduce((a, s) => a + s.pnlMicros, 0))} over ${wf.reduce((a, s) => a + s.trades, 0)} trades in 3 folds`);
  });

  it('reports the planted gap and the skipped file', () => {
    const gaps = /<section id="gaps">([\s\S]*?)<\/section>/.exec(html)![1]!;
    expect(gaps).toContain('1 gap in the data');
    expect(gaps).toContain(`<td class="text">${GAP.marketId}</td><td class="when">2026-11-21 06:00:00 UTC</td><td class="when">2026-11-21 08:30:00 UTC</td><td class="num">2h 30m</td>`);
    expect(gaps).toContain(SKIPPED);
    expect(gaps).not.toContain('none');
  });

  it('says "none" when there are no gaps and nothing was skipped, and handles an empty run', async () => {
    const d = tmp();
    const empty = makeReportResult({ gaps: false, skipped: false });
    await writeReport({ ...empty, trades: [], equity: [], edges: [], latency: [], perPair: [], sweep: [] }, d);
    const page = readFileSync(join(d, 'index.html'), 'utf8');
    expect(page).toContain('<p id="gaps-none">Gaps in history: <span class="none">none</span>.</p>');
    expect(page).toContain('<p id="skipped-none">Skipped input: <span class="none">none</span>.</p>');
    expect(page).toContain('No parameter sweep in this run.');
    expect(page).toContain('<td colspan="6" class="muted">no trades</td>');
  });

  it('rejects a result that is not the schema (float money) and writes nothing', async () => {
    const d = join(tmp(), 'out');
    const bad = makeReportResult();
    const broken = { ...bad, metrics: { ...bad.metrics, pnlMicros: 12.5 } };
    const err = await writeReport(broken, d).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonRetryableError);
    expect((err as NonRetryableError).info.issues).toEqual([expect.objectContaining({ path: 'metrics.pnlMicros' })]);
    expect(existsSync(d)).toBe(false);
  });
});

describe('report formatting', () => {
  it('usd formats each integer of micro-dollars to the cent (half away from zero)', () => {
    expect(usd(0)).toBe('$0.00');
    expect(usd(-400_000)).toBe('-$0.40');
    expect(usd(1_234_565_000)).toBe('$1,234.57');
    expect(usd(1_234_564_999)).toBe('$1,234.56');
    expect(usd(-1_234_565_000)).toBe('-$1,234.57');
    expect(usd(-4_999)).toBe('$0.00');
    expect(usd(5_000)).toBe('$0.01');
    expect(usd(123_456_789_012_345)).toBe('$123,456,789.01');
    expect(() => usd(0.5)).toThrow(NonRetryableError);
  });

  it('usd agrees with exact decimal rounding for any safe integer', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 52), max: 2 ** 52 }), (m) => {
        const a = BigInt(Math.abs(m));
        const c = (a + 5_000n) / 10_000n;
        const s = `${m < 0 && c > 0n ? '-' : ''}$${(c / 100n).toLocaleString('en-US')}.${String(c % 100n).padStart(2, '0')}`;
        expect(usd(m)).toBe(s);
      }),
    );
  });

  it('cents and durations', () => {
    expect(cents(23_400)).toBe('2.34¢');
    expect(cents(50)).toBe('0.01¢');
    expect(cents(-49)).toBe('0.00¢');
    expect(cents(-1_850.5)).toBe('-0.19¢');
    expect(cents(1_000_000)).toBe('100.00¢');
    expect(duration(9_000_000)).toBe('2h 30m');
    expect(duration(3 * 86_400_000)).toBe('3d');
    expect(duration(850)).toBe('850ms');
  });

  it('jsonForScript leaves no way out of a script element and round-trips', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('<', '/', 's', 'c', 'r', 'i', 'p', 't', '>', '!', '-', '&', '\u2028', 'S', 'x') }), (s) => {
        const text = jsonForScript({ title: s });
        expect(text).not.toMatch(/<\/script|<!--|-->|<script/i);
        expect(JSON.parse(text)).toEqual({ title: s });
      }),
    );
  });
});

describe('edge histogram', () => {
  it('counts every value once in contiguous nice bins, at most 40', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -200_000, max: 1_000_000 }), { minLength: 1, maxLength: 300 }), (xs) => {
        const hst = histogram(xs);
        expect(hst.bins.length).toBeLessThanOrEqual(40);
        expect(hst.bins.reduce((a, b) => a + b.count, 0)).toBe(xs.length);
        for (let i = 1; i < hst.bins.length; i++) expect(hst.bins[i]!.fromMicros).toBe(hst.bins[i - 1]!.toMicros);
        for (const x of xs) {
          const b = hst.bins.find((bin) => bin.fromMicros <= x && x < bin.toMicros);
          expect(b).toBeDefined();
        }
        expect(hst.bins[0]!.fromMicros % hst.binWidthMicros === 0).toBe(true);
      }),
    );
  });

  it('labels bins in cents per contract', () => {
    const hst = histogram([5_000, 5_100, 7_400, 12_000]);
    expect(hst.binWidthMicros).toBe(200);
    expect(hst.bins[0]).toEqual({ fromMicros: 5_000, toMicros: 5_200, count: 2, label: '0.50¢', range: '0.50¢ to 0.52¢' });
    expect(hst.bins.at(-1)).toEqual({ fromMicros: 12_000, toMicros: 12_200, count: 1, label: '1.20¢', range: '1.20¢ to 1.22¢' });
    expect(histogram([])).toEqual({ binWidthMicros: 0, bins: [], total: 0 });
  });
});
