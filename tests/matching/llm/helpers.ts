/** Shared fixtures of the LLM verdict tests: markets, a judge wired to the local server. */
import { Writable } from 'node:stream';
import { MarketRecord } from '../../../schema/market.js';
import { createLogger, setLogger, log as currentLog, type Logger } from '../../../src/log.js';
import { LlmJudge, type LlmJudgeOptions, type LlmProviderConfig } from '../../../src/matching/llm/client.js';
import { MemoryLedger, type LlmLedger } from '../../../src/matching/cost.js';
import { VirtualClock } from '../../../src/matching/llm/tokenBucket.js';
import type { LlmServer } from '../../../tools/llmserver/server.js';

export const FED_POLY = MarketRecord.parse({
  venue: 'polymarket',
  marketId: '0xfed0000000000000000000000000000000000000000000000000000000000c25',
  title: 'Fed decreases interest rates by 25 bps after December 2025 meeting?',
  rulesText:
    'This market will resolve to "Yes" if the Federal Reserve decreases the upper bound of the target federal funds rate by 25 basis points at its December 2025 meeting. The resolution source is the FOMC statement.',
  closeTime: Date.UTC(2025, 11, 10, 19),
});

export const FED_KALSHI = MarketRecord.parse({
  venue: 'kalshi',
  marketId: 'KXFEDDECISION-25DEC-C25',
  title: 'Fed cuts rates by 25bps in December 2025?',
  rulesText:
    'If the Federal Reserve cuts the upper bound of the federal funds target range by exactly 25 basis points at the December 2025 FOMC meeting, the market resolves to Yes.',
  rulesSecondary: 'Source: Federal Reserve FOMC statement.',
  closeTime: Date.UTC(2025, 11, 10, 19),
});

export const OTHER_KALSHI = MarketRecord.parse({
  venue: 'kalshi',
  marketId: 'KXRAIN-NYC-25DEC10',
  title: 'Will it rain in New York City on December 10, 2025?',
  rulesText: 'Resolves Yes if Central Park records at least 0.01 inches of precipitation on December 10, 2025 (NWS).',
});

/** A provider config pointing at a route of the local server. */
export function provider(srv: LlmServer, name: 'deepseek' | 'openai', over: Partial<LlmProviderConfig> = {}): LlmProviderConfig {
  return name === 'deepseek'
    ? { name, baseUrl: `${srv.url}/deepseek`, model: 'deepseek-chat', apiKey: 'sk-deepseek-test-key-0001', rpm: 60, priceInPerMTokMicros: 270_000, priceOutPerMTokMicros: 1_100_000, ...over }
    : { name, baseUrl: `${srv.url}/openai/v1`, model: 'gpt-4o', apiKey: 'sk-openai-test-key-0002', rpm: 500, priceInPerMTokMicros: 2_500_000, priceOutPerMTokMicros: 10_000_000, ...over };
}

export interface TestJudge {
  judge: LlmJudge;
  clock: VirtualClock;
  ledger: LlmLedger;
}

/** A judge on virtual time (backoff sleeps and buckets), DeepSeek then GPT-4o on the local server. */
export function testJudge(srv: LlmServer, over: Partial<LlmJudgeOptions> = {}): TestJudge {
  const clock = new VirtualClock(Date.UTC(2025, 10, 20, 12));
  const ledger = over.ledger ?? new MemoryLedger();
  const judge = new LlmJudge({
    providers: [provider(srv, 'deepseek'), provider(srv, 'openai')],
    dailyBudgetMicros: 5_000_000,
    timeoutMs: 2_000,
    clock,
    random: () => 0.5,
    ledger,
    ...over,
  });
  return { judge, clock, ledger };
}

/** Captures every log line written while `fn` runs (through the real logger with its redaction). */
export async function captureLogs<T>(fn: () => Promise<T>): Promise<{ result: T | undefined; error: unknown; lines: string }> {
  const chunks: string[] = [];
  const dest = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  const prev: Logger = currentLog;
  setLogger(createLogger({ level: 'trace', destination: dest }));
  try {
    const result = await fn();
    return { result, error: undefined, lines: chunks.join('') };
  } catch (error) {
    return { result: undefined, error, lines: chunks.join('') };
  } finally {
    setLogger(prev);
  }
}
