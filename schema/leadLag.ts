/** Lead-lag between a pair's two legs (output of operators/leadLag.ts, persisted into `lead_lag`). */
import { z } from 'zod';
import { UnixMs } from './book.js';
import type { Infer } from './readonly.js';

export const LeadLagStat = z.object({
  pairId: z.string().min(1),
  windowMs: z.number().int(),
  /** > 0: leg A leads leg B by this many ms; < 0: leg B leads. */
  lagMs: z.number().int(),
  /** Pearson correlation of mid changes at that lag, in [−1, 1]. */
  coefficient: z.number().min(-1).max(1),
  /** Number of (x, y) pairs behind the coefficient. */
  samples: z.number().int(),
  /** End of the last completed step, unix ms (venue time). */
  ts: UnixMs,
});
export type LeadLagStat = Infer<typeof LeadLagStat>;
