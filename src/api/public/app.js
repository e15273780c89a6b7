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

function edgeRow(e, fresh) {
  const tr = document.createElement('tr');
  tr.dataset.edgeId = e.edgeId;
  if (fresh) tr.className = 'new';
  tr.append(cell(time(e.ts)), cell(e.pairId), cell(e.direction), cell(edgeLegs(e.legs)), cell(usd(e.netEdgePerContractMicros), 'num'), cell(contracts(e.sizeQty), 'num'), cell(usd(e.profitMicros), 'num'));
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
  const tbody = $('pairs');
  tbody.replaceChildren(...pairs.map((p) => {
    const tr = document.createElement('tr');
    const byPos = new Map(p.legs.map((l) => [l.position, l]));
    tr.append(
      cell(p.pairId), cell(p.status, `status-${p.status}`), cell(p.confidence == null ? '' : p.confidence.toFixed(2), 'num'),
      cell(p.humanReviewed ? 'human' : 'matcher'), cell(pairLeg(byPos.get(0))), cell(pairLeg(byPos.get(1))),
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
const shortId = (id) => (id && id.length > 24 ? `${id.slice(0, 12)}…` : id ?? '');
/** "1 kalshi NO ≤$0.54 (10 filled) → 2 polymarket YES ≤$0.44 (10 filled)": legs in order of execution. */
function execLegs(x) {
  const filled = [x.progress?.leg1?.filledQty, x.progress?.leg2?.filledQty];
  return (x.legs ?? []).map((l, i) => `${i + 1} ${l.venue} ${l.outcome.toUpperCase()} ≤${usd(l.limitPriceMicros)} (${contracts(filled[i] ?? 0)} filled)`).join(' → ');
}
function execRow(x, fresh) {
  const tr = document.createElement('tr');
  tr.dataset.executionId = x.executionId;
  if (fresh) tr.className = 'new';
  tr.append(cell(time(x.tsUpdated)), cell(x.executionId), cell(x.pairId), cell(x.state, `state-${x.state}`), cell(x.reason), cell(execLegs(x)), cell(contracts(x.sizeQty), 'num'), cell(contracts(x.netQty), x.netQty > 0 ? 'num on' : 'num'));
  return tr;
}
function addExecution(x, fresh) {
  const tbody = $('executions');
  tbody.querySelector(`tr[data-execution-id="${CSS.escape(x.executionId)}"]`)?.remove();
  tbody.prepend(execRow(x, fresh));
  while (tbody.rows.length > MAX_EXECUTIONS) tbody.deleteRow(-1);
}
function positionRow(p, pairLabel) {
  const tr = document.createElement('tr');
  tr.dataset.position = `${p.pairId ?? ''}|${p.venue}|${p.marketId}|${p.outcome}`;
  tr.append(
    cell(pairLabel), cell(p.venue), cell(shortId(p.marketId)), cell(p.outcome.toUpperCase()), cell(contracts(p.qty), 'num'), cell(usd(p.costMicros), 'num'),
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
    total.append(cell(`${pair.pairId} total`), cell(''), cell(''), cell(''), cell(''), cell(''), cell(''), cell(usd(pair.realizedPnlMicros), 'num'), cell(money(pair.unrealizedPnlMicros), 'num'), cell(''), cell(''));
    rows.push(total);
  }
  // positions of orders no execution sent (no pair): by market only
  const paired = new Set(positions.pairs.flatMap((p) => p.legs.map((l) => `${l.venue}|${l.marketId}|${l.outcome}`)));
  for (const m of positions.markets) if (!paired.has(`${m.venue}|${m.marketId}|${m.outcome}`)) rows.push(positionRow(m, '(no execution)'));
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
    pairs { pairId status confidence humanReviewed legs { position venue marketId market { title } } }
  }`);
  me = d.me;
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

function connectLive() {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  const sock = new WebSocket(url, 'graphql-transport-ws');
  ws = sock;
  const subs = {
    e: [`subscription { edgeAdded { ${EDGE_FIELDS} } }`, (d) => addEdge(d.edgeAdded, true)],
    f: ['subscription { feedStatus { venue state reason ts } }', (d) => renderFeeds([d.feedStatus])],
    k: ['subscription { killSwitchChanged { on updatedAt updatedBy } }', (d) => renderKill(d.killSwitchChanged)],
    x: [`subscription { executionUpdated { ${EXEC_FIELDS} } }`, (d) => { addExecution(d.executionUpdated, true); refreshPositionsSoon(); }],
  };
  sock.onopen = () => sock.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
  sock.onmessage = (ev) => {
    const msg = JSON.parse(ev.data);
    if (msg.type === 'connection_ack') {
      $('conn').textContent = 'live';
      $('conn').className = 'pill live';
      for (const [id, [query]] of Object.entries(subs)) sock.send(JSON.stringify({ id, type: 'subscribe', payload: { query } }));
    } else if (msg.type === 'next' && msg.payload?.data) subs[msg.id]?.[1](msg.payload.data);
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
