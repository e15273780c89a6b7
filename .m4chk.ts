import { loadLabels, checkLabelSet } from './src/matching/eval.js';
const p = loadLabels('tests/fixtures/matching/labels');
console.log(p.length, checkLabelSet(p));
