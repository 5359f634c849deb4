/**
 * rxjs-marbles has no vitest adapter: configure it once with vitest's `expect`,
 * as its Jest adapter does with Jest's. Every marble spec imports `marbles` from here.
 */
import { configure } from 'rxjs-marbles';
import { expect } from 'vitest';

export const { marbles } = configure({
  assertDeepEqual: (actual: unknown, expected: unknown) => expect(actual).toStrictEqual(expected),
  frameworkMatcher: true,
});
