/**
 * Strikes from the venues' structured fields, and reference price sources, compared across a pair.
 *
 *   Kalshi market  strike_type / floor_strike / cap_strike / functional_strike / custom_strike ─┐
 *   Polymarket     events[].eventMetadata.priceToBeat (crypto up/down: the price at window start) ├─► Strike ─► 'strike'
 *   either         text thresholds (when only the other side is structured)                    ─┤
 *   Polymarket     a bracket's outcome label (groupItemTitle "91-92°F", "93°F or higher")       ─┘
 *   resolutionSource + rules text ("according to X", "X BTC/USDT", known names, URLs) ───────────► Source ─► 'source'
 *
 * A strike is the set of settlement values for which YES pays (">= 100k" is [100k, ∞)); two
 * strikes agree when those sets are equal, or complementary under a YES↔NO mapping (">= 100k"
 * YES is "< 100k" NO), on the resolution of the published figure ("> 4.4%" is "≥ 4.5%" for the
 * BLS unemployment rate, published to 0.1; see `resolutionOf` / `judgeRegions`). Equal only on a
 * step inferred from the decimals: `flag`; exact complements under the other mapping than the
 * verdict's: `flag` naming the mapping the records imply. Both known and different: `fail`; only one side known (an up/down market
 * whose price-to-beat is not published yet, a functional strike): `flag`. Reference sources named
 * on both sides and different (Binance vs Coinbase, BRTI vs Binance): `flag`; unknown: `pass` with
 * the detail. Market text is data: it is only measured here.
 */
import { z } from 'zod';
import { MarketStrike } from '../../schema/market.js';
import { extractThresholds, labelThresholds, timesOfDay, type Comparator, type Threshold, type TimeOfDay } from './extract.js';
import type { GuardInput, GuardName, GuardResult, Mapping } from './guards.js';
import { sanitizeText } from './sanitize.js';

/**
 * A venue's own strike, as the record should carry it (`MarketRecord.strike`, proposed):
 * `kind` is Kalshi's `strike_type` vocabulary (`greater`, `greater_or_equal`, `less`,
 * `less_or_equal`, `between`, `functional`, `custom`, `structured`, …) or `price_to_beat` for an
 * up/down market whose opening price is not published yet; `field` names the venue field(s).
 */
export const StructuredStrike = MarketStrike;
export type StructuredStrike = z.infer<typeof StructuredStrike>;

/** The YES region of a numeric strike: settlement values v with lo (<|≤) v (<|≤) hi. */
export interface Region {
  readonly lo?: number;
  readonly loIncl: boolean;
  readonly hi?: number;
  readonly hiIncl: boolean;
  /** a text range ("between $3,400 and $3,500"): whether its ends are included is not said */
  readonly fuzzyEnds?: boolean;
}

/** A side's strike: numeric (a YES region), open (known to exist but not comparable), or none. */
export type Strike =
  | { readonly kind: 'numeric'; readonly region: Region; readonly unit?: string; readonly from: string }
  | { readonly kind: 'open'; readonly what: string; readonly from: string; /** a number exists but is not known yet (price to beat, a missing bound) */ readonly pending?: boolean }
  | { readonly kind: 'none' };

const Num = z.number().finite();
const KalshiStrikeFields = z.looseObject({
  strike_type: z.string().nullish(),
  floor_strike: Num.nullish(),
  cap_strike: Num.nullish(),
  functional_strike: z.string().nullish(),
  custom_strike: z.record(z.string(), z.unknown()).nullish(),
});

/**
 * A Kalshi market's structured strike from its raw REST/lifecycle payload (`strike_type`,
 * `floor_strike`, `cap_strike`, `functional_strike`, `custom_strike`); undefined when it has none.
 */
/** `{ strike }` when there is one (exactOptionalPropertyTypes). */
export const withStrike = (strike: StructuredStrike | undefined): { strike?: StructuredStrike } => (strike ? { strike } : {});

export function kalshiStrike(raw: unknown): StructuredStrike | undefined {
  const r = KalshiStrikeFields.safeParse(raw);
  if (!r.success || !r.data.strike_type) return undefined;
  const d = r.data;
  const fields = ['strike_type', d.floor_strike != null ? 'floor_strike' : '', d.cap_strike != null ? 'cap_strike' : '', d.functional_strike ? 'functional_strike' : '', d.custom_strike ? 'custom_strike' : ''];
  return {
    kind: d.strike_type!,
    ...(d.floor_strike != null ? { floor: d.floor_strike } : {}),
    ...(d.cap_strike != null ? { cap: d.cap_strike } : {}),
    ...(d.functional_strike ? { functional: d.functional_strike } : {}),
    ...(d.custom_strike ? { custom: d.custom_strike } : {}),
    field: fields.filter(Boolean).join('+'),
  };
}

const NumLike = z.union([Num, z.string().regex(/^-?\d+(?:\.\d+)?$/).transform(Number)]);
const Meta = z.looseObject({ priceToBeat: NumLike.nullish() }).nullish();
const GammaStrikeFields = z.looseObject({
  question: z.string().nullish(),
  description: z.string().nullish(),
  outcomes: z.union([z.string(), z.array(z.string())]).nullish(),
  eventMetadata: Meta,
  events: z.array(z.looseObject({ eventMetadata: Meta })).nullish(),
});

const UP_DOWN = /\bup or down\b/i;
const outcomesOf = (o: string | readonly string[] | null | undefined): string[] => {
  if (Array.isArray(o)) return [...o];
  if (typeof o !== 'string') return [];
  try {
    const v: unknown = JSON.parse(o);
    return Array.isArray(v) ? v.map(String) : [];
  } catch {
    return [];
  }
};
const isUpDown = (title: string, outcomes: readonly string[]): boolean =>
  UP_DOWN.test(title) || (/^\s*up\s*$/i.test(outcomes[0] ?? '') && /^\s*down\s*$/i.test(outcomes[1] ?? ''));

/** "Up" pays when the end price is ≥ the opening price unless the rules say strictly greater. */
const upKind = (rules: string): string => (/greater than or equal|at least|or equal/i.test(rules) || !/strictly|greater than|higher than/i.test(rules) ? 'greater_or_equal' : 'greater');

/**
 * A Polymarket crypto up/down market's strike from its raw Gamma payload: the price to beat
 * (`eventMetadata.priceToBeat` on the market or its event, which Gamma fills in shortly after
 * the window opens); `price_to_beat` without a value while it is not published. undefined for
 * markets that are not up/down (their thresholds are in the text).
 */
export function polymarketStrike(raw: unknown): StructuredStrike | undefined {
  const r = GammaStrikeFields.safeParse(raw);
  if (!r.success) return undefined;
  const d = r.data;
  if (!isUpDown(d.question ?? '', outcomesOf(d.outcomes))) return undefined;
  const fromMarket = d.eventMetadata?.priceToBeat;
  const fromEvent = d.events?.map((e) => e.eventMetadata?.priceToBeat).find((p) => p != null);
  const price = fromMarket ?? fromEvent;
  if (price == null) return { kind: 'price_to_beat', field: 'eventMetadata.priceToBeat (not published)' };
  return { kind: upKind(d.description ?? ''), floor: price, field: fromMarket != null ? 'eventMetadata.priceToBeat' : 'events[0].eventMetadata.priceToBeat' };
}

