/**
 * The prototype's whole topology, for real: a virtual Arduino on a socat pty → `vigie bridge` →
 * Kafka → `vigie detect sensors` → PostgreSQL and logs. The states stored must be those the same
 * values give when run in-process through the same flow, though the device disappears and comes
 * back mid-stream (the bridge reconnects; nothing written while the device existed is lost).
 */
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { from, lastValueFrom, toArray } from 'rxjs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { arduinoLines, toSerialBytes } from '../../src/adapters/simulatedArduino.ts';
import { createVirtualSerialPair } from '../../src/adapters/serial/virtualSerial.ts';
import { sensorAnomalies } from '../../src/streams/sensorAnomalies.ts';
import { freshDatabase } from '../helpers/database.ts';
import { killAll, until, vigie } from '../helpers/processes.ts';
import { uniqueTopic } from '../helpers/kafka.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  killAll();
  for (const clean of cleanups.reverse()) await clean().catch(() => {});
});



describe('the topology: Arduino pty → bridge → Kafka → detect sensors → PostgreSQL', () => {
  it('stores the states the same values give in-process', async () => {
    const brokers = inject('kafkaBrokers');
    const dir = await mkdtemp(join(tmpdir(), 'vigie-topology-'));
    await chmod(dir, 0o755);
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const db = await freshDatabase();
    cleanups.push(() => db.drop());
    const serial = await createVirtualSerialPair(dir);
    cleanups.push(() => serial.stop());

    const topic = uniqueTopic('humidite');
    const sensor = { topic, base: 55, amplitude: 5, periodS: 600, noise: 0.1, decimals: 2 };
    const next = arduinoLines({ sensors: [sensor], seed: 11, anomalyRate: 0.05, anomalyMagnitude: 0.6 });
    const lines = Array.from({ length: 120 }, (_, i) => next(i, 1_700_000_000_000 + i * 100));

    const bridge = vigie(['bridge', '--serial', serial.hostPath, '--kafka', brokers.join(','), '--data-dir', join(dir, 'bridge')]);
    await until('the bridge to open the device', async () => (/serial: open/.test(bridge.output()) ? true : undefined), 30_000);
    const detect = vigie([
      'detect', 'sensors', '--topic', topic, '--kafka', brokers.join(','), '--from', 'earliest',
      '--database-url', db.url, '--data-dir', join(dir, 'detect'),
    ]);

    const device = openSync(serial.devicePath, 'w');
    for (const line of lines) {
      writeSync(device, toSerialBytes(line));
      await new Promise((r) => setTimeout(r, 5));
    }
    closeSync(device);

    const rows = await until(
      'every detection in PostgreSQL',
      async () => {
        const { rows } = await db.pool.query<{ source_offset: string; detector: string; state: number; value: number }>(
          'SELECT source_offset, detector, state, value FROM sensor_detections WHERE source = $1 ORDER BY source_offset, detector',
          [topic],
        );
        return rows.length >= 2 * lines.length ? rows : undefined;
      },
      60_000,
    );
    expect(rows).toHaveLength(2 * lines.length); // none lost, none twice

    // the same values, in-process, through the same flow with the same options
    const expected = (
      await lastValueFrom(
        sensorAnomalies(from(lines.map((line, offset) => ({ line, time: 0, ref: { source: topic, partition: 0, offset } }))), {
          isolationForest: { seed: 1, threshold: 0.7 },
        }).pipe(toArray()),
      )
    )
      .flatMap((e) => (e.kind === 'detection' ? [e.detection] : []))
      .sort((a, b) => a.ref.offset - b.ref.offset || a.detector.localeCompare(b.detector));
    expect(rows.map((r) => [Number(r.source_offset), r.detector, r.value, r.state])).toEqual(
      expected.map((d) => [d.ref.offset, d.detector, d.value, d.state]),
    );
    expect(rows.some((r) => r.state === -1)).toBe(true); // spikes were injected: some anomalies

    bridge.proc.kill('SIGTERM');
    detect.proc.kill('SIGTERM');
    expect(await bridge.exit, bridge.output()).toBe(0);
    expect(await detect.exit, detect.output()).toBe(0);

    const script = 'import pickle,sys; print(len(pickle.load(open(sys.argv[1],"rb"))))';
    const logged = (file: string) => Number(execFileSync('python3', ['-c', script, file], { encoding: 'utf8' }));
    expect(logged(join(dir, 'bridge', 'logs', 'readings.pkl'))).toBe(lines.length);
    expect(logged(join(dir, 'detect', 'logs', `${topic}-detections-dbscan.pkl`))).toBe(lines.length);
  }, 150_000);
});
