// arbstream dashboard: plain JS, no framework. GraphQL over fetch (Bearer token) and a minimal
// graphql-transport-ws client (the protocol of graphql-ws) for live edges, feeds and the kill switch.
const $ = (id) => document.getElementById(id);
const KEY = 'arbstream.token';
const MAX_EDGES = 100;
let token = sessionStorage.getItem(KEY);
let ws = null;
let me = null;

/** Exact dollars from integer micro-dollars (never floats). */
function usd(micros) {
  const neg = micros < 0;
  const a = Math.abs(micros);
  const whole = Math.floor(a / 1e6);
  let frac = String(a % 1e6).padStart(6, '0').replace(/0+$/, '');
  if (frac.length < 2) frac = frac.padEnd(2, '0');
  return `${neg ? '-' : ''}$${whole}.${frac}`;
}
const contracts = (qty) => (qty / 1e6).toLocaleString('en-US', { maximumFractionDigits: 6 });
const time = (iso) => (iso ? new Date(iso).toLocaleTimeString() : '');
function cell(text, cls) {
  const td = document.createElement('td');
  td.textContent = text ?? '';
  if (cls) td.className = cls;
  return td;
}

async function gql(query, variables = {}) {
  const res = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  let body;
  try { body = await res.json(); } catch { body = null; }
  if (res.status === 401) { logout('token refused (missing, invalid or revoked)'); throw new Error('unauthenticated'); }
  const err = body?.errors?.[0];
  if (!res.ok || err) throw Object.assign(new Error(err?.message ?? `HTTP ${res.status}`), { code: err?.extensions?.code });
  return body.data;
}

const LEG = ['A', 'B'];
/** "A polymarket YES + B kalshi NO": what each leg buys (legs by position: A = legs[0]). */
const edgeLegs = (legs) => (legs ?? []).map((l) => `${LEG[l.position]} ${l.venue} ${l.outcome.toUpperCase()}`).join(' + ');
/** A pair leg: its venue and the market's title (its id while discovery has not stored the market). */
const pairLeg = (l) => (l ? `${l.venue}: ${l.market?.title ?? l.marketId}` : '');
/** A link: text and href set as properties (never HTML). */
function link(text, href, external) {
  const a = document.createElement('a');
  a.textContent = text;
  a.href = href;
  if (external) { a.target = '_blank'; a.rel = 'noopener noreferrer'; }
  return a;
}
const shortId = (id) => (id && id.length > 24 ? `${id.slice(0, 12)}…` : id ?? '');
/** Markets known from the pairs (venue|marketId → { title, url }): positions and executions carry only ids. */
const markets = new Map();
const marketKey = (venue, marketId) => `${venue}|${marketId}`;
/** Remembers the titles and pages of a pair's markets. */
function learnPair(p) {
  pairNames.set(p.pairId, pairName(p));
  for (const l of p.legs) if (l.market) markets.set(marketKey(l.venue, l.marketId), l.market);
}
/** A market's title linked to its page on the venue; its (shortened) id while no pair names it. */
function marketContent(venue, marketId) {
  const m = markets.get(marketKey(venue, marketId));
  if (m?.url) return link(m.title, m.url, true);
  return m?.title ?? shortId(marketId);
}
/** A table cell holding a market by title (linked to the venue), its full id on hover. */
function marketCell(venue, marketId) {
  const td = document.createElement('td');
  td.className = 'wrap';
  td.title = `${venue} ${marketId}`;
  td.append(marketContent(venue, marketId));
  return td;
}
/** A table cell holding a pair leg: the market's title linked to its page on the venue. */
function legCell(l) {
  const td = document.createElement('td');
  td.className = 'wrap';
  if (!l) return td;
  td.append(`${l.venue}: `);
  if (l.market?.url) td.append(link(l.market.title, l.market.url, true));
  else td.append(l.market?.title ?? l.marketId);
  return td;
}
const pairHref = (pairId) => `#/pair/${encodeURIComponent(pairId)}`;
/** What a pair is about: leg A's market title (its id until discovery stored it). */
const pairName = (p) => p.legs.find((l) => l.position === 0)?.market?.title ?? p.pairId;
const pairNames = new Map();
/** A table cell holding a pair: its title linked to its pair page, its id on hover. */
function pairCell(pairId) {
  const td = document.createElement('td');
  td.className = 'wrap';
  td.append(link(pairNames.get(pairId) ?? pairId, pairHref(pairId)));
  td.title = pairId;
  return td;
}

