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

describe('Polymarket game dates: the postponement window is not the event (issue 14, heldout4)', () => {
  const game = (extra: Record<string, unknown>): Record<string, unknown> => ({
    id: '2710001',
    question: 'Lakers vs. Celtics',
    conditionId: '0x' + 'ab'.repeat(32),
    slug: 'nba-lal-bos-2026-12-25',
    description:
      'In the upcoming NBA game, scheduled for December 25, 2026 at 5:00 PM ET:\nIf the Los Angeles Lakers win, the market will resolve to "Lakers".\nIf the Boston Celtics win, the market will resolve to "Celtics".\nIf the game is postponed, this market will remain open until the game has been completed.',
    outcomes: '["Lakers", "Celtics"]',
    clobTokenIds: '["111", "222"]',
    startDate: '2026-12-18T15:00:00Z',
    endDate: '2027-01-01T22:00:00Z',
    active: true,
    closed: false,
    events: [{ id: '86963', slug: 'nba-lal-bos-2026-12-25', title: 'Lakers vs. Celtics', endDate: '2027-01-01T22:00:00Z' }],
    ...extra,
  });
  it('the start the description schedules (ET), not the endDate a week later', () => {
    expect(polyRecordFromGamma(game({}))).toMatchObject({ eventTime: Date.parse('2026-12-25T22:00:00Z'), eventTimeSource: 'description', closeTime: Date.parse('2027-01-01T22:00:00Z') });
  });
  it('a description without a year takes the year nearest the end date; ET follows daylight saving', () => {
    const r = polyRecordFromGamma(
      game({ slug: 'yankees-vs-red-sox', events: [], description: 'In the upcoming MLB game, scheduled for April 9 at 7:10 PM ET:\nIf the New York Yankees win, the market will resolve to "Yankees".', endDate: '2027-04-16T23:10:00Z' }),
    );
    expect(r).toMatchObject({ eventTime: Date.parse('2027-04-09T23:10:00Z'), eventTimeSource: 'description' });
    // across New Year: "December 31" with an end date in January is last year's
    const ny = polyRecordFromGamma(game({ slug: 'x', events: [], description: 'In the upcoming NHL game, scheduled for December 31 at 7:00 PM ET: ...', endDate: '2027-01-07T00:00:00Z' }));
    expect(ny).toMatchObject({ eventTime: Date.parse('2027-01-01T00:00:00Z'), eventTimeSource: 'description' });
  });
  it('a start time whose New York day is not the day written beside it: the written (ET) day wins', () => {
    // "Dec 25 at 00:30 UTC" is the evening of Dec 24 in New York; the game day written is the 25th
    const r = polyRecordFromGamma(game({ description: 'In the upcoming NBA game, scheduled for Dec 25, 2026 at 00:30 UTC:\nIf the Los Angeles Lakers win ...' }));
    expect(r).toMatchObject({ eventTime: Date.parse('2026-12-25T17:00:00Z'), eventTimeSource: 'description.day' });
    // consistent: "Dec 25 at 22:00 UTC" is 5 PM ET on the 25th, kept to the minute
    expect(polyRecordFromGamma(game({ description: 'In the upcoming NBA game, scheduled for Dec 25, 2026 at 22:00 UTC:\nIf the Los Angeles Lakers win ...' }))).toMatchObject({ eventTime: Date.parse('2026-12-25T22:00:00Z'), eventTimeSource: 'description' });
  });
  it('Gamma gameStartTime comes first when present', () => {
    expect(polyRecordFromGamma(game({ gameStartTime: '2026-12-25 22:30:00+00' }))).toMatchObject({ eventTime: Date.parse('2026-12-25T22:30:00Z'), eventTimeSource: 'gameStartTime' });
  });
  it('the day alone: noon ET of the scheduled day; no scheduled day: the slug date', () => {
    expect(polyRecordFromGamma(game({ description: 'In the upcoming NBA game, scheduled for December 25, 2026:\nIf the Los Angeles Lakers win ...' }))).toMatchObject({
      eventTime: Date.parse('2026-12-25T17:00:00Z'),
      eventTimeSource: 'description.day',
    });
    const slugOnly = game({ description: 'If the Los Angeles Lakers win, the market will resolve to "Lakers". If the game is postponed beyond 7 days, it resolves 50-50.', sportsMarketType: 'moneyline' });
    expect(polyRecordFromGamma(slugOnly)).toMatchObject({ eventTime: Date.parse('2026-12-25T17:00:00Z'), eventTimeSource: 'slug' });
    // an outcome after the date (`epl-ars-che-2026-12-12-ars`)
    expect(polyRecordFromGamma({ ...slugOnly, slug: 'epl-ars-che-2026-12-12-ars' })).toMatchObject({ eventTime: Date.parse('2026-12-12T17:00:00Z'), eventTimeSource: 'slug' });
  });
  it('not a game: a slug date or a scheduled meeting does not move the endDate', () => {
    const fomc = game({
      question: 'Fed decreases interest rates by 25 bps after December 2026 meeting?',
      slug: 'fed-decision-2026-12-09',
      description: 'The FOMC meeting is scheduled for December 8-9, 2026. This market resolves to "Yes" if the upper bound is cut by 25 bps.',
      outcomes: '["Yes", "No"]',
      endDate: '2026-12-09T00:00:00Z',
      events: [],
    });
    expect(polyRecordFromGamma(fomc)).toMatchObject({ eventTime: Date.parse('2026-12-09T00:00:00Z'), eventTimeSource: 'endDate' });
  });
  it('GammaMarketSchema keeps gameStartTime (optional)', async () => {
    const { GammaMarketSchema } = await import('../../../src/venues/polymarket/restSchemas.js');
    expect(GammaMarketSchema.parse(game({ gameStartTime: '2026-12-25 22:00:00+00' })).gameStartTime).toBe('2026-12-25 22:00:00+00');
    expect(GammaMarketSchema.parse(game({ gameStartTime: null })).gameStartTime).toBeUndefined();
    expect(GammaMarketSchema.parse(game({})).gameStartTime).toBeUndefined();
  });
});
