import { readFileSync } from 'node:fs';
import { parseLabelText } from './src/matching/eval.js';
import { strikeGuard, kalshiStrike, polymarketStrike } from './src/matching/strike.js';
import { runGuards } from './src/matching/guards.js';
const wire = process.argv.includes('--wire');
for (const f of process.argv.slice(2).filter((x) => !x.startsWith('-'))) {
  const { pairs, problems } = parseLabelText(readFileSync(f, 'utf8'), f);
  if (problems.length) console.log('PROBLEMS', problems);
  for (const p of pairs) {
    const raws = JSON.parse(readFileSync(f, 'utf8').split('\n').find((l) => l.includes(`"${p.id}"`))!);
    const side = (rec: any) => {
      const raw = [raws.a, raws.b].find((s: any) => s.venue === rec.venue).market;
      const strike = wire ? (rec.venue === 'kalshi' ? kalshiStrike(raw) : polymarketStrike(raw)) : undefined;
      return { ...rec, ...(strike ? { strike } : {}) };
    };
    const [a, b] = p.legs.map((l: any) => side(l.record));
    const mapping = p.label === 'inverted' ? 'YES_NO' : p.label === 'equivalent' ? 'YES_YES' : undefined;
    const gs = strikeGuard(a, b, mapping as any);
    const others = runGuards(a, b, undefined, mapping as any).filter((g) => g.outcome !== 'pass').map((g) => `${g.guard}:${g.outcome}`);
    console.log(`${p.id} [${p.label}] ${gs.map((g) => `${g.guard}=${g.outcome}`).join(' ')} | others: ${others.join(',')}`);
    if (process.argv.includes('-v')) for (const g of gs) console.log('    ', g.reason);
  }
}
