/** Fixed-width text tables for the terminal (CLI output, the demo's edge table). */
export interface TextTableOptions {
  /** per column; default left */
  readonly align?: readonly ('left' | 'right')[];
  /** a rule line under the header made of this character */
  readonly rule?: string;
}

export function textTable(head: readonly string[], rows: readonly (readonly string[])[], opts: TextTableOptions = {}): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (opts.align?.[i] === 'right' ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(head), ...(opts.rule ? [line(widths.map((w) => opts.rule!.repeat(w)))] : []), ...rows.map(line)];
}
