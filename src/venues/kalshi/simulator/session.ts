/**
 * WebSocket sessions of the Kalshi simulator: per-connection subscriptions (sid, per-sid seq),
 * the command protocol (subscribe, unsubscribe, update_subscription, list_subscriptions),
 * snapshots, and the fan-out of deltas, tickers and trades to subscribers.
 */
import type { WebSocket } from 'ws';
import { SCALE } from '../../../../schema/money.js';
import { randInt } from '../../common/prng.js';
import type { SimFaultState } from '../../common/simFaults.js';
import { KalshiCommand } from '../wire.js';
import { bestOf, levelsAsc } from './book.js';
import { fp, iso, px } from './format.js';
import { marketId } from './markets.js';
import { bookOf, type KalshiSimState, type SimTrade } from './state.js';

export interface Sub {
  readonly sid: number;
  readonly channel: string;
  readonly markets: Set<string>;
  seq: number;
  readonly yesPrice: boolean;
}

export interface Client {
  readonly ws: WebSocket;
  readonly subs: Map<number, Sub>;
  nextSid: number;
}

const CHANNELS = new Set(['orderbook_delta', 'ticker', 'trade', 'market_lifecycle_v2', 'fill', 'market_positions', 'user_orders']);

export class SimSessions {
  readonly clients = new Set<Client>();
  /** Commands received (raw text, last 1000). */
  readonly commandLog: string[] = [];
  /** Markets whose next snapshot is "lost" (a delta is sent instead). */
  readonly lostSnapshots = new Set<string>();

  /** which malformed frame `sendMalformedFrame` sends next (they take turns) */
  private malformedNo = 0;

  /** `faults` gates every send (stall: silent), drops deltas and adds malformed frames. */
  constructor(private readonly st: KalshiSimState, private readonly faults?: SimFaultState) {}

  open(ws: WebSocket): Client {
    const c: Client = { ws, subs: new Map(), nextSid: 1 };
    this.clients.add(c);
    this.st.stats.connectionsOpen++;
    this.st.stats.connectionsTotal++;
    return c;
  }

  close(c: Client): void {
    this.clients.delete(c);
    this.st.stats.connectionsOpen--;
  }

  send(c: Client, msg: unknown): void {
    if (c.ws.readyState !== c.ws.OPEN || (this.faults && !this.faults.maySend())) return;
    c.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
    this.st.stats.messagesSent++;
  }

  /** Sends to every connected client. */
  toAll(msg: unknown): void {
    for (const c of this.clients) this.send(c, msg);
  }

  subsOf(c: Client, channel: string, ticker?: string): Sub[] {
    return [...c.subs.values()].filter((s) => s.channel === channel && (ticker === undefined || s.markets.has(ticker)));
  }

  /** Every (client, subscription) pair on `channel` (and `ticker` when given). */
  *allSubs(channel: string, ticker?: string): Generator<[Client, Sub]> {
    for (const c of this.clients) for (const s of this.subsOf(c, channel, ticker)) yield [c, s];
  }

  sendSnapshot(c: Client, s: Sub, ticker: string, id?: number): void {
    if (this.lostSnapshots.delete(ticker)) {
      // the snapshot is "lost": the client sees a delta first
      const [price] = [...bookOf(this.st, ticker).yes.keys()];
      this.send(c, this.deltaMsg(s, ticker, 'yes', price ?? 10_000, SCALE));
      this.st.stats.deltasSent++;
      return;
    }
    const msg = this.snapshotMsg(s, ticker, id);
    // a dropped snapshot has used its seq: the client sees the gap
    if (this.faults?.dropsFrame()) return;
    this.send(c, msg);
    this.st.stats.snapshotsSent++;
    if (this.faults?.malformedNext()) this.sendMalformedFrame(c);
  }

