/**
 * The on-disk format of recorded sessions, shared by the recorder and the replay source.
 *
 * ```
 * <dir>/index.jsonl                                   one IndexEntry per closed file (append-only)
 * <dir>/<venue>/<YYYYMMDD-HHmmss>-<nnnn>.jsonl.gz     gzip, one RecordedLine per line
 * ```
 * The time in the file name is the UTC receive time of the file's first frame; `nnnn` is a
 * sequence number that makes the name unique and keeps files of the same second in order.
 * A file whose session crashed has no index entry; the replay source finds it by scanning.
 */
import { z } from 'zod';
import { VenueId } from '../../schema/venue.js';
import type { RawFrame } from '../venues/common/types.js';

export const INDEX_FILE = 'index.jsonl';
export const FILE_SUFFIX = '.jsonl.gz';

/** One line of a recording: a RawFrame exactly as received. */
export const RecordedLine = z.strictObject({
  venue: VenueId,
  connId: z.string(),
  /** our receive time, unix ms */
  tsReceived: z.number().finite(),
  /** the frame's text exactly as received (base64 when binary) */
  data: z.string(),
  binary: z.literal(true).optional(),
});

/** One closed recording file. */
export const IndexEntry = z.object({
  /** path relative to the recording dir, with '/' separators */
  file: z.string().min(1),
  venue: VenueId,
  /** receive time of the first and last frame, unix ms */
  firstTs: z.number().finite(),
  lastTs: z.number().finite(),
  /** frames in the file */
  count: z.number().int().nonnegative(),
  /** uncompressed bytes (JSONL) */
  bytes: z.number().int().nonnegative(),
});
export type IndexEntry = z.infer<typeof IndexEntry>;

/** The line written for a frame (keys in a fixed order; `binary` only when true). */
export function encodeFrame(f: RawFrame): string {
  return JSON.stringify(
    f.binary
      ? { venue: f.venue, connId: f.connId, tsReceived: f.tsReceived, data: f.data, binary: true }
      : { venue: f.venue, connId: f.connId, tsReceived: f.tsReceived, data: f.data },
  );
}

/** The frame of a validated line, shaped exactly as the socket emits it. */
export function toFrame(l: z.infer<typeof RecordedLine>): RawFrame {
  return l.binary
    ? { venue: l.venue, connId: l.connId, tsReceived: l.tsReceived, data: l.data, binary: true }
    : { venue: l.venue, connId: l.connId, tsReceived: l.tsReceived, data: l.data };
}

/** `YYYYMMDD-HHmmss` of a unix ms time, UTC. */
export function fileStamp(ts: number): string {
  const d = new Date(Number.isFinite(ts) ? ts : 0);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}
