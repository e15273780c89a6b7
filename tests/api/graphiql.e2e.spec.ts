/**
 * GraphiQL in a real browser (Debian chromium driven by playwright-core), offline: every request
 * to anything but the API server is aborted and counted (must stay 0: the page, GraphiQL, Monaco
 * and its workers are all served locally). An operator who logged in on the dashboard opens
 * /graphql in the same tab: the Headers editor holds `Authorization: Bearer <token>` (from
 * sessionStorage, never from the URL); a typed query runs and its data shows in the result pane.
 * A fresh tab gets an empty Headers editor. No console errors (CSP violations are console errors).
 * Chromium missing (/usr/bin/chromium or CHROMIUM_PATH): skipped locally, FAILS with CI=true.
 */
import { CHROMIUM, chromiumGate } from '../helpers/gates.js';
import { launchChromium } from '../helpers/browser.js';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../src/api/server.js';
import { apiFixture, testConfig, type ApiFixture } from './helpers.js';

const needsChromium = chromiumGate();

needsChromium.describe('GraphiQL (browser, offline)', () => {
  let f: ApiFixture;
  let api: ApiServer;
  let browser: BrowserContext;
  const external: string[] = [];

  beforeAll(async () => {
    if (!needsChromium.available) throw new Error(`chromium not found at ${CHROMIUM} (CI=true: install it with apt-get install -y chromium)`);
    f = await apiFixture();
    api = await startApiServer({ config: testConfig(), pool: f.pool, events: f.live, host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
    const origin = new URL(api.url).origin;
    // no internet: anything not on the API server is aborted and counted
    await browser.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(origin + '/') || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
      external.push(url);
      return route.abort('internetdisconnected');
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await f?.close();
  });

  function watch(page: Page): { page: Page; errors: string[] } {
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (err) => errors.push(err.message));
    return { page, errors };
  }
  const editorText = (page: Page, sel: string) => page.$eval(sel, (el) => (el as HTMLElement).innerText.replace(/\u00a0/g, ' '));

  it('a fresh tab: GraphiQL renders offline with an empty Headers editor and a CSP', async () => {
    const { page, errors } = watch(await browser.newPage());
    const res = await page.goto(`${api.url}/graphql`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toMatch(/script-src 'self' 'sha256-/);
    await page.waitForSelector('.graphiql-container .graphiql-execute-button', { timeout: 30_000 });
    await page.click('button:has-text("Headers")');
    await expect.poll(() => editorText(page, '.graphiql-editor-tool .graphiql-editor:not(.hidden)')).toContain('{}');
    expect(await editorText(page, '.graphiql-editor-tool .graphiql-editor:not(.hidden)')).not.toContain('Bearer');
    await page.close();
    expect(external).toEqual([]);
    // the only errors: the schema fetch without a token is refused (401), as it must be
    expect(errors.filter((e) => !e.includes('status of 401'))).toEqual([]);
  }, 60_000);

  it('after the dashboard login in the same tab: the token is in the Headers editor, a typed query returns data', async () => {
    const { page, errors } = watch(await browser.newPage());
    await page.goto(`${api.url}/`);
    await page.fill('#token', f.operator.token);
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('#conn.live');
    errors.length = 0; // from here on: the GraphiQL page's errors only (the dashboard has its own test)
    await page.goto(`${api.url}/graphql`);
    expect(page.url()).not.toContain('arb_');
    await page.waitForSelector('.graphiql-container .graphiql-execute-button', { timeout: 30_000 });
    await page.click('button:has-text("Headers")');
    await expect.poll(() => editorText(page, '.graphiql-editor-tool .graphiql-editor:not(.hidden)')).toContain(`Bearer ${f.operator.token}`);

    // replace the default query with a typed one
    await page.click('.graphiql-query-editor .monaco-editor .view-lines');
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText('query Who { me { name role } }');
    await expect.poll(() => editorText(page, '.graphiql-query-editor .monaco-editor .view-lines')).toContain('query Who');
    // run it; under a loaded CI machine the first click can land while the editor is still settling,
    // so an empty response after a few seconds is answered with another click (the query is idempotent)
    await page.click('.graphiql-execute-button');
    let lastClick = Date.now();
    await expect.poll(async () => {
      const text = await editorText(page, '.graphiql-response');
      if (!text.trim() && Date.now() - lastClick > 5_000) {
        await page.click('.graphiql-execute-button');
        lastClick = Date.now();
      }
      return text;
    }, { timeout: 45_000, interval: 500 }).toContain('"name": "otto-operator"');
    expect(await editorText(page, '.graphiql-response')).toContain('"role": "operator"');
    await page.close();
    expect(external).toEqual([]);
    expect(errors).toEqual([]);
  }, 120_000);
});
