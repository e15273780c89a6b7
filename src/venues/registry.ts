/**
 * The venues arbstream trades on: one line per venue. The only place outside a venue's folder
 * that names venue modules. Adding a venue = its folder `src/venues/<id>/` with an `index.ts`
 * exporting a {@link VenueModule}, its id in `schema/venue.ts` (`VENUE_IDS`), and its line here
 * (the `Record<Venue, …>` type makes the compiler ask for it).
 */
import type { PairLeg } from '../../schema/pair.js';
import { VENUE_IDS, type Venue } from '../../schema/venue.js';
import { NonRetryableError } from '../errors.js';
import type { VenueModule } from './venue.js';
import { polymarketVenue } from './polymarket/index.js';
import { kalshiVenue } from './kalshi/index.js';

export const venues: Readonly<Record<Venue, VenueModule>> = Object.freeze({
  polymarket: polymarketVenue,
  kalshi: kalshiVenue,
});

/** Every registered venue, in `VENUE_IDS` order. */
export const venueList: readonly VenueModule[] = VENUE_IDS.map((id) => venues[id]);

/** The module of a venue id; a clear error for an id that is not registered (e.g. from user input). */
export function venueOf(id: string): VenueModule {
  const v = (venues as Readonly<Record<string, VenueModule | undefined>>)[id];
  if (!v) throw new NonRetryableError(`unknown venue '${id}' (known: ${VENUE_IDS.join(', ')})`, { venue: id });
  return v;
}

/** The venue modules of a pair's legs, by position (legs[0] = leg A). */
export function legVenues(pair: { readonly legs: readonly [PairLeg, PairLeg] }): readonly [VenueModule, VenueModule] {
  return [venues[pair.legs[0].venue], venues[pair.legs[1].venue]];
}

/** Builds one value per registered venue (e.g. every venue's feed). */
export function perVenue<T>(fn: (v: VenueModule) => T): Record<Venue, T> {
  return Object.fromEntries(venueList.map((v) => [v.id, fn(v)])) as Record<Venue, T>;
}

/** Checks a market id against its venue's format; the zod issue text when it does not fit. */
export function checkMarketId(venue: Venue, marketId: string): string | undefined {
  const r = venues[venue].marketId.safeParse(marketId);
  return r.success ? undefined : r.error.issues.map((i) => i.message).join('; ');
}