function edgeRow(e, fresh) {
  const tr = document.createElement('tr');
  tr.dataset.edgeId = e.edgeId;
  if (fresh) tr.className = 'new';
  tr.append(cell(time(e.ts)), pairCell(e.pairId), cell(e.direction), cell(edgeLegs(e.legs)), cell(usd(e.netEdgePerContractMicros), 'num'), cell(contracts(e.sizeQty), 'num'), cell(usd(e.profitMicros), 'num'));
  return tr;
}
function addEdge(e, fresh) {
  const tbody = $('edges');
  tbody.querySelector(`tr[data-edge-id="${CSS.escape(e.edgeId)}"]`)?.remove();
  tbody.prepend(edgeRow(e, fresh));
  while (tbody.rows.length > MAX_EDGES) tbody.deleteRow(-1);
}
function renderFeeds(list) {
  const tbody = $('feeds');
  const byVenue = new Map([...tbody.rows].map((r) => [r.dataset.venue, r]));
  for (const f of list) {
    const tr = document.createElement('tr');
    tr.dataset.venue = f.venue;
    tr.append(cell(f.venue), cell(f.state, f.state === 'live' ? 'off' : 'on'), cell(f.reason), cell(time(f.ts)));
    byVenue.get(f.venue)?.remove();
    tbody.append(tr);
  }
}
function renderKill(k) {
  $('kill-state').textContent = k.on ? 'ON (nothing trades)' : 'off';
  $('kill-state').className = k.on ? 'on' : 'off';
  $('kill-by').textContent = k.updatedBy ? `by ${k.updatedBy} at ${time(k.updatedAt)}` : '(configured default)';
  const b = $('kill-toggle');
  b.dataset.on = String(k.on);
  b.textContent = k.on ? 'Turn kill switch OFF' : 'Turn kill switch ON';
  b.title = me && me.role === 'viewer' ? 'viewers cannot change the kill switch' : '';
}
function renderPairs(pairs) {
  for (const p of pairs) learnPair(p);
  const tbody = $('pairs');
  tbody.replaceChildren(...pairs.map((p) => {
    const tr = document.createElement('tr');
    const byPos = new Map(p.legs.map((l) => [l.position, l]));
    tr.dataset.pairId = p.pairId;
    tr.append(
      pairCell(p.pairId), cell(p.status, `status-${p.status}`), cell(p.confidence == null ? '' : p.confidence.toFixed(2), 'num'),
      cell(p.humanReviewed ? 'human' : 'matcher'), legCell(byPos.get(0)), legCell(byPos.get(1)),
    );
    return tr;
  }));
}