  onCommand(c: Client, text: string): void {
    this.st.stats.commandsReceived++;
    this.commandLog.push(text.slice(0, 2000));
    if (this.commandLog.length > 1000) this.commandLog.shift();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return this.err(c, undefined, 1, 'Unable to process message');
    }
    const parsed = KalshiCommand.safeParse(json);
    if (!parsed.success) {
      const id = (json as { id?: unknown })?.id;
      const cmd = (json as { cmd?: unknown })?.cmd;
      const known = ['subscribe', 'unsubscribe', 'update_subscription', 'list_subscriptions'].includes(String(cmd));
      return this.err(c, typeof id === 'number' ? id : undefined, known ? 2 : 5, known ? 'Params required' : 'Unknown command');
    }
    const cmd = parsed.data;
    const byTicker = this.st.byTicker;
    switch (cmd.cmd) {
      case 'subscribe': {
        const p = cmd.params;
        const tickers = [...(p.market_tickers ?? []), ...(p.market_ticker ? [p.market_ticker] : [])].filter((t) => byTicker.has(t));
        for (const ch of p.channels) {
          if (!CHANNELS.has(ch)) return this.err(c, cmd.id, 8, 'Unknown channel name');
        }
        for (const ch of p.channels) {
          const s: Sub = { sid: c.nextSid++, channel: ch, markets: new Set(tickers), seq: 1, yesPrice: p.use_yes_price === true };
          c.subs.set(s.sid, s);
          this.send(c, { id: cmd.id, type: 'subscribed', msg: { channel: ch, sid: s.sid } });
          if (ch === 'orderbook_delta') for (const t of tickers) this.sendSnapshot(c, s, t);
        }
        return;
      }
      case 'unsubscribe':
        for (const sid of cmd.params.sids) {
          const s = c.subs.get(sid);
          if (!s) return this.err(c, cmd.id, 7, 'Unknown subscription ID');
          c.subs.delete(sid);
          this.send(c, { id: cmd.id, sid, seq: s.seq++, type: 'unsubscribed' });
        }
        return;
      case 'update_subscription': {
        const p = cmd.params;
        const sids = [...(p.sids ?? []), ...(p.sid === undefined ? [] : [p.sid])];
        if (sids.length !== 1) return this.err(c, cmd.id, 12, 'Exactly one subscription ID is required');
        const s = c.subs.get(sids[0]!);
        if (!s) return this.err(c, cmd.id, 7, 'Unknown subscription ID');
        const tickers = [...(p.market_tickers ?? []), ...(p.market_ticker ? [p.market_ticker] : [])];
        if (!tickers.length) return this.err(c, cmd.id, 14, 'Market Ticker required');
        const known = tickers.filter((t) => byTicker.has(t));
        if (p.action === 'get_snapshot' && s.channel !== 'orderbook_delta') return this.err(c, cmd.id, 13, 'Unsupported action', s.sid);
        if (p.action === 'add_markets') for (const t of known) s.markets.add(t);
        if (p.action === 'delete_markets') for (const t of known) s.markets.delete(t);
        this.send(c, { id: cmd.id, sid: s.sid, seq: s.seq++, type: 'ok', msg: { market_tickers: [...s.markets] } });
        if (s.channel === 'orderbook_delta' && p.action !== 'delete_markets') {
          for (const t of known) if (s.markets.has(t)) this.sendSnapshot(c, s, t, p.action === 'get_snapshot' ? cmd.id : undefined);
        }
        return;
      }
      case 'list_subscriptions':
        this.send(c, { id: cmd.id, type: 'ok', msg: [...c.subs.values()].map((s) => ({ channel: s.channel, sid: s.sid })) });
        return;
      default: {
        const never: never = cmd;
        return never;
      }
    }
  }

  publishDelta(ticker: string, side: 'yes' | 'no', price: number, delta: number): void {
    for (const [c, s] of this.allSubs('orderbook_delta', ticker)) {
      const msg = this.deltaMsg(s, ticker, side, price, delta);
      // a dropped delta has used its seq: the client sees the gap
      if (this.faults?.dropsFrame()) continue;
      this.send(c, msg);
      this.st.stats.deltasSent++;
      if (this.faults?.malformedNext()) this.sendMalformedFrame(c);
    }
  }

  /**
   * One frame that fails Kalshi's schema, in turns: an orderbook_delta with wrong field types, a
   * truncated delta, an unknown message type, a ticker with wrong field types. None consumes a seq.
   */
  sendMalformedFrame(c: Client): void {
    const s = this.subsOf(c, 'orderbook_delta')[0];
    const ticker = s ? [...s.markets][0] ?? 'X' : 'X';
    const sid = s?.sid ?? 1;
    const frames = [
      { type: 'orderbook_delta', sid, seq: 'next', msg: { market_ticker: ticker, price_dollars: 'abc', delta_fp: null, side: 'maybe' } },
      JSON.stringify({ type: 'orderbook_delta', sid, seq: s?.seq ?? 1, msg: { market_ticker: ticker, price_dollars: '0.5000', delta_fp: '1.00', side: 'yes' } }).slice(0, 60),
      { type: 'sim_unknown_channel', sid: 99, msg: { hello: 'world' } },
      { type: 'ticker', sid, msg: { market_ticker: 42, price_dollars: 'abc' } },
    ];
    this.send(c, frames[this.malformedNo++ % frames.length]);
    if (this.faults) this.faults.stats.malformedSent++;
  }

  publishTicker(ticker: string): void {
    const b = bookOf(this.st, ticker);
    const yb = bestOf(b.yes);
    const nb = bestOf(b.no);
    const t = this.st.now();
    const msg = {
      market_id: marketId(ticker), market_ticker: ticker, price_dollars: px(b.fair),
      ...(yb ? { yes_bid_dollars: px(yb[0]), yes_bid_size_fp: fp(yb[1]) } : {}),
      ...(nb ? { yes_ask_dollars: px(SCALE - nb[0]), yes_ask_size_fp: fp(nb[1]) } : {}),
      last_trade_size_fp: '1.00', volume_fp: fp(this.st.volume.get(ticker) ?? 0),
      open_interest_fp: '0.00', dollar_volume: 0, dollar_open_interest: 0, ts: Math.floor(t / 1000), ts_ms: t, time: iso(t),
    };
    for (const [c, s] of this.allSubs('ticker', ticker)) this.send(c, { type: 'ticker', sid: s.sid, msg });
  }

  /** Records a random trade at the fair value and sends it to trade subscribers. */
  publishTrade(ticker: string): void {
    const st = this.st;
    const b = bookOf(st, ticker);
    const t = st.now();
    const tr: SimTrade = { trade_id: `00000000-0000-4000-8000-${String(++st.tradeNo).padStart(12, '0')}`, ticker, yes: b.fair, count: randInt(st.rng, 1, 100) * SCALE, taker: st.rng() < 0.5 ? 'yes' : 'no', ts: t };
    st.trades.push(tr);
    st.volume.set(ticker, (st.volume.get(ticker) ?? 0) + tr.count);
    if (st.trades.length > 10_000) st.trades.shift();
    const msg = {
      trade_id: tr.trade_id, market_ticker: ticker, yes_price_dollars: px(tr.yes), no_price_dollars: px(SCALE - tr.yes), count_fp: fp(tr.count),
      taker_side: tr.taker, taker_outcome_side: tr.taker, taker_book_side: tr.taker === 'yes' ? 'bid' : 'ask', is_block_trade: false, ts: Math.floor(t / 1000), ts_ms: t,
    };
    for (const [c, s] of this.allSubs('trade', ticker)) this.send(c, { type: 'trade', sid: s.sid, seq: s.seq++, msg });
  }

  private err(c: Client, id: number | undefined, code: number, msg: string, sid?: number): void {
    this.send(c, { ...(id ? { id } : {}), type: 'error', ...(sid === undefined ? {} : { sid }), msg: { code, msg } });
  }

  private snapshotMsg(s: Sub, ticker: string, id?: number) {
    const b = bookOf(this.st, ticker);
    const msg: Record<string, unknown> = { market_ticker: ticker, market_id: marketId(ticker) };
    const yes = levelsAsc(b.yes);
    const no = levelsAsc(b.no, s.yesPrice);
    if (yes.length) msg.yes_dollars_fp = yes;
    if (no.length) msg.no_dollars_fp = no;
    return { type: 'orderbook_snapshot', ...(id === undefined ? {} : { id }), sid: s.sid, seq: s.seq++, msg };
  }

  private deltaMsg(s: Sub, ticker: string, side: 'yes' | 'no', price: number, delta: number) {
    const t = this.st.now();
    const p = side === 'no' && s.yesPrice ? SCALE - price : price;
    return {
      type: 'orderbook_delta', sid: s.sid, seq: s.seq++,
      msg: { market_ticker: ticker, market_id: marketId(ticker), price_dollars: px(p), delta_fp: fp(delta), side, ts: iso(t), ts_ms: t },
    };
  }
}
