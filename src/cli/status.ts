/**
 * What `vigie start` counts and prints once a second: a running total per kind of event, and the
 * reading rate over the last interval.
 */
import type { SensorEvent } from '../streams/sensorAnomalies.ts';
import type { Written } from '../types.ts';

export class Status {
  readings = 0;
  anomalies = 0;
  deadLetters = 0;
  transactions = 0;
  suspicious = 0;
  rowsWritten = 0;
  /** Over the interval that ended with the latest {@link line}. */
  readingsPerSecond = 0;
  private readingsAtLastLine = 0;
  private lastLineAt: number;

  constructor(private readonly now: () => number = Date.now) {
    this.lastLineAt = now();
  }

  sensorEvent(event: SensorEvent): void {
    if (event.kind === 'reading') this.readings++;
    else if (event.kind === 'dead-letter') this.deadLetters++;
    else if (event.detection.state === -1) this.anomalies++;
  }

  written(report: Written<unknown>): void {
    if (report.sink.startsWith('postgres:')) this.rowsWritten += report.items.length;
  }

  /** One line; the rate is over the time since the previous line. `down`: what is down and since when, if anything. */
  line(down = ''): string {
    const now = this.now();
    const rate = ((this.readings - this.readingsAtLastLine) * 1000) / Math.max(1, now - this.lastLineAt);
    this.readingsPerSecond = rate;
    this.readingsAtLastLine = this.readings;
    this.lastLineAt = now;
    return (
      `${rate.toFixed(1)} readings/s | ${this.anomalies} anomalies | ${this.suspicious} suspicious of ${this.transactions} transactions` +
      ` | ${this.rowsWritten} rows written | ${this.deadLetters} dead letters${down ? ` | ${down}` : ''}`
    );
  }
}
