/**
 * How every long-running command lives: it starts, prints timestamped lines, and on the first
 * Ctrl-C or SIGTERM stops gracefully (sinks flushed, offsets committed); a second one exits now
 * (see ./signals.ts).
 * The exit code is decided here only, from `done`: 0 once stopped cleanly, else the error's.
 */
import { fail } from './fail.ts';
import type { Running } from './running.ts';
import { onStopSignals } from './signals.ts';

export const log = (line: string): void => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);

export async function runUntilSignal(name: string, starting: (log: (line: string) => void) => Promise<Running>): Promise<never> {
  log(`vigie ${name}: starting (Ctrl-C to stop)`);
  let running: Running | null = null;
  let signalled = false;
  // Listening from the start: a Ctrl-C while the database starts must not kill Node with the
  // server it has just spawned left behind; the stop waits until there is something to stop.
  onStopSignals((signal) => {
    signalled = true;
    log(`vigie: ${signal}, ${running ? 'flushing sinks and stopping' : 'stopping once started'}`);
    void running?.stop();
  });
  try {
    running = await starting(log);
    if (signalled) void running.stop();
    await running.done;
  } catch (error) {
    fail(error);
  }
  log('vigie: stopped');
  process.exit(0);
}
