/**
 * A matched pair: two markets on different venues that settle on the same event under the same
 * rules. Its legs are addressed by position: leg A = `legs[0]`, leg B = `legs[1]`.
 * `yesMapsToNo` is true when leg A's YES is the same outcome as leg B's NO.
 *
 * Venue-specific market-id rules (Polymarket condition id, Kalshi ticker) are not here: each
 * venue module exposes its `marketId` schema and the boundaries (pairs file, API) check legs
 * through it.
 */
import { z } from 'zod';
import type { Book } from './book.js';
import type { Infer } from './readonly.js';
import { VenueId } from './venue.js';

export const PairStatus = z.enum(['pending', 'approved', 'rejected']);
export type PairStatus = z.infer<typeof PairStatus>;

export const PairSource = z.enum(['manual', 'file', 'llm']);
export type PairSource = z.infer<typeof PairSource>;

export const PairLeg = z.object({ venue: VenueId, marketId: z.string().min(1).max(200) });
export type PairLeg = Infer<typeof PairLeg>;

export const Pair = z.object({
  pairId: z.string().min(1).max(200),
  /** leg A = legs[0], leg B = legs[1]; on different venues */
  legs: z.tuple([PairLeg, PairLeg]).refine(([a, b]) => a.venue !== b.venue, 'the two legs must be on different venues'),
  /** true: leg A's YES is the same outcome as leg B's NO */
  yesMapsToNo: z.boolean().default(false),
  status: PairStatus.default('pending'),
  /** the matcher's confidence; NEVER overwritten by an approval */
  confidence: z.number().min(0).max(1),
  /** true when the current status was set by a human (CLI, API, Discord, pairs file) */
  humanReviewed: z.boolean().default(false),
  /** Expected resolution (payout) time, unix ms: capital is locked until then. */
  resolutionTs: z.number().int().positive(),
  reasons: z.array(z.string()).default([]),
  source: PairSource.default('file'),
});
export type Pair = Infer<typeof Pair>;

/** The latest books of a pair's two legs, aligned in time (output of alignByTime). Internal: never parsed. */
export interface PairBooks {
  readonly pair: Pair;
  readonly pairId: string;
  /** books[i] = leg i's book */
  readonly books: readonly [Book, Book];
  readonly yesMapsToNo: boolean;
  /** the later of the two books' venue timestamps, unix ms */
  readonly tsAligned: number;
  /** |books[0].tsVenue − books[1].tsVenue|, ms */
  readonly skewMs: number;
}
