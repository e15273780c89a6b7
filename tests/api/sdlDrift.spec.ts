/**
 * SDL drift: schema/api.graphql against the domain schemas (schema/*.ts, zod). For each checked
 * type, every field of the zod object is in the SDL type and every SDL field is in the zod
 * object, except the differences listed (with their reason) in VIEWS below, which are exactly
 * what the views in src/api/views.ts do. Enums must equal the zod enums (Venue = VENUE_IDS).
 *
 * Automatic rule: an SDL field `x: Usd` is the dollar twin of `xMicros` and needs no entry.
 * A stale exception (naming a field that is on neither side) fails too, so the list stays true.
 */
import { readFileSync } from 'node:fs';
import { buildSchema, getNamedType, isEnumType, isObjectType, type GraphQLSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BookTop } from '../../schema/book.js';
import { Edge, EdgeDirection, EdgeLeg, RiskDecision } from '../../schema/edge.js';
import { Execution, ExecutionEvent, ExecutionProgress, ExecutionState, Fill, OrderSide, PlannedLeg, RoleProgress } from '../../schema/execution.js';
import { FeedState, FeedStatus } from '../../schema/feed.js';
import { LeadLagStat } from '../../schema/leadLag.js';
import { Pair, PairLeg, PairStatus } from '../../schema/pair.js';
import { RiskLimits } from '../../schema/risk.js';
import { Outcome, VENUE_IDS } from '../../schema/venue.js';
import { applyFill } from '../../src/execution/positions.js';

const SDL = readFileSync(new URL('../../schema/api.graphql', import.meta.url), 'utf8');

interface ViewDiff {
  /** the domain schema the view is derived from */
  readonly zod: z.ZodObject<z.ZodRawShape>;
  /** zod field → the SDL field(s) serving it under another name */
  readonly renamed?: Readonly<Record<string, string | readonly string[]>>;
  /** zod fields the API does not serve, and why */
  readonly notServed?: Readonly<Record<string, string>>;
  /** SDL fields with no zod field (relations, decision records), and why */
  readonly apiOnly?: Readonly<Record<string, string>>;
}

const RELATION = 'relation, resolved through the per-request loaders (src/api/loaders.ts)';

/**
 * HeldPosition (src/execution/positions.ts) is a TypeScript interface, not a zod schema: its
 * fields are taken from a real position (one fill applied), so a field the fold adds reaches
 * this check. Fields the execution may add later are served already, computed by the API when absent.
 */
const heldSample = applyFill(undefined, { venue: 'kalshi', fillId: 'f', venueOrderId: 'o', marketId: 'M', outcome: 'yes', side: 'buy', priceMicros: 400_000, qty: 1_000_000, tsVenue: 1, tsReceived: 1 }, 0);
const HeldPositionShape = z.object(Object.fromEntries(Object.keys(heldSample).map((k) => [k, z.unknown()])));
const COMPUTED_WHEN_ABSENT = 'computed by the API (src/api/executionReads.ts) when the execution does not provide it';
const positionExtras: Record<string, string> = {
  pairId: 'the pair of the per-pair rows (PositionsSnapshot.byPair key); null on per-market rows',
  unrealizedPnl: 'Usd twin of unrealizedPnlMicros',
  ...Object.fromEntries(['unrealizedPnlMicros', 'markMicros', 'settledAt'].filter((k) => !(k in heldSample)).map((k) => [k, COMPUTED_WHEN_ABSENT])),
};
const POSITION = "the leg's index: 0 = leg A, 1 = leg B";

/** SDL type → its domain schema and the documented differences (mirrors src/api/views.ts). */
const VIEWS: Readonly<Record<string, ViewDiff>> = {
  Edge: {
    zod: Edge,
    renamed: { tsDetected: 'ts' },
    notServed: { oldestBookTsReceived: 'internal staleness input of the risk gate' },
    apiOnly: { pair: RELATION },
  },
  EdgeLeg: {
    zod: EdgeLeg,
    notServed: { tsReceived: 'our receive time of the book: internal staleness input' },
    apiOnly: { position: POSITION },
  },
  Pair: {
    zod: Pair,
    notServed: { resolutionTs: 'not stored on market_pairs: the pipeline derives it from the legs\' markets' },
    apiOnly: {
      decidedBy: 'decision record (PairRecord, src/store/repos/pairs.ts)',
      updatedAt: 'decision record (PairRecord, src/store/repos/pairs.ts)',
      recentEdges: RELATION,
    },
  },
  PairLeg: { zod: PairLeg, apiOnly: { position: POSITION, market: RELATION } },
  RiskDecision: { zod: RiskDecision },
  FeedHealth: { zod: FeedStatus, notServed: { retryInMs: 'the delay of one reconnect: live state, not stored in feed_health' } },
  RiskLimits: { zod: RiskLimits, apiOnly: { updatedAt: 'who/when changed (risk_state row)', updatedBy: 'who/when changed (risk_state row)' } },
  BookTop: {
    zod: BookTop,
    renamed: { tsReceived: 'ts', yesBid: ['yesBid', 'yesBidQty'], yesAsk: ['yesAsk', 'yesAskQty'], noBid: ['noBid', 'noBidQty'], noAsk: ['noAsk', 'noAskQty'] },
  },
  LeadLag: { zod: LeadLagStat },
  Execution: {
    zod: Execution,
    renamed: { plan: ['direction', 'legs', 'expectedProfitMicros', 'lossCapMicros'] },
    apiOnly: { events: 'relation: execution_events of the execution', fills: 'relation: fills of its orders' },
  },
  ExecutionLeg: { zod: PlannedLeg },
  ExecutionProgress: { zod: ExecutionProgress },
  ExecutionRole: { zod: RoleProgress, notServed: { current: 'the order in flight: internal to the state machine (its ids are in venueOrderIds and the events)' } },
  ExecutionEvent: { zod: ExecutionEvent },
  Fill: { zod: Fill, notServed: { tsReceived: 'not stored in fills (the venue time is)' } },
  Position: { zod: HeldPositionShape, apiOnly: positionExtras },
};

