/**
 * `arbstream simulate --faults <spec>`: the simulators' faults for a user. The spec is parsed and
 * validated with zod ({@link parseFaultSpec}, every problem in one error), then scheduled on the
 * running simulators' controls ({@link scheduleFaults}); each fault is logged when it fires.
 *
 *   <fault>[,<fault>…]   fault = <venue>:<kind>[:<arg>][@<at>][+<for>][/<every>]
 *
 * Times are a number and a unit (`500ms`, `5s`, `1.5s`, `2m`), counted from the start of the
 * simulators. See {@link FAULTS_HELP} (printed by `arbstream simulate --help`) for the kinds.
 */
import { z } from 'zod';
import { VENUE_IDS, type Venue } from '../../schema/venue.js';
import { log } from '../log.js';
import { FAULT_KINDS, type FaultAction, type FaultKind, type SimControl } from '../venues/common/simFaults.js';

export const FAULTS_HELP = `Faults (--faults): a comma-separated list of
  <venue>:<kind>[:<arg>][@<at>][+<for>][/<every>]
times are a number and a unit (500ms, 5s, 1.5s, 2m) from the start; @<at> defaults to 0s;
/<every> repeats the fault (and its window) every <every>.
  gap                 one sequence number skipped on every book subscription (kalshi)
  drop:<rate>         book frames lost with probability rate (0 < rate <= 1), for +<for> or the whole run
  malformed[:<rate>]  one frame that fails the venue's schema at @<at>, or with :<rate>
                      after each book frame with that probability, for +<for> or the whole run
  stall+<for>         silence for <for>: no frame, snapshot, ping or pong; commands ignored,
                      handshakes held (the feed must go stale by itself)
  disconnect[+<for>]  every connection cut; handshakes refused (HTTP 503) for <for>
  error[:<code>]      a Kalshi error frame on every book subscription (default 25, buffer
                      overflow; 10 and 25 end the subscription, others do not) (kalshi)
  http[:<status>]+<for>  every REST request answered with status (default 429; 400-599) for <for>
Example:
  --faults kalshi:gap@5s,polymarket:stall@10s+8s,kalshi:disconnect@20s+2s,polymarket:malformed:0.01,kalshi:http:503@30s+5s/60s`;

/** One parsed fault: what to inject, when, and what ends its window. */
export interface FaultSpec {
  /** the fault as the user wrote it */
  readonly text: string;
  readonly venue: Venue;
  readonly action: FaultAction;
  /** injected when the window (`+<for>`) ends: rates back to 0 */
  readonly end?: FaultAction;
  readonly atMs: number;
  readonly forMs?: number;
  readonly everyMs?: number;
}

