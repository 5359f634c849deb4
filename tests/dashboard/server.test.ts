/**
 * The dashboard's `/metrics` as Prometheus would scrape it, from a real `vigie start`: every
 * metric is declared with its type and has samples, and the counters move while the flows run.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killAll, until, vigie } from '../helpers/processes.ts';

let dir = '';
afterAll(async () => {
  killAll();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const TYPES = {
  vigie_records_in_total: 'counter',
  vigie_records_out_total: 'counter',
  vigie_dead_letters_total: 'counter',
  vigie_anomalies_total: 'counter',
  vigie_sink_errors_total: 'counter',
  vigie_sink_batch_size: 'histogram',
  vigie_end_to_end_latency_seconds: 'histogram',
} as const;

/** `name{labels} value` lines, as a map from `name{labels}` to the value; throws on any line that is not Prometheus text. */
function parseSamples(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (-?[0-9.e+]+|NaN|\+Inf|-Inf)$/.exec(line);
    if (!m) throw new Error(`not Prometheus text: ${JSON.stringify(line)}`);
    samples.set(m[1]!, Number(m[2]));
  }
  return samples;
}

describe('dashboard /metrics', () => {
  it('serves every metric as Prometheus text, and its counters advance while vigie start runs', async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigie-dashboard-'));
    await chmod(dir, 0o755); // the embedded server runs as the postgres user
    const env = { ...process.env };
    delete env.DATABASE_URL;
    const run = vigie(['start', '--data-dir', dir, '--dashboard-port', '0', '--sensor-rate', '40', '--transaction-rate', '10'], env);
    const url = await until('the dashboard URL', async () => /Dashboard: (http:\/\/127\.0\.0\.1:\d+)/.exec(run.output())?.[1], 60_000);
    const scrape = async () => {
      const res = await fetch(`${url}/metrics`);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      return res.text();
    };
    // wait for a write to PostgreSQL and an anomaly (after the windows fill), so every metric has samples
    const first = await until(
      'a first write and a first anomaly',
      async () => {
        const text = await scrape();
        const written = /^vigie_end_to_end_latency_seconds_count\{flow="sensor"\} [1-9]/m.test(text);
        return written && /^vigie_anomalies_total\{/m.test(text) ? text : undefined;
      },
      60_000,
    );
    for (const [name, type] of Object.entries(TYPES)) expect(first).toContain(`# TYPE ${name} ${type}\n`);
    const a = parseSamples(first);
    const names = [...a.keys()];
    for (const name of ['vigie_records_in_total', 'vigie_records_out_total', 'vigie_dead_letters_total', 'vigie_anomalies_total', 'vigie_sink_errors_total'])
      expect(names.some((k) => k.startsWith(`${name}{`)), name).toBe(true);
    expect(a.get('vigie_sink_batch_size_count{sink="postgres:sensor_detections"}')).toBeGreaterThan(0);
    expect(a.get('vigie_end_to_end_latency_seconds_bucket{le="+Inf",flow="sensor"}')).toBeGreaterThan(0);

    const key = 'vigie_records_in_total{stage="readings"}';
    const b = await until('the counters to advance', async () => {
      const next = parseSamples(await scrape());
      return next.get(key)! > a.get(key)! ? next : undefined;
    }, 10_000);
    expect(b.get('vigie_records_out_total{stage="detections"}')).toBeGreaterThan(a.get('vigie_records_out_total{stage="detections"}')!);
    expect(b.get('vigie_end_to_end_latency_seconds_count{flow="sensor"}')).toBeGreaterThanOrEqual(
      a.get('vigie_end_to_end_latency_seconds_count{flow="sensor"}')!,
    );

    run.proc.kill('SIGTERM');
    expect(await run.exit).toBe(0);
  }, 120_000);
});
