/**
 * The backtest report in a real browser (Debian chromium driven by playwright-core), opened from
 * file:// with every non-file request aborted and counted: the page makes none, each chart draws
 * its canvas (pixels of the series colour, not just a blank box), the planted gap is shown, the
 * per-pair table sorts, the charts follow the window down to phone width without the page
 * overflowing sideways, and there is no console error (CSP violations included) and no page error.
 * Screenshots: tests/artifacts/backtest-report{,-phone}.png.
 * Chromium missing (/usr/bin/chromium or CHROMIUM_PATH): skipped locally, FAILS with CI=true
 * (CI must `apt-get install -y chromium`).
 */
import { CHROMIUM, chromiumGate } from '../helpers/gates.js';
import { launchChromium } from '../helpers/browser.js';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { writeReport } from '../../src/backtest/report.js';
import { GAP, HOSTILE_TITLE, makeReportResult } from './reportFixture.js';

const needsChromium = chromiumGate();

const CHARTS = ['chart-equity', 'chart-drawdown', 'chart-edges', 'chart-latency'] as const;
/** The series colours page.js sets: blue #2f5fb3, red #b00020, amber #d97706 (latency: the slippage line). */
const SERIES_COLOUR: Record<(typeof CHARTS)[number], [number, number, number]> = {
  'chart-equity': [0x2f, 0x5f, 0xb3],
  'chart-drawdown': [0xb0, 0x00, 0x20],
  'chart-edges': [0x2f, 0x5f, 0xb3],
  'chart-latency': [0xd9, 0x77, 0x06],
};

/** Non-transparent pixels of the chart's canvas, and those close to the series colour. */
function canvasPixels(page: Page, id: string, rgb: [number, number, number]): Promise<{ width: number; height: number; painted: number; series: number }> {
  return page.$eval(
    `#${id} canvas`,
    (el, colour) => {
      const c = el as HTMLCanvasElement;
      // read a copy (a context made for readback), not the chart's own context
      const copy = document.createElement('canvas');
      copy.width = c.width;
      copy.height = c.height;
      const ctx = copy.getContext('2d', { willReadFrequently: true })!;
      ctx.drawImage(c, 0, 0);
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      let painted = 0;
      let series = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i + 3]! === 0) continue;
        painted++;
        if (Math.abs(d[i]! - colour[0]) < 40 && Math.abs(d[i + 1]! - colour[1]) < 40 && Math.abs(d[i + 2]! - colour[2]) < 40 && d[i + 3]! > 60) series++;
      }
      return { width: c.width, height: c.height, painted, series };
    },
    rgb,
  );
}