const Legacy = z.looseObject({ strikeType: z.string().nullish(), floorStrike: Num.nullish(), capStrike: Num.nullish() });

/**
 * The structured strike a record carries: `strike` (proposed MarketRecord field), else the strike
 * facts the Kalshi lifecycle mapping keeps in `feeInfo` (strikeType/floorStrike/capStrike), else
 * for an up/down market a "price to beat" stated in its text, else an open price-to-beat.
 */
export function structuredStrikeOf(r: GuardInput): StructuredStrike | undefined {
  const own = StructuredStrike.safeParse((r as GuardInput & { readonly strike?: unknown }).strike);
  if (own.success) return own.data;
  const legacy = Legacy.safeParse(r.feeInfo ?? {});
  if (legacy.success && legacy.data.strikeType) {
    const l = legacy.data;
    return {
      kind: l.strikeType!,
      ...(l.floorStrike != null ? { floor: l.floorStrike } : {}),
      ...(l.capStrike != null ? { cap: l.capStrike } : {}),
      field: 'feeInfo.strikeType',
    };
  }
  if (isUpDown(r.title, r.outcomes)) {
    const text = sanitizeText(`${r.rulesText}\n${r.rulesSecondary}`);
    const m = /price to beat\W{0,6}(?:is|of|:)?\s*(?:US)?\$?\s?(-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?)/i.exec(`${r.title}\n${text}`);
    if (m) return { kind: upKind(text), floor: Number(m[1]!.replace(/,/g, '')), field: 'text "price to beat"' };
    return { kind: 'price_to_beat', field: 'up/down market (price to beat not published)' };
  }
  return undefined;
}

const regionOf = (c: Comparator, v: number): Region | undefined => {
  switch (c) {
    case '>': return { lo: v, loIncl: false, hiIncl: false };
    case '>=': return { lo: v, loIncl: true, hiIncl: false };
    case '<': return { hi: v, hiIncl: false, loIncl: false };
    case '<=': return { hi: v, hiIncl: true, loIncl: false };
    case '=': return { lo: v, hi: v, loIncl: true, hiIncl: true };
    case 'between': return undefined;
  }
};

/** A structured strike → its YES region (numeric), or open when it has no comparable value. */
export function strikeFromStructured(s: StructuredStrike): Strike {
  const from = s.field;
  switch (s.kind) {
    case 'greater':
    case 'greater_or_equal':
      return s.floor === undefined ? { kind: 'open', what: `${s.kind} without floor_strike`, from, pending: true } : { kind: 'numeric', region: regionOf(s.kind === 'greater' ? '>' : '>=', s.floor)!, from };
    case 'less':
    case 'less_or_equal':
      return s.cap === undefined ? { kind: 'open', what: `${s.kind} without cap_strike`, from, pending: true } : { kind: 'numeric', region: regionOf(s.kind === 'less' ? '<' : '<=', s.cap)!, from };
    case 'between':
      return s.floor === undefined || s.cap === undefined
        ? { kind: 'open', what: 'between without both bounds', from, pending: true }
        : { kind: 'numeric', region: { lo: Math.min(s.floor, s.cap), hi: Math.max(s.floor, s.cap), loIncl: true, hiIncl: true }, from };
    case 'price_to_beat':
      return { kind: 'open', what: 'price to beat not published yet', from, pending: true };
    default:
      // functional, custom, structured and kinds the venue adds later: not a plain number line
      return { kind: 'open', what: `${s.kind} strike${s.functional ? ` "${s.functional}"` : ''}${s.custom ? ` ${JSON.stringify(s.custom).slice(0, 80)}` : ''}`, from };
  }
}

/** bps → %, ¢ → $ (as the thresholds guard does) so "25 bps" and "0.25%" compare equal. */
const normalise = (value: number, unit: string | undefined): { value: number; unit?: string } =>
  unit === 'bps' ? { value: value / 100, unit: '%' } : unit === '¢' ? { value: value / 100, unit: '$' } : { value, ...(unit ? { unit } : {}) };

/** A record's text thresholds as a strike: one threshold with a comparator, or a 'between' pair. */
export function strikeFromThresholds(ts: readonly { value: number; unit?: string; comparator?: Comparator }[]): Strike {
  if (!ts.length) return { kind: 'none' };
  const from = 'text thresholds';
  const between = ts.filter((t) => t.comparator === 'between');
  // a range and bare values inside it: the rules restating the bracket's members ("the 91-92°F bracket if the high is 91°F or 92°F")
  const members = (t: (typeof ts)[number]): boolean =>
    !t.comparator && between.length === 2 && t.value >= Math.min(between[0]!.value, between[1]!.value) && t.value <= Math.max(between[0]!.value, between[1]!.value) && (!t.unit || !between[0]!.unit || t.unit === between[0]!.unit);
  if (between.length === 2 && ts.length > 2 && ts.every((t) => t.comparator === 'between' || members(t))) return strikeFromThresholds(between);
  if (between.length === 2 && ts.length === 2) {
    const [x, y] = between.map((t) => normalise(t.value, t.unit));
    return { kind: 'numeric', region: { lo: Math.min(x!.value, y!.value), hi: Math.max(x!.value, y!.value), loIncl: true, hiIncl: true, fuzzyEnds: true }, ...(x!.unit ? { unit: x!.unit } : {}), from };
  }
  const withCmp = ts.filter((t) => t.comparator && t.comparator !== 'between');
  if (withCmp.length === 1 && ts.length === 1) {
    const t = withCmp[0]!;
    const n = normalise(t.value, t.unit);
    return { kind: 'numeric', region: regionOf(t.comparator!, n.value)!, ...(n.unit ? { unit: n.unit } : {}), from };
  }
  return { kind: 'open', what: `${ts.length} thresholds in the text (${ts.map((t) => `${t.comparator ?? ''}${t.value}${t.unit ?? ''}`).join(', ')})`, from, pending: true };
}

type TextThreshold = { readonly value: number; readonly unit?: string; readonly comparator?: Comparator };
const directionOf = (c: Comparator | undefined): 'up' | 'down' | undefined => (c === '>' || c === '>=' ? 'up' : c === '<' || c === '<=' ? 'down' : undefined);
/** Characters of the resolution text read for the comparator it states (the strike sentence opens the rules). */
const RULES_COMPARATOR_CHARS = 2_000;

