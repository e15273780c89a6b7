/**
 * The pair page (#/pair/<id>) in a real browser (Debian chromium driven by playwright-core)
 * against the running API server, at desktop (1280) and phone (390) widths: the book chart
 * (lightweight-charts, served from /assets/, no CDN) is drawn from stored `book_tops` rows, a book
 * published over the live bus adds a point without a reload (the chart's `data-points`
 * attribute counts them), stored risk decisions show with their reasons, and the page logs no
 * console error. Screenshots: tests/artifacts/pair-<width>.png.
 * Chromium missing (/usr/bin/chromium or CHROMIUM_PATH): skipped locally, FAILS with CI=true.
 */
import { CHROMIUM, chromiumGate } from '../helpers/gates.js';
import { launchChromium, overflows } from '../helpers/browser.js';
import { mkdirSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Book } from '../../schema/book.js';
import { startApiServer, type ApiServer } from '../../src/api/server.js';
import { writeExecution, writeFill } from '../../src/store/repos/executions.js';
import { apiFixture, insertEdge, insertPair, KALSHI_ID, makeEdge, POLY_ID, testConfig, type ApiFixture } from './helpers.js';
import { fillsOf, makeExecution } from './executionFixtures.js';

const needsChromium = chromiumGate();

const PAIR = 'btc-100k';
const book = (venue: 'polymarket' | 'kalshi', marketId: string, ts: number, yesBid: number, yesAsk: number): Book => ({
  venue, marketId, tsVenue: ts, tsReceived: ts, issues: [],
  yes: { bids: [{ price: yesBid, qty: 1_000_000 }], asks: [{ price: yesAsk, qty: 1_000_000 }] },
  no: { bids: [{ price: 1_000_000 - yesAsk, qty: 1_000_000 }], asks: [{ price: 1_000_000 - yesBid, qty: 1_000_000 }] },
});

