/**
 * Progress of long work (replays, benchmarks, plots): a bar redrawn in place on a terminal, plain
 * lines now and then when the output is a file or a pipe (CI logs, `| tee`), never both.
 */
export interface Progress {
  /** `done` items of `total` (when known) are finished. */
  update(done: number): void;
  /** The last line, with the final count. */
  finish(): void;
}

export interface ProgressOptions {
  /** How many items in all, when known: the bar needs it. */
  readonly total?: number;
  readonly stream?: NodeJS.WriteStream;
  /** Without a terminal, at most one line per this many ms. */
  readonly everyMs?: number;
  readonly now?: () => number;
}

export function progress(label: string, { total, stream = process.stderr, everyMs = 2_000, now = Date.now }: ProgressOptions = {}): Progress {
  const started = now();
  let last = -Infinity;
  let current = 0;
  // Slow work (the chaos run's faults, a few a minute) would read 0/s: per minute below 1/s.
  const rate = (): string => {
    const perSecond = (current * 1000) / Math.max(1, now() - started);
    return perSecond >= 1 || current === 0 ? `${Math.round(perSecond)}/s` : `${(perSecond * 60).toFixed(1)}/min`;
  };
  const line = (): string =>
    total ? `${label}: ${current}/${total} (${Math.floor((100 * current) / total)}%, ${rate()})` : `${label}: ${current} (${rate()})`;
  const bar = (): string => {
    const width = 30;
    const filled = total ? Math.round((width * Math.min(current, total)) / total) : 0;
    return `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${line().slice(label.length + 2)}`;
  };
  return {
    update(done) {
      current = done;
      const t = now();
      if (stream.isTTY) {
        if (t - last >= 100) stream.write(bar());
      } else if (t - last >= everyMs) stream.write(`${line()}\n`);
      else return;
      last = t;
    },
    finish() {
      stream.write(stream.isTTY ? `${bar()}\n` : `${line()}\n`);
    },
  };
}
