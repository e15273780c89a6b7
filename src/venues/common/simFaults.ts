/**
 * Fault injection shared by the venue simulators: the faults a user (`arbstream simulate
 * --faults`, src/demo/faults.ts) or a test can inject ({@link FaultAction}), the control every
 * simulator offers ({@link SimControl}), and the state both keep ({@link SimFaultState}).
 *
 * - `gap`        a sequence number skipped on every book subscription (venues with sequence numbers)
 * - `drop`       book frames lost with probability `rate` (a venue with sequence numbers consumes
 *                the number, so the client sees a gap; one without has no way to notice)
 * - `malformed`  frames that fail the venue's schema (bad field types, truncated JSON, unknown
 *                type): one now, or after each frame with probability `rate`
 * - `stall`      `ms` of silence: nothing sent on any socket (book frames, driver snapshots,
 *                pings, pongs, command answers), commands ignored, handshakes held; the random
 *                walk pauses
 * - `disconnect` every connection cut; handshakes refused with HTTP 503 for `refuseMs`
 * - `error`      a venue error frame on every book subscription (`code`: the venue's own)
 * - `http`       every REST request answered with `status` (429, 5xx) for `ms`
 *
 * Order faults ({@link OrderFault}, armed by the simulators' `orders.fault`), each for the next `count` orders (default 1):
 * - `reject`      the order is refused with the venue's error (`insufficient_balance`, or `price_moved`:
 *                 the liquidity at the limit is gone, so an IOC/FAK fills nothing and a FOK is killed)
 * - `ackLost`     the order is placed (matched, fills published) but its HTTP answer never arrives:
 *                 the connection is cut after `holdMs` (default 0)
 * - `partial`     at most `ratio` (0..1) of the requested quantity can fill
 * - `slowFill`    the order is matched, and answered, only after `ms`; meanwhile it rests at the venue
 *                 (an open order: listed, cancellable; cancelled before `ms`, it matches nothing)
 */
import { mulberry32, type Rng } from './prng.js';