// ── executions, positions and P&L ──
const MAX_EXECUTIONS = 100;
// kept small: a page of 50 executions must stay under the API's query cost limit
const EXEC_FIELDS = 'executionId pairId state reason sizeQty netQty tsUpdated legs { venue outcome limitPriceMicros } progress { leg1 { filledQty } leg2 { filledQty } }';
const POSITION_FIELDS = 'venue marketId outcome pairId qty costMicros markMicros realizedPnlMicros unrealizedPnlMicros feesMicros settledAt';
// two requests: each stays under the API's query cost limit
const PAIR_POSITIONS_QUERY = `{ positions { source pairs { pairId realizedPnlMicros unrealizedPnlMicros legs { ${POSITION_FIELDS} } } } pnl { realizedPnlMicros unrealizedPnlMicros feesMicros exposureMicros } }`;
const MARKET_POSITIONS_QUERY = `{ positions { markets { ${POSITION_FIELDS} } } }`;
async function loadPositions() {
  const [a, b] = await Promise.all([gql(PAIR_POSITIONS_QUERY), gql(MARKET_POSITIONS_QUERY)]);
  renderPositions({ ...a.positions, markets: b.positions.markets }, a.pnl);
}
const money = (m) => (m == null ? 'n/a' : usd(m));
/** "1 kalshi NO ≤$0.54 (10 filled) → 2 polymarket YES ≤$0.44 (10 filled)": legs in order of execution. */
function execLegs(x) {
  const filled = [x.progress?.leg1?.filledQty, x.progress?.leg2?.filledQty];
  return (x.legs ?? []).map((l, i) => `${i + 1} ${l.venue} ${l.outcome.toUpperCase()} ≤${usd(l.limitPriceMicros)} (${contracts(filled[i] ?? 0)} filled)`).join(' → ');
}
function execRow(x, fresh) {
  const tr = document.createElement('tr');
  tr.dataset.executionId = x.executionId;
  if (fresh) tr.className = 'new';
  tr.append(cell(time(x.tsUpdated)), cell(x.executionId), pairCell(x.pairId), cell(x.state, `state-${x.state}`), cell(x.reason, 'wrap'), cell(execLegs(x), 'wrap legs'), cell(contracts(x.sizeQty), 'num'), cell(contracts(x.netQty), x.netQty > 0 ? 'num on' : 'num'));
  return tr;
}
function addExecution(x, fresh) {
  const tbody = $('executions');
  tbody.querySelector(`tr[data-execution-id="${CSS.escape(x.executionId)}"]`)?.remove();
  tbody.prepend(execRow(x, fresh));
  while (tbody.rows.length > MAX_EXECUTIONS) tbody.deleteRow(-1);
}
/** A position row; `pairId` null: a position of orders no execution sent. */
function positionRow(p, pairId) {
  const tr = document.createElement('tr');
  tr.dataset.position = `${p.pairId ?? ''}|${p.venue}|${p.marketId}|${p.outcome}`;
  tr.append(
    pairId == null ? cell('(no execution)', 'muted') : pairCell(pairId), cell(p.venue), marketCell(p.venue, p.marketId), cell(p.outcome.toUpperCase()), cell(contracts(p.qty), 'num'), cell(usd(p.costMicros), 'num'),
    cell(p.markMicros == null ? '' : usd(p.markMicros), 'num'), cell(usd(p.realizedPnlMicros), 'num'), cell(money(p.unrealizedPnlMicros), 'num'), cell(usd(p.feesMicros), 'num'),
    cell(p.settledAt ? time(p.settledAt) : ''),
  );
  return tr;
}
function renderPositions(positions, pnl) {
  $('positions-source').textContent = positions.source === 'execution' ? '(running execution)' : '(from stored fills)';
  const rows = [];
  for (const pair of positions.pairs) {
    for (const l of pair.legs) rows.push(positionRow(l, pair.pairId));
    const total = document.createElement('tr');
    total.className = 'total';
    total.dataset.pairTotal = pair.pairId;
    total.append(cell('pair total'), cell(''), cell(''), cell(''), cell(''), cell(''), cell(''), cell(usd(pair.realizedPnlMicros), 'num'), cell(money(pair.unrealizedPnlMicros), 'num'), cell(''), cell(''));
    rows.push(total);
  }
  // positions of orders no execution sent (no pair): by market only
  const paired = new Set(positions.pairs.flatMap((p) => p.legs.map((l) => `${l.venue}|${l.marketId}|${l.outcome}`)));
  for (const m of positions.markets) if (!paired.has(`${m.venue}|${m.marketId}|${m.outcome}`)) rows.push(positionRow(m, null));
  $('positions').replaceChildren(...rows);
  $('pnl-realized').textContent = usd(pnl.realizedPnlMicros);
  $('pnl-unrealized').textContent = money(pnl.unrealizedPnlMicros);
  $('pnl-fees').textContent = usd(pnl.feesMicros);
  $('pnl-exposure').textContent = usd(pnl.exposureMicros);
}
let positionsTimer = null;
/** Positions change with fills: re-read them (at most every 500 ms) when an execution changes. */
function refreshPositionsSoon() {
  if (positionsTimer) return;
  positionsTimer = setTimeout(async () => {
    positionsTimer = null;
    try {
      await loadPositions();
    } catch (err) {
      console.warn('positions refresh failed', err);
    }
  }, 500);
}
function renderExecStatus(s) {
  $('exec-status').textContent = s.mode === 'off' ? 'execution off in this process' : `${s.mode}${s.mode === 'live' ? (s.armed ? ', ARMED' : ', not armed') : ''}${s.killSwitch ? ', kill switch on' : ''}`;
}

