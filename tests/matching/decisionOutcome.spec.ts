import { describe, expect, it } from 'vitest';
import { decisionOutcomeGuard, outcomeOfText, outcomeOfTicker, readDecision } from '../../src/matching/decisionOutcome.js';

const poly = (title: string, sub?: string) => ({ venue: 'polymarket' as const, marketId: '0xabc', title, ...(sub ? { subjectText: sub } : {}) });
const kalshi = (ticker: string, title: string, sub?: string) => ({ venue: 'kalshi' as const, marketId: ticker, title: sub ? `${title} — ${sub}` : title, ...(sub ? { subjectText: sub } : {}) });

const CUT25_DEC = poly('Fed decreases interest rates by 25 bps after December 2026 meeting?', '25 bps decrease');
const HOLD_DEC = poly('No change in Fed interest rates after December 2026 meeting?', 'No change');
const CUT50_DEC = poly('Fed decreases interest rates by 50+ bps after December 2026 meeting?', '50+ bps decrease');
const HIKE_DEC = poly('Fed increases interest rates by 25+ bps after December 2026 meeting?', '25+ bps increase');
const K_HOLD = kalshi('KXFEDDECISION-26DEC-H0', 'Fed decision in Dec 2026?', 'Hold');
const K_CUT25 = kalshi('KXFEDDECISION-26DEC-C25', 'Fed decision in Dec 2026?', 'Cut 25bps');
const K_CUT26 = kalshi('KXFEDDECISION-26DEC-C26', 'Fed decision in Dec 2026?', 'Cut >25bps');
const K_HIKE25 = kalshi('KXFEDDECISION-26DEC-H25', 'Fed decision in Dec 2026?', 'Hike 25bps');

describe('decision outcomes read', () => {
  it('Polymarket group titles and questions', () => {
    expect(outcomeOfText('No change')).toEqual({ kind: 'hold' });
    expect(outcomeOfText('25 bps decrease')).toEqual({ kind: 'cut', bps: 25 });
    expect(outcomeOfText('50+ bps decrease')).toEqual({ kind: 'cut', bps: 50, min: true });
    expect(outcomeOfText('25+ bps increase')).toEqual({ kind: 'hike', bps: 25, min: true });
    expect(outcomeOfText('Cut >25bps')).toEqual({ kind: 'cut', bps: 50, min: true });
    expect(outcomeOfText('Cut >25bps', false)).toEqual({ kind: 'cut', bps: 26, min: true });
    expect(outcomeOfText('Will the Fed change rates at their January 2026 meeting?')).toEqual({ kind: 'change' });
    expect(outcomeOfText('Will the Fed not cut rates in March?')).toBe('negated');
    expect(outcomeOfText('Fed decision: cut or hold?')).toBeUndefined();
    expect(outcomeOfText('Fed decision in Dec 2026?')).toBeUndefined();
  });
  it('Kalshi ticker suffixes, on decision series only', () => {
    expect(outcomeOfTicker('KXFEDDECISION-26DEC-H0')).toEqual({ kind: 'hold' });
    expect(outcomeOfTicker('KXFEDDECISION-26DEC-C25')).toEqual({ kind: 'cut', bps: 25 });
    expect(outcomeOfTicker('KXFEDDECISION-26DEC-C26')).toEqual({ kind: 'cut', bps: 50, min: true });
    expect(outcomeOfTicker('KXFEDDECISION-26DEC-H25')).toEqual({ kind: 'hike', bps: 25 });
    expect(outcomeOfTicker('KXFED-26DEC-T3.75')).toBeUndefined();
    expect(outcomeOfTicker('KXNBAGAME-26DEC25LALBOS-H0')).toBeUndefined();
  });
  it('the ticker alone names the outcome when the text does not; a record that contradicts itself is unknown', () => {
    expect(readDecision(kalshi('KXFEDDECISION-26DEC-C25', 'Fed decision in Dec 2026?'))).toMatchObject({ kind: 'outcome', outcome: { kind: 'cut', bps: 25, from: 'ticker' } });
    expect(readDecision(kalshi('KXFEDDECISION-26DEC-C25', 'Fed decision in Dec 2026?', 'Hold'))).toMatchObject({ kind: 'unknown' });
    expect(readDecision(poly('Will Trump fire Fed Governor Lisa Cook before 2028?'))).toEqual({ kind: 'none' });
    expect(readDecision(kalshi('KXFED-26DEC-T3.75', 'Fed funds rate after the Dec 2026 meeting?', 'Above 3.75%'))).toMatchObject({ kind: 'unknown' });
  });
});

