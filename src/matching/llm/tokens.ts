/**
 * Token counting for prompt budgets and truncation, with js-tiktoken's `cl100k_base` encoding
 * (loaded once, lazily, through `js-tiktoken/lite` so only that rank table is bundled).
 *
 * cl100k is exact for older OpenAI models and an ESTIMATE for the others: GPT-4o uses o200k
 * (usually a few % fewer tokens on English text) and DeepSeek has its own tokenizer, which is not
 * published in a JS form. Budgets use the estimate before the call and the provider's `usage`
 * after it, so the estimate only has to be in the right range.
 */
import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';

let enc: Tiktoken | null = null;
function encoder(): Tiktoken {
  enc ??= new Tiktoken(cl100k);
  return enc;
}

/** Text → token ids. Special-token strings in the text ("<|endoftext|>") are plain text, never specials. */
export function encodeTokens(text: string): number[] {
  return encoder().encode(text, [], []);
}

/** Number of cl100k tokens in `text` (an estimate for non-OpenAI models). */
export function countTokens(text: string): number {
  return encodeTokens(text).length;
}

/** Per-message overhead of the chat format (role, separators), as OpenAI's cookbook counts it. */
const PER_MESSAGE = 4;
const PER_REPLY = 3;

/** Estimated prompt tokens of a chat request. */
export function countChatTokens(messages: readonly { role: string; content: string }[]): number {
  let n = PER_REPLY;
  for (const m of messages) n += PER_MESSAGE + countTokens(m.role) + countTokens(m.content);
  return n;
}

/**
 * Cuts `text` to at most `maxTokens` tokens (whole tokens; a cut UTF-8 sequence is dropped),
 * appending `marker` when it cut. Returns the text and whether it was truncated.
 */
export function truncateTokens(text: string, maxTokens: number, marker = ' …[truncated]'): { text: string; truncated: boolean; tokens: number } {
  const ids = encodeTokens(text);
  if (ids.length <= maxTokens) return { text, truncated: false, tokens: ids.length };
  const cut = encoder().decode(ids.slice(0, Math.max(0, maxTokens))).replace(/\uFFFD+$/u, '');
  return { text: cut + marker, truncated: true, tokens: maxTokens };
}
