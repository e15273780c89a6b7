/** `arbstream backtest` argument parsing (src/cli/backtest.ts) and the walk-forward windows (src/backtest/run.ts). */
import { describe, expect, it } from 'vitest';
import { centsToMicros, optionsFromCli, parseTimeArg } from '../../src/cli/backtest.js';
import { foldWindows } from '../../src/backtest/run.js';

const cli = { latencyMs: '50,0,250', queueShare: '0.5', minEdgeCents: '1', cash: '10000', folds: '4', sweepMinEdgeCents: '0.5,1,2,4', gapMs: '300000' };

describe('backtest CLI arguments', () => {
  it('cents to integer micro-dollars; finer than a micro-dollar refused', () => {
    expect(centsToMicros('1')).toBe(10_000);
    expect(centsToMicros('0.5')).toBe(5_000);
    expect(centsToMicros('0.0001')).toBe(1);
    expect(() => centsToMicros('0.00001')).toThrow(/finer than a micro-dollar|more than 6 decimals/);
  });

  it('times as ISO or unix ms', () => {
    expect(parseTimeArg('2026-11-02T00:00:00Z')).toBe(Date.UTC(2026, 10, 2));
    expect(parseTimeArg('1793577600000')).toBe(1793577600000);
    expect(() => parseTimeArg('yesterday')).toThrow(/ISO date/);
  });

  it('options: at most one source (none: the shipped sample); lists, money and the sweep', () => {
    const o = optionsFromCli({ ...cli, recording: 'rec', sweep: true, from: '2026-11-02T00:00:00Z' });
    expect(o).toMatchObject({ source: { kind: 'recording', dir: 'rec' }, from: Date.UTC(2026, 10, 2), latenciesMs: [50, 0, 250], queueShare: 0.5, minEdgeMicros: 10_000, cashMicros: 10_000_000_000, sweep: { minEdgesMicros: [5_000, 10_000, 20_000, 40_000], folds: 4 } });
    expect(() => optionsFromCli({ ...cli, recording: 'a', data: 'b' })).toThrow(/at most one of/);
    expect(optionsFromCli({ ...cli })).toMatchObject({ source: { kind: 'recording', dir: 'data/sample/recording' } });
  });
});

describe('walk-forward windows', () => {
  it('split [from, to) into k consecutive windows that cover it exactly', () => {
    expect(foldWindows(0, 10, 3)).toEqual([{ from: 0, to: 3 }, { from: 3, to: 6 }, { from: 6, to: 10 }]);
    const w = foldWindows(1_000, 1_000 + 86_400_000, 4);
    expect(w[0]!.from).toBe(1_000);
    expect(w.at(-1)!.to).toBe(1_000 + 86_400_000);
    for (let i = 1; i < w.length; i++) expect(w[i]!.from).toBe(w[i - 1]!.to);
  });
});
