import { extractSubject, extractRound } from '../../src/matching/subject.js';
const titles = process.argv.slice(2);
for (const t of titles) console.log(JSON.stringify(t), '=>', JSON.stringify(extractSubject(t)), JSON.stringify(extractRound(t)));