/**
 * Text thresholds with the strictness the resolution text states for the same value: a title's loose
 * "above $98,000" is "≥ $98,000" when the rules say "$98,000.00 or higher" (the rules govern how the
 * market settles; the title's "above"/"below" is only a fallback). Only a comparator of the same
 * direction at the same value (after bps→%, ¢→$; units equal or unnamed on one side) counts, and
 * only when the rules state one strictness for it: "No if below $98,000" speaks of NO, and rules
 * stating both ">" and "≥" at the value leave the title's reading. A title that is itself explicit
 * ("at least $100,000", "$100,000 or more") against rules that say strictly above is a contradiction,
 * not a refinement: it is kept and reported in `conflicts` (a hold for a human).
 */
export function governedThresholds<T extends TextThreshold>(ts: readonly T[], rules: string): { thresholds: T[]; conflicts: string[] } {
  const conflicts: string[] = [];
  if (!ts.some((t) => directionOf(t.comparator)) || !rules) return { thresholds: [...ts], conflicts };
  const stated = extractThresholds(sanitizeText(rules.slice(0, RULES_COMPARATOR_CHARS * 2)).slice(0, RULES_COMPARATOR_CHARS));
  const thresholds = ts.map((t) => {
    const dir = directionOf(t.comparator);
    if (!dir) return t;
    const n = normalise(t.value, t.unit);
    const cs = new Set(
      stated
        .filter((x) => directionOf(x.comparator) === dir)
        .filter((x) => {
          const m = normalise(x.value, x.unit);
          return near(m.value, n.value) && (!m.unit || !n.unit || m.unit === n.unit);
        })
        .map((x) => x.comparator!),
    );
    if (cs.size !== 1) return t;
    const ruled = [...cs][0]!;
    if (ruled === t.comparator) return t;
    // the title's strict "above"/"below" is loose wording: the rules say which; an explicit "at least" against "above" is a contradiction
    if (t.comparator === '>' || t.comparator === '<') return { ...t, comparator: ruled };
    conflicts.push(`the title says ${t.comparator}${t.value}${t.unit ?? ''} but the rules say ${ruled}${t.value}${t.unit ?? ''}`);
    return t;
  });
  return { thresholds, conflicts };
}

/** {@link governedThresholds} without the conflicts. */
export const withRulesComparators = <T extends TextThreshold>(ts: readonly T[], rules: string): T[] => governedThresholds(ts, rules).thresholds;

/** A threshold ladder's question word for its blank ("What price will Bitcoin hit?", "Bitcoin above ___ on Dec 31?"), first match wins. */
const LADDER_WORDS: readonly [RegExp, Comparator][] = [
  [/\b(?:at least|or more|or higher|or above|hit|hits|reach|reaches|touch|touches)\b/i, '>='],
  [/\b(?:at most|or less|or lower|or below|dip to|dips to|fall to|falls to|drop to|drops to)\b/i, '<='],
  [/\b(?:above|over|greater than|more than|higher than|exceeds?|top)\b/i, '>'],
  [/\b(?:below|under|less than|lower than|fewer than)\b/i, '<'],
];

/**
 * A bare outcome label of a threshold ladder ("$100,000", "100k" in "What price will Bitcoin hit?")
 * is the strike of the question's comparator, not an exact value: the comparator the question or its
 * rules write at that value ("$100,000 or more"), else the one its question word gives for the blank
 * when the question names no number of its own ("hit"/"reach" ≥, "above" >, "below" <); the rules
 * then set the strictness. Any other label is returned as it is.
 */
function ladderComparator(label: readonly Threshold[], r: GuardInput): Threshold[] {
  if (label.length !== 1 || label[0]!.comparator !== '=') return [...label];
  const t = label[0]!;
  const n = normalise(t.value, t.unit);
  const stated = [...extractThresholds(r.title), ...extractThresholds(sanitizeText(r.rulesText.slice(0, 4_000)))]
    .filter((x) => x.comparator && x.comparator !== '=' && x.comparator !== 'between')
    .filter((x) => {
      const m = normalise(x.value, x.unit);
      return near(m.value, n.value) && (!m.unit || !n.unit || m.unit === n.unit);
    });
  const cs = new Set(stated.map((x) => x.comparator!));
  if (cs.size === 1) return [{ ...t, comparator: [...cs][0]! }];
  if (cs.size > 1) return [...label];
  // the question names no number: its word for the blank
  if (extractThresholds(r.title).some((x) => !/^(?:19|20)\d\d$/.test(String(x.value)))) return [...label];
  const q = sanitizeText(r.title.replace(/\s+[—–-]\s+[^—–]*$/, ''));
  const word = LADDER_WORDS.find(([re]) => re.test(q));
  return word ? [{ ...t, comparator: word[1] }] : [...label];
}

/** The strike of a side: structured when the venue gives one, else its text thresholds (strictness as its rules state it). */
export function strikeOf(r: GuardInput): { strike: Strike; structured: boolean; conflicts?: string[] } {
  const s = structuredStrikeOf(r);
  if (s) return { strike: strikeFromStructured(s), structured: true };
  // a bracket of a multi-outcome group (Polymarket groupItemTitle "91-92°F", "93°F or higher"): the label is the strike
  const label = r.subjectText ? ladderComparator(labelThresholds(r.subjectText), r) : [];
  if (label.length) {
    const g = governedThresholds(label, r.rulesText);
    const fromLabel = strikeFromThresholds(g.thresholds);
    if (fromLabel.kind === 'numeric') return { strike: { ...fromLabel, from: 'outcome label' }, structured: false, ...(g.conflicts.length ? { conflicts: g.conflicts } : {}) };
  }
  const ts = r.thresholds.length ? r.thresholds : extractThresholds(r.title);
  const g = governedThresholds(ts, r.rulesText);
  const changed = g.thresholds.some((t, i) => t.comparator !== ts[i]!.comparator);
  const strike = strikeFromThresholds(g.thresholds);
  return {
    strike: changed && strike.kind === 'numeric' ? { ...strike, from: 'text thresholds, comparator from the rules' } : strike,
    structured: false,
    ...(g.conflicts.length ? { conflicts: g.conflicts } : {}),
  };
}

const near = (x: number, y: number): boolean => Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));
const sameBound = (x: number | undefined, y: number | undefined): boolean => (x === undefined ? y === undefined : y !== undefined && near(x, y));

/** The complement of a half-line (a bounded region has none that is a region). */
export function complementOf(g: Region): Region | undefined {
  if (g.lo !== undefined && g.hi === undefined) return { hi: g.lo, hiIncl: !g.loIncl, loIncl: false };
  if (g.hi !== undefined && g.lo === undefined) return { lo: g.hi, loIncl: !g.hiIncl, hiIncl: false };
  return undefined;
}

/**
 * How two YES regions compare: the same set; the same set only on a step inferred from the decimals
 * ('inferred': "> 4.4" is "≥ 4.5" if the figure has one decimal, which is not known); the same value
 * written with a different strictness, or one cent apart on a price ('strictness'); a ×100 unit scale
 * apart; neighbouring strikes on a figure whose resolution is known ('adjacent': "> 4.5" is "≥ 4.6"
 * on a rate published to 0.1, a different question); or different.
 */
