#!/usr/bin/env -S node --import tsx
/**
 * Runs the local OpenAI-compatible server on its own (offline demo, manual checks):
 *   npx tsx tools/llmserver/main.ts [--port 8787] [--policy recorded|equivalent|unrelated|oracle --labels <file|dir>]
 * (`oracle` answers from a label set in the format of `arbstream match eval`.)
 * then point the app at it: DEEPSEEK_BASE_URL=http://127.0.0.1:8787/deepseek
 * OPENAI_BASE_URL=http://127.0.0.1:8787/openai/v1 (any API key, or none: loopback needs none).
 */
import { parseArgs } from 'node:util';
import { log } from '../../src/log.js';
import { loadLabels } from '../../src/matching/eval.js';
import { alwaysEquivalent, alwaysUnrelated, oraclePolicy, startLlmServer } from './server.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8787' },
    host: { type: 'string', default: '127.0.0.1' },
    policy: { type: 'string', default: 'recorded' },
    labels: { type: 'string' },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: not a port: ${values.port}`);
const srv = await startLlmServer({ port, host: values.host });
if (values.policy === 'equivalent') srv.setPolicy(alwaysEquivalent);
else if (values.policy === 'unrelated') srv.setPolicy(alwaysUnrelated);
else if (values.policy === 'oracle') {
  if (!values.labels) throw new Error('--policy oracle needs --labels <file|dir>');
  srv.setPolicy(oraclePolicy(loadLabels(values.labels).map((p) => ({ marketIds: [p.legs[0].record.marketId, p.legs[1].record.marketId], answer: p.label }))));
} else if (values.policy !== 'recorded') throw new Error(`--policy: recorded | equivalent | unrelated | oracle, got ${values.policy}`);
log.info({ url: srv.url, policy: values.policy }, 'llmserver listening');
process.stdout.write(`${srv.url}\n`);
const stop = (): void => void srv.stop().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
