/**
 * The `market_pairs` columns of a {@link Pair}, derived from its schema (src/store/columns.ts):
 * legs by position become `a_venue, a_market_id, b_venue, b_market_id`; every other field is a
 * column by name. Columns that are not Pair fields (guards, verdict_model, decided_by, created_at,
 * updated_at) belong to the writers that set them.
 */
import { Pair } from '../../schema/pair.js';
import { rowMapper } from './columns.js';

export const pairRows = rowMapper({
  schema: Pair,
  derived: {
    pair_id: (p) => p.pairId,
    a_venue: (p) => p.legs[0].venue,
    a_market_id: (p) => p.legs[0].marketId,
    b_venue: (p) => p.legs[1].venue,
    b_market_id: (p) => p.legs[1].marketId,
    // jsonb, not text[] (the table predates the convention)
    reasons: (p) => JSON.stringify(p.reasons),
  },
  fields: {
    pairId: 'pair_id',
    legs: 'a_venue',
    reasons: 'reasons',
    resolutionTs: { notStored: "the markets' expected resolution lives in venue_markets" },
  },
});

/** Columns of market_pairs that no Pair field maps to (set by the writers: matcher verdicts, control layer, defaults). */
export const PAIR_TABLE_ONLY_COLUMNS = ['guards', 'verdict_model', 'decided_by', 'created_at', 'updated_at'] as const;
