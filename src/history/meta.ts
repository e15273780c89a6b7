/**
 * A recording's `meta.json`: what a replay needs besides the frames (src/history/format.ts has
 * the frames' layout). Written by `arbstream record` (src/app/record.ts) when recording starts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { Pair } from '../../schema/pair.js';
import type { Infer } from '../../schema/readonly.js';
import { VenueId } from '../../schema/venue.js';
import { NonRetryableError } from '../errors.js';
import { FeeBook, FeeScheduleEntry, type FeeScheduleEntryInput } from '../fees/schedule.js';
import { FeedMarket } from '../venues/venue.js';

/** What a replay needs besides the frames; the recorder writes it next to them as meta.json. */
export const RecordingMeta = z.object({
  pairs: z.array(Pair),
  /** the subscribed markets as each venue's feed saw them (Polymarket token ids…): replay decodes with them */
  markets: z.array(FeedMarket),
  feeSchedules: z.array(z.unknown()),
  marketRefs: z.array(z.object({ venue: VenueId, marketId: z.string(), eventId: z.string().optional(), seriesId: z.string().optional(), category: z.string().optional() })).default([]),
});
export type RecordingMeta = Infer<typeof RecordingMeta>;

export function writeRecordingMeta(dir: string, meta: RecordingMeta): void {
  writeFileSync(path.join(dir, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
}
/** Reads and validates `<dir>/meta.json`; a clear error when it is missing or does not fit. */
export function readRecordingMeta(dir: string): RecordingMeta {
  const file = path.join(dir, 'meta.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new NonRetryableError(`cannot read ${file}: ${(err as Error).message}`, { file }, { cause: err });
  }
  const r = RecordingMeta.safeParse(raw);
  if (!r.success) throw new NonRetryableError(`${file} does not fit the recording meta format (recorded by an older version?): ${z.prettifyError(r.error)}`, { file });
  return r.data;
}
/** The FeeBook as it was when recording started. */
export function feeBookFromMeta(meta: RecordingMeta): FeeBook {
  const fb = new FeeBook();
  for (const e of meta.feeSchedules) fb.add(FeeScheduleEntry.parse(e) as FeeScheduleEntryInput);
  for (const { venue, ...ref } of meta.marketRefs) fb.setMarketRef(venue, ref);
  return fb;
}