export type Cmp = 'same' | 'inferred' | 'strictness' | 'scale' | 'adjacent' | 'different';

/** The venues' price grid: Kalshi writes "≥ $150,000" as `greater` 149999.99 (a cent below, exclusive). */
export const GRID = 0.01;

/**
 * The resolution of the settlement figure: the smallest step the published value moves by, so that
 * "> x" is "≥ x + step". `known` when the quantity is recognised (BLS unemployment, CPI/PCE, GDP: 0.1;
 * the Fed target range: 0.25; NWS temperatures: whole degrees; prices: cents); otherwise the step is
 * inferred from the strike written with the most decimals (99999.99 → 0.01) and is only a guess.
 */
export interface Resolution {
  readonly step: number;
  readonly known: boolean;
  /** a price: one cent apart is a strictness difference at a round value, not a neighbouring strike */
  readonly price: boolean;
  readonly what: string;
}

/** The price grid as a known resolution (the default of `compareRegions`). */
export const PRICE_GRID: Resolution = { step: GRID, known: true, price: true, what: 'a price in cents' };

/** Quantities whose published resolution is known, most specific first. `percent`: only when the text speaks of a % change. */
const QUANTITIES: readonly { readonly what: string; readonly step: number; readonly price: boolean; readonly re: RegExp; readonly percent?: boolean; readonly unless?: RegExp }[] = [
  { what: 'the unemployment rate (BLS, published to 0.1)', step: 0.1, price: false, re: /\bunemployment(?: rate)?\b|\bjobless rate\b|\bU-?3\b/i, unless: /\bclaims\b|\bpayrolls?\b/i },
  { what: 'CPI/PCE inflation (published to 0.1 percentage point)', step: 0.1, price: false, re: /\bCPI(?:-U)?\b|\bconsumer price index\b|\binflation\b|\b(?:core )?PCE\b|\bpersonal consumption expenditures?\b/i, percent: true },
  { what: 'GDP growth (BEA, published to 0.1)', step: 0.1, price: false, re: /\bGDP\b|\bgross domestic product\b/i, percent: true },
  { what: 'the Fed target range (25 bp steps)', step: 0.25, price: false, re: /\bfed(?:eral)? funds\b|\bfed(?:eral reserve)?\b[^\n.?]{0,40}\b(?:rate|target|upper bound)\b|\btarget (?:federal funds )?(?:rate|range)\b|\bupper bound\b/i, unless: /\beffective\b|\bEFFR\b|\bSOFR\b|\btreasury\b|\byield\b|\bmortgage\b/i },
  { what: 'a temperature (NWS climate report, whole degrees)', step: 1, price: false, re: /\btemp(?:erature)?s?\b|°\s?[FC]?|\bdegrees\b/i },
  { what: 'a gas price (AAA, a tenth of a cent)', step: 0.001, price: true, re: /\bgas(?:oline)? prices?\b|\bprice of gas(?:oline)?\b/i },
  { what: 'a price in cents', step: GRID, price: true, re: /\$\s?\d|\bprice\b|\bbitcoin\b|\bBTC\b|\bethereum\b|\bETH\b|\bsolana\b|\bXRP\b|\bdogecoin\b|\bstocks?\b|\bshares?\b|\bS&P\b|\bNasdaq\b|\bDow Jones\b|\bclose\b/i },
];

/** The decimals a strike is written with (99999.99 → 2, 2.4999 → 4), at most 6. */
export const decimalsOf = (v: number): number => {
  for (let d = 0; d <= 6; d++) if (near(v * 10 ** d, Math.round(v * 10 ** d))) return d;
  return 6;
};
/**
 * 10^-d as the decimal it is written as: `Number('1e-4')` is the double nearest 0.0001, where
 * `10 ** -4` is 0.00009999999999999999 (pow in floating point), which then shows in reasons and
 * drifts on the grid.
 */
export const decimalStep = (d: number): number => Number(`1e-${Math.max(0, Math.min(6, Math.trunc(d)))}`);
/** A value in steps of the grid (v / step, or v·10^d on a decimal grid, which is exact for written decimals). */
const inSteps = (v: number, step: number): number => {
  const d = Math.round(-Math.log10(step));
  return d >= 0 && d <= 6 && step === decimalStep(d) ? v * 10 ** d : v / step;
};
const onGrid = (v: number, step: number): boolean => Math.abs(inSteps(v, step) - Math.round(inSteps(v, step))) <= 1e-6;
/**
 * A crypto price quoted to the asset's tick (XRP 0.0001, DOGE 0.00001): Kalshi writes "$2.50 or
 * above" as `greater` 2.4999, one tick below the round number. Recognised when some strike written
 * with more decimals than cents sits exactly one tick (10^-d, d its decimals) from a number written
 * with at most d − 2 decimals; the tick is then the figure's step. Other odd decimals stay inferred.
 */
function tickOf(values: readonly number[]): number | undefined {
  const d = Math.max(0, ...values.map(decimalsOf));
  if (d <= 2 || d > 6) return undefined;
  const oneTickFromRound = (v: number): boolean => decimalsOf(v) === d && [1, -1].some((k) => decimalsOf((Math.round(v * 10 ** d) + k) / 10 ** d) <= d - 2);
  return values.some(oneTickFromRound) ? d : undefined;
}
const boundsOf = (gs: readonly Region[]): number[] => gs.flatMap((g) => [g.lo, g.hi]).filter((v): v is number => v !== undefined);

/**
 * The resolution of the figure two records settle on: a known quantity named in their titles (else
 * their rules) whose step every strike sits on, else the step of the strike written with the most
 * decimals, inferred.
 */
export function resolutionOf(a: Pick<GuardInput, 'title' | 'rulesText'>, b: Pick<GuardInput, 'title' | 'rulesText'>, regions: readonly Region[]): Resolution {
  const values = boundsOf(regions);
  const titles = sanitizeText(`${a.title.slice(0, 1_000)}\n${b.title.slice(0, 1_000)}`);
  const rules = sanitizeText(`${a.rulesText.slice(0, 2_000)}\n${b.rulesText.slice(0, 2_000)}`);
  for (const text of [titles, `${titles}\n${rules}`]) {
    const pct = /%|\bpercent(?:age)?\b/i.test(text);
    const q = QUANTITIES.find((k) => k.re.test(text) && (!k.percent || pct) && !(k.unless && k.unless.test(text)) && values.every((v) => onGrid(v, k.step)));
    if (q) return { step: q.step, known: true, price: q.price, what: q.what };
  }
  // a price whose strikes are written to the asset's tick, one tick below a round number (XRP 2.4999)
  const price = QUANTITIES.find((k) => k.what === 'a price in cents')!;
  const tick = price.re.test(`${titles}\n${rules}`) ? tickOf(values) : undefined;
  if (tick !== undefined) {
    return { step: decimalStep(tick), known: true, price: true, what: `a price quoted to the asset's tick of ${decimalStep(tick)} (a strike written one tick below a round number)` };
  }
  const d = Math.max(0, ...values.map(decimalsOf));
  return { step: decimalStep(d), known: false, price: false, what: `a step of ${decimalStep(d)} inferred from the strikes' decimals` };
}

