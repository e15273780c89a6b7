/**
 * Entry decoding with a dead-letter stream. Payload convention: field `d` = JSON of the event,
 * `t` = its type name. An entry that is not JSON or fails the schema goes to `<stream>:dead`
 * with fields {reason, stream, id, raw}, is logged and counted, and is acked so it never blocks
 * the group. Dead-letter append happens BEFORE the ack: a crash in between re-delivers the
 * entry (it may be dead-lettered twice, never lost). The persister also dead-letters an entry whose
 * write failed `maxFailures` times, with reason `failed <n> times: <error>` (src/store/persister.ts).
 */
import type { z } from 'zod';
import { log as logger } from '../../log.js';
import { deadLetterKey, type Fields, type StreamEntry, type StreamLog } from './types.js';

export interface Decoded<T> {
  readonly id: string;
  /** the `t` field, if present */
  readonly type: string | undefined;
  readonly value: T;
}

export interface BadEntry {
  readonly entry: StreamEntry;
  readonly reason: string;
}

/** Process-wide counters (exported for metrics). */
export const deadLetterStats = { total: 0, byStream: new Map<string, number>() };

/** Encodes an event to the entry convention {t, d}. */
export function encodeEvent(type: string, value: unknown): Fields {
  return { t: type, d: JSON.stringify(value) };
}

/** Splits entries into decoded values and bad entries with a reason; pure. */
export function decodeEntries<T>(entries: readonly StreamEntry[], schema: z.ZodType<T>): { good: Decoded<T>[]; bad: BadEntry[] } {
  const good: Decoded<T>[] = [];
  const bad: BadEntry[] = [];
  for (const entry of entries) {
    const d = entry.fields.d;
    if (d === undefined) {
      bad.push({ entry, reason: 'missing field d' });
      continue;
    }
    let json: unknown;
    try {
      json = JSON.parse(d);
    } catch (err) {
      bad.push({ entry, reason: `not JSON: ${(err as Error).message}` });
      continue;
    }
    const res = schema.safeParse(json);
    if (res.success) good.push({ id: entry.id, type: entry.fields.t, value: res.data });
    else bad.push({ entry, reason: `schema: ${res.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}` });
  }
  return { good, bad };
}

/** Moves bad entries to `<stream>:dead`, then acks them in `group`. Returns how many were dead-lettered. */
export async function deadLetter(log: StreamLog, stream: string, group: string, bad: readonly BadEntry[]): Promise<number> {
  if (!bad.length) return 0;
  await log.append(
    deadLetterKey(stream),
    bad.map((b) => ({ reason: b.reason, stream, id: b.entry.id, raw: JSON.stringify(b.entry.fields) })),
  );
  await log.ack(stream, group, bad.map((b) => b.entry.id));
  deadLetterStats.total += bad.length;
  deadLetterStats.byStream.set(stream, (deadLetterStats.byStream.get(stream) ?? 0) + bad.length);
  for (const b of bad) logger.warn({ stream, group, id: b.entry.id, reason: b.reason, raw: JSON.stringify(b.entry.fields).slice(0, 2000) }, 'entry dead-lettered');
  return bad.length;
}

/** decodeEntries + deadLetter: returns the good values; the bad ones are already dead-lettered and acked. */
export async function decodeOrDeadLetter<T>(log: StreamLog, stream: string, group: string, entries: readonly StreamEntry[], schema: z.ZodType<T>): Promise<{ good: Decoded<T>[]; dead: number }> {
  const { good, bad } = decodeEntries(entries, schema);
  return { good, dead: await deadLetter(log, stream, group, bad) };
}