const EDGE_FIELDS = 'edgeId pairId direction ts sizeQty netEdgePerContractMicros profitMicros legs { position venue outcome }';
async function loadAll() {
  const d = await gql(`{
    me { name role }
    killSwitch { on updatedAt updatedBy }
    topEdges(limit: 50) { ${EDGE_FIELDS} }
    feedHealth { venue state reason ts }
    pairs { pairId status confidence humanReviewed legs { position venue marketId market { title url } } }
  }`);
  me = d.me;
  for (const p of d.pairs) learnPair(p);
  $('who').textContent = `${me.name} (${me.role})`;
  renderKill(d.killSwitch);
  $('edges').replaceChildren();
  for (const e of [...d.topEdges].reverse()) addEdge(e, false);
  renderFeeds(d.feedHealth);
  renderPairs(d.pairs);
  // separate requests: each stays under the API's query cost limit
  const [x, s] = await Promise.all([gql(`{ executions(first: 50) { edges { node { ${EXEC_FIELDS} } } } }`), gql('{ executionStatus { mode armed killSwitch } }'), loadPositions()]);
  $('executions').replaceChildren();
  for (const { node } of [...x.executions.edges].reverse()) addExecution(node, false);
  renderExecStatus(s.executionStatus);
}

/** Live subscriptions by id: [query, variables, handler]; sent on every (re)connection. */
const liveSubs = new Map();
function liveSubscribe(id, query, variables, handler) {
  liveSubs.set(id, [query, variables, handler]);
  if (ws?.readyState === WebSocket.OPEN && ws.acked) ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
}
function liveUnsubscribe(id) {
  if (!liveSubs.delete(id)) return;
  if (ws?.readyState === WebSocket.OPEN && ws.acked) ws.send(JSON.stringify({ id, type: 'complete' }));
}
liveSubscribe('e', `subscription { edgeAdded { ${EDGE_FIELDS} } }`, {}, (d) => addEdge(d.edgeAdded, true));
liveSubscribe('f', 'subscription { feedStatus { venue state reason ts } }', {}, (d) => renderFeeds([d.feedStatus]));
liveSubscribe('k', 'subscription { killSwitchChanged { on updatedAt updatedBy } }', {}, (d) => renderKill(d.killSwitchChanged));
liveSubscribe('x', `subscription { executionUpdated { ${EXEC_FIELDS} } }`, {}, (d) => { addExecution(d.executionUpdated, true); refreshPositionsSoon(); pairPage?.onExecution(d.executionUpdated); });

function connectLive() {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  const sock = new WebSocket(url, 'graphql-transport-ws');
  ws = sock;
  sock.onopen = () => sock.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
  sock.onmessage = (ev) => {
    const msg = JSON.parse(ev.data);
    if (msg.type === 'connection_ack') {
      sock.acked = true;
      $('conn').textContent = 'live';
      $('conn').className = 'pill live';
      for (const [id, [query, variables]] of liveSubs) sock.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
    } else if (msg.type === 'next' && msg.payload?.data) liveSubs.get(msg.id)?.[2](msg.payload.data);
    else if (msg.type === 'ping') sock.send(JSON.stringify({ type: 'pong' }));
    else if (msg.type === 'error') console.warn('subscription error', msg.payload);
  };
  sock.onclose = (ev) => {
    $('conn').textContent = 'offline';
    $('conn').className = 'pill';
    if (ws !== sock) return;
    if (ev.code === 4401 || ev.code === 4403) return logout('the live connection refused the token');
    setTimeout(() => token && ws === sock && connectLive(), 2000);
  };
}

// ── the pair page (#/pair/<id>): chart of both legs' books, decisions, lead-lag, fees, executions ──
let pairPage = null;
const PAIR_QUERY = `query($id: ID!, $since: DateTime) {
  pair(pairId: $id) { pairId status confidence humanReviewed yesMapsToNo legs { position venue marketId market { title url } }
    recentEdges(limit: 1) { sizeQty feesMicros legs { position venue outcome vwapMicros costMicros feeMicros } } }
  pairHistory(pairId: $id, since: $since) { books { venue marketId ts yesBid yesAsk noBid noAsk }
    decisions { edgeId accepted reasons ts direction sizeQty netEdgePerContractMicros profitMicros feesMicros } }
  leadLag(pairId: $id) { windowMs lagMs coefficient samples ts }
}`;
const BOOK_FIELDS = 'venue marketId ts yesBid yesAsk noBid noAsk';
const MAX_DECISIONS = 200;
const dollars = (m) => m / 1e6; // chart coordinates only (display), never arithmetic on money

