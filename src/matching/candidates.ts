/**
 * Candidate search: a cheap, deterministic stage that cuts the leg A × leg B cross product (by
 * default Polymarket × Kalshi) to the top k leg B markets per leg A market before any LLM is asked.
 *
 *   1. blocking on event dates (never on trading close times, which Kalshi often sets a year or two
 *      after the event): each side's event date is a span (src/matching/extract.ts `eventSpanOf`:
 *      an instant, or the month or year a question names as its event's, bounded by the venue's end
 *      date), and the gap between the two spans is ≤ N days when both are known; the earliest the
 *      event can be is no later than the other market's settlement backstop (the backstop is only ever a bound);
 *      unknown dates are kept. Then on coarse category, except that it never removes a pair whose
 *      subject and event date agree: across categories a pair is kept when both event dates are
 *      known and within the window and the subjects agree (see 4);
 *   2. text: BM25 over leg B's titles (compact inverted index with precomputed term weights,
 *      numbers and diacritics normalised so "$100,000" and "100k", "Rubén" and "Ruben" are one
 *      token, entities as extra tokens);
 *   3. re-rank the best BM25 hits by entity, threshold and date agreement and event-date proximity;
 *   4. subject and date: every leg B market whose subject agrees with the query's (src/matching/
 *      subject.ts: equal keys, a shared subject word such as a surname, or names that agree under
 *      the alias rules, e.g. "RFK" ~ "Robert F. Kennedy") and whose known event date is within
 *      `agreeDays` is proposed whatever its category, title wording, BM25 rank or score (a
 *      second small inverted index over subject words finds them). They come on top of the top
 *      k, best first, at most `maxAgreeing` per query (a bound against a flood of lookalikes).
 *      Blocking only ever adds recall here: the guards and the judge decide.
 *
 * A small hand-written index rather than a search library: the inner loop must apply blocking and
 * feature scores per hit, and 20,000 queries against 5,000 documents have to run in seconds.
 */
import type { MarketRecord } from '../../schema/market.js';
import { eventSpanOf, extractDates } from './extract.js';
import { namesAgree, subjectOf, subjectTokens as subjectWords, type Subject } from './subject.js';

export interface CandidateFeatures {
  /** BM25 score relative to the best hit of this query, 0..1 */
  readonly text: number;
  /** Jaccard of the entity sets, 0..1 */
  readonly entity: number;
  /** threshold agreement: share of thresholds found on both sides (0.5 when neither has any) */
  readonly number: number;
  /** agreement of the dates named in the titles (0.5 when neither names one) */
  readonly date: number;
  /** |event date difference| in days, null when a side does not say */
  readonly eventDays: number | null;
}

export interface Candidate {
  /** the leg B market (the indexed venue) */
  readonly legBMarketId: string;
  /** @deprecated same as `legBMarketId`; kept until the matcher and the bench read `legBMarketId` */
  readonly kalshiMarketId: string;
  readonly score: number;
  readonly features: CandidateFeatures;
  /** subject and event date agree (proposed whatever the rank; see the module comment, 4) */
  readonly subjectDate?: true;
}

export interface CandidateList {
  /** the leg A market (the query) */
  readonly legAMarketId: string;
  readonly candidates: readonly Candidate[];
}

export interface CandidateOptions {
  /** candidates kept per leg A market by rank (default 5); subject-and-date agreeing markets come on top (`maxAgreeing`) */
  readonly k?: number;
  /** blocking window on event dates, days (default 14) */
  readonly eventWindowDays?: number;
  /** how far an event date may pass the other market's settlement backstop, days (default 1) */
  readonly backstopGraceDays?: number;
  /**
   * Normalised subject of a market (equal keys = same subject; subject words and title tokens still
   * admit a pair whose keys differ). Default: the key of src/matching/subject.ts's `subjectOf`;
   * when given, subject.ts is not consulted at all (no alias-rule names; subject words only from
   * `subjectTokens`, when given).
   */
  readonly subjectKey?: (r: MarketRecord) => string | undefined;
  /** subject words of a market (surnames, nicknames, quantities); default src/matching/subject.ts's `subjectTokens` */
  readonly subjectTokens?: (r: MarketRecord) => readonly string[];
  /** event dates this close (days) agree, for the subject-and-date proposals (default 3) */
  readonly agreeDays?: number;
  /** subject-and-date proposals kept per query beyond the top k, best first (default 10) */
  readonly maxAgreeing?: number;
  /** across categories, least share of the smaller significant-title-token set found in the other (default 0.6) */
  readonly crossCategoryOverlap?: number;
  /** BM25 hits re-ranked per query (default 50) */
  readonly rerank?: number;
  /** candidates scoring below this are dropped (default 0.2) */
  readonly minScore?: number;
  /** terms found in more than this share of the indexed markets are not scanned (default 0.25) */
  readonly maxDf?: number;
  readonly weights?: Partial<Record<'text' | 'entity' | 'number' | 'date' | 'event', number>>;
}

