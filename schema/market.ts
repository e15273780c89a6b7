/**
 * One normalised market record for both venues (discovery → matching → venue_markets table).
 * Venue adapters map their REST/WS market objects into it; the matcher reads only this.
 */
import { z } from 'zod';
import { VenueId } from './venue.js';

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
  closeTime: z.number().int().optional(),
  expectedResolutionTime: z.number().int().optional(),
  resolutionSource: z.string().optional(),
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
