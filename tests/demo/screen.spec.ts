/** The demo table's in-place redraw on a terminal (src/demo/table.ts startScreen / screenFrame). */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ANSI, screenFrame, startScreen } from '../../src/demo/table.js';

describe('screenFrame / startScreen', () => {
  afterEach(() => vi.useRealTimers());

  it('the first frame clears the screen; later frames go home and overwrite line by line, clearing what is left', () => {
    expect(screenFrame('a\nbb', true)).toBe(`${ANSI.clear}${ANSI.home}a${ANSI.clearLine}\nbb${ANSI.clearLine}\n${ANSI.clearBelow}`);
    const later = screenFrame('a', false);
    expect(later.startsWith(ANSI.home)).toBe(true);
    expect(later).not.toContain(ANSI.clear);
  });

  it('redraws in place every interval with the cursor hidden, and stop() draws once more and shows the cursor', () => {
    vi.useFakeTimers();
    const out: string[] = [];
    let n = 0;
    const screen = startScreen({ render: () => `frame ${++n}` }, { write: (s) => out.push(s), everyMs: 500 });
    expect(out[0]).toBe(ANSI.hideCursor);
    expect(out[1]).toContain(ANSI.clear);
    vi.advanceTimersByTime(1000);
    expect(out.slice(2).map((s) => s.startsWith(ANSI.home) && !s.includes(ANSI.clear))).toEqual([true, true]);
    expect(out.at(-1)).toContain('frame 3');
    screen.stop();
    screen.stop();
    expect(out.at(-1)).toBe(ANSI.showCursor);
    const count = out.length;
    vi.advanceTimersByTime(2000);
    expect(out.length).toBe(count); // no redraw after stop
  });
});
