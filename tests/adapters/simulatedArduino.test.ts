import { TestScheduler } from 'rxjs/testing';
import { take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { defaultSensors, simulatedArduino, toSerialBytes } from '../../src/adapters/simulatedArduino.ts';
import { parseTimedLine } from '../../src/operators/parseArduinoLine.ts';
import type { TimedLine } from '../../src/types.ts';

function run(count: number, options: Parameters<typeof simulatedArduino>[0] = {}): TimedLine[] {
  const scheduler = new TestScheduler(() => {});
  let lines: TimedLine[] = [];
  scheduler.run(() => {
    simulatedArduino({ source: 'sim', ...options, scheduler }).pipe(take(count), toArray()).subscribe((all) => (lines = all));
  });
  return lines;
}

describe('simulatedArduino', () => {
  it('prints lines the parser reads, topics in turn, at the configured rate', () => {
    const lines = run(6, { rate: 4 });
    expect(lines.map((l) => l.time)).toEqual([250, 500, 750, 1000, 1250, 1500]);
    expect(lines.map((l) => l.ref.offset)).toEqual([0, 1, 2, 3, 4, 5]);
    for (const l of lines) expect(l.line).toMatch(/^(humidite|temperature)!\d+\.\d{2}$/);
    const topics = lines.map((l) => parseTimedLine(l)).map((p) => (p.ok ? p.value.topic : 'bad'));
    expect(topics).toEqual(['humidite', 'temperature', 'humidite', 'temperature', 'humidite', 'temperature']);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    expect(run(50, { seed: 7 }).map((l) => l.line)).toEqual(run(50, { seed: 7 }).map((l) => l.line));
    expect(run(50, { seed: 7 }).map((l) => l.line)).not.toEqual(run(50, { seed: 8 }).map((l) => l.line));
  });

  it('injects spikes at about the configured rate, far from the noise', () => {
    const n = 20_000;
    const lines = run(n, { anomalyRate: 0.02, rate: 1000, sensors: [defaultSensors[0]!] });
    // residual from the sensor's drift; the noise has sd 0.1, so 1.0 is 10 sigma away
    const residuals = lines.map((l) => Number(l.line.split('!')[1]) - (55 + 5 * Math.sin((2 * Math.PI * l.time) / 1000 / 600)));
    const spikes = residuals.filter((r) => Math.abs(r) > 1).length;
    expect(spikes / n).toBeGreaterThan(0.015);
    expect(spikes / n).toBeLessThan(0.025);
  });

  it('sends lines as the board does, ending in CR LF', () => {
    expect(toSerialBytes('humidite!45.20').toString('latin1')).toBe('humidite!45.20\r\n');
  });

  it('rejects a rate that is not positive', () => {
    expect(() => simulatedArduino({ rate: 0 })).toThrow(/rate must be > 0 lines\/s, got 0/);
  });
});
