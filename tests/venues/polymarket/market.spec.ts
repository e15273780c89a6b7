import { describe, expect, it } from 'vitest';
import { polyDates, polyMarketRecord, polyRecordFromGamma } from '../../../src/venues/polymarket/market.js';
import { toMarketInfo } from '../../../src/venues/polymarket/rest.js';
import { rulesHash, venueTime } from '../../../src/matching/records.js';
import { readFixture } from './fixtures.js';

const fixture = (f: string): Record<string, unknown> => JSON.parse(readFixture(f)) as Record<string, unknown>;

describe('Polymarket market dates (real Gamma payloads)', () => {
  it('crypto up/down: the event is the end of the window (endDate), not eventStartTime', () => {
    const r = polyRecordFromGamma(fixture('rest_gamma_market_crypto_fees.json'));
    expect(r).toMatchObject({ eventTime: Date.parse('2026-03-12T09:25:00Z'), eventTimeSource: 'endDate', closeTime: Date.parse('2026-03-12T09:25:00Z'), expectedResolutionTime: Date.parse('2026-03-12T09:25:00Z') });
    expect(r.backstopTime).toBeUndefined();
  });
  it('sports: the event is the game start; the trading close is closedTime (Gamma\'s "+00" form)', () => {
    const r = polyRecordFromGamma(fixture('rest_gamma_market_sports_fee_schedule.json'));
    expect(r).toMatchObject({ eventTime: Date.parse('2026-04-05T15:10:00Z'), eventTimeSource: 'gameStartTime', closeTime: Date.parse('2026-04-05T19:37:33Z') });
  });
  it('a non-sports market with a stray gameStartTime keeps its endDate deadline as the event', () => {
    const r = polyRecordFromGamma(fixture('rest_gamma_market_closed_resolved.json'));
    expect(r).toMatchObject({ eventTime: Date.parse('2027-12-31T00:00:00Z'), eventTimeSource: 'endDate', closeTime: Date.parse('2026-05-09T02:07:01Z'), status: 'closed' });
  });
  it('a neg-risk event market: endDate at the election', () => {
    const ev = (JSON.parse(readFixture('rest_gamma_events_negrisk.json')) as { markets: unknown[] }[])[0]!;
    const r = polyRecordFromGamma(ev.markets[0]);
    expect(r).toMatchObject({ eventTime: Date.parse('2028-11-07T00:00:00Z'), eventTimeSource: 'endDate' });
  });
  it('falls back to endDateIso, then the event endDate; unknown when none is given', () => {
    const base = fixture('rest_gamma_market_crypto_fees.json');
    const { endDate: _e, ...noEnd } = base;
    const info = (raw: Record<string, unknown>) => ({ ...toMarketInfo(base), endTs: undefined, raw });
    expect(polyDates(info(noEnd))).toMatchObject({ eventTime: Date.parse('2026-03-12T00:00:00Z'), eventTimeSource: 'endDateIso' });
    const { endDateIso: _i, ...noIso } = noEnd;
    expect(polyDates(info(noIso))).toMatchObject({ eventTime: Date.parse('2026-03-12T09:25:00Z'), eventTimeSource: 'event.endDate' });
    expect(polyDates(info({}))).toEqual({});
    expect(polyMarketRecord(info({})).eventTime).toBeUndefined();
  });
  it('the event date and backstop are in the rules hash', () => {
    const r = polyRecordFromGamma(fixture('rest_gamma_market_crypto_fees.json'));
    expect(rulesHash({ ...r, eventTime: r.eventTime! + 86_400_000 })).not.toBe(rulesHash(r));
    expect(rulesHash({ ...r, backstopTime: r.eventTime! + 86_400_000 })).not.toBe(rulesHash(r));
  });
  it('venueTime reads the venues\' time forms', () => {
    expect(venueTime('2026-05-09 02:07:01+00')).toBe(Date.parse('2026-05-09T02:07:01Z'));
    expect(venueTime('2026-04-05 15:10:00+00')).toBe(Date.parse('2026-04-05T15:10:00Z'));
    expect(venueTime('2026-04-05T15:10:00-0400')).toBe(Date.parse('2026-04-05T19:10:00Z'));
    expect(venueTime('2025-07-11T18:41:17.827458Z')).toBe(Date.parse('2025-07-11T18:41:17.827Z'));
    expect(venueTime('2027-12-31')).toBe(Date.UTC(2027, 11, 31));
    expect(venueTime(1_773_307_500_000)).toBe(1_773_307_500_000);
    expect(venueTime('')).toBeUndefined();
    expect(venueTime('soon')).toBeUndefined();
    expect(venueTime(null)).toBeUndefined();
  });
});