needsChromium.describe('pair page (browser)', () => {
  let f: ApiFixture;
  let api: ApiServer;
  let browser: BrowserContext;
  const seededAt = Date.now();

  beforeAll(async () => {
    if (!needsChromium.available) throw new Error(`chromium not found at ${CHROMIUM} (CI=true: install it with apt-get install -y chromium)`);
    f = await apiFixture();
    await insertPair(f.pool, PAIR, 'approved');
    // 5 stored tops per leg, 10 s apart, in the last minute
    for (let i = 0; i < 5; i++) {
      const ts = new Date(seededAt - 60_000 + i * 10_000);
      await f.pool.query(
        `INSERT INTO book_tops (ts, venue, market_id, yes_bid, yes_bid_qty, yes_ask, yes_ask_qty, no_bid, no_bid_qty, no_ask, no_ask_qty)
         VALUES ($1, 'polymarket', $2, $3, 1000000, $4, 1000000, $5, 1000000, $6, 1000000), ($1, 'kalshi', $7, $3, 1000000, $4, 1000000, $5, 1000000, $6, 1000000)`,
        [ts, POLY_ID, 400_000 + i * 1_000, 420_000 + i * 1_000, 580_000 - i * 1_000, 600_000 - i * 1_000, KALSHI_ID],
      );
    }
    await insertEdge(f.pool, { edgeId: 'edge-acc', ts: new Date(seededAt - 30_000), netEdgeMicros: 21_000 });
    await insertEdge(f.pool, { edgeId: 'edge-rej', ts: new Date(seededAt - 20_000), netEdgeMicros: 15_000 });
    await f.pool.query(
      `INSERT INTO risk_decisions (ts, edge_id, pair_id, decision, reasons) VALUES
       ($1, 'edge-acc', $3, 'accepted', '{}'), ($2, 'edge-rej', $3, 'rejected', ARRAY['kill-switch', 'book-stale 9000 ms > 5000 ms'])`,
      [new Date(seededAt - 30_000), new Date(seededAt - 20_000), PAIR],
    );
    api = await startApiServer({ config: testConfig(), pool: f.pool, events: f.live, host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await f?.close();
  });

  async function open(width: number): Promise<{ page: Page; errors: string[]; external: string[] }> {
    const page = await browser.newPage();
    await page.setViewportSize({ width, height: 900 });
    const errors: string[] = [];
    const external: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('request', (r) => { if (!r.url().startsWith(api.url) && !r.url().startsWith(api.wsUrl.replace(/\/graphql$/, ''))) external.push(r.url()); });
    await page.goto(`${api.url}/`);
    await page.fill('#token', f.viewer.token);
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('#conn.live');
    return { page, errors, external };
  }

  /** How many pixels of the chart's canvases are not blank (not fully transparent and not white). */
  const inkedPixels = (page: Page) =>
    page.$$eval('#book-chart canvas', (canvases) => {
      let n = 0;
      for (const c of canvases as HTMLCanvasElement[]) {
        const ctx = c.getContext('2d');
        if (!ctx || c.width === 0 || c.height === 0) continue;
        const d = ctx.getImageData(0, 0, c.width, c.height).data;
        for (let i = 0; i < d.length; i += 4) if (d[i + 3]! > 0 && !(d[i]! > 245 && d[i + 1]! > 245 && d[i + 2]! > 245)) n += 1;
      }
      return n;
    });

  it('executions and positions: a short "none yet" line instead of empty tables; a live execution brings them, markets by title', async () => {
    const { page, errors } = await open(1280);
    await page.evaluate((id) => { location.hash = `#/pair/${id}`; }, PAIR);
    await page.waitForSelector('#pair-executions-none', { state: 'visible' });
    await page.waitForSelector('#pair-positions-none', { state: 'visible' });
    expect(await page.textContent('#pair-executions-none')).toBe('No executions of this pair yet.');
    expect(await page.textContent('#pair-positions-none')).toBe('No position in this pair yet.');
    expect(await page.isVisible('#pair-executions-box')).toBe(false);
    expect(await page.isVisible('#pair-positions-box')).toBe(false);
    // no header-only table anywhere on the page: nothing stored for lead-lag, so its line shows instead
    const headerOnly = await page.$$eval('#pair-view table', (ts) => ts.filter((t) => !t.closest('.chart') && (t as HTMLElement).offsetParent !== null && t.querySelectorAll('tbody tr').length === 0).map((t) => t.querySelector('tbody')?.id));
    expect(headerOnly).toEqual([]);
    expect(await page.isVisible('text=No lead-lag estimate yet.')).toBe(true);

    // an execution of the pair (stored with its fills, then published live): both tables appear without a reload
    await writeExecution(f.pool, makeExecution({ executionId: 'ex_pair', state: 'hedged', pairId: PAIR }), []);
    for (const fill of fillsOf('ex_pair')) await writeFill(f.pool, fill);
    const publish = () => f.live.events.publishExecution(makeExecution({ executionId: 'ex_pair', state: 'hedged', pairId: PAIR }));
    publish();
    const timer = setInterval(publish, 300);
    await page.waitForSelector('#pair-executions tr[data-execution-id="ex_pair"]').finally(() => clearInterval(timer));
    await page.waitForSelector(`#pair-positions tr[data-position="${PAIR}|kalshi|${KALSHI_ID}|no"]`);
    expect(await page.isVisible('#pair-executions-none')).toBe(false);
    expect(await page.isVisible('#pair-positions-none')).toBe(false);
    expect(await page.textContent('#pair-pnl')).toContain('Realised -$0.07');
    // markets by title, linked to the venue; never the raw id
    const market = (venue: string, id: string, outcome: string) =>
      page.$eval(`#pair-positions tr[data-position="${PAIR}|${venue}|${id}|${outcome}"] td:nth-child(2) a`, (a) => [a.textContent, (a as HTMLAnchorElement).href]);
    expect(await market('kalshi', KALSHI_ID, 'no')).toEqual(['Bitcoin above 100,000 on Dec 31', expect.stringMatching(/^https:\/\/kalshi\.com\/markets\/kxbtc/)]);
    expect(await market('polymarket', POLY_ID, 'yes')).toEqual(['Will BTC close above $100k on Dec 31?', expect.stringMatching(/^https:\/\/polymarket\.com\//)]);
    expect(await page.textContent('#pair-positions')).not.toContain(KALSHI_ID);
    expect(errors).toEqual([]);
    await page.close();
  });

  for (const width of [1280, 390]) {
    it(`at ${width}px: the chart is drawn from stored rows, a live book adds a point without reload, decisions show their reasons, no console error`, async () => {
      const { page, errors, external } = await open(width);
      // from the list: the pair is named by its market's title and links to its page; legs link to the venues
      const pairLink = await page.waitForSelector(`#pairs tr[data-pair-id="${PAIR}"] a[href="#/pair/${PAIR}"]`);
      expect(await pairLink.textContent()).toBe('Will BTC close above $100k on Dec 31?');
      const venueLinks = await page.$$eval(`#pairs tr[data-pair-id="${PAIR}"] a[target=_blank]`, (as) => as.map((a) => (a as HTMLAnchorElement).href));
      expect(venueLinks).toEqual([expect.stringMatching(/^https:\/\/polymarket\.com\//), expect.stringMatching(/^https:\/\/kalshi\.com\/markets\/kxbtc/)]);
      await pairLink.click();
      await page.waitForSelector('#book-chart[data-ready="true"]');
      expect(page.url()).toContain(`#/pair/${PAIR}`);
      expect(await page.isVisible('#app')).toBe(false); // the overview is hidden while the pair page shows
      expect(await page.textContent('#pair-title')).toBe('Will BTC close above $100k on Dec 31?');
      // 4 series (A bid/ask, B bid/ask) × 5 stored seconds
      expect(await page.getAttribute('#book-chart', 'data-points')).toBe('20');
      await expect.poll(() => inkedPixels(page), { timeout: 10_000 }).toBeGreaterThan(200);

      // decisions with their reasons, newest first
      const rows = await page.$$eval('#pair-decisions tr', (trs) => trs.map((tr) => [(tr as HTMLElement).dataset.edgeId, tr.textContent]));
      expect(rows.map((r) => r[0])).toEqual(['edge-rej', 'edge-acc']);
      expect(rows[0]![1]).toContain('rejected');
      expect(rows[0]![1]).toContain('kill-switch; book-stale 9000 ms > 5000 ms');
      expect(rows[1]![1]).toContain('accepted');

      // live: a book over the bus adds a point to each of leg A's series (republished until the subscription is up)
      const ts = Date.now() + 5_000;
      const publish = () => f.live.events.publishBook(PAIR, book('polymarket', POLY_ID, ts, 450_000, 470_000));
      publish();
      const timer = setInterval(publish, 300);
      await page.waitForSelector('#book-chart[data-points="22"]', { timeout: 15_000 }).finally(() => clearInterval(timer));
      // and a decision over the bus shows on top
      const pub = () => f.live.events.publishDecision({ edge: makeEdge({ edgeId: 'edge-live', pairId: PAIR, tsDetected: ts }), accepted: false, reasons: ['total-exposure 5 > 4 micros'], ts });
      pub();
      const t2 = setInterval(pub, 300);
      const live = await page.waitForSelector('#pair-decisions tr[data-edge-id="edge-live"]').finally(() => clearInterval(t2));
      expect(await live.textContent()).toContain('total-exposure 5 > 4 micros');

      // the execution and position of the test above show in tables; nothing overflows its card
      // (at 1280 every table fits; at 390 wide tables scroll inside their card)
      await page.waitForSelector('#pair-executions tr[data-execution-id="ex_pair"]');
      await page.waitForSelector('#pair-positions-box', { state: 'visible' });
      expect(await overflows(page, width >= 1280)).toEqual([]);

      mkdirSync('tests/artifacts', { recursive: true });
      await page.screenshot({ path: `tests/artifacts/pair-${width}.png`, fullPage: true });
      expect(errors).toEqual([]);
      expect(external).toEqual([]);
      await page.close();
    });
  }
});
