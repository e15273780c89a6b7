/**
 * A local OpenAI-compatible chat server (node:http, 127.0.0.1) for tests and the offline demo.
 *
 * Speaks `POST [/<route>]/v1/chat/completions` and `POST [/<route>]/chat/completions` (DeepSeek
 * style base URLs have no /v1), answering proper `chat.completion` JSON with `usage` (cl100k token
 * counts of the request and the answer). The optional first path segment is a *route* name, so one
 * server can stand in for both providers: base URLs `${url}/deepseek` and `${url}/openai/v1`.
 *
 * Answers, in order: a scripted fault/answer queued for the route (then for any route), else the
 * policy set with `setPolicy`, else a recorded answer (tests/fixtures/llm/*.json) whose market ids
 * both appear in the prompt, else the default verdict ("unrelated", the safe answer).
 *
 *   const srv = await startLlmServer();
 *   srv.script({ kind: 'status', status: 429, retryAfter: '2' }, { kind: 'status', status: 500 });
 *   srv.scriptFor('openai', { kind: 'content', content: 'not json' });
 *   srv.setPolicy(alwaysEquivalent);
 *   ... srv.requests ...; await srv.stop();
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { z } from 'zod';
import { log } from '../../src/log.js';
import { countChatTokens, countTokens } from '../../src/matching/llm/tokens.js';

// ------------------------------------------------------------------ types

const ChatRequest = z.looseObject({
  model: z.string().min(1),
  messages: z.array(z.looseObject({ role: z.string(), content: z.string().nullable().default('') })).min(1),
  max_tokens: z.number().int().positive().optional(),
  response_format: z.looseObject({ type: z.string() }).optional(),
});

export interface RecordedRequest {
  /** first path segment before (v1/)chat/completions, '' when none */
  route: string;
  path: string;
  model: string;
  messages: { role: string; content: string }[];
  /** the whole last user message (the one carrying the market blocks, or the repair request) */
  prompt: string;
  responseFormat?: string;
  maxTokens?: number;
  /** whether an Authorization header was sent (its value is never kept) */
  authorized: boolean;
  /** what was answered: 'answer', or the fault kind */
  outcome: string;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
}

/** A scripted response. */
export type Fault =
  /** an HTTP error status with an OpenAI-style error body; `retryAfter` as seconds or an HTTP date */
  | { kind: 'status'; status: number; retryAfter?: string; message?: string }
  /** accept the request and never answer (the client's timeout fires) */
  | { kind: 'hang' }
  /** 200 with a Content-Length larger than what is sent, then the socket is destroyed */
  | { kind: 'truncated' }
  /** a well-formed completion whose message content is this text (non-JSON, invalid schema, ...) */
  | { kind: 'content'; content: string; finishReason?: 'stop' | 'length'; usage?: Usage }
  /** a well-formed completion with this object as JSON content */
  | { kind: 'answer'; answer: unknown; usage?: Usage }
  /** answer through the policy / recordings as if nothing was scripted */
  | { kind: 'pass' };

/** Content for a request: a string as is, an object as JSON; undefined = not mine, ask the next. */
export type AnswerPolicy = (req: RecordedRequest) => string | object | undefined;

export const RecordedAnswer = z.strictObject({
  name: z.string(),
  description: z.string().optional(),
  /** all these market ids appear in the prompt (as "market id: <id>") */
  marketIds: z.array(z.string().min(1)).min(1).optional(),
  /** or: this regex matches the prompt */
  promptRegex: z.string().optional(),
  content: z.union([z.string(), z.record(z.string(), z.unknown())]),
  usage: z.strictObject({ prompt_tokens: z.number().int().nonnegative(), completion_tokens: z.number().int().nonnegative() }).optional(),
}).refine((r) => r.marketIds || r.promptRegex, 'a recorded answer needs marketIds or promptRegex');
export type RecordedAnswer = z.infer<typeof RecordedAnswer>;

// ------------------------------------------------------------------ policies

const cmp = (same: boolean, note: string) => ({ same, note });

/** The safe default answer: not the same market. */
export const UNRELATED_VERDICT = {
  sameEvent: false,
  sameRules: false,
  outcomeMapping: 'UNRELATED',
  confidence: 0.9,
  comparisons: {
    resolutionSource: cmp(false, 'local server default answer'),
    deadline: cmp(false, 'local server default answer'),
    threshold: cmp(false, 'local server default answer'),
    cancellation: cmp(false, 'local server default answer'),
  },
  reasons: ['local LLM server default: no recorded answer for this pair'],
} as const;

/** "Always equivalent": what a fooled model would say (used by hostile-text tests of the guards). */
export const EQUIVALENT_VERDICT = {
  sameEvent: true,
  sameRules: true,
  outcomeMapping: 'YES_YES',
  confidence: 0.99,
  comparisons: {
    resolutionSource: cmp(true, 'same source'),
    deadline: cmp(true, 'same deadline'),
    threshold: cmp(true, 'same threshold'),
    cancellation: cmp(true, 'same cancellation rules'),
  },
  reasons: ['local LLM server policy: always equivalent'],
} as const;