const DEFAULT_WEIGHTS = { text: 0.5, entity: 0.15, number: 0.15, date: 0.1, event: 0.1 };

/** The subject of a record as blocking reads it: key, subject words, and the names for the alias rules. */
interface SubjectView {
  readonly key: string | undefined;
  readonly words: readonly string[];
  readonly names: readonly (readonly string[])[];
}

/** Names of a subject and of its members (a game's two sides), as token lists. */
function subjectNames(s: Subject | undefined): (readonly string[])[] {
  if (!s) return [];
  const out: (readonly string[])[] = [...(s.names ?? (s.entity ? [s.entity.split(' ')] : []))];
  for (const m of s.members ?? []) out.push(...subjectNames(m));
  return out;
}

/** Subject words split at inner hyphens too ("russia-ukraine" → russia, ukraine), folded, 3+ characters, no stop words. */
function expandWords(ws: readonly string[]): string[] {
  const out = new Set<string>();
  const add = (x: string): void => void (x.length > 2 && !STOP.has(x) && out.add(x));
  for (const w of ws) {
    const f = foldWord(w);
    add(f);
    for (const part of f.split(/[-/]/)) add(part);
  }
  return [...out];
}

const foldWord = (w: string): string => w.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();

function subjectView(r: MarketRecord, o: { key?: (r: MarketRecord) => string | undefined; words?: (r: MarketRecord) => readonly string[] }): SubjectView {
  // market text is data: a record subject.ts cannot read is one without a subject, not a failed search
  let s: Subject | undefined;
  if (!o.key) {
    try {
      s = subjectOf(r);
    } catch {
      s = undefined;
    }
  }
  let words: readonly string[];
  try {
    words = o.words ? o.words(r) : s ? subjectWords(r) : [];
  } catch {
    words = [];
  }
  // a caller's own key replaces subject.ts's notion of the subject, names included
  return { key: o.key ? o.key(r) : s?.key, words: expandWords(words), names: o.key ? [] : subjectNames(s) };
}

/** Initials of a name of two or more words ("robert f kennedy" → "acr:rfk"), for the alias lookup of an acronym. */
const acronymKeys = (names: readonly (readonly string[])[]): string[] =>
  names.filter((n) => n.length >= 2).map((n) => `acr:${n.map((t) => t[0]).join('')}`);