/**
 * An end as an inclusive bound on the figure's grid, counted in steps: "> x" is "≥ x + step", "< x"
 * is "≤ x − step". On the grid (x / step an integer up to float noise) the count is that integer, so
 * "> 2.4999" and "≥ 2.5" on 0.0001 are both 25000 exactly; off the grid it stays fractional.
 */
const closedEnd = (v: number, incl: boolean, side: 'lo' | 'hi', step: number): number => {
  const k = inSteps(v, step);
  const n = Math.abs(k - Math.round(k)) <= 1e-6 ? Math.round(k) : k;
  return incl ? n : side === 'lo' ? n + 1 : n - 1;
};

type EndCmp = 'same' | 'inferred' | 'strictness' | 'adjacent' | 'different';

/** One end of two regions, on the figure's resolution. */
function compareEnd(x: number | undefined, xIncl: boolean, y: number | undefined, yIncl: boolean, side: 'lo' | 'hi', fuzzy: boolean, r: Resolution): EndCmp {
  if (x === undefined || y === undefined) return x === y ? 'same' : 'different';
  // a text range's end may or may not be included: equal, or one grid step apart, is the same end
  if (fuzzy) return near(x, y) || near(Math.abs(x - y), GRID) ? 'same' : 'different';
  if (near(x, y) && xIncl === yIncl) return 'same';
  const cx = closedEnd(x, xIncl, side, r.step);
  const cy = closedEnd(y, yIncl, side, r.step);
  if (near(cx, cy)) return r.known ? 'same' : 'inferred';
  // the same value written "≥ x" and "> x": a neighbouring strike when the figure's steps are known
  // (unless a price, where it is one tick), otherwise a strictness difference a human must read
  if (near(x, y)) return r.known && !r.price ? 'adjacent' : 'strictness';
  if (near(Math.abs(cx - cy), 1) && r.known) return r.price ? 'strictness' : 'adjacent';
  return 'different';
}

const SEVERITY: readonly EndCmp[] = ['same', 'inferred', 'strictness', 'adjacent', 'different'];
const worst = (x: EndCmp, y: EndCmp): EndCmp => (SEVERITY.indexOf(x) >= SEVERITY.indexOf(y) ? x : y);

/**
 * Two YES regions on the figure's resolution `r` (default: a price on the cent grid). See `Cmp`.
 */
export function compareRegions(x: Region, y: Region, r: Resolution = PRICE_GRID): Cmp {
  const fuzzy = Boolean(x.fuzzyEnds || y.fuzzyEnds);
  const both = worst(compareEnd(x.lo, x.loIncl, y.lo, y.loIncl, 'lo', fuzzy, r), compareEnd(x.hi, x.hiIncl, y.hi, y.hiIncl, 'hi', fuzzy, r));
  if (both !== 'different') return both;
  const scaled = (k: number): boolean =>
    (x.lo === undefined) === (y.lo === undefined) && (x.hi === undefined) === (y.hi === undefined) && sameBound(x.lo === undefined ? undefined : x.lo * k, y.lo) && sameBound(x.hi === undefined ? undefined : x.hi * k, y.hi);
  return scaled(100) || scaled(0.01) ? 'scale' : 'different';
}

const showRegion = (g: Region, unit?: string): string => {
  const u = unit ?? '';
  if (g.lo !== undefined && g.hi !== undefined) return near(g.lo, g.hi) && g.loIncl && g.hiIncl ? `=${g.lo}${u}` : `${g.loIncl ? '[' : '('}${g.lo}${u}, ${g.hi}${u}${g.hiIncl ? ']' : ')'}`;
  if (g.lo !== undefined) return `${g.loIncl ? '>=' : '>'}${g.lo}${u}`;
  if (g.hi !== undefined) return `${g.hiIncl ? '<=' : '<'}${g.hi}${u}`;
  return 'any';
};

/** A region with its open ends closed on the figure's grid ("> 99999.99" on cents is "≥ 100000"). */
const showClosed = (g: Region, r: Resolution): string => {
  const d = decimalsOf(r.step);
  const at = (v: number, incl: boolean, side: 'lo' | 'hi'): string => (closedEnd(v, incl, side, r.step) * r.step).toFixed(d).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  if (g.lo !== undefined && g.hi === undefined) return `>=${at(g.lo, g.loIncl, 'lo')}`;
  if (g.hi !== undefined && g.lo === undefined) return `<=${at(g.hi, g.hiIncl, 'hi')}`;
  return showRegion(g);
};

const res = (guard: GuardName, outcome: GuardResult['outcome'], reason: string): GuardResult => ({ guard, outcome, reason });
const isPoint = (g: Region): boolean => g.lo !== undefined && g.hi !== undefined && near(g.lo, g.hi);
const contains = (g: Region, v: number): boolean =>
  (g.lo === undefined || v > g.lo || (g.loIncl && near(v, g.lo))) && (g.hi === undefined || v < g.hi || (g.hiIncl && near(v, g.hi)));

/**
 * The strikes of both legs must agree (YES regions equal, or complementary under YES↔NO). Runs only
 * when at least one venue gives a structured strike (Kalshi strike fields, a price-to-beat, an
 * up/down market); text thresholds alone are the thresholds guard's.
 */
export function strikeComparison(a: GuardInput, b: GuardInput, mapping: Mapping): GuardResult {
  const sa = strikeOf(a);
  const sb = strikeOf(b);
  if (!sa.structured && !sb.structured) return res('strike', 'pass', 'no structured strike or price-to-beat on either venue (text thresholds: thresholds guard)');
  const x = sa.strike;
  const y = sb.strike;
  if (x.kind === 'none' && y.kind === 'none') return res('strike', 'pass', 'no strike on either venue');
  // a custom/functional strike (a team, a formula) against no number at all: nothing numeric to compare
  const nonNumeric = (s: Strike): s is Extract<Strike, { kind: 'open' }> => s.kind === 'open' && !s.pending;
  if ((nonNumeric(x) && y.kind !== 'numeric') || (nonNumeric(y) && x.kind !== 'numeric')) {
    const o = nonNumeric(x) ? x : (y as Extract<Strike, { kind: 'open' }>);
    return res('strike', 'pass', `no numeric strike to compare (${o.what}, ${o.from}); the subject guards compare the rest`);
  }
  if (x.kind !== 'numeric' || y.kind !== 'numeric') {
    const says = (r: GuardInput, s: Strike): string =>
      s.kind === 'none' ? `${r.venue}: no strike or threshold` : s.kind === 'open' ? `${r.venue}: ${s.what} (${s.from})` : `${r.venue}: ${showRegion(s.region, s.unit)} (${s.from})`;
    return res('strike', 'flag', `strike known on one side only: ${says(a, x)}; ${says(b, y)}: a human must compare them`);
  }
  // a title whose explicit strictness its own rules contradict: which one settles is for a human
  const conflicts = [...(sa.conflicts ?? []).map((c) => `${a.venue}: ${c}`), ...(sb.conflicts ?? []).map((c) => `${b.venue}: ${c}`)];
  if (conflicts.length) return res('strike', 'flag', `title and rules disagree on the strike's strictness (${conflicts.join('; ')}): a human must confirm`);
  // a figure read at a clock time ("at 5PM ET" / "at 12pm EST"): another time is another question
  const at = observationTimes(a, b);
  if (at) return res('strike', 'flag', `the figure is read at different times of day: ${a.venue} "${at[0]}" vs ${b.venue} "${at[1]}": a human must confirm`);
  return judgeRegions('strike', a, b, x, y, mapping);
}