/** Same event, YES of one market is NO of the other (what a correct model says of an inverted pair). */
export const INVERTED_VERDICT = {
  ...EQUIVALENT_VERDICT,
  outcomeMapping: 'YES_NO',
  reasons: ['local LLM server policy: same event, YES of one market is NO of the other'],
} as const;

export const alwaysEquivalent: AnswerPolicy = () => EQUIVALENT_VERDICT;
export const alwaysUnrelated: AnswerPolicy = () => UNRELATED_VERDICT;

/** A known answer for two markets (by market id, either order). */
export interface KnownPair {
  readonly marketIds: readonly [string, string];
  readonly answer: 'equivalent' | 'inverted' | 'different';
}

const inPrompt = (prompt: string, id: string): boolean => prompt.includes(`market id: ${id}\n`);

/**
 * The "oracle": answers from known labels — equivalent → {@link EQUIVALENT_VERDICT}, inverted →
 * {@link INVERTED_VERDICT}, different or unknown pair → {@link UNRELATED_VERDICT}. Used by the
 * matcher eval to measure recall with a perfect model (guards alone decide what is lost).
 */
export function oraclePolicy(pairs: readonly KnownPair[]): AnswerPolicy {
  return (req) => {
    for (const p of pairs) {
      if (!inPrompt(req.prompt, p.marketIds[0]) || !inPrompt(req.prompt, p.marketIds[1])) continue;
      if (p.answer === 'equivalent') return EQUIVALENT_VERDICT;
      if (p.answer === 'inverted') return INVERTED_VERDICT;
      return UNRELATED_VERDICT;
    }
    return UNRELATED_VERDICT;
  };
}

/** Directory of the recorded answers shipped with the repository. */
export const DEFAULT_RECORDINGS_DIR = fileURLToPath(new URL('../../tests/fixtures/llm/', import.meta.url));

/** Loads every `*.json` in `dir` as a RecordedAnswer (a file may hold one answer or an array). Bad files throw. */
export function loadRecordedAnswers(dir: string = DEFAULT_RECORDINGS_DIR): RecordedAnswer[] {
  if (!existsSync(dir)) return [];
  const out: RecordedAnswer[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
    const raw: unknown = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    const res = z.array(RecordedAnswer).safeParse(Array.isArray(raw) ? raw : [raw]);
    if (!res.success) throw new Error(`llmserver: recorded answer file ${f} is invalid: ${z.prettifyError(res.error)}`);
    out.push(...res.data);
  }
  return out;
}

/** Policy answering from recordings: all of an answer's market ids in the prompt, or its regex matching. */
export function recordedPolicy(answers: readonly RecordedAnswer[]): AnswerPolicy {
  const compiled = answers.map((a) => ({ a, re: a.promptRegex ? new RegExp(a.promptRegex, 'u') : undefined }));
  return (req) => {
    for (const { a, re } of compiled) {
      const idsOk = !a.marketIds || a.marketIds.every((id) => inPrompt(req.prompt, id));
      const reOk = !re || re.test(req.prompt);
      if (idsOk && reOk) return a.content;
    }
    return undefined;
  };
}

// ------------------------------------------------------------------ server

export interface LlmServerOptions {
  /** default 0 (any free port) */
  port?: number;
  /** default 127.0.0.1 */
  host?: string;
  /** recorded answers; default: loaded from tests/fixtures/llm */
  recordings?: readonly RecordedAnswer[];
  /** when set, requests without `Authorization: Bearer <apiKey>` get 401 */
  apiKey?: string;
  /** answer for requests nothing else answers; default UNRELATED_VERDICT */
  defaultAnswer?: string | object;
}

export interface LlmServer {
  /** http://127.0.0.1:<port> (append /<route> and /v1 as a provider base URL needs) */
  readonly url: string;
  /** every request received, in order */
  readonly requests: RecordedRequest[];
  /** queues scripted responses for any route (used after the route's own queue is empty) */
  script(...faults: Fault[]): void;
  /** queues scripted responses for one route (e.g. 'deepseek', 'openai') */
  scriptFor(route: string, ...faults: Fault[]): void;
  /** scripted responses not yet used */
  pending(): number;
  setPolicy(policy: AnswerPolicy | undefined): void;
  /** forget recorded requests and scripts */
  reset(): void;
  stop(): Promise<void>;
}

const CHAT_PATH = /^\/(?:(?!v1\/)([A-Za-z0-9_.-]+)\/)?(?:v1\/)?chat\/completions\/?$/;

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function errorBody(status: number, message: string) {
  const type = status === 429 ? 'rate_limit_error' : status >= 500 ? 'server_error' : 'invalid_request_error';
  return { error: { message, type, param: null, code: null } };
}

