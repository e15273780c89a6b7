/**
 * One normalised market record for both venues (discovery → matching → venue_markets table).
 * Venue adapters map their REST/WS market objects into it; the matcher reads only this.
 */
import { z } from 'zod';
import { VenueId } from './venue.js';

/** A market's structured strike: `kind` in Kalshi's `strike_type` vocabulary, or `price_to_beat`; `field` names the venue field(s). */
export const MarketStrike = z.object({
  kind: z.string().min(1),
  floor: z.number().optional(),
  cap: z.number().optional(),
  functional: z.string().optional(),
  custom: z.record(z.string(), z.unknown()).optional(),
  field: z.string().min(1),
});

export const MarketRecord = z.object({
  venue: VenueId,
  /** Kalshi ticker or Polymarket condition id */
  marketId: z.string().min(1),
  /** Kalshi event ticker or Polymarket event id/slug */
  eventId: z.string().optional(),
  /** Kalshi series ticker (fees); absent on Polymarket */
  seriesId: z.string().optional(),
  /** question / title as shown to traders */
  title: z.string(),
  /** full resolution rules text (Polymarket description; Kalshi rules_primary) */
  rulesText: z.string(),
  /** secondary rules (Kalshi rules_secondary) */
  rulesSecondary: z.string().default(''),
  outcomes: z.array(z.string()).default(['Yes', 'No']),
  /** unix ms; absent when the venue does not say */
  openTime: z.number().int().optional(),
  /**
   * Trading close, unix ms (Kalshi `close_time`; Polymarket `closedTime` once closed, else `endDate`).
   * NOT the event date: Kalshi often sets it to a backstop a year or two after the event.
   */
  closeTime: z.number().int().optional(),
  /**
   * When the event the question is about happens or is decided, unix ms: Kalshi
   * `expected_expiration_time` (else the event's `strike_date` or a day in its `sub_title`);
   * Polymarket the game start for sports, else `endDate`. Absent when the venue does not say
   * (the date guard then holds the pair for a human). Guards and the candidate window compare this.
   */
  eventTime: z.number().int().optional(),
  /** which venue field `eventTime` came from (e.g. `expected_expiration_time`, `endDate`, `gameStartTime`) */
  eventTimeSource: z.string().optional(),
  /**
   * Latest time the market can settle, unix ms (Kalshi `latest_expiration_time`; absent on
   * Polymarket). Used only as a bound: an event after the other venue's backstop cannot be what it settles on.
   */
  backstopTime: z.number().int().optional(),
  /** legacy name of `eventTime` for existing readers (same value when the mapping sets both) */
  expectedResolutionTime: z.number().int().optional(),
  resolutionSource: z.string().optional(),
  /**
   * The venue's own structured strike (Kalshi `strike_type` + `floor_strike`/`cap_strike`/…;
   * Polymarket up/down `eventMetadata.priceToBeat`); compared by src/matching/strike.ts.
   */
  strike: MarketStrike.optional(),
  /** who or what YES is about when the venue says it apart from the title (Kalshi `yes_sub_title`, Polymarket `groupItemTitle`) */
  subjectText: z.string().optional(),
  /** title of the event the market belongs to (Polymarket `events[0].title`, e.g. "Arsenal vs. Chelsea"); Kalshi's is already in `title`. Not part of the rules hash: it does not change how the market settles. */
  eventTitle: z.string().optional(),
  category: z.string().optional(),
  status: z.enum(['open', 'closed', 'resolved', 'unopened', 'paused']).default('open'),
  /** Polymarket token ids */
  yesTokenId: z.string().optional(),
  noTokenId: z.string().optional(),
  tickSizeMicros: z.number().int().positive().optional(),
  /** raw fee facts as the venue published them (feeSchedule / fee_type + multiplier) */
  feeInfo: z.record(z.string(), z.unknown()).default({}),
  /** parsed from the text where present (filled by the matcher's extractors) */
  thresholds: z.array(z.object({ value: z.number(), unit: z.string().optional(), comparator: z.enum(['>', '>=', '<', '<=', '=', 'between']).optional() })).default([]),
  entities: z.array(z.string()).default([]),
});
export type MarketRecord = z.infer<typeof MarketRecord>;
