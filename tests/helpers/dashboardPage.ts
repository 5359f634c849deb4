/**
 * A real `vigie start` (embedded PostgreSQL in a data directory of its own) and its dashboard open
 * in a real browser: Debian's chromium through playwright-core, no browser ever downloaded.
 * `close` closes the browser and removes the directory; the test's afterAll still calls killAll.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Page, chromium } from 'playwright-core';
import { type VigieProcess, until, vigie } from './processes.ts';

export interface WatchedStart {
  readonly run: VigieProcess;
  readonly page: Page;
  /** The page's uncaught errors so far. */
  readonly errors: string[];
  close(): Promise<void>;
}

export async function watchStart(prefix: string, args: readonly string[]): Promise<WatchedStart> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await chmod(dir, 0o755); // the embedded server runs as the postgres user
  const env = { ...process.env };
  delete env.DATABASE_URL;
  const run = vigie(['start', '--data-dir', dir, ...args], env);
  const url = await until('the dashboard URL', async () => /Dashboard: (http:\/\/127\.0\.0\.1:\d+)/.exec(run.output())?.[1], 60_000);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  return {
    run,
    page,
    errors,
    close: async () => {
      await browser.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
