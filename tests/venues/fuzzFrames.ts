/**
 * Grammar-based hostile frames for both venues (fast-check arbitraries), and a harness that pushes
 * them through the REAL feed path: PolymarketFeed / KalshiFeed with a fake ManagedSocket (the
 * `socketFactory` seam), so each frame goes through the same guard, decoder, sequencer and logging
 * as on a live socket. Used by tests/venues/fuzz.spec.ts and bench/fuzz.bench.ts.
 *
 * The grammar starts from the real frame shapes in tests/fixtures/<venue>/ and produces:
 *  valid        a fixture as is (or Polymarket: several in one array frame)
 *  deep         nesting far beyond MAX_JSON_DEPTH, at the top or inside a field
 *  hugeNumber   a number literal (bare or as a decimal string) of 41 … 9,000,000 digits in a field
 *  hugeString   a string of 1 KB … 1 MB in a field
 *  hugeArray    a level array of 20,000 entries (above MAX_LEVELS)
 *  binary       a binary frame (base64 of random bytes)
 *  nonUtf8      random bytes decoded as UTF-8 (replacement chars), lone surrogates in a string
 *  truncated    a fixture's text cut short
 *  absurd       valid JSON with absurd values: negative sizes, prices > 1, NaN-ish strings, 0x10 …
 *  wrongType    any field (leaf or container) replaced by a value of another type
 *  garbage      random text
 * `certain` marks frames that must be rejected whatever the field (so decodeErrors must count them).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { BehaviorSubject, Subject } from 'rxjs';
import type { FeedCounters, FeedStatus, ManagedSocket, ManagedSocketOptions, RawFrame } from '../../src/venues/common/types.js';
import { KalshiFeed } from '../../src/venues/kalshi/socket.js';
import { PolymarketFeed } from '../../src/venues/polymarket/socket.js';
import type { Venue } from '../../schema/venue.js';
import { FIXTURE_MARKETS } from './polymarket/fixtures.js';

export type FuzzKind =
  | 'valid' | 'deep' | 'hugeNumber' | 'hugeString' | 'hugeArray' | 'binary' | 'nonUtf8' | 'truncated' | 'absurd' | 'wrongType' | 'garbage';

export interface FuzzFrame {
  readonly kind: FuzzKind;
  readonly data: string;
  readonly binary?: boolean;
  /** must be rejected (counted as a decode error) whatever field it hit */
  readonly certain: boolean;
}

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../fixtures');

/** Every server→client frame of a venue's fixtures, parsed (list fixtures hold several examples). */
export function fixtureFrames(venue: Venue): unknown[] {
  const dirs = venue === 'polymarket' ? [join(FIXTURES, 'polymarket'), join(FIXTURES, 'polymarket/docs')] : [join(FIXTURES, 'kalshi/docs')];
  const out: unknown[] = [];
  for (const dir of dirs) {
    for (const f of readdirSync(dir)) {
      if (!f.startsWith('ws_') || !f.endsWith('.json') || f.startsWith('ws_cmd_') || f.startsWith('ws_subscribe')) continue;
      const v = JSON.parse(readFileSync(join(dir, f), 'utf8')) as unknown;
      if (Array.isArray(v)) out.push(...v);
      else out.push(v);
    }
  }
  return out;
}

type Path = readonly (string | number)[];

/** Paths of every field, leaves and containers (the root excluded). */
function paths(v: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const p = [...prefix, Array.isArray(v) ? Number(k) : k];
      out.push(p);
      paths(x, p, out);
    }
  }
  return out;
}

/** A copy of `root` with `value` at `path`: only the containers on the path are copied (cheap). */
function setPath(root: unknown, path: Path, value: unknown, i = 0): unknown {
  if (i === path.length) return value;
  const k = path[i]!;
  const node = root as Record<string | number, unknown>;
  const copy = (Array.isArray(root) ? [...root] : { ...node }) as Record<string | number, unknown>;
  copy[k] = setPath(node[k], path, value, i + 1);
  return copy;
}

/** Entries of a hugeArray frame: above MAX_LEVELS (10,000). */
const HUGE_ARRAY = 10_001;

/** Placeholder replaced by raw text after JSON.stringify (to inject what JSON.stringify cannot write). */
const RAW = '\u0001RAW\u0001';
const inject = (v: unknown, path: Path, raw: string): string => JSON.stringify(setPath(v, path, RAW)).replace(`"${RAW}"`, () => raw);

const ABSURD_STRINGS = [
  '-5', '-0.000001', '1.5', '1.0000001', '2', 'NaN', 'nan', 'Infinity', '-Infinity', '1e309', '1e-7', '', ' ', '0x10',
  '٣', '1,000', '00.5', '.5', '5.', '+1', '1e3', '0.1234567', '9'.repeat(40), '9'.repeat(41), '-0', 'null', 'true', '\u0000',
];
const ABSURD_NUMBERS = [-1, -0, 1.5, 2 ** 53 + 2, 1e308, -1e308, 0.1234567, 1e-7, 4294967296, -2147483649];

