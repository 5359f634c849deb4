/**
 * `vigie plot` on logs written by vigie's own sinks: two topics, some anomalies and
 * initialisations. The PNG has the SVG's size (read from its IHDR chunk) and the SVG has one mark
 * per logged anomaly or initialisation, none for a normal reading.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPickleLog } from '../../src/adapters/pickle/pickleLog.ts';
import { detectionTuple, readingTuple } from '../../src/adapters/pickle/tuples.ts';
import { openJsonlLog } from '../../src/adapters/toJsonlLog.ts';
import { chartSize } from '../../src/plot/chart.ts';
import { killAll, vigie } from '../helpers/processes.ts';

afterAll(killAll);

const count = (svg: string, cls: string): number => svg.split(`class="${cls}"`).length - 1;

describe('vigie plot', () => {
  it('writes chart.svg and chart.png with one mark per logged detection', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigie-plot-'));
    const logs = join(dir, 'logs');
    const t0 = Date.UTC(2024, 0, 1, 12, 0, 0);
    const readings = await openPickleLog(join(logs, 'readings.pkl'));
    const detections = await openJsonlLog(join(logs, 'detections.jsonl'));
    const topics = ['humidite', 'temperature'];
    const expected = { dbscan: 0, 'isolation-forest': 0, initialising: 0 };
    for (let i = 0; i < 60; i++) {
      const time = t0 + i * 100;
      await readings.append(topics.map((topic) => readingTuple({ line: `${topic}!${(50 + Math.sin(i)).toFixed(2)}`, time })));
      const batch = [];
      for (const topic of topics) {
        for (const detector of ['dbscan', 'isolation-forest'] as const) {
          const state = i < 20 ? -2 : (i % 7 === 0 && (detector === 'dbscan' || topic === 'temperature')) ? -1 : 1;
          if (state === -2) expected.initialising++;
          if (state === -1) expected[detector]++;
          batch.push({ topic, value: 50, time, state, detector, score: state === -2 ? null : 0.5, fill: state === -2 ? (i + 1) / 21 : 1, ref: { source: 'test', offset: i } });
        }
      }
      await detections.append(batch);
    }
    await readings.close();
    await detections.close();

    const run = vigie(['plot', '--data-dir', dir]);
    expect(await run.exit, run.output()).toBe(0);
    const out = join(dir, 'plots');
    expect(run.output()).toContain(join(out, 'chart.svg'));
    expect(run.output()).toContain(join(out, 'chart.png'));
    expect(run.output()).toContain(`120 points in 2 topics; marks: ${expected.dbscan} dbscan, ${expected['isolation-forest']} isolation-forest, ${expected.initialising} initialising`);

    const svg = readFileSync(join(out, 'chart.svg'), 'utf8');
    expect(expected.dbscan).toBeGreaterThan(0);
    expect(count(svg, 'mark dbscan')).toBe(expected.dbscan);
    expect(count(svg, 'mark isolation-forest')).toBe(expected['isolation-forest']);
    expect(count(svg, 'mark initialising')).toBe(expected.initialising);
    expect(count(svg, 'panel')).toBe(2);

    const png = readFileSync(join(out, 'chart.png'));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
    const { width, height } = chartSize(2, { width: 1200 });
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([width, height]);
  }, 60_000);

  it("draws `vigie detect sensors`' logs: <topic>-detections.jsonl and its pickles, any detector, no readings.pkl", async () => {
    // issue 13, finding 5: plot read only readings.pkl, which detect does not write: 0 points, exit 0
    const dir = mkdtempSync(join(tmpdir(), 'vigie-plot-'));
    const logs = join(dir, 'logs');
    const t0 = Date.UTC(2024, 0, 1, 12, 0, 0);
    const expected = { 'contextual+art': 0, art: 0, initialising: 0 };
    for (const topic of ['humidite', 'temperature']) {
      const jsonl = await openJsonlLog(join(logs, `${topic}-detections.jsonl`));
      const pickles = { 'contextual+art': await openPickleLog(join(logs, `${topic}-detections-contextual+art.pkl`)), art: await openPickleLog(join(logs, `${topic}-detections-art.pkl`)) };
      for (let i = 0; i < 50; i++) {
        for (const detector of ['contextual+art', 'art'] as const) {
          const state = i < 10 ? -2 : i % 9 === 0 && (detector === 'art' || topic === 'humidite') ? -1 : 1;
          if (state === -2) expected.initialising++;
          else if (state === -1) expected[detector]++;
          const d = { topic, value: 40 + i, time: t0 + i * 1000, state, detector, score: state === -2 ? null : 0.5, fill: 1, ref: { source: topic, partition: 0, offset: i } };
          await jsonl.append([d]);
          await pickles[detector].append([detectionTuple(d)]);
        }
      }
      await jsonl.close();
      await Promise.all(Object.values(pickles).map((p) => p.close()));
    }
    const run = vigie(['plot', '--data-dir', dir]);
    expect(await run.exit, run.output()).toBe(0);
    // one point per reading, not one per detector
    expect(run.output()).toContain(`100 points in 2 topics; marks: 0 dbscan, 0 isolation-forest, ${expected['contextual+art']} contextual+art, ${expected.art} art, ${expected.initialising} initialising`);
    const svg = readFileSync(join(dir, 'plots', 'chart.svg'), 'utf8');
    expect(expected['contextual+art']).toBeGreaterThan(0);
    expect(count(svg, 'mark contextual+art')).toBe(expected['contextual+art']);
    expect(count(svg, 'mark art')).toBe(expected.art);
    expect(count(svg, 'panel')).toBe(2);
    expect(count(svg, 'series')).toBe(2);
    expect(svg).toContain('contextual+art anomaly');
  }, 60_000);

  it('fails, naming the directory it looked in, when there are no readings', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigie-plot-'));
    const run = vigie(['plot', '--data-dir', dir]);
    expect(await run.exit, run.output()).toBe(1);
    expect(run.output()).toContain(`no readings to plot in ${join(dir, 'logs')}`);
    expect(existsSync(join(dir, 'plots', 'chart.svg'))).toBe(false);
  }, 60_000);

  it('prints progress lines when the logs are long', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigie-plot-'));
    const readings = await openPickleLog(join(dir, 'logs', 'readings.pkl'));
    const t0 = Date.UTC(2024, 0, 1, 12, 0, 0);
    await readings.append(Array.from({ length: 250_000 }, (_, i) => readingTuple({ line: `t!${i % 100}`, time: t0 + i * 10 })));
    await readings.close();
    const run = vigie(['plot', '--data-dir', dir, '--out', join(dir, 'out'), '--width', '800']);
    expect(await run.exit, run.output()).toBe(0);
    expect(run.output()).toMatch(/^plot: 100000 readings read$/m);
    expect(run.output()).toMatch(/^plot: 200000 readings read$/m);
    const png = readFileSync(join(dir, 'out', 'chart.png'));
    expect(png.readUInt32BE(16)).toBe(800);
  }, 60_000);
});
