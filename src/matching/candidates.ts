/**
 * Candidate search: a cheap, deterministic stage that cuts the Polymarket × Kalshi cross product
 * to the top k Kalshi markets per Polymarket market before any LLM is asked.
 *
 *   1. blocking: same coarse category (when both are known) and |close time difference| ≤ N days
 *      (when both are known);
 *   2. text: BM25 over the Kalshi titles (compact inverted index with precomputed term weights,
 *      numbers normalised so "$100,000" and "100k" are one token, entities as extra tokens);
 *   3. re-rank the best BM25 hits by entity, threshold and date agreement and close-time proximity.
 *
 * A small hand-written index rather than a search library: the inner loop must apply blocking and
 * feature scores per hit, and 20,000 queries against 5,000 documents have to run in seconds.
 */
import type { MarketRecord } from '../../schema/market.js';
import { extractDates } from './extract.js';

export interface CandidateFeatures {
  /** BM25 score relative to the best hit of this query, 0..1 */
  readonly text: number;
  /** Jaccard of the entity sets, 0..1 */
  readonly entity: number;
  /** threshold agreement: share of thresholds found on both sides (0.5 when neither has any) */
  readonly number: number;
  /** agreement of the dates named in the titles (0.5 when neither names one) */
  readonly date: number;
  /** |close time difference| in days, null when a side does not say */
  readonly closeDays: number | null;
}

export interface Candidate {
  readonly kalshiMarketId: string;
  readonly score: number;
  readonly features: CandidateFeatures;
}

export interface CandidateList {
  readonly polyMarketId: string;
  readonly candidates: readonly Candidate[];
}

export interface CandidateOptions {
  /** candidates kept per Polymarket market (default 5) */
  readonly k?: number;
  /** blocking window on close times, days (default 14) */
  readonly closeWindowDays?: number;
  /** BM25 hits re-ranked per query (default 50) */
  readonly rerank?: number;
  /** candidates scoring below this are dropped (default 0.2) */
  readonly minScore?: number;
  /** terms found in more than this share of the indexed markets are not scanned (default 0.25) */
  readonly maxDf?: number;
  readonly weights?: Partial<Record<'text' | 'entity' | 'number' | 'date' | 'close', number>>;
}

const DEFAULT_WEIGHTS = { text: 0.5, entity: 0.15, number: 0.15, date: 0.1, close: 0.1 };

const STOP = new Set(
  ('a an the will be is are was were of on in at by for to from and or not no yes this that these those it its with as than then ' +
    'what who which when where how does do did has have had before after market markets resolve resolves resolution question end ' +
    'price close closes closing above below over under more less least most between higher lower greater reach hit exceed ' +
    'otherwise official officially according per any all into out up down').split(' '),
);

const MULT: Readonly<Record<string, number>> = { k: 1e3, m: 1e6, b: 1e9, t: 1e12 };

/** Lower-case word and number tokens; numbers normalised ("$100,000" → "100000", "5k" → "5000", "4.50" → "4.5"). */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  const re = /(\d[\d,]*(?:\.\d+)?)([kmbt](?![a-z]))?|[\p{L}][\p{L}\p{N}&'-]*/giu;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[1] !== undefined) {
      let v = Number(m[1].replace(/,/g, ''));
      if (m[2]) v *= MULT[m[2].toLowerCase()] ?? 1;
      if (Number.isFinite(v)) out.push(String(Math.round(v * 1e6) / 1e6));
    } else {
      const w = m[0].toLowerCase().replace(/['’]s$/, '');
      if (w.length >= 2 && !STOP.has(w)) out.push(w);
    }
  }
  return out;
}

/** Coarse category buckets shared by both venues' vocabularies. */
export function categoryBucket(c: string | undefined): string | undefined {
  if (!c) return undefined;
  const s = c.toLowerCase();
  if (/crypto|bitcoin|ethereum|solana/.test(s)) return 'crypto';
  if (/econ|fed|inflation|rates|cpi|jobs|gdp|macro/.test(s)) return 'economics';
  if (/financ|stock|index|indices|equit|commodit|company|companies|business/.test(s)) return 'finance';
  if (/politic|election|government|world|geopolit|congress|senate/.test(s)) return 'politics';
  if (/sport|nba|nfl|mlb|nhl|soccer|football|tennis|golf|ufc/.test(s)) return 'sports';
  if (/weather|climate|temperature/.test(s)) return 'climate';
  if (/culture|entertain|movie|music|award|celebrit|media/.test(s)) return 'culture';
  if (/science|tech|ai\b|space/.test(s)) return 'science';
  return undefined;
}

