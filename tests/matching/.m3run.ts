import { readFileSync } from 'node:fs';
import { parseLabelText } from '../../src/matching/eval.js';
import { subjectGuard, subjectOf } from '../../src/matching/subject.js';
for (const f of process.argv.slice(2)) {
  const { pairs, problems } = parseLabelText(readFileSync(f, 'utf8'), f);
  if (problems.length) console.log(problems);
  for (const p of pairs) {
    const [a, b] = p.legs;
    const g = subjectGuard(a.record, b.record);
    console.log(p.label.padEnd(11), p.id.padEnd(45), g.map((x) => `${x.guard}:${x.outcome}`).join(' '), '|', g.filter((x) => x.outcome !== 'pass').map((x) => x.reason).join(' ; '));
    if (process.env.V) console.log('   ', a.record.title, '=>', subjectOf(a.record)?.key, '||', b.record.title, '=>', subjectOf(b.record)?.key);
  }
}
