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
}

function connectLive() {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  const sock = new WebSocket(url, 'graphql-transport-ws');
  ws = sock;
  const subs = {
    e: [`subscription { edgeAdded { ${EDGE_FIELDS} } }`, (d) => addEdge(d.edgeAdded, true)],
    f: ['subscription { feedStatus { venue state reason ts } }', (d) => renderFeeds([d.feedStatus])],
    k: ['subscription { killSwitchChanged { on updatedAt updatedBy } }', (d) => renderKill(d.killSwitchChanged)],
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
