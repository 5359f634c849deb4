/**
 * The dashboard page in a real browser (Debian's chromium through playwright-core; no browser is
 * ever downloaded) against a real `vigie start`: the charts fill, anomaly marks appear within 2 s
 * of the server sending them, and a screenshot is kept for the README and for a human to look at.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type WatchedStart, watchStart } from '../helpers/dashboardPage.ts';
import { killAll, until } from '../helpers/processes.ts';

const root = new URL('../../', import.meta.url).pathname;
let watched: WatchedStart | undefined;
afterAll(async () => {
  await watched?.close();
  killAll();
});

interface PageState {
  readings: number;
  anomalies: number;
  suspicious: number;
  charts: number;
  sentAt: number | null;
  renderedAt: number | null;
}

interface BrowserGlobals {
  __vigie: { lastAnomalySentAt: number | null; lastAnomalyRenderedAt: number | null };
  document: { body: { dataset: Record<string, string | undefined> }; querySelectorAll(selector: string): { length: number } };
}

describe('dashboard page', () => {
  it('draws readings and anomaly marks within 2 s of the server sending them', async () => {
    watched = await watchStart('vigie-page-', ['--anomaly-rate', '0.2', '--sensor-rate', '40', '--transaction-rate', '5']);
    const { run, page, errors } = watched;
    const read = (): Promise<PageState> =>
      page.evaluate(() => {
        // runs in the page; the project's types have no DOM, so name only what is used
        const g = globalThis as unknown as BrowserGlobals;
        const v = g.__vigie;
        const d = g.document.body.dataset;
        return {
          readings: Number(d.readings),
          anomalies: Number(d.anomalies),
          suspicious: Number(d.suspicious),
          charts: g.document.querySelectorAll('#charts .uplot').length,
          sentAt: v.lastAnomalySentAt,
          renderedAt: v.lastAnomalyRenderedAt,
        };
      });

    const first = await until('a chart with data and an anomaly mark', async () => {
      const s = await read();
      return s.readings > 0 && s.anomalies > 0 && s.charts > 0 ? s : undefined;
    }, 30_000);
    // a new anomaly, drawn after the page was already running
    const next = await until('another anomaly mark', async () => {
      const s = await read();
      return s.anomalies > first.anomalies ? s : undefined;
    }, 10_000);
    expect(next.renderedAt! - next.sentAt!).toBeGreaterThanOrEqual(0);
    expect(next.renderedAt! - next.sentAt!).toBeLessThan(2000);
    expect(next.charts).toBe(2); // humidite, temperature

    // enough history for a screenshot worth reading: a few seconds of lines, a suspicious row, the stats
    await until('a fuller page', async () => {
      const s = await read();
      const stats = await page.textContent('#s-rows');
      return s.readings > 200 && s.suspicious > 0 && Number(stats) > 0 ? s : undefined;
    }, 30_000);
    expect(errors).toEqual([]);
    await mkdir(join(root, 'tests/artifacts'), { recursive: true });
    await mkdir(join(root, 'docs'), { recursive: true });
    const shot = join(root, 'tests/artifacts/dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    await copyFile(shot, join(root, 'docs/dashboard.png'));

    run.proc.kill('SIGTERM');
    expect(await run.exit).toBe(0);
  }, 120_000);
});
