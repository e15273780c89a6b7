import { describe, expect, it } from 'vitest';
import { firstValueFrom, take, toArray } from 'rxjs';
import { createLiveEvents } from '../../src/api/events.js';
import { AlertEvent, alertKey, alertsFromLive, formatAlert } from '../../src/bot/alerts.js';
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
  it('alertsFromLive: edges above the threshold, bad feed states, kill flips and warn/critical alerts', async () => {
    const live = await createLiveEvents({ redis: { mode: 'memory' } }, { now: () => 42 });
    const got = firstValueFrom(alertsFromLive(live, { minProfitMicros: 5_000_000 }).pipe(take(4), toArray()));
    await new Promise((r) => setTimeout(r, 10)); // let the repeaters subscribe
    live.events.publishEdge(edge('small', 4_999_999)); // below: ignored
    live.events.publishEdge(edge('big', 5_000_000));
    live.events.publishFeedStatus({ venue: 'kalshi', state: 'live', ts: 1, attempt: 0 }); // healthy: ignored
    live.events.publishFeedStatus({ venue: 'kalshi', state: 'stale', reason: 'idle 5000 ms', ts: 2, attempt: 0 });
    live.events.publishAlert({ level: 'info', message: 'hello', ts: 3 }); // info: ignored
    live.events.publishKillSwitch(true, 'api:ops');
    live.events.publishAlert({ level: 'critical', message: 'db down', ts: 4 });
    const alerts = await got;
    await live.close();
    expect(alerts.map((a) => a.kind).sort()).toEqual(['edge', 'error', 'feed', 'kill']);
    expect(alerts.find((a) => a.kind === 'edge')).toMatchObject({ pairId: 'big', profitMicros: 5_000_000 });
    expect(alerts.find((a) => a.kind === 'kill')).toMatchObject({ on: true, by: 'api:ops', ts: 42 });
    for (const a of alerts) expect(AlertEvent.safeParse(a).success).toBe(true);
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
