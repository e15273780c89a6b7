import { describe, expect, it } from 'vitest';
import { firstValueFrom, take, toArray } from 'rxjs';
import { createLiveEvents } from '../../src/api/events.js';
import { AlertEvent, alertKey, alertsFromLive, decisionAlert, formatAlert, isDecisionAlert, operationalReasons } from '../../src/bot/alerts.js';
import { authorize, commandDefinitions } from '../../src/bot/commands.js';
import type { Edge } from '../../schema/edge.js';
import { throttleAlerts } from '../../src/bot/throttleAlerts.js';
import { makeExecution } from '../api/executionFixtures.js';
import { from, lastValueFrom } from 'rxjs';

const leg = { venue: 'polymarket' as const, marketId: 'm', outcome: 'yes' as const, vwapMicros: 400000, worstPriceMicros: 400000, costMicros: 4000000, feeMicros: 0, levelsUsed: 1, tsVenue: 1, tsReceived: 1 };
const edge = (pairId: string, profitMicros: number): Edge => ({
  edgeId: `e-${pairId}`, pairId, direction: 'aYes', sizeQty: 10_000_000, netEdgePerContractMicros: 50_000, profitMicros, feesMicros: 0, capitalCostMicros: 0,
  payoutMicros: 10_000_000, legs: [leg, { ...leg, venue: 'kalshi', outcome: 'no' }], oldestBookTsReceived: 1, tsDetected: 1_700_000_000_000,
});

describe('alerts', () => {
  it('alertsFromLive: risk decisions (not raw edges), feeds down and up, kill flips and warn/critical alerts', async () => {
    const live = await createLiveEvents({ redis: { mode: 'memory' } }, { now: () => 42 });
    const got = firstValueFrom(alertsFromLive(live, { minProfitMicros: 5_000_000 }).pipe(take(6), toArray()));
    await new Promise((r) => setTimeout(r, 10)); // let the repeaters subscribe
    live.events.publishEdge(edge('raw', 9_000_000)); // a raw edge: never an alert
    live.events.publishDecision({ edge: edge('small', 4_999_999), accepted: true, reasons: [], ts: 5 }); // below the threshold: ignored
    live.events.publishDecision({ edge: edge('big', 5_000_000), accepted: true, reasons: [], ts: 6 });
    live.events.publishDecision({ edge: edge('thin', 9_000_000), accepted: false, reasons: ['edge 10 < min 20 micros/contract', 'pair-pending'], ts: 7 }); // the market's reasons: ignored
    live.events.publishDecision({ edge: edge('killed', 1), accepted: false, reasons: ['kill-switch', 'profit 1 < min 5 micros'], ts: 8 });
    live.events.publishFeedStatus({ venue: 'kalshi', state: 'live', ts: 1, attempt: 0 }); // healthy, never down: ignored
    live.events.publishFeedStatus({ venue: 'kalshi', state: 'stale', reason: 'idle 5000 ms', ts: 2, attempt: 0 });
    live.events.publishFeedStatus({ venue: 'kalshi', state: 'live', ts: 3, attempt: 0 }); // back up: an alert
    live.events.publishAlert({ level: 'info', message: 'hello', ts: 3 }); // info: ignored
    live.events.publishKillSwitch(true, 'api:ops');
    live.events.publishAlert({ level: 'critical', message: '3 entries dead-lettered', ts: 4, source: 'dead-letter' });
    const alerts = await got;
    await live.close();
    expect(alerts.map((a) => a.kind).sort()).toEqual(['decision', 'decision', 'error', 'feed', 'feed', 'kill']);
    const decisions = alerts.filter((a) => a.kind === 'decision');
    expect(decisions).toEqual([expect.objectContaining({ pairId: 'big', accepted: true, profitMicros: 5_000_000 }), expect.objectContaining({ pairId: 'killed', accepted: false })]);
    expect(formatAlert(decisions[1]!)).toContain('`kill-switch`');
    expect(formatAlert(decisions[1]!)).not.toContain('profit 1 < min');
    expect(alerts.filter((a) => a.kind === 'feed').map((a) => a.kind === 'feed' && a.state)).toEqual(['stale', 'live']);
    expect(alerts.find((a) => a.kind === 'kill')).toMatchObject({ on: true, by: 'api:ops', ts: 42 });
    expect(alerts.find((a) => a.kind === 'error')).toMatchObject({ source: 'dead-letter', level: 'critical' });
    for (const a of alerts) expect(AlertEvent.safeParse(a).success).toBe(true);
  });

  it('isDecisionAlert: accepted above the threshold, rejected only for operational reasons', () => {
    const e = edge('p', 10_000_000);
    expect(isDecisionAlert({ edge: e, accepted: true, reasons: [] }, 10_000_000)).toBe(true);
    expect(isDecisionAlert({ edge: e, accepted: true, reasons: [] }, 10_000_001)).toBe(false);
    for (const r of ['kill-switch', 'book-stale 900 ms > 500 ms', 'pair-exposure 5 > 4 micros', 'venue-exposure kalshi 5 > 4 micros', 'total-exposure 5 > 4 micros']) {
      expect(isDecisionAlert({ edge: e, accepted: false, reasons: [r] }, 0)).toBe(true);
    }
    for (const r of ['pair-pending', 'pair-unknown', 'edge 1 < min 2 micros/contract', 'size 1 < min 2', 'profit 1 < min 2 micros', 'pair-confidence 0.5 < 0.9']) {
      expect(isDecisionAlert({ edge: e, accepted: false, reasons: [r] }, 0)).toBe(false);
    }
    expect(operationalReasons(['pair-pending', 'kill-switch'])).toEqual(['kill-switch']);
    // deduplicated per pair and operational cause, whatever the changing figures
    const a = decisionAlert({ edge: e, accepted: false, reasons: ['book-stale 900 ms > 500 ms'], ts: 1 });
    const b = decisionAlert({ edge: e, accepted: false, reasons: ['book-stale 950 ms > 500 ms'], ts: 2 });
    expect(alertKey(a)).toBe(alertKey(b));
  });

  it('formats money exactly and keeps hostile text inert', () => {
    const text = formatAlert({ kind: 'edge', ts: 0, edgeId: 'e', pairId: '@everyone `x`', direction: 'aNo', sizeQty: 2_500_000, netEdgePerContractMicros: 1, profitMicros: 1_234_567 });
    expect(text).toContain('$1.234567');
    expect(text).toContain('$0.000001/contract');
    expect(text).toContain('`@everyone ˋxˋ`');
    expect(alertKey({ kind: 'feed', ts: 0, venue: 'kalshi', state: 'stale' })).toBe('feed:kalshi:stale');
  });
});

