/**
 * `arbstream backtest --report DIR`: writes
 *  - DIR/report.json: the BacktestResult, validated against its zod schema (money stays integer
 *    micro-dollars), pretty-printed;
 *  - DIR/index.html: one self-contained page (no network) with the dataset, assumptions, metrics
 *    and verdict, charts (equity, drawdown, edge distribution, slippage and P&L against latency),
 *    the per-pair and sweep tables, and the gaps and skipped input. See report/html.ts.
 *
 * Charts: Apache ECharts (Apache Software Foundation project, actively released, canvas renderer,
 * time axes, bar/line/scatter, dual axes, data zoom and LTTB sampling for long series, tooltips,
 * responsive `resize()`), inlined from its minified "common" browser build in node_modules (the
 * build with line, bar and scatter charts and the components used here: smaller than the full one).
 * Files are written to a temporary name and renamed, so a reader never sees half a report.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { BacktestResult } from '../../schema/backtest.js';
import { NonRetryableError } from '../errors.js';
import { log } from '../log.js';
import { renderReportHtml, type ReportAssets } from './report/html.js';

const require = createRequire(import.meta.url);

let assets: Promise<ReportAssets> | undefined;

/** The inlined scripts: read once per process. */
export function reportAssets(): Promise<ReportAssets> {
  assets ??= (async () => {
    const libPath = require.resolve('echarts/dist/echarts.common.min');
    const pkg = JSON.parse(await readFile(join(dirname(libPath), '..', 'package.json'), 'utf8')) as { version?: unknown };
    const [chartLib, pageScript] = await Promise.all([readFile(libPath, 'utf8'), readFile(new URL('./report/page.js', import.meta.url), 'utf8')]);
    return { chartLib, chartLibName: `Apache ECharts ${typeof pkg.version === 'string' ? pkg.version : '(unknown version)'}`, pageScript };
  })();
  assets.catch(() => (assets = undefined));
  return assets;
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text, 'utf8');
  await rename(tmp, path);
}

/** Writes DIR/report.json and DIR/index.html (DIR is created). Rejects a result that is not the schema. */
export async function writeReport(result: BacktestResult, dir: string): Promise<void> {
  const parsed = BacktestResult.safeParse(result);
  if (!parsed.success) {
    throw new NonRetryableError('backtest result does not match the schema: report not written', {
      dir,
      issues: parsed.error.issues.slice(0, 20).map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  const html = renderReportHtml(parsed.data, await reportAssets());
  await mkdir(dir, { recursive: true });
  await writeAtomic(join(dir, 'report.json'), `${JSON.stringify(parsed.data, null, 2)}\n`);
  await writeAtomic(join(dir, 'index.html'), html);
  log.info({ dir, bytes: Buffer.byteLength(html), gaps: parsed.data.dataset.gaps.length, skipped: parsed.data.dataset.skipped.length }, 'backtest report written');
}