const ENUMS: Readonly<Record<string, readonly string[]>> = {
  Venue: VENUE_IDS,
  EdgeDirection: EdgeDirection.options,
  PairStatus: PairStatus.options,
  FeedState: FeedState.options,
  Outcome: Outcome.options,
  ExecutionState: ExecutionState.options,
  OrderSide: OrderSide.options,
};

/** Every difference between an SDL object type and its domain schema that the exceptions do not explain. */
function drift(schema: GraphQLSchema, typeName: string, v: ViewDiff): string[] {
  const type = schema.getType(typeName);
  if (!isObjectType(type)) return [`${typeName}: not an object type in the SDL`];
  const sdl = type.getFields();
  const sdlNames = new Set(Object.keys(sdl));
  const zodNames = Object.keys(v.zod.shape);
  const problems: string[] = [];
  const covered = new Set<string>();
  for (const f of zodNames) {
    if (v.notServed?.[f]) continue;
    const served = v.renamed?.[f] ?? f;
    for (const s of typeof served === 'string' ? [served] : served) {
      covered.add(s);
      if (!sdlNames.has(s)) problems.push(`${typeName}.${s}: in the zod schema (${f}), missing from the SDL`);
    }
  }
  for (const s of sdlNames) {
    if (covered.has(s) || v.apiOnly?.[s]) continue;
    const twin = s + 'Micros';
    if (getNamedType(sdl[s]!.type).name === 'Usd' && covered.has(twin)) continue;
    problems.push(`${typeName}.${s}: in the SDL, not in the zod schema (add it there, or document it in VIEWS)`);
  }
  for (const f of [...Object.keys(v.notServed ?? {}), ...Object.keys(v.renamed ?? {})]) if (!zodNames.includes(f)) problems.push(`${typeName}: stale exception for zod field ${f}`);
  for (const s of Object.keys(v.apiOnly ?? {})) if (!sdlNames.has(s)) problems.push(`${typeName}: stale exception for SDL field ${s}`);
  return problems;
}

function enumDrift(schema: GraphQLSchema, name: string, values: readonly string[]): string[] {
  const type = schema.getType(name);
  if (!isEnumType(type)) return [`${name}: not an enum in the SDL`];
  const sdl = type.getValues().map((v) => v.name);
  return [...sdl.filter((v) => !values.includes(v)).map((v) => `${name}.${v}: in the SDL only`), ...values.filter((v) => !sdl.includes(v)).map((v) => `${name}.${v}: in the zod enum only`)];
}

describe('SDL drift (schema/api.graphql vs schema/*.ts)', () => {
  const schema = buildSchema(SDL);

  it.each(Object.keys(VIEWS))('%s: every zod field is served and every SDL field comes from the schema (or is a documented exception)', (name) => {
    expect(drift(schema, name, VIEWS[name]!)).toEqual([]);
  });

  it.each(Object.keys(ENUMS))('enum %s equals its zod enum', (name) => {
    expect(enumDrift(schema, name, ENUMS[name]!)).toEqual([]);
  });

  it('fails when the zod schema gains a field the SDL lacks', () => {
    const grown = { ...VIEWS.Edge!, zod: Edge.extend({ slippageMicros: z.number().int() }) };
    expect(drift(schema, 'Edge', grown)).toEqual(['Edge.slippageMicros: in the zod schema (slippageMicros), missing from the SDL']);
    expect(drift(schema, 'EdgeLeg', { ...VIEWS.EdgeLeg!, zod: EdgeLeg.extend({ orderId: z.string() }) })).toEqual(['EdgeLeg.orderId: in the zod schema (orderId), missing from the SDL']);
  });

  it('fails when the SDL gains a field the zod schema lacks, or an enum value', () => {
    const grown = buildSchema(SDL.replace(/type Pair \{/, 'type Pair {\n  shadow: Boolean'));
    expect(drift(grown, 'Pair', VIEWS.Pair!)).toEqual(['Pair.shadow: in the SDL, not in the zod schema (add it there, or document it in VIEWS)']);
    const venues = buildSchema(SDL.replace(/enum Venue \{/, 'enum Venue {\n  betfair'));
    expect(enumDrift(venues, 'Venue', VENUE_IDS)).toEqual(['Venue.betfair: in the SDL only']);
    expect(enumDrift(schema, 'Venue', [...VENUE_IDS, 'betfair'])).toEqual(['Venue.betfair: in the zod enum only']);
  });

  it('a stale exception fails', () => {
    expect(drift(schema, 'PairLeg', { ...VIEWS.PairLeg!, notServed: { gone: 'was removed' } })).toEqual(['PairLeg: stale exception for zod field gone']);
  });
});

describe('GraphiQL example operations', () => {
  it('validate against the SDL', async () => {
    const { parse, validate } = await import('graphql');
    const { GRAPHIQL_DEFAULT_QUERY } = await import('../../src/api/yoga.js');
    expect(validate(buildSchema(SDL), parse(GRAPHIQL_DEFAULT_QUERY)).map((e) => e.message)).toEqual([]);
  });
});
