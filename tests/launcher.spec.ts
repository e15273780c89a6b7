/**
 * bin/arbstream.js (what `npx arbstream` runs) forwards signals to the real CLI process and exits
 * with its code (issue 11 point 4): SIGTERM to the launcher must stop the process that serves,
 * never leave it orphaned. The long-running command is `simulate` (offline, both venue simulators).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LAUNCHER = path.join(root, 'bin/arbstream.js');

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** Direct children of a process (Linux /proc via ps). */
const childrenOf = (pid: number): number[] => {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).split('\n').map((s) => Number(s.trim())).filter((n) => n > 0);
  } catch {
    return [];
  }
};
const waitFor = async (pred: () => boolean, what: string, ms = 150_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

const started: { launcher: ChildProcess; dir: string; child?: number }[] = [];
afterEach(() => {
  for (const s of started.splice(0)) {
    if (s.child && alive(s.child)) process.kill(s.child, 'SIGKILL');
    if (s.launcher.exitCode === null) s.launcher.kill('SIGKILL');
    rmSync(s.dir, { recursive: true, force: true });
  }
});

async function startSimulate(): Promise<{ launcher: ChildProcess; child: number; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'arb-launcher-'));
  const launcher = spawn(process.execPath, [LAUNCHER, 'simulate', '--dir', dir, '--seconds', '120'], { cwd: root, env: { ...process.env, LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const entry: (typeof started)[number] = { launcher, dir };
  started.push(entry);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => launcher.once('exit', (code, signal) => resolve({ code, signal })));
  let out = '';
  launcher.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  launcher.stderr!.resume();
  // the simulators are up once the CLI printed the environment that points at them (the CLI's
  // import graph takes seconds to load through tsx, tens of seconds on a loaded machine)
  await waitFor(() => out.includes('export '), 'simulate to print its environment');
  const kids = childrenOf(launcher.pid!);
  expect(kids).toHaveLength(1);
  entry.child = kids[0]!;
  return { launcher, child: kids[0]!, exited };
}

describe('bin/arbstream.js', () => {
  it('SIGTERM to the launcher stops the real process; the launcher exits with its code', async () => {
    const { launcher, child, exited } = await startSimulate();
    expect(alive(child)).toBe(true);
    launcher.kill('SIGTERM');
    const { code } = await exited;
    expect(code).toBe(0); // simulate stops cleanly on SIGTERM and exits 0
    await waitFor(() => !alive(child), 'the CLI process to be gone', 10_000);
  }, 200_000);

  it('SIGHUP is forwarded too; the CLI dies of it (default action) and the launcher exits 128+1', async () => {
    const b = await startSimulate();
    b.launcher.kill('SIGHUP');
    expect((await b.exited).code).toBe(129);
    await waitFor(() => !alive(b.child), 'the CLI process to be gone', 10_000);
  }, 200_000);
});