/** A one-word name that may be an acronym ("rfk"), as its lookup key. */
const asAcronym = (names: readonly (readonly string[])[]): string[] =>
  names.filter((n) => n.length === 1 && /^[a-z]{2,6}$/.test(n[0]!)).map((n) => `acr:${n[0]}`);

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
      const w = foldWord(m[0]).replace(/['’]s$/, '');
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
  /**
   * where the event may lie, unix ms (src/matching/extract.ts `eventSpanOf`): equal for a precise
   * date; a month or year the question names spans it. NaN when unknown.
   */
  readonly eventFrom: number;
  readonly eventTo: number;
  /** settlement backstop, unix ms; NaN when unknown */
  readonly backstop: number;
  readonly bucket: string | undefined;
  readonly subject: SubjectView;
  /** significant title tokens (no numbers, months or generic words), for the subject fallback */
  readonly subjectTokens: readonly string[];
  readonly entities: readonly string[];
  /** normalised threshold values */
  readonly numbers: readonly number[];
  readonly dates: readonly string[];
}

/** Words that name no subject: months, generic question words (numbers are dropped too). */
const GENERIC = new Set(
  ('january february march april may june july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec ' +
    'win wins winner won next new first last year years month week day today daily weekly monthly annual end ' +
    'us usa united states').split(' '),
);

/** Significant title tokens: words (no numbers) that are neither stop words nor generic, 3+ letters. */
export function subjectTokens(title: string): string[] {
  return [...new Set(tokenize(title).filter((t) => t.length >= 3 && !/^[\d.]+$/.test(t) && !GENERIC.has(t)))];
}

type SubjectFns = { key?: (r: MarketRecord) => string | undefined; words?: (r: MarketRecord) => readonly string[] };

function prepare(r: MarketRecord, subjectFns: SubjectFns): Prepared {
  const span = eventSpanOf(r);
  return {
    id: r.marketId,
    eventFrom: span?.from ?? NaN,
    eventTo: span?.to ?? NaN,
    backstop: r.backstopTime ?? NaN,
    bucket: categoryBucket(r.category),
    subject: subjectView(r, subjectFns),
    subjectTokens: subjectTokens(r.title),
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

/** The share of the smaller set found in the larger (0 when either is empty) and the count shared. */
function overlap(a: readonly string[], b: readonly string[]): { inter: number; share: number } {
  const [small, large] = a.length <= b.length ? [a, b] : [b, a];
  if (!small.length) return { inter: 0, share: 0 };
  let inter = 0;
  for (const t of small) if (large.includes(t)) inter++;
  return { inter, share: inter / small.length };
}

/** The gap between two event spans, ms: 0 when they overlap, NaN when either is unknown. */
function eventGap(a: Prepared, b: Prepared): number {
  return Math.max(0, a.eventFrom - b.eventTo, b.eventFrom - a.eventTo);
}

/**
 * Do the subjects (as subject.ts reads them) agree? Equal keys, names that agree under the alias
 * rules ("Vance" ~ "J.D. Vance", "RFK" ~ "Robert F. Kennedy"), or shared subject words covering at
 * least half of the smaller set ("ruben gallego" ~ "rubén gallego"). Recall only: the subject
 * guard decides later whether they really are the same.
 */
export function subjectViewsAgree(a: SubjectView, b: SubjectView): boolean {
  if (a.key !== undefined && a.key === b.key) return true;
  const o = overlap(a.words, b.words);
  if (o.inter >= 1 && o.share >= 0.5) return true;
  return a.names.some((x) => b.names.some((y) => namesAgree(x, y)));
}

/**
 * Same subject? The subjects agree ({@link subjectViewsAgree}), or at least two significant title
 * tokens shared, covering `minOverlap` of the smaller set. Either suffices: blocking only ever adds
 * recall here; the subject guard decides later whether the subjects really agree.
 */
function subjectsAgree(a: Prepared, b: Prepared, minOverlap: number): boolean {
  if (subjectViewsAgree(a.subject, b.subject)) return true;
  const [small, large] = a.subjectTokens.length <= b.subjectTokens.length ? [a.subjectTokens, b.subjectTokens] : [b.subjectTokens, a.subjectTokens];
  if (!small.length) return false;
  let inter = 0;
  for (const t of small) if (large.includes(t)) inter++;
  return inter >= 2 && inter / small.length >= minOverlap;
}

/**
 * BM25 index over leg B's markets (default Kalshi), queried with leg A's (default Polymarket).
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
  /** per-document stamp of the subject lookup (a document is checked once per query) */
  private readonly seen: Int32Array;
  private query = 0;
  private readonly k: number;
  private readonly window: number;
  private readonly grace: number;
  private readonly overlap: number;
  private readonly subjectFns: SubjectFns;
  private readonly agree: number;
  private readonly maxAgreeing: number;
  /** subject word (and `acr:` initials) → leg B documents, for the subject-and-date proposals */
  private readonly subjectPost = new Map<string, number[]>();
  private readonly rerank: number;
  private readonly minScore: number;
  private readonly w: typeof DEFAULT_WEIGHTS;

  constructor(legB: readonly MarketRecord[], opts: CandidateOptions = {}) {
    this.k = opts.k ?? 5;
    this.window = (opts.eventWindowDays ?? 14) * 86_400_000;
    this.grace = (opts.backstopGraceDays ?? 1) * 86_400_000;
    this.overlap = opts.crossCategoryOverlap ?? 0.6;
    this.subjectFns = { ...(opts.subjectKey ? { key: opts.subjectKey } : {}), ...(opts.subjectTokens ? { words: opts.subjectTokens } : {}) };
    this.agree = (opts.agreeDays ?? 3) * 86_400_000;
    this.maxAgreeing = Math.max(0, opts.maxAgreeing ?? 10);
    this.rerank = Math.max(this.k, opts.rerank ?? 50);
    this.minScore = opts.minScore ?? 0.2;
    this.w = { ...DEFAULT_WEIGHTS, ...opts.weights };
    const n = legB.length;
    this.docs = legB.map((r) => prepare(r, this.subjectFns));
    this.docs.forEach((doc, d) => {
      for (const key of new Set([...doc.subject.words, ...acronymKeys(doc.subject.names), ...asAcronym(doc.subject.names)])) {
        let list = this.subjectPost.get(key);
        if (!list) this.subjectPost.set(key, (list = []));
        list.push(d);
      }
    });
    this.scores = new Float64Array(n);
    this.stamp = new Int32Array(n).fill(-1);
    this.touched = new Int32Array(n);
    this.seen = new Int32Array(n).fill(-1);
    // term frequencies per doc
    const tfs: Map<number, number>[] = [];
    const lens = new Float64Array(n);
    const lists: number[][] = [];
    for (let d = 0; d < n; d++) {
      const toks = docTokens(legB[d]!);
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

  /**
   * Blocking: may `doc` be a candidate for `q`? Event dates within the window (unknown: kept), no
   * event after the other's backstop, and the same category bucket unless the subjects and known
   * event dates agree.
   */
  private admits(q: Prepared, doc: Prepared): boolean {
    // NaN (unknown) compares false: kept
    if (eventGap(q, doc) > this.window) return false;
    // the earliest the event can be, against the other's backstop
    if (q.eventFrom > doc.backstop + this.grace || doc.eventFrom > q.backstop + this.grace) return false;
    if (!q.bucket || !doc.bucket || q.bucket === doc.bucket) return true;
    // the venues file the same question under different categories: keep it when subject and date agree
    return Number.isFinite(q.eventFrom) && Number.isFinite(doc.eventFrom) && subjectsAgree(q, doc, this.overlap);
  }

  /**
   * Leg B documents whose subject agrees with `p`'s and whose known event date is within
   * `agreeDays` of it: found through the subject-word index (shared word or acronym), whatever
   * the category or title wording.
   */
  private agreeing(p: Prepared, q: number): number[] {
    if (!Number.isFinite(p.eventFrom) || this.maxAgreeing === 0) return [];
    const out: number[] = [];
    for (const key of new Set([...p.subject.words, ...acronymKeys(p.subject.names), ...asAcronym(p.subject.names)])) {
      for (const d of this.subjectPost.get(key) ?? []) {
        if (this.seen[d] === q) continue;
        this.seen[d] = q;
        const doc = this.docs[d]!;
        // NaN (unknown) compares false: only known, agreeing dates force a proposal
        if (!(eventGap(p, doc) <= this.agree)) continue;
        if (subjectViewsAgree(p.subject, doc.subject)) out.push(d);
      }
    }
    return out;
  }

  /** The candidates for one market of the other venue, best first: the top k, then the subject-and-date agreeing rest. */
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
    const p = prepare(r, this.subjectFns);
    const agreeing = this.agreeing(p, q);
    if (nt === 0 && !agreeing.length) return [];
    // blocking, then keep the best `rerank` BM25 hits (insertion into a small sorted array)
    const top: number[] = [];
    let best = 0;
    for (let i = 0; i < nt; i++) {
      const d = touched[i]!;
      const doc = this.docs[d]!;
      if (!this.admits(p, doc)) continue;
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
    const agreeSet = new Set(agreeing);
    const candidate = (d: number): Candidate => {
      const doc = this.docs[d]!;
      const bm25 = stamp[d] === q ? scores[d]! : 0;
      const eventDiff = eventGap(p, doc); // NaN when either is unknown
      const features: CandidateFeatures = {
        text: best > 0 ? Math.min(1, bm25 / best) : 0,
        entity: jaccard(p.entities, doc.entities),
        number: agreement(p.numbers, doc.numbers, 0.5, 0),
        date: agreement(p.dates, doc.dates, 0.5, 0.25),
        eventDays: Number.isNaN(eventDiff) ? null : Math.round((eventDiff / 86_400_000) * 100) / 100,
      };
      const eventProx = Number.isNaN(eventDiff) ? 0.5 : 1 - Math.min(1, eventDiff / Math.max(1, this.window));
      const w = this.w;
      const score = w.text * features.text + w.entity * features.entity + w.number * features.number + w.date * features.date + w.event * eventProx;
      return { legBMarketId: doc.id, kalshiMarketId: doc.id, score: Math.round(score * 1e6) / 1e6, features, ...(agreeSet.has(d) ? { subjectDate: true as const } : {}) };
    };
    const byScore = (a: Candidate, b: Candidate): number => b.score - a.score || (a.legBMarketId < b.legBMarketId ? -1 : a.legBMarketId > b.legBMarketId ? 1 : 0);
    const ranked = top.map(candidate).filter((c) => c.score >= this.minScore).sort(byScore).slice(0, this.k);
    // the subject-and-date agreeing markets the top k left out: proposed whatever their rank or score
    const inTop = new Set(ranked.map((c) => c.legBMarketId));
    const extra = agreeing.filter((d) => !inTop.has(this.docs[d]!.id)).map(candidate).sort(byScore).slice(0, this.maxAgreeing);
    return [...ranked, ...extra].sort(byScore);
  }
}

/** Top-k leg B candidates for every leg A market (deterministic). */
export function findCandidates(legA: readonly MarketRecord[], legB: readonly MarketRecord[], opts: CandidateOptions = {}): CandidateList[] {
  const index = new CandidateIndex(legB, opts);
  return legA.map((a) => ({ legAMarketId: a.marketId, candidates: index.search(a) }));
}
