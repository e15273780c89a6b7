/**
 * A matched pair: one Polymarket market and one Kalshi market that settle on the same event
 * under the same rules. `yesMapsToNo` is true when Polymarket YES is the same outcome as Kalshi NO.
 */
import { z } from 'zod';
import type { Book } from './book.js';

export const PairStatus = z.enum(['pending', 'approved', 'rejected']);
export type PairStatus = z.infer<typeof PairStatus>;

export const Pair = z.object({
  pairId: z.string().min(1).max(200),
  /** Polymarket condition id (0x + 64 hex) */
  polyMarketId: z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'Polymarket condition id (0x + 64 hex)'),
  /** Kalshi market ticker */
  kalshiMarketId: z.string().regex(/^[A-Z0-9][A-Z0-9._-]{1,99}$/i, 'Kalshi market ticker'),
  yesMapsToNo: z.boolean().default(false),
  status: PairStatus.default('pending'),
  confidence: z.number().min(0).max(1),
  /** Expected resolution (payout) time, unix ms: capital is locked until then. */
  resolutionTs: z.number().int().positive(),
  reasons: z.array(z.string()).default([]),
  source: z.enum(['manual', 'file', 'llm']).default('file'),
});
export type Pair = z.infer<typeof Pair>;

/** The latest books of a pair's two markets, aligned in time (output of alignByTime). */
export interface PairBooks {
  readonly pair: Pair;
  readonly pairId: string;
  readonly poly: Book;
  readonly kalshi: Book;
  readonly yesMapsToNo: boolean;
  /** the later of the two books' venue timestamps, unix ms */
  readonly tsAligned: number;
  /** |poly.tsVenue − kalshi.tsVenue|, ms */
  readonly skewMs: number;
}
