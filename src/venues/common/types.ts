/**
 * Contracts shared by both venue adapters (implemented in src/venues/common/socket.ts).
 * A venue socket becomes an Observable of raw frames plus a feed-status Observable;
 * the venue's wire.ts/normalize.ts turn frames into decoded messages and BookEvents.
 */
import type { Observable } from 'rxjs';
import type { Venue } from '../../../schema/venue.js';
import type { FeedCounters, FeedStatus } from '../../../schema/feed.js';

/** One frame as received, before decoding. Recorded byte for byte by the recorder. */
export interface RawFrame {
  readonly venue: Venue;
  /** Identifies one physical connection (changes on every reconnect). */
  readonly connId: string;
  /** Our receive time, unix ms. */
  readonly tsReceived: number;
  /** The frame's text exactly as received (binary frames as base64 with `binary: true`). */
  readonly data: string;
  readonly binary?: boolean;
}

/** Feed status and counters are domain shapes: defined once, as zod, in schema/feed.ts. */
export { FeedState, FeedStatus, FeedCounters } from '../../../schema/feed.js';

export interface BackoffOptions {
  /** first delay cap, ms */
  readonly baseMs: number;
  /** largest delay, ms */
  readonly maxMs: number;
  /** connected this long resets the attempt counter, ms */
  readonly stableMs: number;
}

export interface ManagedSocketOptions {
  readonly venue: Venue;
  readonly url: string;
  /** Called before every connect: fresh headers (Kalshi signs the timestamp). */
  readonly headers?: () => Record<string, string>;
  /** Called on every open (first connect and each reconnect) to (re)subscribe. */
  readonly onOpen: (send: (data: string) => void, connId: string) => void;
  /** Client heartbeat, e.g. Polymarket's text `PING` every 10 s. */
  readonly heartbeat?: { readonly intervalMs: number; readonly payload: string };
  /** A socket silent (no frame, no ping, no pong) this long is stale and reconnected. Default 5000. */
  readonly idleTimeoutMs?: number;
  /** A connection quiet this long is probed (WS ping + `probePayload`). Default idleTimeoutMs / 3; must be below idleTimeoutMs. */
  readonly probeIntervalMs?: number;
  /** Text probe sent with the WS ping, answered by the venue (Polymarket: `PING` → `PONG`). */
  readonly probePayload?: string;
  readonly backoff?: BackoffOptions;
  /** Injected for deterministic tests (defaults Math.random / Date.now). */
  readonly random?: () => number;
  readonly now?: () => number;
}

export interface ManagedSocket {
  /** Every text frame received, on every connection, in order. Completes on close(). */
  readonly frames$: Observable<RawFrame>;
  /** Feed lifecycle; replays the current status to new subscribers. */
  readonly status$: Observable<FeedStatus>;
  readonly counters: Readonly<FeedCounters>;
  /** Sends on the current connection; false when not connected (the caller's onOpen resubscribes later). */
  send(data: string): boolean;
  /** Drops the current connection and reconnects (e.g. after a Kalshi terminal error). */
  reconnect(reason: string): void;
  /** Counts a decode error / gap / resync (the venue layer knows those). */
  count(counter: 'decodeErrors' | 'gaps' | 'resyncs'): void;
  /** Closes for good; frames$ and status$ complete. */
  close(): void;
}

/** Options every venue simulator takes (each adds its own: market specs, auth, ping interval…). */
export interface SimulatorOptions<Spec> {
  /** PRNG seed: the same seed gives the same markets and random walk */
  readonly seed?: number;
  /** Explicit markets; when absent `marketCount` markets are generated. */
  readonly markets?: readonly Spec[];
  /** Markets to generate when `markets` is absent. Default 5. */
  readonly marketCount?: number;
  /** Random-walk book messages per second over all markets; 0 = static books. Default 0. */
  readonly rateHz?: number;
  /** Base of generated dates, unix ms. Default: today 00:00 UTC. */
  readonly baseTimeMs?: number;
  /** Frames sent verbatim to every client right after it subscribes (a recorded session). */
  readonly replay?: readonly string[];
  /** 0 or absent = a free port on 127.0.0.1 */
  readonly port?: number;
  readonly now?: () => number;
}

/** The socket faults both venue simulators offer (tests and `arbstream simulate --faults`). */
export interface SimulatorSocketFaults {
  /** Closes every client connection (clients reconnect). */
  dropConnections(): void;
  /** Goes silent for `ms`: no frames, no pings, no pongs, no command answers. */
  stall(ms: number): void;
  sendMalformed(): void;
  sendTruncated(): void;
  sendUnknownType(): void;
  /** Sends `n` random-walk book changes at once. */
  burst(n: number): void;
}
