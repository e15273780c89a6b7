import { describe, expect, it } from 'vitest';
import { firstValueFrom, take, toArray } from 'rxjs';
import { createLiveEvents } from '../../src/api/events.js';
import { AlertEvent, alertKey, alertsFromLive, formatAlert } from '../../src/bot/alerts.js';
import { authorize, commandDefinitions } from '../../src/bot/commands.js';
import type { Edge } from '../../schema/edge.js';

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
  it('defines the five commands with their required options', () => {
    const defs = commandDefinitions();
    expect(defs.map((d) => d.name)).toEqual(['edges', 'pairs', 'status', 'kill', 'approve']);
    expect(defs.find((d) => d.name === 'kill')!.options![0]).toMatchObject({ name: 'state', required: true });
  });
});
