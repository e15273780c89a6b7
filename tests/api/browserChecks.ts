/**
 * Browser checks shared by the dashboard and pair page tests (Chromium through playwright-core).
 */
import type { Page } from 'playwright-core';

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