const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 24 }),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.integer(), { maxKeys: 3 }),
);

/** Lengths skewed towards the small: big ones are rare so that generating stays cheap. */
const hugeLen = (small: number, mid: number, large: number): fc.Arbitrary<number> =>
  fc.oneof({ arbitrary: fc.integer({ min: small, max: small * 10 }), weight: 200 }, { arbitrary: fc.constant(mid), weight: 4 }, { arbitrary: fc.constant(large), weight: 1 });

/** The frame grammar of one venue, built on its fixtures. */
export function frameArbitrary(venue: Venue): fc.Arbitrary<FuzzFrame> {
  const base = fixtureFrames(venue);
  const withPaths = base.map((v) => ({ v, text: JSON.stringify(v), paths: paths(v) })).filter((x) => x.paths.length > 0);
  const fixture = fc.constantFrom(...withPaths);
  // index arithmetic instead of chain(): building an arbitrary per value is what makes generation slow
  const field = fc.tuple(fc.nat({ max: withPaths.length - 1 }), fc.nat()).map(([i, j]) => {
    const f = withPaths[i]!;
    return { f, path: f.paths[j % f.paths.length]! };
  });
  const levelArrays = withPaths.flatMap((f) => f.paths.filter((p) => Array.isArray(p.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], f.v))).map((p) => ({ f, p })));

  const valid = fc.oneof(
    { arbitrary: fixture.map((f): FuzzFrame => ({ kind: 'valid', data: f.text, certain: false })), weight: 3 },
    // Polymarket sends arrays of messages (initial dumps); Kalshi never does (an array is invalid there)
    { arbitrary: fc.array(fixture, { minLength: 2, maxLength: 5 }).map((fs): FuzzFrame => ({ kind: 'valid', data: `[${fs.map((f) => f.text).join(',')}]`, certain: venue === 'kalshi' })), weight: 1 },
  );
  const depth = fc.oneof({ arbitrary: fc.integer({ min: 33, max: 300 }), weight: 50 }, { arbitrary: fc.constant(5_000), weight: 2 }, { arbitrary: fc.constant(100_000), weight: 1 });
  const deep = fc.oneof(
    depth.map((d): FuzzFrame => ({ kind: 'deep', data: '['.repeat(d) + ']'.repeat(d), certain: true })),
    depth.map((d): FuzzFrame => ({ kind: 'deep', data: '{"a":'.repeat(d) + '1' + '}'.repeat(d), certain: true })),
    fc.record({ x: field, d: depth }).map(({ x, d }): FuzzFrame => ({ kind: 'deep', data: inject(x.f.v, x.path, '['.repeat(d) + ']'.repeat(d)), certain: true })),
  );
  const hugeNumber = fc.record({ x: field, n: hugeLen(41, 100_000, 9_000_000), quoted: fc.boolean() }).map(({ x, n, quoted }): FuzzFrame => {
    const digits = '9'.repeat(n);
    // a quoted decimal string is legal JSON of any length: the field caps must catch it; a bare one the pre-scan
    return { kind: 'hugeNumber', data: inject(x.f.v, x.path, quoted ? `"${digits}"` : digits), certain: !quoted || n > 8_000_000 };
  });
  const hugeString = fc.record({ x: field, n: hugeLen(1_000, 100_000, 1_000_000) }).map(({ x, n }): FuzzFrame => ({ kind: 'hugeString', data: inject(x.f.v, x.path, `"${'x'.repeat(n)}"`), certain: false }));
  const hugeArray = levelArrays.length
    ? fc.constantFrom(...levelArrays).map(({ f, p }): FuzzFrame => {
        const arr = p.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], f.v) as unknown[];
        const one = JSON.stringify(arr[0] ?? 1);
        return { kind: 'hugeArray', data: inject(f.v, p, `[${`${one},`.repeat(HUGE_ARRAY - 1)}${one}]`), certain: false };
      })
    : fc.constant<FuzzFrame>({ kind: 'hugeArray', data: '[]', certain: venue === 'kalshi' });
  const binary = fc.uint8Array({ maxLength: 512 }).map((b): FuzzFrame => ({ kind: 'binary', data: Buffer.from(b).toString('base64'), binary: true, certain: true }));
  const nonUtf8 = fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 512 }).map((b): FuzzFrame => ({ kind: 'nonUtf8', data: Buffer.from([0xff, ...b]).toString('utf8'), certain: true })),
    field.map(({ f, path }): FuzzFrame => ({ kind: 'nonUtf8', data: inject(f.v, path, '"\ud800\udfff\ud800 \u0000\ufffe"'), certain: false })),
  );
  const truncated = fc.tuple(fixture, fc.nat()).map(([f, n]): FuzzFrame => ({ kind: 'truncated', data: f.text.slice(0, n % f.text.length), certain: true }));
  const absurd = fc
    .record({ x: field, v: fc.oneof(fc.constantFrom(...ABSURD_STRINGS), fc.constantFrom(...ABSURD_NUMBERS)) })
    .map(({ x, v }): FuzzFrame => ({ kind: 'absurd', data: JSON.stringify(setPath(x.f.v, x.path, v)), certain: false }));
  const wrong = fc.record({ x: field, v: wrongType }).map(({ x, v }): FuzzFrame => ({ kind: 'wrongType', data: JSON.stringify(setPath(x.f.v, x.path, v)), certain: false }));
  // (not fc.string({ unit: 'binary' }): its reverse mapping of every code point costs seconds to build)
  const garbage = fc
    .array(fc.integer({ min: 0, max: 0x10ffff }), { maxLength: 200 })
    .map((cps): FuzzFrame => ({ kind: 'garbage', data: cps.map((c) => (c >= 0xd800 && c <= 0xdfff ? String.fromCharCode(c) : String.fromCodePoint(c))).join(''), certain: false }));

  return fc.oneof(
    { arbitrary: valid, weight: 8 },
    { arbitrary: deep, weight: 8 },
    { arbitrary: hugeNumber, weight: 8 },
    { arbitrary: hugeString, weight: 4 },
    { arbitrary: hugeArray, weight: 1 },
    { arbitrary: binary, weight: 4 },
    { arbitrary: nonUtf8, weight: 4 },
    { arbitrary: truncated, weight: 8 },
    { arbitrary: absurd, weight: 16 },
    { arbitrary: wrong, weight: 16 },
    { arbitrary: garbage, weight: 4 },
  );
}

