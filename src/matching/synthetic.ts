/**
 * Synthetic market universes for the candidate benchmark and recall tests: Kalshi and Polymarket
 * markets written from different templates for the same events (as the venues word them), with a
 * planted set of true pairs and many near misses (same asset and day, another strike; same
 * strike, another day). Seeded, so every run sees the same markets.
 */
import { MarketRecord } from '../../schema/market.js';
import type { Venue } from '../../schema/venue.js';
import { mulberry32, pick, randInt, type Rng } from '../venues/common/prng.js';
import { extractEntities } from './extract.js';
import { recordThresholds } from './records.js';

interface Spec {
  readonly kind: number;
  readonly subject: string;
  readonly value: number;
  readonly day: number;
}

const DAY = 86_400_000;
const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const fmtLong = (t: number): string => {
  const d = new Date(t);
  return `${MONTH_NAMES[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}`;
};
const fmtShort = (t: number): string => {
  const d = new Date(t);
  return `${MONTH_NAMES[d.getUTCMonth()]!.slice(0, 3)} ${d.getUTCDate()}, ${d.getUTCFullYear()}`;
};
const fmtIso = (t: number): string => new Date(t).toISOString().slice(0, 10);
const fmtMonth = (t: number): string => {
  const d = new Date(t);
  return `${MONTH_NAMES[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
};
const usd = (v: number): string => '$' + v.toLocaleString('en-US');

const COINS = [['Bitcoin', 'BTC', 1000, 60, 160], ['Ethereum', 'ETH', 100, 15, 60], ['Solana', 'SOL', 10, 8, 40]] as const;
const TEAMS = ['Lakers', 'Celtics', 'Warriors', 'Knicks', 'Nuggets', 'Bucks', 'Heat', 'Suns', 'Mavericks', 'Thunder', 'Pacers', 'Clippers'];
const PEOPLE = ['Gavin Newsom', 'JD Vance', 'Kamala Harris', 'Marco Rubio', 'Josh Shapiro'];
const CITIES = ['Chicago', 'Miami', 'New York City', 'Los Angeles', 'Denver', 'Austin', 'Seattle', 'Boston'];
const STOCKS = [['NVIDIA', 'NVDA', 5, 30, 60], ['Tesla', 'TSLA', 10, 15, 50], ['Apple', 'AAPL', 5, 30, 60]] as const;

interface Text {
  readonly title: string;
  readonly rules: string;
  readonly category: string;
}

/** Kind → how each venue words it. */
function texts(s: Spec, closeTs: number): { poly: Text; kalshi: Text } {
  switch (s.kind) {
    case 0: {
      const coin = COINS.find((c) => c[0] === s.subject)!;
      return {
        poly: {
          title: `Will ${coin[0]} be above ${usd(s.value)} on ${fmtLong(closeTs)}?`,
          rules: `This market will resolve to "Yes" if the ${coin[1]}/USDT Binance 1-minute candle close at 12:00 ET on ${fmtLong(closeTs)} is higher than ${usd(s.value)}. Otherwise "No".`,
          category: 'Crypto',
        },
        kalshi: {
          title: `${coin[0]} price on ${fmtShort(closeTs)} — above ${usd(s.value)}`,
          rules: `If the CF Benchmarks ${coin[1]} Real-Time Index is above ${usd(s.value)} at 12:00 PM ET on ${fmtShort(closeTs)}, the market resolves to Yes.`,
          category: 'Crypto',
        },
      };
    }
    case 1:
      return {
        poly: {
          title: `Fed decreases interest rates by ${s.value} bps after ${fmtMonth(closeTs)} meeting?`,
          rules: `Resolves "Yes" if the FOMC lowers the upper bound of the federal funds target range by exactly ${s.value} basis points at its ${fmtMonth(closeTs)} meeting.`,
          category: 'Economy',
        },
        kalshi: {
          title: `Fed rate decision in ${fmtMonth(closeTs)} — cut ${s.value} bps`,
          rules: `If the Federal Reserve cuts the federal funds target upper bound by ${s.value} bps at the ${fmtMonth(closeTs)} FOMC meeting, the market resolves to Yes.`,
          category: 'Economics',
        },
      };
    case 2:
      return {
        poly: {
          title: `Will US CPI inflation be above ${s.value.toFixed(1)}% in ${fmtMonth(closeTs)}?`,
          rules: `Resolves "Yes" if year-over-year CPI-U for ${fmtMonth(closeTs)} as first published by the BLS is greater than ${s.value.toFixed(1)}%.`,
          category: 'Economy',
        },
        kalshi: {
          title: `CPI year-over-year in ${fmtMonth(closeTs)} — above ${s.value.toFixed(1)}%`,
          rules: `If CPI inflation for ${fmtMonth(closeTs)} is above ${s.value.toFixed(1)}% as first reported by the Bureau of Labor Statistics, the market resolves to Yes.`,
          category: 'Economics',
        },
      };
    case 3: {
      const [team, opp] = s.subject.split('|') as [string, string];
      return {
        poly: {
          title: `Will the ${team} beat the ${opp} on ${fmtIso(closeTs)}?`,
          rules: `This market refers to the NBA game between the ${team} and the ${opp} scheduled for ${fmtIso(closeTs)}. If the ${team} win, "Yes".`,
          category: 'Sports',
        },
        kalshi: {
          title: `${team} vs ${opp} on ${fmtShort(closeTs)} — ${team} win`,
          rules: `If the ${team} win the NBA game against the ${opp} originally scheduled for ${fmtShort(closeTs)}, the market resolves to Yes.`,
          category: 'Sports',
        },
      };
    }
    case 4:
      return {
        poly: {
          title: `Will the high temperature in ${s.subject} be ${s.value}°F or higher on ${fmtLong(closeTs)}?`,
          rules: `Resolves "Yes" if the NWS Daily Climate Report for ${s.subject} shows a maximum temperature of ${s.value}°F or higher on ${fmtLong(closeTs)}.`,
          category: 'Weather',
        },
        kalshi: {
          title: `Highest temperature in ${s.subject} on ${fmtShort(closeTs)} — ${s.value}°F or above`,
          rules: `If the highest temperature recorded in ${s.subject} on ${fmtShort(closeTs)} is ${s.value}°F or above per the NWS, the market resolves to Yes.`,
          category: 'Climate and Weather',
        },
      };
    case 5:
      return {
        poly: {
          title: `Will ${s.subject} announce a presidential run before ${fmtIso(closeTs)}?`,
          rules: `Resolves "Yes" if ${s.subject} publicly announces a campaign for the 2028 US presidential election by ${fmtIso(closeTs)}, 11:59 PM ET.`,
          category: 'Politics',
        },
        kalshi: {
          title: `Will ${s.subject} announce a 2028 presidential run by ${fmtShort(closeTs)}?`,
          rules: `If ${s.subject} formally announces a 2028 presidential campaign before ${fmtShort(closeTs)}, the market resolves to Yes.`,
          category: 'Elections',
        },
      };
    default: {
      const st = STOCKS.find((x) => x[0] === s.subject)!;
      return {
        poly: {
          title: `Will ${st[0]} (${st[1]}) close above ${usd(s.value)} on ${fmtLong(closeTs)}?`,
          rules: `Resolves "Yes" if the official Nasdaq closing price of ${st[0]} (${st[1]}) on ${fmtLong(closeTs)} is higher than ${usd(s.value)}.`,
          category: 'Finance',
        },
        kalshi: {
          title: `${st[1]} closing price on ${fmtShort(closeTs)} — above ${usd(s.value)}`,
          rules: `If the closing price of ${st[0]} on ${fmtShort(closeTs)} is above ${usd(s.value)}, the market resolves to Yes.`,
          category: 'Financials',
        },
      };
    }
  }
}

function randomSpec(rng: Rng, days: number): Spec {
  const kind = randInt(rng, 0, 6);
  const day = randInt(rng, 1, days);
  switch (kind) {
    case 0: {
      const c = pick(rng, COINS);
      return { kind, subject: c[0], value: randInt(rng, c[3], c[4]) * c[2], day };
    }
    case 1:
      return { kind, subject: 'Fed', value: pick(rng, [25, 50, 75]), day: Math.ceil(day / 45) * 45 };
    case 2:
      return { kind, subject: 'CPI', value: randInt(rng, 15, 45) / 10, day: Math.ceil(day / 30) * 30 };
    case 3: {
      const a = pick(rng, TEAMS);
      let b = pick(rng, TEAMS);
      while (b === a) b = pick(rng, TEAMS);
      return { kind, subject: `${a}|${b}`, value: 0, day };
    }
    case 4:
      return { kind, subject: pick(rng, CITIES), value: randInt(rng, 40, 105), day };
    case 5:
      return { kind, subject: pick(rng, PEOPLE), value: 0, day };
    default: {
      const s = pick(rng, STOCKS);
      return { kind, subject: s[0], value: randInt(rng, s[3], s[4]) * s[2], day };
    }
  }
}

const hex = (rng: Rng, n: number): string => Array.from({ length: n }, () => Math.floor(rng() * 16).toString(16)).join('');

export interface SyntheticUniverse {
  readonly poly: MarketRecord[];
  readonly kalshi: MarketRecord[];
  /** planted true pairs: Polymarket condition id → Kalshi ticker */
  readonly truth: ReadonlyMap<string, string>;
}

/**
 * `nKalshi` Kalshi markets and `nPoly` Polymarket markets; `nPairs` Polymarket markets are
 * rewordings of Kalshi markets (close times within a few hours), the rest are independent
 * draws from the same templates (so near misses abound).
 */
export function syntheticUniverse(opts: { seed?: number; nPoly: number; nKalshi: number; nPairs: number; baseTimeMs?: number; days?: number }): SyntheticUniverse {
  const rng = mulberry32(opts.seed ?? 42);
  const base = opts.baseTimeMs ?? Date.UTC(2026, 0, 1);
  const days = opts.days ?? 365;
  const mk = (venue: Venue, id: string, t: Text, closeTs: number): MarketRecord =>
    MarketRecord.parse({
      venue,
      marketId: id,
      title: t.title,
      rulesText: t.rules,
      closeTime: closeTs,
      expectedResolutionTime: closeTs + 3_600_000,
      category: t.category,
      status: 'open',
      thresholds: recordThresholds(t.title, t.rules),
      entities: extractEntities(`${t.title}\n${t.rules}`),
    });
  const kalshi: MarketRecord[] = [];
  const kSpecs: Spec[] = [];
  const used = new Set<string>();
  for (let i = 0; kalshi.length < opts.nKalshi; i++) {
    const s = randomSpec(rng, days);
    const key = `${s.kind}|${s.subject}|${s.value}|${s.day}`;
    if (used.has(key)) continue;
    used.add(key);
    const close = base + s.day * DAY + 17 * 3_600_000;
    const ticker = `KX${['BTC', 'FED', 'CPI', 'NBA', 'HIGH', 'PRES', 'STK'][s.kind]}-${i.toString(36).toUpperCase()}-T${s.value}`;
    kalshi.push(mk('kalshi', ticker, texts(s, close).kalshi, close));
    kSpecs.push(s);
  }
  const poly: MarketRecord[] = [];
  const truth = new Map<string, string>();
  for (let i = 0; i < opts.nPoly; i++) {
    const id = '0x' + hex(rng, 64);
    if (i < opts.nPairs) {
      const j = Math.floor((i * kalshi.length) / opts.nPairs);
      const s = kSpecs[j]!;
      const close = base + s.day * DAY + 17 * 3_600_000 + randInt(rng, -6, 6) * 3_600_000;
      poly.push(mk('polymarket', id, texts(s, base + s.day * DAY + 17 * 3_600_000).poly, close));
      truth.set(id, kalshi[j]!.marketId);
    } else {
      let s = randomSpec(rng, days);
      while (used.has(`${s.kind}|${s.subject}|${s.value}|${s.day}`)) s = randomSpec(rng, days);
      const close = base + s.day * DAY + 17 * 3_600_000;
      poly.push(mk('polymarket', id, texts(s, close).poly, close));
    }
  }
  return { poly, kalshi, truth };
}
