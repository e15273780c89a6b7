/**
 * `arbstream simulate --faults` as a user runs it: the syntax in --help, a bad spec refused before
 * anything starts (every problem named), a fault the venue's simulator lacks refused at start, and
 * (one real CLI process) a good spec prints the environment and logs each fault as it fires.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { register } from '../../src/cli/pipeline.js';
import { parseFaultSpec } from '../../src/demo/faults.js';
import { startSimulation } from '../../src/demo/simulate.js';

const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'faults-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: readonly string[], timeoutMs = 60_000): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: root, env: { ...process.env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, out, err });
    });
  });
}

/** The `simulate` command as the CLI declares it (in process: no spawn for help and parse errors). */
async function simulateCommand(): Promise<{ program: Command; simulate: Command }> {
  const program = new Command().exitOverride().configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  register(program);
  const simulate = program.commands.find((c) => c.name() === 'simulate')!;
  simulate.exitOverride();
  return { program, simulate };
}

describe('arbstream simulate --faults', () => {
  it('documents the syntax in --help', async () => {
    const { simulate } = await simulateCommand();
    let help = '';
    simulate.configureOutput({ writeOut: (s) => (help += s), writeErr: () => undefined });
    expect(() => simulate.outputHelp()).not.toThrow();
    expect(help).toMatch(/--faults <spec>/);
    expect(help).toMatch(/<venue>:<kind>\[:<arg>\]\[@<at>\]\[\+<for>\]\[\/<every>\]/);
    for (const kind of ['gap', 'drop:<rate>', 'malformed', 'stall+<for>', 'disconnect', 'error', 'http']) expect(help).toContain(kind);
  });

  it('refuses a bad spec with every problem, before starting anything', async () => {
    const { program } = await simulateCommand();
    const e = await program.parseAsync(['node', 'arbstream', 'simulate', '--dir', dir, '--faults', 'kalshi:stall@10s,polymarket:drop:2']).then(() => undefined, (err: unknown) => err);
    expect(e).toBeInstanceOf(CommanderError);
    expect((e as CommanderError).code).toBe('commander.invalidArgument');
    expect((e as Error).message).toMatch(/stall needs a duration.*a rate is at most 1/);
  });

  it('refuses a fault the venue\'s simulator lacks when the simulators start (they are stopped again)', async () => {
    await expect(startSimulation({ dir, faults: parseFaultSpec('polymarket:gap@1s') })).rejects.toThrow(/the polymarket simulator has no 'gap' fault \(it has: /);
  });

  it('runs a good spec: env printed, each fault logged as it fires, exit 0', async () => {
    const r = await cli(['simulate', '--dir', dir, '--seconds', '3', '--faults', 'kalshi:gap@500ms,polymarket:stall@1s+1s,kalshi:http:503@1s+500ms']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/export KALSHI_WS_URL=/);
    const fired = [...(r.out + r.err).matchAll(/"fault":"([^"]+)","msg":"fault injected"/g)].map((m) => m[1]).sort();
    expect(fired).toEqual(['kalshi:gap@500ms', 'kalshi:http:503@1s+500ms', 'polymarket:stall@1s+1s']);
  });
});