/**
 * The clock times the two titles read their figure at, when each names exactly one (zones written
 * in the same family, or on neither side) and they differ; undefined otherwise. The time a price is
 * read at is part of its strike (the 5 PM print is not the noon print).
 */
function observationTimes(a: Pick<GuardInput, 'title' | 'rulesText'>, b: Pick<GuardInput, 'title' | 'rulesText'>): [string, string] | undefined {
  const [x, y] = [observationTime(a), observationTime(b)];
  if (!x || !y) return undefined;
  if ((x.zone ?? '') !== (y.zone ?? '')) return undefined;
  return x.minutes === y.minutes ? undefined : [x.raw, y.raw];
}

/**
 * The one clock time a record reads its figure at: its title's, else, when the title names none, the
 * one time its rules name (written once or repeated: "before 12 PM EST … at 12 PM EST"); undefined
 * when it names none or several.
 */
function observationTime(r: Pick<GuardInput, 'title' | 'rulesText'>): TimeOfDay | undefined {
  const t = timesOfDay(r.title);
  if (t.length) return t.length === 1 ? t[0] : undefined;
  const rs = timesOfDay(r.rulesText.slice(0, 1_000));
  return rs.length && rs.every((x) => x.minutes === rs[0]!.minutes && (x.zone ?? '') === (rs[0]!.zone ?? '')) ? rs[0] : undefined;
}

type NumericStrike = Extract<Strike, { kind: 'numeric' }>;
const RANK: readonly Cmp[] = ['same', 'inferred', 'strictness', 'scale', 'adjacent', 'different'];
const other = (m: 'YES_YES' | 'YES_NO'): 'YES_YES' | 'YES_NO' => (m === 'YES_YES' ? 'YES_NO' : 'YES_YES');

/**
 * Two numeric strikes (YES regions) on the resolution of the figure they settle on, under the
 * verdict's mapping (undefined: the straight comparison or the YES↔NO complement, whichever fits):
 *
 *   equal on the grid (known resolution, or as written)                  pass
 *   equal only on a step inferred from the decimals ("> 4.4" / "≥ 4.5")  flag
 *   same value, other strictness; one cent apart on a price              flag
 *   exact complements under the other mapping than the verdict's         flag, naming the mapping the records imply
 *   a factor 100 apart; an exact value inside a band                     flag
 *   neighbouring strikes on a known grid ("≥ 4.5" / "> 4.5" on 0.1)      fail
 *   otherwise                                                            fail
 *
 * A contradiction of the verdict's mapping is never a pass, so it never approves automatically.
 */
export function judgeRegions(guard: GuardName, a: Pick<GuardInput, 'venue' | 'title' | 'rulesText'>, b: Pick<GuardInput, 'venue' | 'title' | 'rulesText'>, x: NumericStrike, y: NumericStrike, mapping: Mapping): GuardResult {
  const cx = complementOf(x.region);
  const r = resolutionOf(a, b, [x.region, y.region, ...(cx ? [cx] : [])]);
  const detail = `${a.venue} ${showRegion(x.region, x.unit)} (${x.from}) vs ${b.venue} ${showRegion(y.region, y.unit)} (${y.from}); resolution ${r.step} (${r.known ? r.what : 'inferred, not a known quantity'})`;
  const cmp: Record<'YES_YES' | 'YES_NO', Cmp> = { YES_YES: compareRegions(x.region, y.region, r), YES_NO: cx ? compareRegions(cx, y.region, r) : 'different' };
  const allowed: ('YES_YES' | 'YES_NO')[] = mapping ? [mapping] : ['YES_YES', 'YES_NO'];
  const [m, c] = allowed.map((k) => [k, cmp[k]] as const).reduce((p, q) => (RANK.indexOf(q[1]) < RANK.indexOf(p[1]) ? q : p));
  if (c === 'same') return res(guard, 'pass', `same strike${m === 'YES_NO' ? ' (YES↔NO complement)' : ''}: ${detail}`);
  // the verdict's mapping does not fit, the other one does: very likely the same question inverted
  if (mapping) {
    const o = other(mapping);
    if (cmp[o] === 'same' || cmp[o] === 'inferred') {
      return res(guard, 'flag', `strikes ${o === 'YES_NO' ? 'are complements' : 'are the same'} (records imply ${o}; the verdict said ${mapping}): a human must confirm the mapping: ${detail}`);
    }
  }
  if (c === 'inferred') return res(guard, 'flag', `strikes equal only if the figure moves in steps of ${r.step}, which is inferred from the decimals (${m}): a human must confirm: ${detail}`);
  if (c === 'strictness') {
    const onTheGrid = r.known ? ` (on the grid: ${a.venue} ${showClosed(m === 'YES_NO' ? cx! : x.region, r)}, ${b.venue} ${showClosed(y.region, r)})` : '';
    return res(guard, 'flag', `strike strictness differs at the same value${r.price ? `, or one tick (${r.step}) apart on a price: a print exactly at the round strike settles them differently` : ''}${onTheGrid} (${m}): ${detail}`);
  }
  if (c === 'scale') return res(guard, 'flag', `strikes a factor 100 apart (bps vs %, ¢ vs $?): ${detail}`);
  // "exactly 0.1%" against a band that holds 0.1: rounding of a published figure, which a human must read
  const [p, q] = isPoint(x.region) ? [x.region, y.region] : [y.region, x.region];
  if (isPoint(p) && !isPoint(q) && q.lo !== undefined && q.hi !== undefined && contains(q, p.lo!)) {
    return res(guard, 'flag', `an exact value against a band that contains it (rounding?): ${detail}`);
  }
  if (c === 'adjacent') return res(guard, 'fail', `neighbouring strikes on ${r.what}${mapping ? ` (${mapping})` : ''}: ${detail}`);
  return res(guard, 'fail', `strikes differ${mapping ? ` (${mapping})` : ''}: ${detail}`);
}

// ---------------------------------------------------------------------------------------------
// Reference sources

/** A reference price/data source: canonical name, the instrument or index when named, and where it was found. */
export interface ReferenceSource {
  readonly name: string;
  readonly instrument?: string;
  readonly from: string;
}

