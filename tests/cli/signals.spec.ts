/**
 * Ctrl-C on the long-running commands (src/cli/pipeline.ts): the first SIGINT stops cleanly and the
 * process exits even when `--seconds` is far away (its timer is cleared, it does not keep the
 * process alive; `simulate`, the lightest of them, through the real launcher); a second SIGINT
 * while stopping forces the exit (130; unit-tested on a fake process: two real signals sent at
 * once may be merged by the OS, and simulate stops too fast to catch in between).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SAME_KEYPRESS_MS, untilSignal, type SignalTarget } from '../../src/cli/pipeline.js';

const root = path.resolve(import.meta.dirname, '../..');
const LAUNCHER = path.join(root, 'bin/arbstream.js');
const running: { p: ChildProcess; dir: string }[] = [];
afterEach(() => {
  for (const r of running.splice(0)) {
    if (r.p.exitCode === null) r.p.kill('SIGKILL');
    rmSync(r.dir, { recursive: true, force: true });
  }
});

async function simulate(): Promise<{ p: ChildProcess; exited: Promise<number | null> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'arb-signals-'));
  // --seconds 3600: if the timer were left running, the process would outlive the test timeout
  const p = spawn(process.execPath, [LAUNCHER, 'simulate', '--dir', dir, '--seconds', '3600'], { cwd: root, env: { ...process.env, LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.push({ p, dir });
  const exited = new Promise<number | null>((resolve) => p.once('exit', (code) => resolve(code)));
  let out = '';
  p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr!.resume();
  await new Promise<void>((resolve, reject) => {
    const t = setInterval(() => {
      if (out.includes('export ')) {
        clearInterval(t);
        resolve();
      } else if (p.exitCode !== null) {
        clearInterval(t);
        reject(new Error(`simulate exited early (${p.exitCode})`));
      }
    }, 100);
  });
  return { p, exited };
}

describe('Ctrl-C', () => {
  it('the first SIGINT stops cleanly (exit 0) although --seconds is an hour away', async () => {
    const { p, exited } = await simulate();
    p.kill('SIGINT');
    expect(await exited).toBe(0);
  }, 200_000);

  it('a second SIGINT (or SIGTERM) while stopping forces the exit: 130 (143)', async () => {
    for (const [second, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
      const proc = new EventEmitter();
      const exits: number[] = [];
      let clock = 0;
      const stopping = untilSignal(proc as unknown as SignalTarget, (c) => exits.push(c), () => clock);
      proc.emit('SIGINT', 'SIGINT');
      expect(await stopping).toBe('SIGINT');
      expect(exits).toEqual([]); // the first one stops cleanly
      clock = SAME_KEYPRESS_MS + 1;
      proc.emit(second, second);
      expect(exits).toEqual([code]);
      expect(proc.listenerCount('SIGINT') + proc.listenerCount('SIGTERM')).toBe(0); // nothing left behind
    }
  });

  it('one Ctrl-C delivered twice (terminal process group + the tsx/launcher relay) is one stop, not a forced exit', async () => {
    const proc = new EventEmitter();
    const exits: number[] = [];
    let clock = 1_000;
    const stopping = untilSignal(proc as unknown as SignalTarget, (c) => exits.push(c), () => clock);
    proc.emit('SIGINT', 'SIGINT');
    clock += 40; // tsx relays after 30 ms without an acknowledgement
    proc.emit('SIGINT', 'SIGINT');
    expect(await stopping).toBe('SIGINT');
    expect(exits).toEqual([]);
    clock += SAME_KEYPRESS_MS; // the operator's real second Ctrl-C
    proc.emit('SIGINT', 'SIGINT');
    expect(exits).toEqual([130]);
  });
});
