/**
 * The dashboard page in a real browser (Debian's chromium through playwright-core; no browser is
 * ever downloaded) against a real `vigie start`: the charts fill, anomaly marks appear within 2 s
 * of the server sending them, and a screenshot is kept for the README and for a human to look at.
 */
import { copyFile, chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { killAll, until, vigie } from '../helpers/processes.ts';

const root = new URL('../../', import.meta.url).pathname;
let dir = '';
let browser: Browser | null = null;
afterAll(async () => {
  await browser?.close();
  killAll();
  if (dir) await rm(dir, { recursive: true, force: true });
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
    dir = await mkdtemp(join(tmpdir(), 'vigie-page-'));
    await chmod(dir, 0o755); // the embedded server runs as the postgres user
    const env = { ...process.env };
    delete env.DATABASE_URL;
    const run = vigie(['start', '--data-dir', dir, '--anomaly-rate', '0.2', '--sensor-rate', '40', '--transaction-rate', '5'], env);
    const url = await until('the dashboard URL', async () => /Dashboard: (http:\/\/127\.0\.0\.1:\d+)/.exec(run.output())?.[1], 60_000);

    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url);
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