/** Known sources: canonical name → pattern (names, abbreviations, domains). Case matters where the abbreviation is a word. */
const KNOWN_SOURCES: readonly (readonly [string, RegExp])[] = [
  ['CF Benchmarks', /\bCF Benchmarks\b|\bCME CF\b|\bBRTI\b|\b[A-Z]{3,5}USD_RTI\b|\bBitcoin Real[- ]Time Index\b|\bEther(?:eum)? Real[- ]Time Index\b|\bReal[- ]Time Index\b|cfbenchmarks\.com/],
  ['Chainlink', /\bchainlink\b|data\.chain\.link/i],
  ['Pyth', /\bPyth\b|pyth\.network/],
  ['Binance', /\bbinance\b/i],
  ['Coinbase', /\bcoinbase\b/i],
  ['Kraken', /\bkraken\b/i],
  ['Bitstamp', /\bbitstamp\b/i],
  ['Gemini', /\bGemini (?:exchange|BTC|ETH)|gemini\.com/i],
  ['OKX', /\bOKX\b|okx\.com/i],
  ['Bybit', /\bbybit\b/i],
  ['CoinGecko', /\bcoingecko\b/i],
  ['CoinMarketCap', /\bcoinmarketcap\b/i],
  ['BLS', /\bBureau of Labor Statistics\b|\bBLS\b|bls\.gov/],
  ['BEA', /\bBureau of Economic Analysis\b|\bBEA\b|bea\.gov/],
  ['Federal Reserve', /\bFederal Reserve\b|\bFOMC\b|federalreserve\.gov|\bthe Fed\b/],
  ['Associated Press', /\bAssociated Press\b|\bAP\b|apnews\.com/],
  ['NWS', /\bNational Weather Service\b|\bNWS\b|\bNOAA\b|weather\.gov/],
  ['AAA', /\bAAA\b|gasprices\.aaa\.com/],
  ['EIA', /\bEnergy Information Administration\b|\bEIA\b|eia\.gov/],
  ['Census Bureau', /\bCensus Bureau\b|census\.gov/],
  // the Treasury as a publisher (daily par yield curve), not a Treasury security ("U.S. Treasury par yield", "Treasury bills")
  ['U.S. Treasury', /\b(?:U\.?S\.? )?Department of the Treasury\b|\bTreasury Department\b|\bU\.?S\.? Treasury\b(?! (?:par|yields?|notes?|bonds?|bills?|securities|rates?|curve)\b)|treasury\.gov/],
  ['S&P Dow Jones Indices', /\bS&P Dow Jones Indices\b|spglobal\.com/],
  ['Nasdaq', /\bnasdaq\.com\b/i],
  ['Yahoo Finance', /\byahoo finance\b|finance\.yahoo\.com/i],
  ['Bloomberg', /\bbloomberg\b/i],
  ['Reuters', /\breuters\b/i],
  // polling aggregators: RealClearPolitics publishes its averages on realclearpolling.com
  ['RealClearPolitics', /\bRealClear ?Polit(?:ics|ics\.com)\b|\bRealClear ?Polling\b|\bRCP\b|realclearpolitics\.com|realclearpolling\.com/i],
  ['Silver Bulletin', /\bSilver Bulletin\b|natesilver\.net/i],
  ['FiveThirtyEight', /\bFiveThirtyEight\b|\b538\b(?=[^.\n]{0,40}\b(?:average|polls?|polling|forecast)\b)|fivethirtyeight\.com/i],
  ['Decision Desk HQ', /\bDecision Desk(?: HQ)?\b|\bDDHQ\b|decisiondeskhq\.com/i],
  ['Gallup', /\bGallup\b/],
  ['Weather Underground', /\bWeather Underground\b|\bWunderground\b|wunderground\.com/i],
];

/** "according to X", "as reported by X", "published by X", "source is X": X is the capitalised phrase after it. */
const NAMED_SOURCE = /\b(?:[Aa]ccording to|[Aa]s (?:reported|published|announced|stated) by|[Aa]s (?:shown|displayed|listed|published) (?:on|by|in)|[Rr]eported by|[Pp]ublished by|[Pp]er|[Rr]esolution source (?:for this market )?(?:is|will be)|[Dd]ata from|[Ss]ource:)\s+(?:the\s+|information from\s+)?((?:[A-Z][\w&.'-]*|of|the|for)(?:\s+(?:[A-Z][\w&.'-]*|of|the|for)){0,5})/g;
/** Words that make a named phrase an organisation, an index, an exchange, an aggregator or a station (a source can be). */
const ORG_WORD =
  /\b(?:Bureau|Department|Agency|Administration|Office|Institute|Association|Commission|Committee|Council|Board|Service|Authority|Ministry|Bank|Exchange|Index|Indices|Average|Polls?|Polling|Survey|Report|News|Times|Post|Journal|Tribune|Herald|Gazette|Chronicle|Magazine|Daily|Book|Guide|Network|Center|Centre|Foundation|Organi[sz]ation|Federation|League|Union|University|Corporation|Corp|Inc|LLC|Ltd|Group|Statistics|Data|Weather|Observatory|Station|Airport|Media|Press|Insights|Research|Analytics|Markets?|Benchmarks?|Oracle|Feed|Tracker|Monitor|Registry|Archive|Wire|Channel|Broadcasting|Company|Labs?|Capital|Securities|Finance|Financial)\b/;