describe('decisionOutcomeGuard', () => {
  it('a cut against a hold of the same meeting fails, whatever the mapping', () => {
    for (const m of ['YES_YES', 'YES_NO', undefined] as const) {
      const g = decisionOutcomeGuard(CUT25_DEC, K_HOLD, m);
      expect(g).toMatchObject({ guard: 'decision', outcome: 'fail' });
      expect(g.reason).toMatch(/cut 25 bps.*hold/);
    }
    expect(decisionOutcomeGuard(HIKE_DEC, K_CUT25, 'YES_YES').outcome).toBe('fail');
  });
  it('another size of the same move fails: 50+ vs 25, 25+ hike vs hike 25', () => {
    expect(decisionOutcomeGuard(CUT50_DEC, K_CUT25, 'YES_YES')).toMatchObject({ outcome: 'fail', reason: expect.stringMatching(/sizes/) as string });
    expect(decisionOutcomeGuard(HIKE_DEC, K_HIKE25, 'YES_YES').outcome).toBe('fail');
  });
  it('the same outcome passes: hold ~ Hold, 25 bps decrease ~ Cut 25bps, 50+ ~ Cut >25bps (C26)', () => {
    expect(decisionOutcomeGuard(HOLD_DEC, K_HOLD, 'YES_YES').outcome).toBe('pass');
    expect(decisionOutcomeGuard(CUT25_DEC, K_CUT25, 'YES_YES').outcome).toBe('pass');
    expect(decisionOutcomeGuard(CUT50_DEC, K_CUT26, 'YES_YES').outcome).toBe('pass');
    expect(decisionOutcomeGuard(poly('Fed holds rates at June 2026 meeting?'), kalshi('KXFEDDECISION-26JUN-H0', 'Will the Fed maintain rates at their June 2026 meeting?', 'Maintains rate'), 'YES_YES').outcome).toBe('pass');
    const ecb = decisionOutcomeGuard(poly('ECB decreases rates by 25 bps after April 2026 meeting?'), kalshi('KXECBDECISION-26APR-C25', 'Will the ECB cut rates by 25bps at its April 2026 meeting?', 'Cut 25bps'), 'YES_YES');
    expect(ecb.outcome).toBe('pass');
  });
  it('hold vs any change are complements: pass under YES_NO, held under YES_YES with the mapping the records imply', () => {
    const p = poly('Will the Fed make no change to interest rates after the January 2026 meeting?');
    const k = kalshi('KXFEDCHANGE-26JAN', 'Fed rate change in Jan 2026?', 'Change');
    expect(decisionOutcomeGuard(p, k, 'YES_NO').outcome).toBe('pass');
    expect(decisionOutcomeGuard(p, k, 'YES_YES')).toMatchObject({ outcome: 'flag', reason: expect.stringMatching(/records imply YES_NO/) as string });
  });
  it('an outcome unknown on one side passes with its reason (a negated move is the mapping guard’s); not a rate decision passes', () => {
    const g = decisionOutcomeGuard(poly('Will the Fed not cut rates after the December 2026 meeting?'), K_CUT25, 'YES_NO');
    expect(g).toMatchObject({ outcome: 'pass', reason: expect.stringMatching(/negates/) as string });
    expect(decisionOutcomeGuard(poly('Fed upper bound 4.00% or higher after the June 2026 meeting?'), K_CUT25, 'YES_YES').outcome).toBe('pass');
    expect(decisionOutcomeGuard(poly('Will Bitcoin be above $100,000 on March 1, 2026?'), kalshi('KXBTCD-26MAR0112-T99999.99', 'Bitcoin price on Mar 1, 2026?', '$100,000 or above')).outcome).toBe('pass');
  });
  it('hostile text is cut and read in linear time', () => {
    const long = `Fed ${'cut 25 bps '.repeat(20_000)}`;
    const t0 = performance.now();
    decisionOutcomeGuard(poly(long), K_HOLD, 'YES_YES');
    expect(performance.now() - t0).toBeLessThan(1_000);
  });
});