interface Prepared {
  readonly id: string;
  readonly close: number;
  readonly bucket: string | undefined;
  readonly entities: readonly string[];
  /** normalised threshold values */
  readonly numbers: readonly number[];
  readonly dates: readonly string[];
}

function prepare(r: MarketRecord): Prepared {
  return {
    id: r.marketId,
    close: r.closeTime ?? NaN,
    bucket: categoryBucket(r.category),
    entities: [...new Set(r.entities.map((e) => e.toLowerCase()))],
    numbers: [...new Set(r.thresholds.map((t) => (t.unit === 'bps' ? t.value / 100 : t.unit === '¢' ? t.value / 100 : t.value)))],
    dates: extractDates(r.title).map((d) => (d.key.startsWith('--') ? d.key.slice(2) : d.key.length === 10 ? d.key.slice(5) : d.key)),
  };
}

const docTokens = (r: MarketRecord): string[] => [...tokenize(r.title), ...r.entities.map((e) => 'ent:' + e.toLowerCase())];

function jaccard<T>(a: readonly T[], b: readonly T[]): number {
  if (!a.length && !b.length) return 0;
  let inter = 0;
  for (const x of a) if (b.includes(x)) inter++;
  return inter / (a.length + b.length - inter);
}

function agreement(a: readonly (string | number)[], b: readonly (string | number)[], none: number, oneSide: number): number {
  if (!a.length && !b.length) return none;
  if (!a.length || !b.length) return oneSide;
  let inter = 0;
  for (const x of a) if (b.includes(x)) inter++;
  return inter / Math.max(a.length, b.length);
}

/**
 * BM25 index over one venue's markets (Kalshi), queried with the other's (Polymarket).
 * Deterministic: ties are broken by market id.
 */
export class CandidateIndex {
  private readonly docs: Prepared[];
  private readonly vocab = new Map<string, number>();
  private readonly postDocs: Int32Array[] = [];
  private readonly postWeights: Float32Array[] = [];
  /** terms in more than `maxDf` of the documents carry almost no weight: not scanned */
  private readonly skip: boolean[] = [];
  private readonly scores: Float64Array;
  private readonly stamp: Int32Array;
  private readonly touched: Int32Array;
  private query = 0;
  private readonly k: number;
  private readonly window: number;
  private readonly rerank: number;
  private readonly minScore: number;
  private readonly w: typeof DEFAULT_WEIGHTS;

