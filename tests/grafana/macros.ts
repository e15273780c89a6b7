/**
 * A small expander of the Grafana PostgreSQL data source macros our dashboards use, so that every
 * panel's SQL can be run against the schema in tests. Follows Grafana's
 * pkg/tsdb/grafana-postgresql-datasource/macros.go: $__timeGroup becomes time_bucket() when the
 * data source has `timescaledb: true` (as ours does), floor(extract(epoch ...)) otherwise.
 *
 * Supported: $__timeFilter(col), $__timeFrom(), $__timeTo(), $__time(col), $__timeGroup(col, iv),
 * $__timeGroupAlias(col, iv), $__interval, $__interval_ms, and template variables ($name, ${name}).
 * Anything else starting with `$__` throws, so a new macro cannot slip through untested.
 */
export interface ExpandOptions {
  readonly from: Date;
  readonly to: Date;
  /** e.g. '1m' */
  readonly interval: string;
  readonly timescale: boolean;
  readonly vars: Readonly<Record<string, string>>;
}

/** Grafana interval ('30s', '1m', '1h', '1d', '500ms') in seconds. */
export function intervalSeconds(iv: string): number {
  const m = /^'?(\d+(?:\.\d+)?)(ms|s|m|h|d|w)'?$/.exec(iv.trim());
  if (!m) throw new Error(`unsupported interval: ${iv}`);
  const mult = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd' | 'w'];
  return Number(m[1]) * mult;
}

/** Splits macro arguments on top-level commas. */
function args(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** Finds `$__name(` ... matching `)` and replaces it with fn(args). */
function replaceMacro(sql: string, name: string, fn: (a: string[]) => string): string {
  const token = `$__${name}(`;
  let i: number;
  while ((i = sql.indexOf(token)) >= 0) {
    let depth = 1;
    let j = i + token.length;
    for (; j < sql.length && depth > 0; j++) {
      if (sql[j] === '(') depth++;
      if (sql[j] === ')') depth--;
    }
    if (depth !== 0) throw new Error(`unbalanced ${token}`);
    sql = sql.slice(0, i) + fn(args(sql.slice(i + token.length, j - 1))) + sql.slice(j);
  }
  return sql;
}

export function expandMacros(sql: string, o: ExpandOptions): string {
  const iso = (d: Date): string => `'${d.toISOString()}'`;
  // variables first (Grafana interpolates them before the backend sees macros)
  let s = sql.replace(/\$__interval_ms\b/g, String(Math.round(intervalSeconds(o.interval) * 1000))).replace(/\$__interval\b/g, o.interval);
  s = s.replace(/\$\{(\w+)\}|\$(?!__)(\w+)/g, (m, a: string | undefined, b: string | undefined) => {
    const name = (a ?? b)!;
    if (!(name in o.vars)) throw new Error(`unknown template variable ${m}`);
    return o.vars[name]!;
  });
  const group = (a: string[]): string => {
    if (a.length < 2) throw new Error('$__timeGroup needs (column, interval)');
    const sec = intervalSeconds(a[1]!);
    return o.timescale ? `time_bucket('${sec}s', ${a[0]})` : `floor(extract(epoch from ${a[0]})/${sec})*${sec}`;
  };
  s = replaceMacro(s, 'timeGroupAlias', (a) => `${group(a)} AS "time"`);
  s = replaceMacro(s, 'timeGroup', group);
  s = replaceMacro(s, 'timeFilter', (a) => `${a[0]} BETWEEN ${iso(o.from)} AND ${iso(o.to)}`);
  s = replaceMacro(s, 'timeFrom', () => iso(o.from));
  s = replaceMacro(s, 'timeTo', () => iso(o.to));
  s = replaceMacro(s, 'time', (a) => `${a[0]} AS "time"`);
  const left = /\$__\w+/.exec(s);
  if (left) throw new Error(`macro not supported by the test expander: ${left[0]}`);
  return s;
}

interface Panel {
  title?: string;
  type?: string;
  datasource?: { uid?: string; type?: string };
  targets?: { refId?: string; rawSql?: string; datasource?: { uid?: string } }[];
  panels?: Panel[];
}
export interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating?: { list?: { name: string; current?: { value?: string | string[] }; allValue?: string; includeAll?: boolean }[] };
}

export interface PanelQuery {
  readonly dashboard: string;
  readonly panel: string;
  readonly panelType: string;
  readonly refId: string;
  readonly rawSql: string;
  readonly datasourceUids: readonly (string | undefined)[];
}

/** Every target with rawSql in every panel (rows' nested panels included). */
export function panelQueries(d: Dashboard): PanelQuery[] {
  const out: PanelQuery[] = [];
  const walk = (ps: Panel[]): void => {
    for (const p of ps) {
      for (const t of p.targets ?? []) {
        if (t.rawSql !== undefined) {
          out.push({ dashboard: d.uid, panel: p.title ?? '?', panelType: p.type ?? '?', refId: t.refId ?? '?', rawSql: t.rawSql, datasourceUids: [p.datasource?.uid, t.datasource?.uid] });
        }
      }
      if (p.panels) walk(p.panels);
    }
  };
  walk(d.panels);
  return out;
}

/** Template variables at their default: the current value, `allValue` when it is "All". */
export function defaultVars(d: Dashboard): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const v of d.templating?.list ?? []) {
    const cur = Array.isArray(v.current?.value) ? v.current?.value[0] : v.current?.value;
    vars[v.name] = cur === '$__all' || cur === undefined ? (v.allValue ?? '') : cur;
  }
  return vars;
}