/** Two to four name words ("Donald Trump", "J. D. Vance", "Ursula von der Leyen"): a person. */
const PERSON_NAME = /^(?:[A-Z][a-z]+|[A-Z]\.)(?:\s+(?:[A-Z][a-z]+|[A-Z]\.|de|der|van|von|da|del|la|le|bin|al)){1,3}$/;
/** "X's approval rating": what follows the name says X is measured, not that X publishes the figure. */
const MEASURED = /^\s*(?:'s|’s)\s+(?:(?:net\s+|job\s+|overall\s+)?(?:approval|disapproval|favou?rability|favou?rable|popularity|rating|ratings|net worth|wealth|polling|poll numbers|odds|chances|vote share|account|posts?|tweets?))\b/i;

/**
 * Whether a named phrase, not a known source, can be a reference source: an organisation, index,
 * exchange, aggregator or station (an organisation word, an acronym, a domain, a one-word brand
 * such as "RealClearPolitics"), never a person, a venue, or the question's subject (a name its title
 * carries written as the owner of the figure, or any name whose figure is measured: "according to
 * Donald Trump's approval rating", "according to Tesla's delivery report").
 */
function sourceLike(phrase: string, title: string, after: string): boolean {
  if (ORG_WORD.test(phrase) || /^[A-Z0-9&]{2,8}$/.test(phrase) || /\.(?:com|org|net|gov|io|co)\b/i.test(phrase)) return true;
  // the venues and their oracle settle, they do not publish the figure ("per Kalshi rules", "according to UMA")
  if (MEASURED.test(after) || PERSON_NAME.test(phrase) || /^(?:Kalshi|Polymarket|UMA)\b/.test(phrase)) return false;
  // "according to Spotify" names the chart's publisher even when the title is about Spotify; "according to
  // Tesla's deliveries" names what is measured: the subject the title carries, followed by a possessive
  if (!/^\s*(?:'s|’s)\b/.test(after)) return true;
  const words = phrase.split(/\s+/).filter((w) => /^[A-Z]/.test(w) && w.length >= 3).map((w) => w.replace(/(?:'s|’s)$/, ''));
  const t = title.toLowerCase();
  return !words.some((w) => new RegExp(`(?<![\\w])${escapeRe(w.toLowerCase())}(?![\\w])`).test(t));
}
const escapeRe = (x: string): string => x.replace(/[.*+?^$\\{}()|[\]\\]/g, '\\$&');
const INSTRUMENT = /\b([A-Z]{2,6})\s?(?:\/|-)\s?(USDT|USDC|USD|EUR|BUSD)\b|\b(BTC|ETH|SOL|XRP|DOGE)(USDT|USDC|USD)\b/;
/** Index names that matter when both venues name one (a different index of the same source is a different question). */
const INDEX_NAMES: readonly (readonly [string, RegExp])[] = [
  ['C-CPI-U', /\bC-CPI-U\b|\bchained CPI\b/i],
  ['core CPI', /\bcore CPI\b|\bCPI[^.]{0,20}less food and energy\b/i],
  ['CPI-W', /\bCPI-W\b/],
  ['CPI-U', /\bCPI-U\b|\bConsumer Price Index for All Urban Consumers\b/i],
  ['core PCE', /\bcore PCE\b/i],
  ['PCE', /\bPCE\b|\bPersonal Consumption Expenditures?\b/i],
  ['PPI', /\bPPI\b|\bProducer Price Index\b/i],
];

const canonical = (phrase: string): string | undefined => KNOWN_SOURCES.find(([, re]) => re.test(phrase))?.[0];

function firstKnown(text: string): { name: string; at: number } | undefined {
  let best: { name: string; at: number } | undefined;
  for (const [name, re] of KNOWN_SOURCES) {
    const m = new RegExp(re.source, re.flags.replace('g', '')).exec(text);
    if (m && (!best || m.index < best.at)) best = { name, at: m.index };
  }
  return best;
}

/**
 * The reference source a market settles on: the venue's `resolutionSource` field (a URL or the
 * Kalshi series' settlement source names) first, then a source named in the rules ("according to
 * X", "as reported by X", "X BTC/USDT", a known name); the instrument (BTC/USDT) or index (CPI-U)
 * when named. A proposed `referenceSource` record field wins when present. undefined when none is named.
 */
export function referenceSourceOf(r: Pick<GuardInput, 'title' | 'rulesText' | 'rulesSecondary' | 'resolutionSource'> & { readonly referenceSource?: unknown }): ReferenceSource | undefined {
  const rules = sanitizeText(`${r.rulesText}\n${r.rulesSecondary}`);
  const all = `${r.title}\n${rules}`;
  const instr = INSTRUMENT.exec(all);
  const instrument = instr ? (instr[1] ? `${instr[1]}/${instr[2]}` : `${instr[3]}/${instr[4]}`) : INDEX_NAMES.find(([, re]) => re.test(all))?.[0];
  const withInstrument = (name: string, from: string): ReferenceSource => ({ name, ...(instrument ? { instrument } : {}), from });
  if (typeof r.referenceSource === 'string' && r.referenceSource.trim()) {
    const s = sanitizeText(r.referenceSource);
    return withInstrument(canonical(s) ?? s, 'referenceSource');
  }
  const field = r.resolutionSource ? sanitizeText(r.resolutionSource) : '';
  if (field) {
    const first = field.split(/;\s*/)[0]!;
    const name = canonical(first) ?? firstKnown(field)?.name;
    if (name) return withInstrument(name, 'resolutionSource');
  }
  // a named phrase in the rules: "according to Binance", "as reported by the Bureau of Labor Statistics"
  NAMED_SOURCE.lastIndex = 0;
  const named: { name: string; at: number }[] = [];
  for (let m = NAMED_SOURCE.exec(rules); m; m = NAMED_SOURCE.exec(rules)) {
    const phrase = m[1]!.replace(/\s+(?:of|the|for)$/i, '').replace(/(?:'s|’s|[.,;:])+$/, '').trim();
    const known = canonical(phrase);
    if (known) named.push({ name: known, at: m.index });
    else if (/^[A-Z]/.test(phrase) && phrase.length >= 3 && sourceLike(phrase, r.title, rules.slice(m.index + m[0].length - (m[1]!.length - m[1]!.replace(/(?:'s|’s)$/, '').length)))) named.push({ name: phrase, at: m.index });
  }
  const known = firstKnown(rules);
  const pick = named.find((n) => KNOWN_SOURCES.some(([k]) => k === n.name)) ?? known ?? named[0];
  if (pick) return withInstrument(pick.name, named.includes(pick) ? 'rules (named)' : 'rules');
  if (field) return withInstrument(field, 'resolutionSource');
  return undefined;
}

const norm = (s: string): string => s.toLowerCase().replace(/^the\s+/, '').replace(/[^a-z0-9&]+/g, ' ').trim();
/** USD and its stablecoins are the same quote for a reference price only when the venue says so: compared as written. */
const showSource = (s: ReferenceSource): string => `${s.name}${s.instrument ? ` ${s.instrument}` : ''} (${s.from})`;

/** Reference sources named on both sides must be the same (and the same instrument/index when both name one). */
export function sourceComparison(a: GuardInput, b: GuardInput): GuardResult {
  const sa = referenceSourceOf(a);
  const sb = referenceSourceOf(b);
  if (!sa || !sb) {
    const known = sa ? `${a.venue}: ${showSource(sa)}` : sb ? `${b.venue}: ${showSource(sb)}` : 'neither venue names one';
    return res('source', 'pass', `reference source unknown on ${!sa && !sb ? 'both' : !sa ? a.venue : b.venue} (${known})`);
  }
  if (norm(sa.name) !== norm(sb.name)) {
    return res('source', 'flag', `reference sources differ: ${a.venue} ${showSource(sa)} vs ${b.venue} ${showSource(sb)}: two sources can print different values at the strike, so this is held by design: a human must confirm they settle alike`);
  }
  if (sa.instrument && sb.instrument && sa.instrument !== sb.instrument) {
    return res('source', 'flag', `same source ${sa.name} but different instrument/index: ${sa.instrument} vs ${sb.instrument}`);
  }
  return res('source', 'pass', `same reference source: ${showSource(sa)} / ${showSource(sb)}`);
}

/**
 * The strike and reference-source guards of a pair (results 'strike' and 'source'). `mapping` is the
 * verdict's outcome mapping once known (undefined: either the same strike or its complement passes).
 */
export function strikeGuard(a: GuardInput, b: GuardInput, mapping: Mapping): GuardResult[] {
  return [strikeComparison(a, b, mapping), sourceComparison(a, b)];
}