export const FAULT_KINDS = ['gap', 'drop', 'malformed', 'stall', 'disconnect', 'error', 'http'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export type FaultAction =
  | { readonly kind: 'gap' }
  | { readonly kind: 'drop'; readonly rate: number }
  | { readonly kind: 'malformed'; readonly rate?: number }
  | { readonly kind: 'stall'; readonly ms: number }
  | { readonly kind: 'disconnect'; readonly refuseMs: number }
  | { readonly kind: 'error'; readonly code?: number }
  | { readonly kind: 'http'; readonly status: number; readonly ms: number };

/** A fault on the next `count` orders sent to a simulator (see the header). */
export type OrderFault =
  | { readonly kind: 'reject'; readonly reason: 'insufficient_balance' | 'price_moved'; readonly count?: number }
  | { readonly kind: 'ackLost'; readonly holdMs?: number; readonly count?: number }
  | { readonly kind: 'partial'; readonly ratio: number; readonly count?: number }
  | { readonly kind: 'slowFill'; readonly ms: number; readonly count?: number };

/** What the faults did so far (for assertions and logs). */
export interface SimFaultStats {
  /** book frames not sent (`drop`) */
  framesDropped: number;
  /** frames not sent because the simulator was stalled */
  framesSilenced: number;
  malformedSent: number;
  gapsInjected: number;
  errorFramesSent: number;
  disconnects: number;
  /** handshakes refused (503) after a `disconnect` */
  handshakesRefused: number;
  /** handshakes held until a stall ended */
  handshakesHeld: number;
  /** REST requests answered with an injected status */
  restFaulted: number;
}

/** The control every venue simulator offers besides its own venue-specific methods. */
export interface SimControl {
  /** the faults this simulator can inject (a venue without sequence numbers has no `gap`) */
  readonly faultKinds: readonly FaultKind[];
  /** Injects a fault now; a kind not in `faultKinds` throws a RangeError. */
  inject(fault: FaultAction): void;
  /** Pauses (false) or resumes (true) the random walk, so that checkpoints compare books at rest. */
  walk(on: boolean): void;
  /** Unix ms of the last thing sent on any WebSocket (frame, ping or pong); 0 before any. */
  lastSentAt(): number;
  readonly faultStats: Readonly<SimFaultStats>;
}

/** Silence, refusal and REST error windows plus drop/malformed rates of one simulator. */
export class SimFaultState {
  private stalledUntil = 0;
  private refuseUntil = 0;
  private httpUntil = 0;
  private httpCode = 0;
  private dropRate = 0;
  private malformedRate = 0;
  private lastSent = 0;
  walking = true;
  readonly stats: SimFaultStats = {
    framesDropped: 0, framesSilenced: 0, malformedSent: 0, gapsInjected: 0, errorFramesSent: 0, disconnects: 0,
    handshakesRefused: 0, handshakesHeld: 0, restFaulted: 0,
  };
  /** armed order faults with the orders each has left */
  private readonly orderFaults: { fault: OrderFault; left: number }[] = [];
  /** own PRNG, so that faults never change the random walk's sequence */
  private readonly rng: Rng;

  constructor(private readonly now: () => number, seed: number) {
    this.rng = mulberry32((seed ^ 0x5eed_fa17) >>> 0);
  }

  /** The simulator sends nothing while stalled. */
  silent(): boolean {
    return this.now() < this.stalledUntil;
  }
  /** ms until the stall ends (0 when not stalled). */
  stallLeftMs(): number {
    return Math.max(0, this.stalledUntil - this.now());
  }
  /** The random walk moves only when not paused and not stalled. */
  walks(): boolean {
    return this.walking && !this.silent();
  }
  refusing(): boolean {
    return this.now() < this.refuseUntil;
  }
  /** The status to answer a REST request with, when an `http` window is open. */
  restStatus(): number | undefined {
    if (this.now() >= this.httpUntil) return undefined;
    this.stats.restFaulted++;
    return this.httpCode;
  }
  stall(ms: number): void {
    this.stalledUntil = Math.max(this.stalledUntil, this.now() + ms);
  }
  refuse(ms: number): void {
    this.refuseUntil = Math.max(this.refuseUntil, this.now() + ms);
  }
  httpErrors(status: number, ms: number): void {
    this.httpCode = status;
    this.httpUntil = this.now() + ms;
  }
  setDropRate(rate: number): void {
    this.dropRate = rate;
  }
  setMalformedRate(rate: number): void {
    this.malformedRate = rate;
  }
  /** Whether this book frame is lost (`drop`); counted. */
  dropsFrame(): boolean {
    if (!(this.dropRate > 0 && this.rng() < this.dropRate)) return false;
    this.stats.framesDropped++;
    return true;
  }
  /** Whether a malformed frame follows the frame just sent. */
  malformedNext(): boolean {
    return this.malformedRate > 0 && this.rng() < this.malformedRate;
  }
  /** Gate of every WebSocket send: false while stalled (counted); records the send time otherwise. */
  maySend(): boolean {
    if (this.silent()) {
      this.stats.framesSilenced++;
      return false;
    }
    this.lastSent = this.now();
    return true;
  }
  lastSentAt(): number {
    return this.lastSent;
  }
  /** Arms an order fault for the next `count` orders (they stack, first armed first used). */
  armOrderFault(fault: OrderFault): void {
    const n = fault.count ?? 1;
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`order fault count must be a positive integer, got ${n}`);
    if (fault.kind === 'partial' && !(fault.ratio >= 0 && fault.ratio <= 1)) throw new RangeError(`partial ratio must be in [0, 1], got ${fault.ratio}`);
    this.orderFaults.push({ fault, left: n });
  }
  /** The fault the next order meets (consumed), if one is armed. */
  takeOrderFault(): OrderFault | undefined {
    const head = this.orderFaults[0];
    if (!head) return undefined;
    if (--head.left <= 0) this.orderFaults.shift();
    return head.fault;
  }
}

/** What a simulator does for the faults that depend on its venue; `gap` and `error` only where the venue has them. */
export interface VenueFaultHandlers {
  /** skip a sequence number on every book subscription (and make it visible) */
  readonly gap?: () => void;
  /** one malformed frame to every client now */
  readonly malformedNow: () => void;
  /** cut every connection */
  readonly dropConnections: () => void;
  /** the venue's error frame with `code` on every book subscription */
  readonly error?: (code: number) => void;
}

/** The {@link SimControl} of a simulator: the shared faults on `state`, the venue's own through `h`. */
export function simControl(venue: string, state: SimFaultState, h: VenueFaultHandlers): SimControl {
  const kinds = FAULT_KINDS.filter((k) => (k !== 'gap' || h.gap) && (k !== 'error' || h.error));
  return {
    faultKinds: kinds,
    inject(f) {
      if (!kinds.includes(f.kind)) throw new RangeError(`the ${venue} simulator has no '${f.kind}' fault (it has: ${kinds.join(', ')})`);
      switch (f.kind) {
        case 'gap':
          state.stats.gapsInjected++;
          return h.gap?.();
        case 'drop':
          return state.setDropRate(f.rate);
        case 'malformed':
          return f.rate === undefined ? h.malformedNow() : state.setMalformedRate(f.rate);
        case 'stall':
          return state.stall(f.ms);
        case 'disconnect':
          state.stats.disconnects++;
          state.refuse(f.refuseMs);
          return h.dropConnections();
        case 'error':
          return h.error?.(f.code ?? 25);
        case 'http':
          return state.httpErrors(f.status, f.ms);
        default: {
          const never: never = f;
          return never;
        }
      }
    },
    walk: (on) => void (state.walking = on),
    lastSentAt: () => state.lastSentAt(),
    faultStats: state.stats,
  };
}
