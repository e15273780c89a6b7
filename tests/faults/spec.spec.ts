/**
 * `--faults` spec: the grammar (zod-validated, every problem in one error) and the schedule
 * (fire times, window ends, repeats, kinds a simulator lacks refused before anything runs).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FaultSpecError, parseFaultSpec, scheduleFaults } from '../../src/demo/faults.js';
import { FAULT_KINDS, type FaultAction, type FaultKind, type SimControl } from '../../src/venues/common/simFaults.js';

describe('parseFaultSpec', () => {
  it('parses the documented example', () => {
    const s = parseFaultSpec('kalshi:gap@5s,polymarket:stall@10s+8s,kalshi:disconnect@20s,polymarket:malformed:0.01');
    expect(s.map(({ venue, action, atMs, forMs }) => ({ venue, action, atMs, forMs }))).toEqual([
      { venue: 'kalshi', action: { kind: 'gap' }, atMs: 5000, forMs: undefined },
      { venue: 'polymarket', action: { kind: 'stall', ms: 8000 }, atMs: 10_000, forMs: 8000 },
      { venue: 'kalshi', action: { kind: 'disconnect', refuseMs: 0 }, atMs: 20_000, forMs: undefined },
      { venue: 'polymarket', action: { kind: 'malformed', rate: 0.01 }, atMs: 0, forMs: undefined },
    ]);
  });

  it('reads units, arguments, windows and repeats', () => {
    const [drop, http, err, dc, mal] = parseFaultSpec('kalshi:drop:0.2@1.5s+500ms/2m, polymarket:http:503@2s+3s ,kalshi:error:10,polymarket:disconnect@1s+2s,kalshi:malformed@250ms');
    expect(drop).toMatchObject({ action: { kind: 'drop', rate: 0.2 }, end: { kind: 'drop', rate: 0 }, atMs: 1500, forMs: 500, everyMs: 120_000 });
    expect(http).toMatchObject({ venue: 'polymarket', action: { kind: 'http', status: 503, ms: 3000 }, atMs: 2000 });
    expect(err).toMatchObject({ action: { kind: 'error', code: 10 }, atMs: 0 });
    expect(dc).toMatchObject({ action: { kind: 'disconnect', refuseMs: 2000 } });
    expect(mal).toMatchObject({ action: { kind: 'malformed' }, atMs: 250 });
    expect(mal!.end).toBeUndefined();
    expect(parseFaultSpec('kalshi:http+1s')[0]!.action).toEqual({ kind: 'http', status: 429, ms: 1000 });
    expect(parseFaultSpec('kalshi:error')[0]!.action).toEqual({ kind: 'error', code: 25 });
  });

  it('reports every problem at once, each with the fault as written', () => {
    const bad = 'kalshi:stall@10s,polymarket:drop,kalshi:gap@5x,foo:bar,kalshi:drop:1.5,kalshi:http:200+1s,kalshi:gap:3,kalshi,,kalshi:stall+2s/1s';
    let e: unknown;
    try {
      parseFaultSpec(bad);
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(FaultSpecError);
    const p = (e as FaultSpecError).problems;
    expect(p).toHaveLength(10);
    expect(p[0]).toMatch(/'kalshi:stall@10s': stall needs a duration: stall@10s\+5s/);
    expect(p[1]).toMatch(/'polymarket:drop': drop needs a rate/);
    expect(p[2]).toMatch(/'kalshi:gap@5x': at: a time is a number and a unit/);
    expect(p[3]).toMatch(/'foo:bar': venue: a venue is one of polymarket, kalshi, kind: a fault kind is one of/);
    expect(p[4]).toMatch(/drop:1.5: a rate is at most 1/);
    expect(p[5]).toMatch(/http:200: an HTTP status is 400-599/);
    expect(p[6]).toMatch(/gap takes no argument/);
    expect(p[7]).toMatch(/'kalshi': not <venue>:<kind>/);
    expect(p[8]).toMatch(/empty fault/);
    expect(p[9]).toMatch(/must be longer than/);
    expect((e as Error).message).toMatch(/^invalid --faults: .*see arbstream simulate --help/);
    expect(() => parseFaultSpec('  ')).toThrow(/empty spec/);
  });
});

describe('scheduleFaults', () => {
  afterEach(() => void vi.useRealTimers());
  const control = (kinds: readonly FaultKind[], got: FaultAction[]): SimControl => ({
    faultKinds: kinds, inject: (a) => void got.push(a), walk: () => undefined, lastSentAt: () => 0,
    faultStats: { framesDropped: 0, framesSilenced: 0, malformedSent: 0, gapsInjected: 0, errorFramesSent: 0, disconnects: 0, handshakesRefused: 0, handshakesHeld: 0, restFaulted: 0 },
  });

  it('fires at @at, ends rate windows after +for, repeats every /every, stops on stop()', () => {
    vi.useFakeTimers();
    const k: FaultAction[] = [];
    const p: FaultAction[] = [];
    const h = scheduleFaults(parseFaultSpec('kalshi:gap@1s/2s,polymarket:drop:0.5@500ms+1s,polymarket:stall@3s+1s'), { kalshi: control(FAULT_KINDS, k), polymarket: control(['drop', 'stall'], p) });
    vi.advanceTimersByTime(499);
    expect([k, p]).toEqual([[], []]);
    vi.advanceTimersByTime(1);
    expect(p).toEqual([{ kind: 'drop', rate: 0.5 }]);
    vi.advanceTimersByTime(500);
    expect(k).toEqual([{ kind: 'gap' }]);
    vi.advanceTimersByTime(500);
    expect(p).toEqual([{ kind: 'drop', rate: 0.5 }, { kind: 'drop', rate: 0 }]);
    vi.advanceTimersByTime(1500); // 3 s
    expect(k).toEqual([{ kind: 'gap' }, { kind: 'gap' }]);
    expect(p.at(-1)).toEqual({ kind: 'stall', ms: 1000 });
    h.stop();
    vi.advanceTimersByTime(10_000);
    expect(k).toHaveLength(2);
  });

  it('refuses a fault the simulator does not offer before scheduling anything', () => {
    vi.useFakeTimers();
    const k: FaultAction[] = [];
    expect(() => scheduleFaults(parseFaultSpec('kalshi:gap@1s,polymarket:gap@1s'), { kalshi: control(FAULT_KINDS, k), polymarket: control(['drop'], []) }))
      .toThrow(/'polymarket:gap@1s': the polymarket simulator has no 'gap' fault \(it has: drop\)/);
    vi.advanceTimersByTime(5000);
    expect(k).toEqual([]);
  });
});