/**
 * One line per leg and side: leg A's YES bid/ask, and leg B's side of the same outcome (its NO when
 * the pair maps A's YES to B's NO), so both legs price one outcome on one axis.
 */
function createBookChart(el, pair) {
  const LC = globalThis.LightweightCharts;
  const chart = LC.createChart(el, { autoSize: true, layout: { attributionLogo: false }, timeScale: { timeVisible: true, secondsVisible: true }, localization: { priceFormatter: (p) => `$${p.toFixed(3)}` } });
  const legA = pair.legs.find((l) => l.position === 0);
  const legB = pair.legs.find((l) => l.position === 1);
  const bSide = pair.yesMapsToNo ? 'no' : 'yes';
  const specs = [
    { leg: legA, key: 'yesBid', title: `A ${legA.venue} YES bid`, color: '#2e8b57' },
    { leg: legA, key: 'yesAsk', title: `A ${legA.venue} YES ask`, color: '#b00020' },
    { leg: legB, key: `${bSide}Bid`, title: `B ${legB.venue} ${bSide.toUpperCase()} bid`, color: '#1f5fa8', style: 2 },
    { leg: legB, key: `${bSide}Ask`, title: `B ${legB.venue} ${bSide.toUpperCase()} ask`, color: '#a66a00', style: 2 },
  ];
  const series = specs.map((sp) => ({ ...sp, api: chart.addSeries(LC.LineSeries, { color: sp.color, lineWidth: 2, lineStyle: sp.style ?? 0, title: sp.title, lineType: 1 }), last: 0, n: 0 }));
  $('chart-legend').textContent = specs.map((sp) => sp.title).join(' · ');
  const count = () => { el.dataset.points = String(series.reduce((n, s) => n + s.n, 0)); };
  const matches = (sp, b) => sp.leg && b.venue === sp.leg.venue && b.marketId === sp.leg.marketId;
  return {
    /** Stored rows, oldest first: one point per series and second (the last of that second). */
    setHistory(books) {
      for (const s of series) {
        const bySecond = new Map();
        for (const b of books) if (matches(s, b) && b[s.key] != null) bySecond.set(Math.floor(Date.parse(b.ts) / 1000), dollars(b[s.key]));
        const data = [...bySecond].sort((x, y) => x[0] - y[0]).map(([time, value]) => ({ time, value }));
        s.api.setData(data);
        s.n = data.length;
        s.last = data.length ? data[data.length - 1].time : 0;
      }
      chart.timeScale().fitContent();
      count();
    },
    /** A live book: extends (or, in the same second, replaces the last point of) its leg's series. */
    add(b) {
      const time = Math.floor(Date.parse(b.ts) / 1000);
      for (const s of series) {
        if (!matches(s, b) || b[s.key] == null || time < s.last) continue;
        s.api.update({ time, value: dollars(b[s.key]) });
        if (time > s.last) s.n += 1;
        s.last = time;
      }
      count();
    },
    remove() { chart.remove(); },
  };
}

