/** The outage guard as an operator (outages.test.ts covers what it says and when it ends a stream). */
import { describe, expect, it } from 'vitest';
import { createOutages } from '../../src/cli/outages.ts';
import { takeFromEndlessSource } from '../helpers/endless.ts';

describe('outages.guard', () => {
  it('stops a synchronous source as soon as the consumer has enough', () => {
    const { outputs, produced } = takeFromEndlessSource(createOutages({}).guard<number>(1000), (i) => i, 3);
    expect(outputs).toEqual([0, 1, 2]);
    expect(produced).toBe(3);
  });
});
