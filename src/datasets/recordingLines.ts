/**
 * The lines of one recording file (src/history/format.ts) with their line numbers, for export:
 * like the replay source's reader, but a bad line or a gzip stream cut short comes out as a value
 * carrying the file and line, so the export can report it with its position.
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { RecordedLine, toFrame } from '../history/format.js';
import type { RawFrame } from '../venues/common/types.js';

export type RecordingItem =
  | { readonly ok: true; readonly line: number; readonly frame: RawFrame }
  | { readonly ok: false; readonly line: number; readonly reason: string };

function parse(text: string, line: number, last: boolean): RecordingItem {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, line, reason: last ? 'truncated last line (not JSON)' : 'not JSON' };
  }
  const r = RecordedLine.safeParse(raw);
  return r.success ? { ok: true, line, frame: toFrame(r.data) } : { ok: false, line, reason: `not a recorded frame: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` };
}

/** Frames and bad lines of a `.jsonl.gz` recording file, in order; a cut-short stream ends with one bad item after the last line read. */
export async function* recordingLines(path: string): AsyncGenerator<RecordingItem> {
  const gunzip = createGunzip();
  pipeline(createReadStream(path), gunzip, () => {
    /* surfaces in the loop below */
  });
  gunzip.setEncoding('utf8');
  let rest = '';
  let line = 0;
  let cut: string | undefined;
  try {
    for await (const chunk of gunzip as AsyncIterable<string>) {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      for (const text of parts) {
        line += 1;
        if (text) yield parse(text, line, false);
      }
    }
  } catch (err) {
    cut = (err as Error).message;
  }
  if (cut !== undefined) {
    // the partial line after a cut is part of the same damage: one report
    yield { ok: false, line: line + 1, reason: `file cut short or corrupt after line ${line}${rest ? ' (partial line dropped)' : ''}: ${cut}` };
    return;
  }
  if (rest) {
    line += 1;
    yield parse(rest, line, true);
  }
}
