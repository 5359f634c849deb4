import { describe, expect, it } from 'vitest';
import { behind } from '../../chaos/offsets.ts';

describe('chaos: behind', () => {
  it('names the partitions committed short of their end, never an empty one', () => {
    const positions = new Map([
      [0, { committed: -1, end: 0 }], // empty, nothing committed: nothing to commit (a keyed topic leaves some empty)
      [1, { committed: 3, end: 5 }],
      [2, { committed: -1, end: 4 }],
      [3, { committed: 7, end: 7 }],
    ]);
    expect(behind(positions)).toEqual([1, 2]);
  });
});