  constructor(kalshi: readonly MarketRecord[], opts: CandidateOptions = {}) {
    this.k = opts.k ?? 5;
    this.window = (opts.closeWindowDays ?? 14) * 86_400_000;
    this.rerank = Math.max(this.k, opts.rerank ?? 50);
    this.minScore = opts.minScore ?? 0.2;
    this.w = { ...DEFAULT_WEIGHTS, ...opts.weights };
    const n = kalshi.length;
    this.docs = kalshi.map(prepare);
    this.scores = new Float64Array(n);
    this.stamp = new Int32Array(n).fill(-1);
    this.touched = new Int32Array(n);
    // term frequencies per doc
    const tfs: Map<number, number>[] = [];
    const lens = new Float64Array(n);
    const lists: number[][] = [];
    for (let d = 0; d < n; d++) {
      const toks = docTokens(kalshi[d]!);
      lens[d] = toks.length;
      const tf = new Map<number, number>();
      for (const t of toks) {
        let id = this.vocab.get(t);
        if (id === undefined) {
          id = this.vocab.size;
          this.vocab.set(t, id);
          lists.push([]);
        }
        if (!tf.has(id)) lists[id]!.push(d);
        tf.set(id, (tf.get(id) ?? 0) + 1);
      }
      tfs.push(tf);
    }
    const avg = n ? lens.reduce((a, b) => a + b, 0) / n : 1;
    const maxDf = opts.maxDf ?? 0.25;
    const k1 = 1.2;
    const b = 0.75;
    for (let id = 0; id < lists.length; id++) {
      const docs = lists[id]!;
      const idf = Math.log(1 + (n - docs.length + 0.5) / (docs.length + 0.5));
      const ws = new Float32Array(docs.length);
      for (let i = 0; i < docs.length; i++) {
        const d = docs[i]!;
        const tf = tfs[d]!.get(id)!;
        ws[i] = (idf * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * lens[d]!) / avg));
      }
      this.skip.push(docs.length > maxDf * n && n > 20);
      this.postDocs.push(Int32Array.from(docs));
      this.postWeights.push(ws);
    }
  }

  /** The top-k candidates for one market of the other venue, best first. */
  search(r: MarketRecord): Candidate[] {
    const q = this.query++;
    const { scores, stamp, touched } = this;
    let nt = 0;
    for (const t of new Set(docTokens(r))) {
      const id = this.vocab.get(t);
      if (id === undefined || this.skip[id]) continue;
      const docs = this.postDocs[id]!;
      const ws = this.postWeights[id]!;
      for (let i = 0; i < docs.length; i++) {
        const d = docs[i]!;
        if (stamp[d] !== q) {
          stamp[d] = q;
          scores[d] = 0;
          touched[nt++] = d;
        }
        scores[d]! += ws[i]!;
      }
    }
    if (nt === 0) return [];
    const p = prepare(r);
    // blocking, then keep the best `rerank` BM25 hits (insertion into a small sorted array)
    const top: number[] = [];
    let best = 0;
    for (let i = 0; i < nt; i++) {
      const d = touched[i]!;
      const doc = this.docs[d]!;
      if (p.bucket && doc.bucket && p.bucket !== doc.bucket) continue;
      if (Math.abs(p.close - doc.close) > this.window) continue; // NaN (unknown) compares false: kept
      const s = scores[d]!;
      if (s > best) best = s;
      if (top.length === this.rerank && s <= scores[top[top.length - 1]!]!) continue;
      let j = top.length === this.rerank ? top.length - 1 : top.length;
      while (j > 0 && scores[top[j - 1]!]! < s) {
        top[j] = top[j - 1]!;
        j--;
      }
      top[j] = d;
    }
    const out: Candidate[] = [];
    for (const d of top) {
      const doc = this.docs[d]!;
      const closeDiff = Number.isFinite(p.close) && Number.isFinite(doc.close) ? Math.abs(p.close - doc.close) : NaN;
      const features: CandidateFeatures = {
        text: best > 0 ? scores[d]! / best : 0,
        entity: jaccard(p.entities, doc.entities),
        number: agreement(p.numbers, doc.numbers, 0.5, 0),
        date: agreement(p.dates, doc.dates, 0.5, 0.25),
        closeDays: Number.isNaN(closeDiff) ? null : Math.round((closeDiff / 86_400_000) * 100) / 100,
      };
      const closeProx = Number.isNaN(closeDiff) ? 0.5 : 1 - Math.min(1, closeDiff / Math.max(1, this.window));
      const w = this.w;
      const score = w.text * features.text + w.entity * features.entity + w.number * features.number + w.date * features.date + w.close * closeProx;
      if (score >= this.minScore) out.push({ kalshiMarketId: doc.id, score: Math.round(score * 1e6) / 1e6, features });
    }
    out.sort((a, b) => b.score - a.score || (a.kalshiMarketId < b.kalshiMarketId ? -1 : a.kalshiMarketId > b.kalshiMarketId ? 1 : 0));
    return out.slice(0, this.k);
  }
}

/** Top-k Kalshi candidates for every Polymarket market (deterministic). */
export function findCandidates(poly: readonly MarketRecord[], kalshi: readonly MarketRecord[], opts: CandidateOptions = {}): CandidateList[] {
  const index = new CandidateIndex(kalshi, opts);
  return poly.map((p) => ({ polyMarketId: p.marketId, candidates: index.search(p) }));
}
