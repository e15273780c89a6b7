/**
 * The sample session generator (src/demo/sampleSession.ts): its timeline is what data/sample's
 * README promises (episodes apart from each other and from the outage, each a fresh decision for
 * the risk gate's hysteresis), its frames are the venues' wire formats in receive order, the
 * same build gives the same frames, and the Kalshi outage is a silence followed by a reconnect.
 */
import { describe, expect, it } from 'vitest';
import { buildSampleScenario, PENDING_PAIR, sampleFrames, sampleTimeline, SAMPLE_DURATION_MS, SAMPLE_START_MS } from '../../src/demo/sampleSession.js';
import type { RawFrame } from '../../src/venues/common/types.js';
import { decodeFrame } from '../../src/venues/kalshi/normalize.js';
import { loadConfig } from '../../src/config.js';

const MIN = 60_000;
const config = loadConfig({ LOG_LEVEL: 'silent' });

/** Frames up to (excluding) `untilOffsetMs` after the start. */
function framesUntil(untilOffsetMs: number): RawFrame[] {
  const out: RawFrame[] = [];
  for (const f of sampleFrames(buildSampleScenario())) {
    if (f.tsReceived >= SAMPLE_START_MS + untilOffsetMs) break;
    out.push(f);
  }
  return out;
}

describe('sampleTimeline', () => {
  const tl = sampleTimeline();

  it('keeps episodes inside the session, apart from each other, from the pending windows and from the outage', () => {
    const windows = [...tl.episodes, ...tl.pendingWindows, tl.outage].map((w) => [w.fromMs, w.toMs] as const).sort((a, b) => a[0] - b[0]);
    for (const [i, [from, to]] of windows.entries()) {
      expect(from).toBeLessThan(to);
      expect(from).toBeGreaterThan(0);
      expect(to).toBeLessThanOrEqual(SAMPLE_DURATION_MS);
      if (i > 0) expect(from, `window ${i}`).toBeGreaterThan(windows[i - 1]![1]);
    }
    expect(tl.episodes.length).toBeGreaterThanOrEqual(5);
  });

  it('gives a pair\'s consecutive episodes net edges more than the risk gate\'s hysteresis apart (each is a fresh decision)', () => {
    const byPair = new Map<string, number[]>();
    for (const e of tl.episodes) {
      const net = (e.expect.pnlMicros * 1_000_000) / e.expect.sizeQty;
      byPair.set(e.pairId, [...(byPair.get(e.pairId) ?? []), net]);
    }
    const hysteresis = config.risk.hysteresisMicros;
    for (const [pairId, nets] of byPair) for (let i = 1; i < nets.length; i++) expect(Math.abs(nets[i]! - nets[i - 1]!), pairId).toBeGreaterThanOrEqual(hysteresis);
  });

  it('hand-worked figures add up: P&L = contracts × $1 − cost − fees', () => {
    for (const e of tl.episodes) expect(e.expect.pnlMicros).toBe(e.expect.sizeQty - e.expect.costMicros - e.expect.feesMicros);
  });
});

describe('buildSampleScenario', () => {
  it('records the demo pairs (approved), a pending lookalike and rejected fillers', () => {
    const s = buildSampleScenario();
    const status = Object.fromEntries(s.pairs.map((p) => [p.pairId, p.status]));
    expect(status).toMatchObject({ 'demo-p1': 'approved', 'demo-p2': 'approved', 'demo-p3': 'approved', 'demo-leadlag': 'approved', [PENDING_PAIR]: 'pending' });
    expect(s.pairs.filter((p) => p.status === 'rejected').length).toBe(4);
    expect(s.pairs.find((p) => p.pairId === 'demo-p2')!.yesMapsToNo).toBe(true);
  });
});

describe('sampleFrames', () => {
  const { outage } = sampleTimeline();
  /** generated once: up to just after the outage */
  let generated: RawFrame[] | undefined;
  const upToOutage = (): RawFrame[] => (generated ??= framesUntil(outage.toMs + 1000));

  it('is deterministic and in receive order, in the venues\' wire formats', { timeout: 120_000 }, () => {
    const b = framesUntil(12 * MIN);
    const a = upToOutage().filter((f) => f.tsReceived < SAMPLE_START_MS + 12 * MIN);
    expect(b).toEqual(a);
    for (let i = 1; i < a.length; i++) expect(a[i]!.tsReceived).toBeGreaterThanOrEqual(a[i - 1]!.tsReceived);
    for (const f of a.filter((x) => x.venue === 'kalshi')) expect(decodeFrame(f).ok, f.data.slice(0, 200)).toBe(true);
    for (const f of a.filter((x) => x.venue === 'polymarket' && x.data !== 'PONG')) expect(() => JSON.parse(f.data) as unknown).not.toThrow();
    // demo-p1's Kalshi leg switches to its planted book at 00:10:00 (one snapshot with YES bid .48 × 80)
    const on = a.find((f) => f.venue === 'kalshi' && f.data.includes('KXARB-26DEC-P1') && f.data.includes('["0.4800","80.00"]'));
    expect(on?.tsReceived).toBe(SAMPLE_START_MS + 10 * MIN);
  });

  it('goes silent on Kalshi during the outage, then reconnects with fresh acks and snapshots', { timeout: 120_000 }, () => {
    const frames = upToOutage().filter((f) => f.venue === 'kalshi');
    const inOutage = frames.filter((f) => f.tsReceived >= SAMPLE_START_MS + outage.fromMs && f.tsReceived < SAMPLE_START_MS + outage.toMs);
    expect(inOutage).toEqual([]);
    const after = frames.filter((f) => f.tsReceived >= SAMPLE_START_MS + outage.toMs);
    expect(new Set(frames.filter((f) => f.tsReceived < SAMPLE_START_MS + outage.fromMs).map((f) => f.connId))).toEqual(new Set(['kalshi-c0ffee-1']));
    expect(after[0]).toMatchObject({ connId: 'kalshi-c0ffee-2', tsReceived: SAMPLE_START_MS + outage.toMs });
    expect(JSON.parse(after[0]!.data)).toMatchObject({ type: 'subscribed', msg: { channel: 'orderbook_delta', sid: 1 } });
    const firstSnapshot = after.map((f) => JSON.parse(f.data) as { type: string; seq?: number }).find((m) => m.type === 'orderbook_snapshot');
    expect(firstSnapshot?.seq).toBe(1);
  });
});
