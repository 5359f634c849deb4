/**
 * Ctrl-C and SIGTERM for a long-running command: the first asks for a graceful stop, a later one
 * exits at once with 130 (the user is not waiting). A repeat within `sameWithinMs` is the same
 * keypress delivered twice, not a second one: `npm start` forwards the terminal's SIGINT to its
 * script, which the terminal has already signalled with the rest of its process group.
 */
import { performance } from 'node:perf_hooks';

export function onStopSignals(stop: (signal: NodeJS.Signals) => void, { sameWithinMs = 300 } = {}): void {
  let first: number | null = null;
  const handler = (signal: NodeJS.Signals): void => {
    const now = performance.now();
    if (first === null) {
      first = now;
      stop(signal);
    } else if (now - first >= sameWithinMs) {
      process.exit(130);
    }
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