/** A ManagedSocket without a network: the harness pushes frames into it. */
class FakeSocket implements ManagedSocket {
  readonly frames = new Subject<RawFrame>();
  readonly status: BehaviorSubject<FeedStatus>;
  readonly frames$ = this.frames.asObservable();
  readonly status$: ManagedSocket['status$'];
  readonly counters: FeedCounters = { messages: 0, bytes: 0, decodeErrors: 0, gaps: 0, reconnects: 0, resyncs: 0 };
  sent = 0;
  readonly opts: ManagedSocketOptions;
  constructor(opts: ManagedSocketOptions) {
    this.opts = opts;
    this.status = new BehaviorSubject<FeedStatus>({ venue: opts.venue, state: 'live', ts: 0, attempt: 0, connId: 'fuzz-1' });
    this.status$ = this.status.asObservable();
  }
  open(): void {
    this.opts.onOpen(() => this.send(), 'fuzz-1');
  }
  send(): boolean {
    this.sent++;
    return true;
  }
  reconnect(): void {
    this.counters.reconnects++;
    this.open();
  }
  count(c: 'decodeErrors' | 'gaps' | 'resyncs'): void {
    this.counters[c]++;
  }
  close(): void {
    this.frames.complete();
    this.status.complete();
  }
}

export interface FeedHarness {
  /** one frame through the feed's frame handler, exactly as the socket delivers it */
  push(f: FuzzFrame): void;
  counters(): { decodeErrors: number; messages: number };
  /** book events and decoded messages the feed emitted */
  readonly emitted: { books: number; messages: number };
  close(): void;
}

/** A real PolymarketFeed / KalshiFeed (subscribed to the fixtures' markets) over a {@link FakeSocket}. */
export function feedHarness(venue: Venue): FeedHarness {
  const socks: FakeSocket[] = [];
  const socketFactory = (o: ManagedSocketOptions): ManagedSocket => {
    const s = new FakeSocket(o);
    socks.push(s);
    return s;
  };
  const emitted = { books: 0, messages: 0 };
  let ts = 1_700_000_000_000;
  if (venue === 'polymarket') {
    const feed = new PolymarketFeed({ socketFactory });
    feed.books$.subscribe(() => emitted.books++);
    feed.messages$.subscribe(() => emitted.messages++);
    feed.subscribe(FIXTURE_MARKETS);
    const sock = socks[0]!;
    return {
      push: (f) => {
        sock.counters.messages++;
        sock.frames.next({ venue, connId: 'fuzz-1', tsReceived: ts++, data: f.data, ...(f.binary ? { binary: true } : {}) });
      },
      counters: () => ({ decodeErrors: feed.counters.decodeErrors, messages: feed.counters.messages }),
      emitted,
      close: () => feed.close(),
    };
  }
  const tickers = fixtureFrames('kalshi').flatMap((v) => {
    const t = (v as { msg?: { market_ticker?: unknown } }).msg?.market_ticker;
    return typeof t === 'string' ? [t] : [];
  });
  const feed = new KalshiFeed({ markets: [...new Set(tickers)], socketFactory, commandTimeoutMs: 3_600_000 });
  feed.books$.subscribe(() => emitted.books++);
  feed.messages$.subscribe(() => emitted.messages++);
  const sock = socks[0]!;
  sock.open();
  return {
    push: (f) => {
      sock.counters.messages++;
      sock.frames.next({ venue, connId: 'fuzz-1', tsReceived: ts++, data: f.data, ...(f.binary ? { binary: true } : {}) });
    },
    counters: () => ({ decodeErrors: feed.counters.decodeErrors, messages: feed.counters.messages }),
    emitted,
    close: () => feed.close(),
  };
}
