#!/usr/bin/env node
// Thin launcher: runs the TypeScript CLI through tsx so `npx arbstream` works without a build step.
// The CLI runs in a child process; SIGTERM, SIGINT and SIGHUP sent to the launcher are forwarded to
// it (so `docker stop`, systemd or a supervisor stop the real process, never orphan it), and the
// launcher exits with the child's exit code (128 + signal number when the child died of a signal).
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli.ts'), ...process.argv.slice(2)], { stdio: 'inherit' });

const FORWARDED = ['SIGTERM', 'SIGINT', 'SIGHUP'];
for (const sig of FORWARDED) {
  process.on(sig, () => {
    // a terminal Ctrl-C already reached the child (same process group); the CLI takes a repeat within
    // 750 ms as that same keypress (src/cli/pipeline.ts untilSignal), so forwarding it again is harmless
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
  });
}

child.on('error', (err) => {
  process.stderr.write(`arbstream: cannot start the CLI: ${err.message}\n`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  if (signal) process.exit(128 + (constants.signals[signal] ?? 1));
  process.exit(code ?? 1);
});