// Skipped only outside CI when Debian chromium is missing (reason printed above); with CI=true it fails instead.
needsChromium.describe('backtest report (browser)', () => {
  let dir: string;
  let browser: BrowserContext;
  let page: Page;
  const blocked: string[] = [];
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!needsChromium.available) throw new Error(`chromium not found at ${CHROMIUM} (CI=true: install it with apt-get install -y chromium)`);
    dir = mkdtempSync(join(tmpdir(), 'arbstream-report-e2e-'));
    await writeReport(makeReportResult(), dir);
    browser = await launchChromium({ viewport: { width: 1280, height: 900 } });
    // network disabled: anything that is not the report file itself is aborted (and counted)
    await browser.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      blocked.push(url);
      return route.abort();
    });
    page = await browser.newPage();
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') consoleErrors.push(`${msg.type()}: ${msg.text()}`);
    });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('dialog', (d) => {
      pageErrors.push(`dialog opened: ${d.message()}`);
      void d.dismiss();
    });
    await page.goto(pathToFileURL(join(dir, 'index.html')).href);
    await page.waitForSelector('html[data-report-ready="true"]');
  });
  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('draws every chart on a canvas (series pixels present)', async () => {
    for (const id of CHARTS) await page.waitForSelector(`#${id}[data-rendered="true"] canvas`);
    mkdirSync('tests/artifacts', { recursive: true });
    await page.screenshot({ path: 'tests/artifacts/backtest-report.png', fullPage: true });
    for (const id of CHARTS) {
      await page.waitForSelector(`#${id}[data-rendered="true"] canvas`);
      const px = await canvasPixels(page, id, SERIES_COLOUR[id]);
      expect(px.width, id).toBeGreaterThan(300);
      expect(px.height, id).toBeGreaterThan(200);
      // axes, labels and the series: well beyond a blank canvas
      expect(px.painted, id).toBeGreaterThan(px.width * px.height * 0.01);
      expect(px.series, id).toBeGreaterThan(200);
    }
  });

  it('shows the planted gap, the verdict and the hostile title as text (no script ran from it)', async () => {
    const gaps = await page.textContent('#gaps');
    expect(gaps).toContain('1 gap in the data');
    expect(gaps).toContain(GAP.marketId);
    expect(gaps).toContain('2026-11-21 06:00:00 UTC');
    expect(gaps).toContain('2h 30m');
    expect(gaps).toContain('row group 2 of 3: truncated');
    expect(await page.textContent('#verdict')).toContain('Sharpe ≥ 2.0 holds on this data');
    expect(await page.textContent('#per-pair tr[data-pair-id="fed-cut-dec"] td.text')).toBe(HOSTILE_TITLE);
    expect(await page.$$eval('script', (s) => s.length)).toBe(4);
  });

  it('sorts the per-pair table by a column', async () => {
    await page.click('#per-pair thead th:nth-child(3) button');
    const asc = await page.$$eval('#per-pair tbody tr td:nth-child(3)', (tds) => tds.map((td) => Number(td.getAttribute('data-v'))));
    expect(asc).toEqual([...asc].sort((a, b) => a - b));
    await page.click('#per-pair thead th:nth-child(3) button');
    const desc = await page.$$eval('#per-pair tbody tr td:nth-child(3)', (tds) => tds.map((td) => Number(td.getAttribute('data-v'))));
    expect(desc).toEqual([...asc].reverse());
    expect(await page.getAttribute('#per-pair thead th:nth-child(3)', 'aria-sort')).toBe('descending');
  });

  it('charts follow the window down to phone width; the page does not overflow sideways', async () => {
    const before = await canvasPixels(page, 'chart-equity', SERIES_COLOUR['chart-equity']);
    await page.setViewportSize({ width: 390, height: 844 });
    const dpr = await page.evaluate(() => window.devicePixelRatio);
    for (const id of CHARTS) {
      // the canvas is resized to its box (which is narrower than the phone screen)
      const box = await page.$eval(`#${id}`, (el) => el.clientWidth);
      expect(box, id).toBeLessThan(390);
      await expect.poll(() => page.$eval(`#${id} canvas`, (c) => c.clientWidth), { timeout: 5_000 }).toBe(box);
      const px = await canvasPixels(page, id, SERIES_COLOUR[id]);
      expect(px.series, id).toBeGreaterThan(50);
    }
    const after = await canvasPixels(page, 'chart-equity', SERIES_COLOUR['chart-equity']);
    expect(after.width).toBeLessThan(before.width);
    expect(after.width).toBeLessThanOrEqual(390 * dpr);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: 'tests/artifacts/backtest-report-phone.png', fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('an empty run (no trades, no gaps) renders too: each chart says "no data"', async () => {
    const empty = makeReportResult({ gaps: false, skipped: false });
    const emptyDir = join(dir, 'empty');
    await writeReport({ ...empty, trades: [], equity: [], edges: [], latency: [], perPair: [], sweep: [] }, emptyDir);
    const p = await browser.newPage();
    p.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') consoleErrors.push(`${msg.type()}: ${msg.text()}`);
    });
    p.on('pageerror', (err) => pageErrors.push(err.message));
    await p.goto(pathToFileURL(join(emptyDir, 'index.html')).href);
    await p.waitForSelector('html[data-report-ready="true"]');
    for (const id of CHARTS) {
      await p.waitForSelector(`#${id}[data-rendered="true"] canvas`);
      // the "no data" title is drawn (grey text), no series colour
      const px = await canvasPixels(p, id, SERIES_COLOUR[id]);
      expect(px.painted, id).toBeGreaterThan(0);
      expect(px.series, id).toBe(0);
    }
    expect(await p.textContent('#gaps')).toContain('Gaps in history: none.');
    await p.close();
  });

  it('made no network request and logged no console error, warning or page error', () => {
    expect(blocked).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