export class FaultSpecError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid --faults: ${problems.join('; ')} (see arbstream simulate --help)`);
    this.name = 'FaultSpecError';
  }
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000 } as const;
const Duration = z
  .string()
  .regex(/^\d+(\.\d+)?(ms|s|m)$/, 'a time is a number and a unit: 500ms, 5s, 1.5s, 2m')
  .transform((t) => {
    const [, n, unit] = /^([\d.]+)(ms|s|m)$/.exec(t)!;
    return Math.round(Number(n) * UNIT_MS[unit as keyof typeof UNIT_MS]);
  });
const Rate = z.coerce.number({ message: 'a rate is a number' }).gt(0, 'a rate is above 0').lte(1, 'a rate is at most 1');
const ErrorCode = z.coerce.number().int('an error code is an integer').min(1).max(99);
const HttpStatus = z.coerce.number().int('an HTTP status is an integer').min(400, 'an HTTP status is 400-599').max(599, 'an HTTP status is 400-599');

const Raw = z.object({
  venue: z.enum(VENUE_IDS, { message: `a venue is one of ${VENUE_IDS.join(', ')}` }),
  kind: z.enum(FAULT_KINDS, { message: `a fault kind is one of ${FAULT_KINDS.join(', ')}` }),
  arg: z.string().optional(),
  at: Duration.default(0),
  for: Duration.optional(),
  every: Duration.optional(),
});
type Raw = z.output<typeof Raw>;

const TOKEN = /^(?<venue>[^:@+/]+):(?<kind>[^:@+/]+)(?::(?<arg>[^@+/]+))?(?:@(?<at>[^+/]+))?(?:\+(?<for>[^/]+))?(?:\/(?<every>.+))?$/;

/** The action (and window end) of a validated fault, or the problem with it. */
function toSpec(text: string, r: Raw): FaultSpec | string {
  const noArg = (k: FaultKind) => (r.arg === undefined ? undefined : `${k} takes no argument`);
  const needsFor = (k: FaultKind) => (r.for === undefined ? `${k} needs a duration: ${k}@${r.at / 1000}s+5s` : undefined);
  const base = { text, venue: r.venue, atMs: r.at, ...(r.for === undefined ? {} : { forMs: r.for }), ...(r.every === undefined ? {} : { everyMs: r.every }) };
  const parse = <T>(schema: z.ZodType<T>, v: string): T | string => {
    const p = schema.safeParse(v);
    return p.success ? p.data : `${r.kind}:${v}: ${p.error.issues[0]?.message ?? 'invalid'}`;
  };
  if (r.every !== undefined && r.for !== undefined && r.every <= r.for) return `/${r.every}ms must be longer than +${r.for}ms`;
  switch (r.kind) {
    case 'gap':
      return noArg('gap') ?? (r.for === undefined ? { ...base, action: { kind: 'gap' } } : 'gap is instantaneous: no +<for>');
    case 'error': {
      if (r.for !== undefined) return 'error is instantaneous: no +<for>';
      const code = r.arg === undefined ? 25 : parse(ErrorCode, r.arg);
      return typeof code === 'string' ? code : { ...base, action: { kind: 'error', code } };
    }
    case 'stall':
      return noArg('stall') ?? needsFor('stall') ?? { ...base, action: { kind: 'stall', ms: r.for! } };
    case 'disconnect':
      return noArg('disconnect') ?? { ...base, action: { kind: 'disconnect', refuseMs: r.for ?? 0 } };
    case 'http': {
      const status = r.arg === undefined ? 429 : parse(HttpStatus, r.arg);
      if (typeof status === 'string') return status;
      return needsFor('http') ?? { ...base, action: { kind: 'http', status, ms: r.for! } };
    }
    case 'drop':
    case 'malformed': {
      if (r.arg === undefined) {
        if (r.kind === 'drop') return 'drop needs a rate: drop:0.01';
        return r.for === undefined ? { ...base, action: { kind: 'malformed' } } : 'a single malformed frame takes no +<for>; a window needs a rate: malformed:0.05@5s+10s';
      }
      const rate = parse(Rate, r.arg);
      if (typeof rate === 'string') return rate;
      if (r.every !== undefined && r.for === undefined) return `${r.kind} with a rate repeats only with a window: ${r.kind}:${rate}@0s+5s/30s`;
      const off = r.kind === 'drop' ? { kind: 'drop' as const, rate: 0 } : { kind: 'malformed' as const, rate: 0 };
      return { ...base, action: r.kind === 'drop' ? { kind: 'drop', rate } : { kind: 'malformed', rate }, ...(r.for === undefined ? {} : { end: off }) };
    }
    default: {
      const never: never = r.kind;
      return never;
    }
  }
}

/** Parses a `--faults` spec; every problem is reported at once in a {@link FaultSpecError}. */
export function parseFaultSpec(spec: string): FaultSpec[] {
  const problems: string[] = [];
  const out: FaultSpec[] = [];
  const tokens = spec.split(',').map((t) => t.trim());
  if (!spec.trim()) throw new FaultSpecError(['empty spec']);
  for (const text of tokens) {
    if (!text) {
      problems.push('an empty fault between commas');
      continue;
    }
    const m = TOKEN.exec(text);
    if (!m?.groups) {
      problems.push(`'${text}': not <venue>:<kind>[:<arg>][@<at>][+<for>][/<every>]`);
      continue;
    }
    const g = m.groups;
    const r = Raw.safeParse({ venue: g.venue, kind: g.kind, arg: g.arg, at: g.at, for: g.for, every: g.every });
    if (!r.success) {
      problems.push(`'${text}': ${r.error.issues.map((i) => `${i.path.join('.') || 'fault'}: ${i.message}`).join(', ')}`);
      continue;
    }
    const s = toSpec(text, r.data);
    if (typeof s === 'string') problems.push(`'${text}': ${s}`);
    else out.push(s);
  }
  if (problems.length) throw new FaultSpecError(problems);
  return out;
}

/**
 * Schedules parsed faults on running simulators (times from now). A fault a simulator does not
 * offer is refused before anything is scheduled.
 */
export function scheduleFaults(specs: readonly FaultSpec[], controls: Readonly<Record<Venue, SimControl>>): { stop(): void } {
  const problems = specs
    .filter((s) => !controls[s.venue].faultKinds.includes(s.action.kind))
    .map((s) => `'${s.text}': the ${s.venue} simulator has no '${s.action.kind}' fault (it has: ${controls[s.venue].faultKinds.join(', ')})`);
  if (problems.length) throw new FaultSpecError(problems);
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const fire = (s: FaultSpec): void => {
    const inject = (a: FaultAction, what: string): void => {
      try {
        controls[s.venue].inject(a);
        log.info({ venue: s.venue, fault: s.text }, what);
      } catch (err) {
        log.error({ err, venue: s.venue, fault: s.text }, 'fault injection failed');
      }
    };
    inject(s.action, 'fault injected');
    if (s.end && s.forMs !== undefined) later(s.forMs, () => inject(s.end!, 'fault window over'));
    if (s.everyMs !== undefined) later(s.everyMs, () => fire(s));
  };
  for (const s of specs) later(s.atMs, () => fire(s));
  return {
    stop() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
