/**
 * Dashboard in a real browser (Debian chromium driven by playwright-core) against the running
 * API server: an operator logs in with a token, an edge published through LiveEvents appears
 * without a reload; a viewer pressing the kill switch sees the refusal and the database keeps
 * the kill switch unchanged. Screenshot: tests/artifacts/dashboard.png.
 * Chromium missing (/usr/bin/chromium or CHROMIUM_PATH): skipped locally, FAILS with CI=true
 * (CI must `apt-get install -y chromium`).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../src/api/server.js';
import { isCI } from '../helpers/db.js';
import { apiFixture, insertEdge, insertPair, makeEdge, testConfig, type ApiFixture } from './helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && !isCI) console.warn(`[skip] ${CHROMIUM} not found: dashboard browser test skipped (with CI=true it fails; apt-get install -y chromium)`);

// Skipped only outside CI when Debian chromium is missing (reason printed above); with CI=true it fails instead.
describe.skipIf(!haveChromium && !isCI)('dashboard (browser)', () => {
  let f: ApiFixture;
  let api: ApiServer;
  let browser: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`chromium not found at ${CHROMIUM} (CI=true: install it with apt-get install -y chromium)`);
    f = await apiFixture();
    await insertPair(f.pool, 'btc-100k', 'approved');
    await insertEdge(f.pool, { edgeId: 'stored-1', ts: new Date(), netEdgeMicros: 7_000 });
    await f.pool.query("INSERT INTO feed_health (ts, venue, state, attempt) VALUES (now(), 'kalshi', 'live', 0), (now(), 'polymarket', 'live', 0)");
    api = await startApiServer({ config: testConfig(), pool: f.pool, events: f.live, host: '127.0.0.1', port: 0 });
    profile = mkdtempSync(join(tmpdir(), 'arbstream-chromium-'));
    // a fresh user-data-dir per run (playwright passes it as --user-data-dir)
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await f?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  async function login(token: string): Promise<Page> {
    const page = await browser.newPage();
    page.on('pageerror', (err) => console.error('page error:', err.message));
    await page.goto(`${api.url}/`);
    await page.fill('#token', token);
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('#conn.live');
    return page;
  }

  it('operator: sees stored edges, pairs and feeds; a published edge appears live without reload', async () => {
    const page = await login(f.operator.token);
    await expect.poll(() => page.textContent('#who')).toBe('otto-operator (operator)');
    await page.waitForSelector('#edges tr[data-edge-id="stored-1"]');
    expect(await page.textContent('#pairs')).toContain('approved');
    // markets by leg: leg A, leg B (venue and title)
    const legs = await page.$$eval('#pairs tr:first-child td', (tds) => tds.slice(-2).map((td) => td.textContent));
    expect(legs).toEqual(['polymarket: Will BTC close above $100k on Dec 31?', 'kalshi: Bitcoin above 100,000 on Dec 31']);
    expect(await page.textContent('#edges tr[data-edge-id="stored-1"]')).toContain('A polymarket YES + B kalshi NO');
    expect(await page.textContent('#feeds')).toContain('kalshi');

    const navigations: string[] = [];
    page.on('framenavigated', (fr) => navigations.push(fr.url()));
    // the page subscribes right after connection_ack; republish (same id: the row is replaced) until it shows
    const publish = () => f.live.events.publishEdge(makeEdge({ edgeId: 'live-edge-1', netEdgePerContractMicros: 23_400, profitMicros: 585_000 }));
    publish();
    const timer = setInterval(publish, 300);
    const row = await page.waitForSelector('#edges tr[data-edge-id="live-edge-1"]').finally(() => clearInterval(timer));
    expect(await row.textContent()).toContain('$0.0234');
    expect(await row.textContent()).toContain('$0.585');
    expect(await row.textContent()).toContain('aYes');
    expect(navigations).toEqual([]);
    // the newest edge is on top
    expect(await page.getAttribute('#edges tr:first-child', 'data-edge-id')).toBe('live-edge-1');

    mkdirSync('tests/artifacts', { recursive: true });
    await page.screenshot({ path: 'tests/artifacts/dashboard.png', fullPage: true });
    expect(existsSync('tests/artifacts/dashboard.png')).toBe(true);
    await page.close();
  });

  it('viewer: pressing the kill switch shows the refusal; the kill switch stays off in the database', async () => {
    const page = await login(f.viewer.token);
    await expect.poll(() => page.textContent('#kill-state')).toBe('off');
    await page.click('#kill-toggle');
    await expect.poll(() => page.textContent('#kill-error')).toContain('FORBIDDEN');
    expect(await page.textContent('#kill-state')).toBe('off');
    const rows = await f.pool.query("SELECT value FROM risk_state WHERE key = 'kill_switch'");
    expect(rows.rows).toEqual([]);
    const audit = await f.pool.query("SELECT token_name, result FROM audit_log WHERE action = 'setKillSwitch'");
    expect(audit.rows).toEqual([{ token_name: 'api:vera-viewer', result: 'forbidden' }]);
    await page.close();
  });

  it('operator: the kill switch button turns it on (stored, shown)', async () => {
    const page = await login(f.operator.token);
    await page.click('#kill-toggle');
    await expect.poll(() => page.textContent('#kill-state')).toBe('ON (nothing trades)');
    const rows = await f.pool.query("SELECT value FROM risk_state WHERE key = 'kill_switch'");
    expect(rows.rows[0].value).toEqual({ on: true, by: 'api:otto-operator' });
    await page.close();
  });

  it('a bad token is refused and the login form comes back with the reason', async () => {
    const page = await browser.newPage();
    await page.goto(`${api.url}/`);
    await page.fill('#token', 'arb_' + 'z'.repeat(43));
    await page.click('#login-form button[type=submit]');
    await expect.poll(() => page.textContent('#login-error')).toContain('refused');
    expect(await page.isVisible('#login')).toBe(true);
    await page.close();
  });
});
