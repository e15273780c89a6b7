/**
 * Chromium for the browser tests (Debian's chromium through playwright-core, no browser download):
 * one launch with the same flags everywhere, and the checks the dashboard and pair page share.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM } from './gates.js';

/**
 * A headless Chromium context on a fresh user-data-dir (playwright passes it as --user-data-dir),
 * removed when `close()` resolves. No background networking, component updates or sync: the tests
 * run offline and count any request that leaves the machine.
 */
export async function launchChromium(opts: { readonly viewport?: { readonly width: number; readonly height: number } } = {}): Promise<BrowserContext> {
  const profile = mkdtempSync(join(tmpdir(), 'arbstream-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    ...(opts.viewport ? { viewport: opts.viewport } : {}),
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  // the profile goes once close() has resolved (the browser has exited): on the context's 'close'
  // event Chromium may still be writing into it
  const close = context.close.bind(context);
  context.close = async (options) => {
    try {
      await close(options);
    } finally {
      rmSync(profile, { recursive: true, force: true });
    }
  };
  return context;
}

/**
 * What overflows on the visible page: a card whose content is wider than the card, a table not
 * inside a horizontal scroll box (`.scroll`, overflow-x auto), the page wider than the window,
 * and with `fit` (desktop widths) a table that needs to scroll at all.
 */
export const overflows = (page: Page, fit: boolean): Promise<string[]> =>
  page.evaluate((fit) => {
    const out: string[] = [];
    for (const card of document.querySelectorAll<HTMLElement>('main:not([hidden]) .panel')) {
      const name = card.querySelector('h2')?.textContent ?? card.id;
      if (card.scrollWidth > card.clientWidth + 1) out.push(`${name}: card content ${card.scrollWidth} px > card ${card.clientWidth} px`);
      // (the chart library lays its canvases out in a table of its own)
      for (const table of [...card.querySelectorAll('table')].filter((t) => !t.closest('.chart'))) {
        const box = table.parentElement!;
        if (!box.classList.contains('scroll') || getComputedStyle(box).overflowX !== 'auto') out.push(`${name}: a table outside a scroll box`);
        else if (fit && box.scrollWidth > box.clientWidth + 1) out.push(`${name}: table ${box.scrollWidth} px > box ${box.clientWidth} px`);
      }
    }
    const doc = document.documentElement;
    if (doc.scrollWidth > window.innerWidth) out.push(`page ${doc.scrollWidth} px > window ${window.innerWidth} px`);
    return out;
  }, fit);
