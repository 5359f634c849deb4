/** The outage guard: the operator `vigie detect` and `vigie start` wrap their flows in. */
import { NEVER, lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createOutages } from '../../src/cli/outages.ts';
import { takeFromEndlessSource } from '../helpers/endless.ts';

describe('outages.guard', () => {
  it('ends the stream with the outage, saying which host:port, once it lasts longer than --max-outage', async () => {
    const outages = createOutages({ maxOutageS: 0 });
    outages.down('kafka', '127.0.0.1:9092', new Error('connect ECONNREFUSED'));
    await expect(lastValueFrom(NEVER.pipe(outages.guard(5)))).rejects.toThrow(/giving up: kafka 127\.0\.0\.1:9092 down since .*last error: connect ECONNREFUSED/);
  });

  it('stops a synchronous source as soon as the consumer has enough', () => {
    const { outputs, produced } = takeFromEndlessSource(createOutages({}).guard<number>(1000), (i) => i, 3);
    expect(outputs).toEqual([0, 1, 2]);
    expect(produced).toBe(3);
  });
});
