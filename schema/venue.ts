/**
 * The venues arbstream trades on: the ONE list of venue ids. Everything that names a venue
 * (book events, pairs, edges, feed status, the API's `Venue` enum, the registry in
 * `src/venues/registry.ts`) derives from `VenueId`. Adding a venue = its folder under
 * `src/venues/<id>/`, its id here and its line in the registry (typed `Record<Venue, …>`, so the
 * compiler names every place that still lacks it).
 */
import { z } from 'zod';

export const VENUE_IDS = ['polymarket', 'kalshi'] as const;
export const VenueId = z.enum(VENUE_IDS);
export type Venue = z.infer<typeof VenueId>;

export const Outcome = z.enum(['yes', 'no']);
export type Outcome = z.infer<typeof Outcome>;

/** A pair's legs by position: 0 = leg A, 1 = leg B. */
export type LegIndex = 0 | 1;
export const LEG_INDEXES: readonly LegIndex[] = [0, 1];
