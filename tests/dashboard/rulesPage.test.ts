/**
 * The Rules panel in a real browser (Debian's chromium through playwright-core) against a real
 * `vigie start`: the six default rules with their versions, the amount rule's hits per minute
 * moving, and its latest hits showing each transaction's value against the limit of 10 000 XAF.
 */
import { mkdir } from 'node:fs/promises';
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

interface Row {
  rule: string;
  cells: string[];
}

interface BrowserGlobals {
  document: {
    body: { dataset: Record<string, string | undefined> };
    querySelectorAll(selector: string): ArrayLike<{ dataset: Record<string, string | undefined>; querySelectorAll(s: string): ArrayLike<{ textContent: string | null }> }>;
  };
}

describe('dashboard Rules panel', () => {
  it('shows the rules in force with their versions, hits per minute and latest hits', async () => {
    watched = await watchStart('vigie-rules-page-', ['--sensor-rate', '5', '--transaction-rate', '20']);
    const { run, page, errors } = watched;
    const rows = (): Promise<Row[]> =>
      page.evaluate(() => {
        // runs in the page; the project's types have no DOM, so name only what is used
        const g = globalThis as unknown as BrowserGlobals;
        return Array.from(g.document.querySelectorAll('#rules tr'), (tr) => ({
          rule: tr.dataset.rule ?? '',
          cells: Array.from(tr.querySelectorAll('td'), (td) => td.textContent ?? ''),
        }));
      });

    const shown = await until('the amount rule with hits', async () => {
      const now = await rows();
      const amount = now.find((r) => r.rule === 'amount');
      return amount && Number(amount.cells[3]) > 0 && amount.cells[4] !== '' ? now : undefined;
    }, 60_000);
    expect(shown.map((r) => `${r.rule} ${r.cells[1]}`)).toEqual(['amount', 'drain', 'frequency', 'travel', 'new-country', 'zscore'].map((id) => `${id} v1`));
    const amount = shown.find((r) => r.rule === 'amount')!;
    expect(amount.cells[2]).toBe('start (rules/default.json)');
    // each latest hit: `<transaction id>: <value> / <limit>, <timestamp>`, its value above the limit
    const hits = amount.cells[4]!.split('\n');
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.length).toBeLessThanOrEqual(5);
    for (const hit of hits) {
      const m = /^(\d+): ([\d.]+) \/ 10000, (\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d)/.exec(hit);
      expect(m, hit).not.toBeNull();
      expect(Number(m![2])).toBeGreaterThan(10_000);
    }
    expect(errors).toEqual([]);
    await mkdir(join(root, 'tests/artifacts'), { recursive: true });
    await (await page.$('#rules-panel'))!.screenshot({ path: join(root, 'tests/artifacts/dashboard-rules.png') });

    run.proc.kill('SIGTERM');
    expect(await run.exit).toBe(0);
  }, 120_000);
});
