/**
 * Market text is data. Before anything reads it (extractors, candidate search, guards, the LLM
 * prompt) it is normalised here: NFKC, bidi overrides/isolates, zero-width characters and other
 * control characters removed, whitespace collapsed. What was removed is reported as flags so a
 * guard can hold a market whose text tried to hide something. Nothing here interprets the text.
 */

/** Bidi embeddings/overrides/isolates and marks (U+202A–202E, U+2066–2069, LRM, RLM, ALM). */
const BIDI = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;
/** Zero-width space/joiners, word joiner, invisible operators, BOM, Mongolian vowel separator, soft hyphen. */
const ZERO_WIDTH = /[\u200B-\u200D\u2060-\u2064\uFEFF\u180E\u00AD]/g;
/** C0 (except tab/newline/CR) and C1 control characters, plus the Unicode tag block. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]|\uDB40[\uDC00-\uDC7F]/g;
/** Variation selectors (render the same glyph differently). */
const VARIATION = /[\uFE00-\uFE0F]|\uDB40[\uDD00-\uDDEF]/g;

export type TextFlag = 'bidi' | 'zero-width' | 'control' | 'mixed-script' | 'non-latin-letters';

export interface SanitizedText {
  readonly text: string;
  readonly flags: readonly TextFlag[];
}

const LATIN = /\p{Script=Latin}/u;
const LOOKALIKE_SCRIPT = /[\p{Script=Cyrillic}\p{Script=Greek}\p{Script=Armenian}\p{Script=Cherokee}]/u;

/** NFKC + removal of invisible/control characters; flags say what was found. */
export function sanitizeWithFlags(input: string): SanitizedText {
  const flags = new Set<TextFlag>();
  let s = input.normalize('NFKC');
  if (BIDI.test(s)) flags.add('bidi');
  if (ZERO_WIDTH.test(s)) flags.add('zero-width');
  if (CONTROL.test(s)) flags.add('control');
  BIDI.lastIndex = ZERO_WIDTH.lastIndex = CONTROL.lastIndex = 0;
  s = s.replace(BIDI, '').replace(ZERO_WIDTH, '').replace(CONTROL, ' ').replace(VARIATION, '');
  // homoglyphs: a word mixing Latin with Cyrillic/Greek letters is a spoof, not a language
  for (const word of s.split(/[^\p{L}\p{M}]+/u)) {
    if (!word) continue;
    const lookalike = LOOKALIKE_SCRIPT.test(word);
    if (lookalike && LATIN.test(word)) flags.add('mixed-script');
    else if (lookalike) flags.add('non-latin-letters');
  }
  s = s.replace(/[ \t\r\f\v]+/g, ' ').replace(/ *\n */g, '\n').replace(/\n{3,}/g, '\n\n').trim();
  return { text: s, flags: [...flags].sort() };
}

/** The sanitised text only. */
export function sanitizeText(input: string): string {
  return sanitizeWithFlags(input).text;
}

/**
 * Phrases that address a reader (the LLM) rather than describe a market, or that smuggle a
 * verdict. Matching one does not change the text; it flags the market for a human.
 */
const INJECTION: readonly RegExp[] = [
  /\b(ignore|disregard|forget|override)\b[^.\n]{0,40}\b(previous|prior|above|earlier|all|system)\b[^.\n]{0,20}\b(instructions?|prompts?|rules?|messages?)\b/i,
  /\b(system|developer|assistant)\s*(prompt|message|:)/i,
  /\byou\s+(are|must|should|will)\s+(now\s+)?(answer|respond|reply|say|output|return|act)\b/i,
  /\b(answer|respond|reply|output|return)\s+(with\s+)?["'`]?(equivalent|same|yes_yes|true|identical|match)/i,
  /["'`]?\b(sameEvent|sameRules|outcomeMapping|same_event|same_rules|outcome_mapping|confidence)\b["'`]?\s*[:=]/i,
  /```|<\/?(system|assistant|user|instructions?|im_start|im_end)\b|<\|/i,
  /\b(these|both)\s+markets?\s+(are|is)\s+(equivalent|identical|the\s+same)\b/i,
  /\bas\s+an?\s+(ai|language\s+model|llm)\b/i,
];

/** The injection patterns a (sanitised) text matches, by index; empty when none. */
export function injectionMarkers(text: string): string[] {
  const out: string[] = [];
  for (const re of INJECTION) {
    const m = re.exec(text);
    if (m) out.push(m[0].slice(0, 60));
  }
  return out;
}
