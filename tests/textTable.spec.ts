import { describe, expect, it } from 'vitest';
import { textTable } from '../src/textTable.js';

describe('textTable', () => {
  it('pads columns to the widest cell, aligns as asked, draws a rule and trims line ends', () => {
    expect(textTable(['name', 'n'], [['a', '10'], ['long name', '2']], { align: ['left', 'right'], rule: '-' })).toEqual([
      'name        n',
      '---------  --',
      'a          10',
      'long name   2',
    ]);
    expect(textTable(['a', 'b'], [])).toEqual(['a  b']);
  });
});
