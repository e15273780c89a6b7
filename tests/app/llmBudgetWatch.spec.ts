import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/api/events.js';
import { watchLlmBudget } from '../../src/app/llmBudgetWatch.js';

describe('LLM budget watch (the ledger, whichever process spent it)', () => {
  it('alerts once per UTC day when today\'s spend reaches the budget, again the next day, never below it', async () => {
    let spend = 400_000;
    let clock = Date.UTC(2026, 10, 27, 10);
    const alerts: Alert[] = [];
    const w = watchLlmBudget({
      read: async () => [{ provider: 'deepseek', costMicros: spend }, { provider: 'openai', costMicros: 100_000 }],
      budgetMicros: 1_000_000, publish: (a) => alerts.push(a), everyMs: 3_600_000, now: () => clock,
    });
    try {
      expect(await w.check()).toBe(false);
      spend = 900_000; // 0.9 + 0.1 = the budget
      expect(await w.check()).toBe(true);
      expect(await w.check()).toBe(false);
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toMatchObject({ level: 'critical', source: 'llm' });
      expect(alerts[0]!.message).toContain('$1.0000 spent of $1.0000');
      clock += 86_400_000;
      expect(await w.check()).toBe(true);
      expect(alerts).toHaveLength(2);
    } finally {
      w.stop();
    }
  });

  it('no budget configured: nothing read, nothing raised; a failing ledger read is retried, not thrown', async () => {
    let reads = 0;
    const none = watchLlmBudget({ read: async () => { reads++; return []; }, budgetMicros: 0, publish: () => { throw new Error('no'); } });
    expect(await none.check()).toBe(false);
    none.stop();
    expect(reads).toBe(0);
    const failing = watchLlmBudget({ read: async () => { throw new Error('database down'); }, budgetMicros: 1, publish: () => { throw new Error('no'); }, everyMs: 3_600_000 });
    await expect(failing.check()).resolves.toBe(false);
    failing.stop();
  });
});
