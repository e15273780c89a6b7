/**
 * One LLM provider behind the judge: an OpenAI-compatible chat.completions endpoint through the
 * `openai` SDK (its own retries off), one JSON-mode request per call, the response validated, and
 * SDK errors classified as retryable transport errors or not (Retry-After parsed).
 */
import OpenAI from 'openai';
import { z } from 'zod';
import type { Micros } from '../../../schema/money.js';
import { log, scrub } from '../../log.js';
import type { ChatMessage } from '../verdict.js';
import { LlmTransportError } from './errors.js';
import { TokenBucket, type Clock } from './tokenBucket.js';
import { countChatTokens, countTokens } from './tokens.js';

export interface LlmProviderConfig {
  /** 'deepseek', 'openai', ... (stored in llm_calls.provider) */
  name: string;
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** requests per minute (token bucket) */
  rpm: number;
  priceInPerMTokMicros: Micros;
  priceOutPerMTokMicros: Micros;
}

/** A configured provider: its settings, its SDK client (no SDK retries) and its token bucket. */
export interface Provider {
  cfg: LlmProviderConfig;
  client: OpenAI;
  bucket: TokenBucket;
}

export interface CallOutcome {
  content: string;
  finishReason: string | null | undefined;
  promptTokens: number;
  completionTokens: number;
  usageReported: boolean;
}

/** Per-request limits. */
export interface CallLimits {
  /** max_tokens of the answer */
  readonly maxOutputTokens: number;
  /** ms */
  readonly timeoutMs: number;
}

// the subset of the chat.completion response we rely on; validated, since it crosses a boundary
const Completion = z.looseObject({
  model: z.string().optional(),
  choices: z.array(z.looseObject({
    message: z.looseObject({ content: z.string().nullable().optional() }),
    finish_reason: z.string().nullable().optional(),
  })).min(1),
  usage: z.looseObject({ prompt_tokens: z.number().int().nonnegative(), completion_tokens: z.number().int().nonnegative() }).nullable().optional(),
});

/** Parses Retry-After (delta seconds or an HTTP date) or retry-after-ms into ms from `nowMs`. */
export function parseRetryAfter(headers: Headers | undefined, nowMs: number): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.ceil(Number(ms));
  const v = headers.get('retry-after');
  if (v === null) return undefined;
  const t = v.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.ceil(Number(t) * 1000);
  const date = Date.parse(t);
  if (Number.isFinite(date)) return Math.max(0, date - nowMs);
  return undefined;
}

/** A local server (e.g. the replay server) needs no API key. */
export const isLoopback = (u: string): boolean => {
  try {
    return ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(u).hostname);
  } catch {
    return false;
  }
};

/** The SDK client and token bucket of a provider. */
export function createProvider(cfg: LlmProviderConfig, timeoutMs: number, clock: Clock): Provider {
  return {
    cfg,
    client: new OpenAI({ baseURL: cfg.baseUrl, apiKey: cfg.apiKey ?? 'local-no-key', maxRetries: 0, timeout: timeoutMs }),
    bucket: new TokenBucket({ perMinute: cfg.rpm, clock }),
  };
}

/** One HTTP request. Throws LlmTransportError (retryable) or another error (next provider). */
export async function callProvider(p: Provider, messages: ChatMessage[], signal: AbortSignal | undefined, o: CallLimits, clock: Clock): Promise<CallOutcome> {
  let raw: unknown;
  try {
    raw = await p.client.chat.completions.create(
      { model: p.cfg.model, messages, response_format: { type: 'json_object' }, max_tokens: o.maxOutputTokens, temperature: 0 },
      { signal, timeout: o.timeoutMs },
    );
  } catch (err) {
    throw classify(p, err, o.timeoutMs, clock.now());
  }
  const res = Completion.safeParse(raw);
  if (!res.success) {
    throw new LlmTransportError(`${p.cfg.name}: response is not a chat.completion (${res.error.issues[0]?.message ?? 'invalid'})`, { provider: p.cfg.name, model: p.cfg.model });
  }
  const choice = res.data.choices[0]!;
  const content = choice.message.content ?? '';
  const usage = res.data.usage;
  if (!usage) log.warn({ provider: p.cfg.name }, 'llm: response has no usage; cost from the cl100k estimate');
  return {
    content,
    finishReason: choice.finish_reason,
    promptTokens: usage?.prompt_tokens ?? countChatTokens(messages),
    completionTokens: usage?.completion_tokens ?? countTokens(content),
    usageReported: !!usage,
  };
}

/** An SDK error → LlmTransportError (retryable), the abort itself, or a plain Error (next provider). */
function classify(p: Provider, err: unknown, timeoutMs: number, nowMs: number): Error {
  const info = { provider: p.cfg.name, model: p.cfg.model };
  if (err instanceof OpenAI.APIUserAbortError) return err;
  if (err instanceof OpenAI.APIConnectionTimeoutError) {
    return new LlmTransportError(`${p.cfg.name}: timed out after ${timeoutMs} ms`, info, { cause: err });
  }
  if (err instanceof OpenAI.APIConnectionError) {
    return new LlmTransportError(`${p.cfg.name}: connection error (${scrub(err.message)})`, info, { cause: err });
  }
  if (err instanceof OpenAI.APIError) {
    const status = err.status;
    const detail = scrub(err.message).replace(new RegExp(`^${status ?? ''}\\s*`), '');
    const msg = `${p.cfg.name}: HTTP ${status ?? '?'}: ${detail}`;
    if (status === 429 || status === 408 || status === 409 || (status !== undefined && status >= 500)) {
      return new LlmTransportError(msg, { ...info, status, retryAfterMs: parseRetryAfter(err.headers, nowMs) }, { cause: err });
    }
    return new Error(msg, { cause: err });
  }
  // a body cut mid-stream surfaces as a fetch/undici or JSON error, not an APIError
  return new LlmTransportError(`${p.cfg.name}: broken response (${scrub((err as Error)?.message ?? String(err))})`, info, { cause: err });
}
