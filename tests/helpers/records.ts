/** Builders for the records marble specs push through operators. */
import type { Detection, Reading, State } from '../../src/types.ts';

/** A reading numbered like offset `offset` of a test partition, one second apart. */
export const makeReading = (value: number, offset: number, topic = 't'): Reading => ({
  topic,
  value,
  time: 1000 * offset,
  ref: { source: 'test', partition: 0, offset },
});

/** What a detector says of `r`. */
export const makeDetection = (r: Reading, detector: string, state: State, score: number | null, fill: number): Detection => ({
  topic: r.topic,
  value: r.value,
  time: r.time,
  state,
  detector,
  score,
  fill,
  ref: r.ref,
});
