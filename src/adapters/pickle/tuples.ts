/**
 * The prototype's two record shapes, as Python tuples: what its analysis scripts expect when they
 * unpickle vigie's logs. Times go from vigie's epoch milliseconds to the seconds (a float) of
 * Python's `time.time()`; a state stays a Python int so that `state == -1` still holds.
 */
import { type PyTuple, pyInt } from './encode.ts';

/** `(line, time_s)`: a raw reference reading, as the device printed it. */
export function readingTuple({ line, time }: { readonly line: string; readonly time: number }): PyTuple {
  return [line, time / 1000];
}

/** `(value, time_s, state)`: a detection, its state -2 (initialising), -1 (anomaly) or 1 (normal). */
export function detectionTuple({ value, time, state }: { readonly value: number; readonly time: number; readonly state: number }): PyTuple {
  return [value, time / 1000, pyInt(state)];
}
