/**
 * Feed status: the lifecycle of a venue's market-data connection (one managed socket per venue),
 * published by the feeds, persisted into `feed_health` and sent to live subscribers.
 */
import { z } from 'zod';
import type { Infer } from './readonly.js';
import { UnixMs } from './book.js';
import { VenueId } from './venue.js';

export const FeedState = z.enum(['connecting', 'live', 'stale', 'reconnecting', 'closed']);
export type FeedState = z.infer<typeof FeedState>;

export const FeedStatus = z.object({
  venue: VenueId,
  state: FeedState,
  /** Why we are in this state (e.g. 'idle 5000 ms', 'close 1006', 'seq gap sid=2 expected 7 got 9'). */
  reason: z.string().optional(),
  /** unix ms */
  ts: UnixMs,
  /** Reconnect attempt number since the last stable connection (0 when live). */
  attempt: z.number().int(),
  /** Identifies one physical connection (changes on every reconnect). */
  connId: z.string().optional(),
  /** With state 'reconnecting': the backoff delay before the next connect, ms. */
  retryInMs: z.number().optional(),
});
export type FeedStatus = Infer<typeof FeedStatus>;

/** Counters of one feed since start (mutable: the socket counts into it). */
export const FeedCounters = z.object({
  messages: z.number().int(),
  bytes: z.number().int(),
  decodeErrors: z.number().int(),
  gaps: z.number().int(),
  reconnects: z.number().int(),
  resyncs: z.number().int(),
});
export type FeedCounters = z.infer<typeof FeedCounters>;

/**
 * What is persisted per feed status change (`feed_health`): the status plus the counters at that
 * time (the common {@link FeedCounters} and whatever a venue's feed counts besides).
 */
export const FeedRecord = FeedStatus.extend({ counters: z.record(z.string(), z.number()).optional() });
export type FeedRecord = Infer<typeof FeedRecord>;
