#!/usr/bin/env -S node --import tsx
/**
 * Runs the local OpenAI-compatible server on its own (offline demo, manual checks):
 *   npx tsx tools/llmserver/main.ts [--port 8787] [--policy recorded|equivalent|unrelated]
 * then point the app at it: DEEPSEEK_BASE_URL=http://127.0.0.1:8787/deepseek
 * OPENAI_BASE_URL=http://127.0.0.1:8787/openai/v1 (any API key, or none: loopback needs none).
 */
import { parseArgs } from 'node:util';
import { log } from '../../src/log.js';
import { alwaysEquivalent, alwaysUnrelated, startLlmServer } from './server.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8787' },
    host: { type: 'string', default: '127.0.0.1' },
    policy: { type: 'string', default: 'recorded' },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: not a port: ${values.port}`);
const srv = await startLlmServer({ port, host: values.host });
if (values.policy === 'equivalent') srv.setPolicy(alwaysEquivalent);
else if (values.policy === 'unrelated') srv.setPolicy(alwaysUnrelated);
else if (values.policy !== 'recorded') throw new Error(`--policy: recorded | equivalent | unrelated, got ${values.policy}`);
log.info({ url: srv.url, policy: values.policy }, 'llmserver listening');
process.stdout.write(`${srv.url}\n`);
const stop = (): void => void srv.stop().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