function decisionRow(d, fresh) {
  const tr = document.createElement('tr');
  tr.dataset.edgeId = d.edgeId;
  if (fresh) tr.className = 'new';
  const reasons = cell(d.reasons.join('; ') || (d.accepted ? '' : '(none given)'), 'reasons');
  tr.append(
    cell(time(d.ts)), cell(d.accepted ? 'accepted' : 'rejected', d.accepted ? 'accepted' : 'rejected'), cell(d.direction ?? ''),
    cell(d.netEdgePerContractMicros == null ? '' : usd(d.netEdgePerContractMicros), 'num'), cell(d.sizeQty == null ? '' : contracts(d.sizeQty), 'num'),
    cell(d.profitMicros == null ? '' : usd(d.profitMicros), 'num'), cell(d.feesMicros == null ? '' : usd(d.feesMicros), 'num'), reasons,
  );
  return tr;
}
function addDecision(d, fresh) {
  const tbody = $('pair-decisions');
  tbody.prepend(decisionRow(d, fresh));
  while (tbody.rows.length > MAX_DECISIONS) tbody.deleteRow(-1);
}
function renderFees(edge) {
  const tbody = $('pair-fees');
  if (!edge) return tbody.replaceChildren();
  tbody.replaceChildren(...edge.legs.map((l) => {
    const tr = document.createElement('tr');
    tr.append(cell(`${LEG[l.position]} ${l.venue} ${l.outcome.toUpperCase()}`), cell(contracts(edge.sizeQty), 'num'), cell(l.vwapMicros == null ? '' : usd(l.vwapMicros), 'num'), cell(l.costMicros == null ? '' : usd(l.costMicros), 'num'), cell(l.feeMicros == null ? '' : usd(l.feeMicros), 'num'));
    return tr;
  }));
  const total = document.createElement('tr');
  total.className = 'total';
  total.append(cell('total'), cell(''), cell(''), cell(''), cell(usd(edge.feesMicros), 'num'));
  tbody.append(total);
}
function renderLeadLag(list) {
  $('pair-leadlag').replaceChildren(...list.map((x) => {
    const tr = document.createElement('tr');
    const who = x.lagMs === 0 ? 'together' : x.lagMs > 0 ? `A leads by ${x.lagMs} ms` : `B leads by ${-x.lagMs} ms`;
    tr.append(cell(`${x.windowMs / 1000} s`, 'num'), cell(who, 'num'), cell(x.coefficient.toFixed(3), 'num'), cell(String(x.samples), 'num'), cell(time(x.ts)));
    return tr;
  }));
}
async function loadPairTrading(pairId) {
  const [x, p] = await Promise.all([
    gql(`query PairExecutions($pairId: ID!) { executions(first: 50, pairId: $pairId) { edges { node { ${EXEC_FIELDS} } } } }`, { pairId }),
    gql(`{ positions { pairs { pairId realizedPnlMicros unrealizedPnlMicros legs { venue marketId outcome pairId qty costMicros realizedPnlMicros unrealizedPnlMicros } } } }`),
  ]);
  if (pairPage?.pairId !== pairId) return;
  const mine = x.executions.edges.map((e) => e.node).filter((n) => n.pairId === pairId);
  // the pair is the page's subject: its executions without the pair column
  $('pair-executions').replaceChildren(...mine.map((n) => { const tr = execRow(n, false); tr.children[2].remove(); return tr; }));
  showEither('pair-executions-box', 'pair-executions-none', mine.length > 0);
  const pos = p.positions.pairs.find((q) => q.pairId === pairId);
  $('pair-pnl').textContent = pos ? `Realised ${usd(pos.realizedPnlMicros)} · Unrealised ${money(pos.unrealizedPnlMicros)}` : '';
  $('pair-positions').replaceChildren(...(pos?.legs ?? []).map((l) => {
    const tr = document.createElement('tr');
    tr.dataset.position = `${pairId}|${l.venue}|${l.marketId}|${l.outcome}`;
    tr.append(cell(l.venue), marketCell(l.venue, l.marketId), cell(l.outcome.toUpperCase()), cell(contracts(l.qty), 'num'), cell(usd(l.costMicros), 'num'), cell(usd(l.realizedPnlMicros), 'num'), cell(money(l.unrealizedPnlMicros), 'num'));
    return tr;
  }));
  showEither('pair-positions-box', 'pair-positions-none', Boolean(pos?.legs.length));
}
/** Shows the table box when it has rows, else its short "none yet" line. */
function showEither(boxId, noneId, hasRows) {
  $(boxId).hidden = !hasRows;
  $(noneId).hidden = hasRows;
}