function completion(model: string, content: string, usage: Usage, finishReason: 'stop' | 'length' = 'stop') {
  return {
    id: `chatcmpl-${randomBytes(12).toString('hex')}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: finishReason }],
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
    system_fingerprint: 'arbstream-llmserver',
  };
}

async function readBody(req: IncomingMessage, limit = 2_000_000): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > limit) throw new Error('request body too large');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Starts the server; resolves once it listens. */
export async function startLlmServer(opts: LlmServerOptions = {}): Promise<LlmServer> {
  const requests: RecordedRequest[] = [];
  const anyQueue: Fault[] = [];
  const routeQueues = new Map<string, Fault[]>();
  const recordings = recordedPolicy(opts.recordings ?? loadRecordedAnswers());
  const defaultAnswer = opts.defaultAnswer ?? UNRELATED_VERDICT;
  let policy: AnswerPolicy | undefined;
  const sockets = new Set<Socket>();

  const nextFault = (route: string): Fault => routeQueues.get(route)?.shift() ?? anyQueue.shift() ?? { kind: 'pass' };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'GET' && /^\/(?:[A-Za-z0-9_.-]+\/)?(?:v1\/)?models\/?$/.test(path)) {
      return sendJson(res, 200, { object: 'list', data: [] });
    }
    const m = CHAT_PATH.exec(path);
    if (!m || req.method !== 'POST') return sendJson(res, 404, errorBody(404, `no route ${req.method} ${path}`));
    const route = m[1] ?? '';
    if (opts.apiKey !== undefined && req.headers.authorization !== `Bearer ${opts.apiKey}`) {
      return sendJson(res, 401, errorBody(401, 'invalid api key'));
    }
    let parsed: z.infer<typeof ChatRequest>;
    try {
      const r = ChatRequest.safeParse(JSON.parse(await readBody(req)));
      if (!r.success) return sendJson(res, 400, errorBody(400, `bad request: ${z.prettifyError(r.error)}`));
      parsed = r.data;
    } catch (err) {
      return sendJson(res, 400, errorBody(400, `bad request: ${(err as Error).message}`));
    }
    const messages = parsed.messages.map((x) => ({ role: x.role, content: x.content ?? '' }));
    const lastUser = [...messages].reverse().find((x) => x.role === 'user');
    const firstUser = messages.find((x) => x.role === 'user');
    const rec: RecordedRequest = {
      route,
      path,
      model: parsed.model,
      messages,
      // the market blocks are in the first user message; a repair request adds a later one
      prompt: (firstUser?.content ?? '') + (lastUser && lastUser !== firstUser ? '\n' + lastUser.content : ''),
      responseFormat: parsed.response_format?.type,
      maxTokens: parsed.max_tokens,
      authorized: typeof req.headers.authorization === 'string',
      outcome: 'answer',
    };
    requests.push(rec);
    const fault = nextFault(route);
    rec.outcome = fault.kind === 'pass' ? 'answer' : fault.kind;
    const promptTokens = countChatTokens(messages);
    const answerWith = (content: string, usage?: Usage, finish: 'stop' | 'length' = 'stop'): void =>
      sendJson(res, 200, completion(parsed.model, content, usage ?? { prompt_tokens: promptTokens, completion_tokens: countTokens(content) }, finish));

    switch (fault.kind) {
      case 'status': {
        const headers: Record<string, string> = fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {};
        return sendJson(res, fault.status, errorBody(fault.status, fault.message ?? `scripted ${fault.status}`), headers);
      }
      case 'hang':
        return; // never answered; the socket is destroyed by the client's abort or by stop()
      case 'truncated': {
        const body = JSON.stringify(completion(parsed.model, JSON.stringify(defaultAnswer), { prompt_tokens: promptTokens, completion_tokens: 10 }));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.write(body.slice(0, Math.floor(body.length / 2)));
        res.socket?.destroy();
        return;
      }
      case 'content':
        return answerWith(fault.content, fault.usage, fault.finishReason);
      case 'answer':
        return answerWith(JSON.stringify(fault.answer), fault.usage);
      case 'pass': {
        const a = policy?.(rec) ?? recordings(rec) ?? defaultAnswer;
        return answerWith(typeof a === 'string' ? a : JSON.stringify(a));
      }
      default: {
        const never: never = fault;
        throw new Error(`unknown fault ${JSON.stringify(never)}`);
      }
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.warn({ err }, 'llmserver: request failed');
      if (!res.headersSent) sendJson(res, 500, errorBody(500, 'llmserver internal error'));
      else res.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('llmserver: no TCP address');
  const url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;

  let stopped: Promise<void> | null = null;
  return {
    url,
    requests,
    script: (...faults) => void anyQueue.push(...faults),
    scriptFor: (route, ...faults) => {
      const q = routeQueues.get(route) ?? [];
      q.push(...faults);
      routeQueues.set(route, q);
    },
    pending: () => anyQueue.length + [...routeQueues.values()].reduce((n, q) => n + q.length, 0),
    setPolicy: (p) => {
      policy = p;
    },
    reset: () => {
      requests.length = 0;
      anyQueue.length = 0;
      routeQueues.clear();
    },
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      });
      return stopped;
    },
  };
}