describe('authorize', () => {
  const policy = { commandChannelIds: ['c1'], operatorRoleIds: ['op'] };
  it('needs an allowed channel for every command and an operator role for kill/approve', () => {
    expect(authorize('edges', { userId: 'u', username: 'u', channelId: 'c1', roleIds: [] }, policy)).toEqual({ ok: true });
    expect(authorize('edges', { userId: 'u', username: 'u', channelId: 'c2', roleIds: ['op'] }, policy)).toMatchObject({ ok: false });
    expect(authorize('kill', { userId: 'u', username: 'u', channelId: 'c1', roleIds: ['viewer'] }, policy)).toEqual({ ok: false, reason: '/kill needs an operator role' });
    expect(authorize('approve', { userId: 'u', username: 'u', channelId: 'c1', roleIds: ['op'] }, policy)).toEqual({ ok: true });
    expect(authorize('rm', { userId: 'u', username: 'u', channelId: 'c1', roleIds: ['op'] }, policy)).toMatchObject({ ok: false });
  });
  it('denies everything when nothing is configured', () => {
    const none = { commandChannelIds: [], operatorRoleIds: [] };
    expect(authorize('status', { userId: 'u', username: 'u', channelId: 'c1', roleIds: ['op'] }, none).ok).toBe(false);
  });
  it('defines the six commands with their required options', () => {
    const defs = commandDefinitions();
    expect(defs.map((d) => d.name)).toEqual(['edges', 'pairs', 'status', 'kill', 'approve', 'positions']);
    expect(defs.find((d) => d.name === 'positions')!.options).toEqual([expect.objectContaining({ name: 'pair', required: false })]);
    expect(defs.find((d) => d.name === 'kill')!.options![0]).toMatchObject({ name: 'state', required: true });
  });
});

describe('execution alerts (fills, unwinds, residuals)', () => {
  it('alertsFromLive: both legs filled, unwinding, unwound and failed-with-residual are alerts; other states are not', async () => {
    const live = await createLiveEvents({ redis: { mode: 'memory' } });
    const got = firstValueFrom(alertsFromLive(live, { minProfitMicros: 0 }).pipe(take(4), toArray()));
    await new Promise((r) => setTimeout(r, 10)); // let the repeaters subscribe
    live.events.publishExecution(makeExecution({ executionId: 'ex_1', state: 'leg1Submitted' })); // in flight: no alert
    live.events.publishExecution(makeExecution({ executionId: 'ex_1', state: 'hedged' }));
    live.events.publishExecution(makeExecution({ executionId: 'ex_2', state: 'unwinding', reason: 'leg 2 rejected: price moved' }));
    live.events.publishExecution(makeExecution({ executionId: 'ex_2', state: 'unwound', reason: 'unwound within the loss cap' }));
    live.events.publishExecution(makeExecution({ executionId: 'ex_3', state: 'failed', reason: 'unwind beyond the loss cap', netQty: 3_000_000 }));
    const alerts = await got;
    await live.close();
    expect(alerts.map((a) => a.kind === 'execution' && `${a.executionId}:${a.state}`)).toEqual(['ex_1:hedged', 'ex_2:unwinding', 'ex_2:unwound', 'ex_3:failed']);
    for (const a of alerts) expect(AlertEvent.safeParse(a).success).toBe(true);
    const [filled, , , failed] = alerts.map(formatAlert);
    // hedged: both legs, exact cash (5.40 + 4.40) and fees
    expect(filled).toContain('**filled**');
    expect(filled).toContain('both legs, 10 + 10 contracts for $9.80 (fees $0.07)');
    expect(failed).toContain('🚨 **execution failed**');
    expect(failed).toContain('**3 contracts unhedged**');
    expect(failed).toContain('`unwind beyond the loss cap`');
  });

  it('go through the throttle: the same execution state is sent once; a changed residual is sent again', async () => {
    const { executionAlert } = await import('../../src/bot/alerts.js');
    const a = executionAlert(makeExecution({ executionId: 'ex_9', state: 'unwinding', netQty: 10_000_000 }));
    const b = executionAlert(makeExecution({ executionId: 'ex_9', state: 'unwinding', netQty: 4_000_000 }));
    const out = await lastValueFrom(from([a, a, b]).pipe(throttleAlerts({ dedupWindowMs: 60_000, burst: 10, refillEveryMs: 1000 }), toArray()));
    expect(out.map((o) => (o.type === 'alert' && o.alert.kind === 'execution' ? o.alert.netQty : o.type))).toEqual([10_000_000, 4_000_000]);
    expect(alertKey(a)).toBe('execution:ex_9:unwinding:10000000');
  });
});
