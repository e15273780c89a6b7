/**
 * The faults as a client sees them on the wire, with `arbstream simulate`'s own setup (both
 * simulators, the demo scenario, the driver re-publishing planted books every second):
 * a stall is really silent (no frame from the walk or the driver, pings unanswered, so the feed
 * goes stale by itself; handshakes held), a disconnect refuses handshakes with 503 for its window,
 * `http` answers REST with the status for its window, and the feeds are live again afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Subscription } from 'rxjs';
import type { FeedStatus } from '../../schema/feed.js';
import { VENUE_IDS, type Venue } from '../../schema/venue.js';
import { loadConfig, type Config } from '../../src/config.js';
import { parseFaultSpec } from '../../src/demo/faults.js';
import { startSimulation, type Simulation } from '../../src/demo/simulate.js';
import type { RawFrame } from '../../src/venues/common/types.js';
import { venues } from '../../src/venues/registry.js';
import type { VenueFeed } from '../../src/venues/venue.js';

const MAX_AGE_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

let dir: string;
let sim: Simulation;
let config: Config;
const feeds = new Map<Venue, VenueFeed>();
const frames: RawFrame[] = [];
const statuses: (FeedStatus & { at: number })[] = [];
const subs: Subscription[] = [];
const state = (v: Venue) => statuses.filter((s) => s.venue === v).at(-1)?.state;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'faults-wire-'));
  sim = await startSimulation({ dir, rateHz: 40, fillerMarkets: 2 });
  config = sim.configure(loadConfig({ LOG_LEVEL: 'silent', RISK_MAX_BOOK_AGE_MS: String(MAX_AGE_MS), FEED_BACKOFF_BASE_MS: '50', FEED_BACKOFF_MAX_MS: '200' }));
  for (const id of VENUE_IDS) {
    const ids = sim.scenario.pairs.flatMap((p) => p.legs.filter((l) => l.venue === id).map((l) => l.marketId));
    const meta = await venues[id].rest(config).marketMeta(ids);
    const feed = venues[id].feed(config);
    subs.push(feed.frames$.subscribe((f) => frames.push(f)), feed.status$.subscribe((s) => statuses.push({ ...s, at: Date.now() })));
    feed.subscribe(meta);
    feeds.set(id, feed);
  }
  await until('both feeds live with frames', () => VENUE_IDS.every((v) => state(v) === 'live' && frames.some((f) => f.venue === v)));
}, 30_000);

afterAll(async () => {
  subs.forEach((s) => s.unsubscribe());
  for (const f of feeds.values()) f.close();
  await sim?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe.each(VENUE_IDS)('%s simulator faults on the wire', (venue) => {
  it('a stall is silent (walk, driver, pongs): the feed goes stale within the book age limit, then live again', async () => {
    const control = sim.sims[venue].control;
    // traffic flows before: the walk and the driver's snapshots every second
    const before = frames.length;
    await sleep(1200);
    expect(frames.slice(before).filter((f) => f.venue === venue).length).toBeGreaterThan(2);
    const silenced0 = control.faultStats.framesSilenced;
    const t0 = Date.now();
    control.inject({ kind: 'stall', ms: 2500 });
    const lastSent = control.lastSentAt();
    await sleep(2500);
    // nothing arrived after the stall began (20 ms for frames already in flight)
    const during = frames.filter((f) => f.venue === venue && f.tsReceived > t0 + 20 && f.tsReceived < t0 + 2500);
    expect(during.map((f) => f.data.slice(0, 80))).toEqual([]);
    // the driver kept publishing (and the walk was paused): the simulator silenced those sends
    expect(control.faultStats.framesSilenced).toBeGreaterThan(silenced0);
    // unanswered probes: stale by itself, within the limit after the last thing sent
    const stale = statuses.find((s) => s.venue === venue && s.at > t0 && s.state !== 'live');
    expect(stale, 'the feed never left live during a silent stall').toBeDefined();
    expect(stale!.at - Math.max(lastSent, t0 - 1)).toBeLessThanOrEqual(MAX_AGE_MS + 250);
    await until('live again after the stall', () => state(venue) === 'live' && frames.some((f) => f.venue === venue && f.tsReceived > t0 + 2500), 10_000);
  }, 20_000);

  it('disconnect+<for> refuses handshakes with 503 for the window, then the feed reconnects', async () => {
    const control = sim.sims[venue].control;
    const t0 = Date.now();
    const refused0 = control.faultStats.handshakesRefused;
    sim.sims[venue].control.inject(parseFaultSpec(`${venue}:disconnect+700ms`)[0]!.action);
    await until('a reconnect after the window', () => state(venue) === 'live' && statuses.some((s) => s.venue === venue && s.at > t0 && s.state !== 'live'), 10_000);
    expect(control.faultStats.handshakesRefused).toBeGreaterThan(refused0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(650);
  }, 15_000);

  it('http:<status>+<for> answers REST with the status for the window only', async () => {
    const url = `${sim.sims[venue].restUrl}/markets`;
    sim.sims[venue].control.inject(parseFaultSpec(`${venue}:http:503+400ms`)[0]!.action);
    expect((await fetch(url)).status).toBe(503);
    const r429 = parseFaultSpec(`${venue}:http+300ms`)[0]!.action;
    sim.sims[venue].control.inject(r429);
    const res = await fetch(url);
    expect(res.status).toBe(429);
    await sleep(450);
    expect([200, 401]).toContain((await fetch(url)).status); // Kalshi REST may want a signature
  });
});

describe('faults a simulator lacks', () => {
  it('are refused by the simulator control with the list of those it has', () => {
    const missing = VENUE_IDS.flatMap((v) => (['gap', 'error'] as const).filter((k) => !sim.sims[v].control.faultKinds.includes(k)).map((k) => [v, k] as const));
    expect(missing.length).toBeGreaterThan(0); // Polymarket has no sequence numbers and no error frames
    for (const [v, k] of missing) expect(() => sim.sims[v].control.inject({ kind: k })).toThrow(new RegExp(`no '${k}' fault \\(it has: `));
  });
});
