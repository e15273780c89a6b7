/**
 * Risk limits: the one definition of what the risk gate enforces (config's risk section, the
 * `risk_state` row, the API's mutation and the `riskLimits` live event all use it).
 */
import { z } from 'zod';
import type { Infer } from './readonly.js';

const micros = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** Every limit, validated (non-negative safe integers; confidence in [0, 1]; book age ≥ 1 ms). */
export const RiskLimits = z.object({
  minEdgePerContractMicros: micros,
  /** integer millionths of a contract */
  minSizeQty: micros,
  minProfitMicros: micros,
  maxPairExposureMicros: micros,
  maxVenueExposureMicros: micros,
  maxTotalExposureMicros: micros,
  maxBookAgeMs: z.number().int().min(1).max(86_400_000),
  /** a pair the matcher approved (no human review) must have at least this confidence */
  minPairConfidence: z.number().min(0).max(1),
  /** an opportunity is re-emitted only when its net edge per contract moved at least this much */
  hysteresisMicros: micros,
});
export type RiskLimits = Infer<typeof RiskLimits>;

const LIMIT_KEYS = Object.keys(RiskLimits.shape) as (keyof RiskLimits)[];

/** Exactly the limit fields of a larger object (e.g. the config's risk section). */
export function pickLimits(from: RiskLimits): RiskLimits {
  const out: Partial<Record<keyof RiskLimits, number>> = {};
  for (const k of LIMIT_KEYS) out[k] = from[k];
  return out as RiskLimits;
}

/** Operator controls that can change while running (API mutations, Discord /kill). */
export interface RiskControl {
  readonly killSwitch: boolean;
  readonly limits: RiskLimits;
}
