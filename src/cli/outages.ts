/**
 * What is down, where and since when: told by the sinks' retry policies and the Kafka source,
 * read by the status line, the dashboard and `/metrics`. Nothing here stops a flow: an outage
 * is waited out unless `--max-outage` asks for an exit, which {@link Outages.limit$} gives.
 */
import { type MonoTypeOperatorFunction, interval } from 'rxjs';
import { VigieError } from '../errors.ts';
import { guarded, operate, operatorSubscriber } from '../operators/operate.ts';
import type { Written } from '../types.ts';

export type Dependency = 'kafka' | 'postgres';

export interface Outage {
  readonly dependency: Dependency;
  /** host:port, never credentials. */
  readonly address: string;
  /** Epoch ms of the first failure of this outage. */
  readonly since: number;
  readonly reason: string;
}

export interface Outages {
  /** A failure: opens an outage, or keeps the one open (and its start). */
  down(dependency: Dependency, address: string, error: unknown): void;
  up(dependency: Dependency): void;
  /** A sink's write report is proof its dependency is up. */
  written(report: Written<unknown>): void;
  current(): readonly Outage[];
  /** For the status line: e.g. `kafka 127.0.0.1:9092 down since 16:24:31 (28 s)`, or '' when all is up. */
  describe(now?: number): string;
  /** With `maxOutageS`: the error to stop on, when an outage has lasted longer; else undefined. */
  tooLong(now?: number): VigieError | undefined;
  /** The stream as it is, but ending with {@link tooLong}'s error as soon as there is one. */
  guard<T>(checkMs?: number): MonoTypeOperatorFunction<T>;
}

export function createOutages(options: {
  readonly maxOutageS?: number | undefined;
  readonly onChange?: (dependency: Dependency, since: number | null) => void;
  readonly log?: (line: string) => void;
}): Outages {
  const open = new Map<Dependency, Outage>();
  const { maxOutageS, onChange = () => {}, log = () => {} } = options;
  const clock = (t: number): string => new Date(t).toISOString().slice(11, 19);
  const describeOne = (o: Outage, now: number): string =>
    `${o.dependency} ${o.address} down since ${clock(o.since)} (${Math.round((now - o.since) / 1000)} s)`;
  const outages: Outages = {
    down(dependency, address, error) {
      if (open.has(dependency)) return;
      const reason = error instanceof Error ? error.message : String(error);
      const outage = { dependency, address, since: Date.now(), reason };
      open.set(dependency, outage);
      log(`${dependency} at ${address} is down (${reason}): waiting for it${maxOutageS === undefined ? '' : `, at most ${maxOutageS} s (--max-outage)`}`);
      onChange(dependency, outage.since);
    },
    up(dependency) {
      const outage = open.get(dependency);
      if (!outage) return;
      open.delete(dependency);
      log(`${dependency} at ${outage.address} is back after ${Math.round((Date.now() - outage.since) / 1000)} s`);
      onChange(dependency, null);
    },
    written(report) {
      if (report.sink === 'kafka') outages.up('kafka');
      else if (report.sink.startsWith('postgres:')) outages.up('postgres');
    },
    current: () => [...open.values()],
    describe: (now = Date.now()) => [...open.values()].map((o) => describeOne(o, now)).join(', '),
    tooLong(now = Date.now()) {
      if (maxOutageS === undefined) return undefined;
      const over = [...open.values()].find((o) => now - o.since > maxOutageS * 1000);
      if (!over) return undefined;
      return new VigieError('OUTAGE_TOO_LONG', `giving up: ${describeOne(over, now)}, longer than --max-outage ${maxOutageS} s; last error: ${over.reason}`, {
        where: { dependency: over.dependency, address: over.address },
      });
    },
    guard: <T>(checkMs = 1000) =>
      operate<T, T>((subscriber, source) => {
        // guarded: a throw while checking ends the stream instead of reaching the timer
        subscriber.add(interval(checkMs).subscribe(guarded(subscriber, () => {
          const error = outages.tooLong();
          if (error) subscriber.error(error);
        })));
        source.subscribe(operatorSubscriber(subscriber, {}));
      }),
  };
  return outages;
}
