import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MarketRecord } from '../../../schema/market.js';
import { rowToStored } from '../../../src/matching/marketStore.js';
import { eventTimeOf, rulesHash } from '../../../src/matching/records.js';
import { kalshiDates, kalshiRecordFromWire, tickerDay } from '../../../src/venues/kalshi/market.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/kalshi');
const fixtureMarket = (): Record<string, unknown> =>
  (JSON.parse(readFileSync(join(FIXTURES, 'rest_markets.synthetic.json'), 'utf8')) as { markets: Record<string, unknown>[] }).markets[0]!;

describe('Kalshi market dates', () => {
  it('the fixture market (no expected_expiration_time): the event date is the day in the event ticker, latest_expiration_time is only the backstop', () => {
    const r = kalshiRecordFromWire(fixtureMarket());
    expect(r.closeTime).toBe(Date.parse('2025-03-15T23:59:59Z'));
    expect(r.backstopTime).toBe(Date.parse('2025-03-15T23:59:59Z'));
    // KXBTC-25MAR15: the day, not the REST mapping's fallback to latest_expiration_time
    expect(r).toMatchObject({ eventTime: Date.UTC(2025, 2, 15), eventTimeSource: 'ticker', expectedResolutionTime: Date.UTC(2025, 2, 15) });
    // a ticker naming no day: unknown
    const noDay = kalshiRecordFromWire({ ...fixtureMarket(), ticker: 'KXPRESNOMD-28-GN', event_ticker: 'KXPRESNOMD-28' });
    expect(noDay.eventTime).toBeUndefined();
    expect(noDay.expectedResolutionTime).toBeUndefined();
  });
  it('tickerDay: the day an event ticker names (with an hour after it), never a month or a year alone', () => {
    expect(tickerDay('KXPUTINPRES-27JAN01')).toBe(Date.UTC(2027, 0, 1));
    expect(tickerDay('KXBTCD-26JAN0212-T99999.99')).toBe(Date.UTC(2026, 0, 2));
    expect(tickerDay('KXNBAGAME-26JAN22LALBOS')).toBe(Date.UTC(2026, 0, 22));
    expect(tickerDay('KXFEDDECISION-26MAR')).toBeUndefined();
    expect(tickerDay('KXPRESNOMD-28')).toBeUndefined();
    expect(tickerDay('KXX-26FEB30')).toBeUndefined();
    expect(tickerDay(undefined)).toBeUndefined();
    // expected_expiration_time wins over the ticker
    expect(kalshiDates({ expectedExpirationTime: null, eventTicker: 'KXPUTINPRES-27JAN01', raw: { expected_expiration_time: '2027-01-01T05:00:00Z' } })).toMatchObject({ eventTime: Date.parse('2027-01-01T05:00:00Z'), eventTimeSource: 'expected_expiration_time' });
    expect(kalshiDates({ expectedExpirationTime: null, eventTicker: 'KXPUTINPRES-27JAN01', raw: {} })).toMatchObject({ eventTime: Date.UTC(2027, 0, 1), eventTimeSource: 'ticker' });
  });
  it('close_time two years after the event: expected_expiration_time is the event, latest_expiration_time the backstop', () => {
    const m = { ...fixtureMarket(), expected_expiration_time: '2025-03-16T00:05:00Z', close_time: '2027-03-15T23:59:59Z', latest_expiration_time: '2027-03-16T00:00:00Z' };
    const r = kalshiRecordFromWire(m);
    expect(r).toMatchObject({
      eventTime: Date.parse('2025-03-16T00:05:00Z'),
      eventTimeSource: 'expected_expiration_time',
      expectedResolutionTime: Date.parse('2025-03-16T00:05:00Z'),
      closeTime: Date.parse('2027-03-15T23:59:59Z'),
      backstopTime: Date.parse('2027-03-16T00:00:00Z'),
    });
  });
  it('falls back to the event strike_date, then a day named in the event sub_title; category from the event', () => {
    const event = { event_ticker: 'KXBTC-25MAR15', series_ticker: 'KXBTC', title: 'Bitcoin price on Mar 15, 2025?', sub_title: 'On Mar 15, 2025', strike_date: '2025-03-15T21:00:00Z', category: 'Crypto' };
    expect(kalshiRecordFromWire(fixtureMarket(), event)).toMatchObject({ eventTime: Date.parse('2025-03-15T21:00:00Z'), eventTimeSource: 'event.strike_date', category: 'Crypto', title: expect.stringMatching(/^Bitcoin price on Mar 15, 2025\?/) });
    const { strike_date: _s, ...noStrike } = event;
    expect(kalshiRecordFromWire(fixtureMarket(), noStrike)).toMatchObject({ eventTime: Date.UTC(2025, 2, 15), eventTimeSource: 'event.sub_title' });
    // the market's own field wins over the event's
    expect(kalshiRecordFromWire({ ...fixtureMarket(), expected_expiration_time: '2025-03-16T00:05:00Z' }, event).eventTimeSource).toBe('expected_expiration_time');
  });
  it('a market info with no raw date fields (lifecycle "created", test builders) keeps its expectedExpirationTime as the event', () => {
    expect(kalshiDates({ expectedExpirationTime: 1_800_000_000_000, raw: {} })).toEqual({ eventTime: 1_800_000_000_000, eventTimeSource: 'expected_expiration_time' });
    expect(kalshiDates({ expectedExpirationTime: null, raw: { latest_expiration_time: '2027-01-01T00:00:00Z' } })).toEqual({ backstopTime: Date.UTC(2027, 0, 1) });
  });
  it('a record stored before the event fields existed still parses and keeps its rules hash', () => {
    const old = { venue: 'kalshi', marketId: 'KXFED-26MAR-T4.25', title: 'Fed decision', rulesText: 'r', closeTime: Date.UTC(2027, 2, 18), expectedResolutionTime: Date.UTC(2026, 2, 18, 18) };
    const r = MarketRecord.parse(old);
    expect(r.eventTime).toBeUndefined();
    expect(eventTimeOf(r)).toBe(Date.UTC(2026, 2, 18, 18));
    // the hash of a record without the new fields is the hash the old code computed
    const legacy = createHash('sha256')
      .update(JSON.stringify([r.title, r.rulesText, r.rulesSecondary, r.outcomes, r.closeTime, r.expectedResolutionTime, null, r.thresholds]))
      .digest('hex');
    expect(rulesHash(r)).toBe(legacy);
    const stored = rowToStored({
      venue: 'kalshi', market_id: 'KXFED-26MAR-T4.25', title: 'Fed decision', rules_text: 'r', rules_secondary: '', outcomes: ['Yes', 'No'], status: 'open',
      close_time: new Date(Date.UTC(2027, 2, 18)), expected_resolution_time: new Date(Date.UTC(2026, 2, 18, 18)), fee_info: {}, raw: { textFlags: [] },
    });
    expect(eventTimeOf(stored.record)).toBe(Date.UTC(2026, 2, 18, 18));
    expect(stored.rulesHash).toBe(legacy);
  });
});