async function openPair(pairId) {
  closePair();
  $('app').hidden = true;
  $('pair-view').hidden = false;
  $('pair-error').textContent = '';
  for (const id of ['pair-executions-box', 'pair-executions-none', 'pair-positions-box', 'pair-positions-none']) $(id).hidden = true;
  const el = $('book-chart');
  el.dataset.points = '0';
  el.dataset.ready = 'false';
  const page = { pairId, chart: null, onExecution: (x) => { if (x.pairId === pairId) void loadPairTrading(pairId).catch((err) => console.warn('pair trading refresh failed', err)); } };
  pairPage = page;
  const since = new Date(Date.now() - 6 * 3_600_000).toISOString();
  const d = await gql(PAIR_QUERY, { id: pairId, since });
  if (pairPage !== page) return;
  if (!d.pair) { $('pair-title').textContent = pairId; $('pair-error').textContent = 'No such pair.'; return; }
  const p = d.pair;
  learnPair(p);
  $('pair-title').textContent = pairName(p);
  $('pair-meta').textContent = `${p.pairId} · ${p.status}${p.confidence == null ? '' : ` · confidence ${p.confidence.toFixed(2)}`} · ${p.humanReviewed ? 'reviewed by a human' : 'matcher only'}${p.yesMapsToNo ? ' · A YES = B NO' : ''}`;
  $('pair-legs').replaceChildren(...[...p.legs].sort((a, b) => a.position - b.position).map((l) => {
    const li = document.createElement('li');
    li.append(`${LEG[l.position]} ${l.venue}: `, l.market?.url ? link(l.market.title, l.market.url, true) : (l.market?.title ?? l.marketId));
    return li;
  }));
  page.chart = createBookChart(el, p);
  page.chart.setHistory(d.pairHistory?.books ?? []);
  el.dataset.ready = 'true';
  $('pair-decisions').replaceChildren();
  for (const x of d.pairHistory?.decisions ?? []) addDecision(x, false);
  renderLeadLag(d.leadLag);
  renderFees(p.recentEdges[0]);
  liveSubscribe('pb', `subscription($id: ID!) { pairBook(pairId: $id) { ${BOOK_FIELDS} } }`, { id: pairId }, (x) => pairPage === page && page.chart.add(x.pairBook));
  liveSubscribe('pd', 'subscription { decisionAdded { accepted reasons ts edge { edgeId pairId direction sizeQty netEdgePerContractMicros profitMicros feesMicros } } }', {}, (x) => {
    const r = x.decisionAdded;
    if (pairPage !== page || r.edge.pairId !== pairId) return;
    addDecision({ ...r.edge, accepted: r.accepted, reasons: r.reasons, ts: r.ts }, true);
  });
  await loadPairTrading(pairId);
}
function closePair() {
  liveUnsubscribe('pb');
  liveUnsubscribe('pd');
  pairPage?.chart?.remove();
  pairPage = null;
}
function route() {
  if (!token) return;
  const m = /^#\/pair\/(.+)$/.exec(location.hash);
  if (m) {
    void openPair(decodeURIComponent(m[1])).catch((err) => { $('pair-error').textContent = err.message; });
  } else {
    closePair();
    $('pair-view').hidden = true;
    $('app').hidden = false;
  }
}
window.addEventListener('hashchange', route);

async function toggleKill() {
  $('kill-error').textContent = '';
  const on = $('kill-toggle').dataset.on !== 'true';
  try {
    const d = await gql('mutation($on: Boolean!) { setKillSwitch(on: $on) { on updatedAt updatedBy } }', { on });
    renderKill(d.setKillSwitch);
  } catch (err) {
    $('kill-error').textContent = `Refused: ${err.message}${err.code ? ` (${err.code})` : ''}`;
  }
}

function logout(reason) {
  sessionStorage.removeItem(KEY);
  token = null;
  const s = ws;
  ws = null;
  s?.close();
  $('app').hidden = true;
  $('logout').hidden = true;
  $('login').hidden = false;
  closePair();
  $('pair-view').hidden = true;
  $('who').textContent = '';
  $('login-error').textContent = reason ?? '';
}

async function start() {
  $('login').hidden = true;
  $('app').hidden = false;
  $('logout').hidden = false;
  try {
    await loadAll();
    connectLive();
    route();
  } catch (err) {
    if (token) $('login-error').textContent = err.message;
  }
}

$('login-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  token = $('token').value.trim();
  $('token').value = '';
  sessionStorage.setItem(KEY, token);
  $('login-error').textContent = '';
  void start();
});
$('logout').addEventListener('click', () => logout());
$('kill-toggle').addEventListener('click', () => void toggleKill());
if (token) void start();
