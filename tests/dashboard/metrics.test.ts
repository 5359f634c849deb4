import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/dashboard/metrics.ts';

describe('metrics of the stateful rules', () => {
  it('exposes the watermark, late transactions per partition and revisions', async () => {
    const metrics = createMetrics();
    let watermark: number | undefined;
    metrics.watermark(() => watermark);
    expect(await metrics.registry.metrics()).toMatch(/^vigie_watermark_seconds 0$/m); // before any record
    watermark = 1_700_000_000_500;
    metrics.late('transaction', 2);
    metrics.late('transaction', 2);
    metrics.late('transaction', 0);
    metrics.revision();
    metrics.revision();
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^vigie_watermark_seconds 1700000000\.5$/m);
    expect(text).toMatch(/^vigie_late_transactions_total\{topic="transaction",partition="2"\} 2$/m);
    expect(text).toMatch(/^vigie_late_transactions_total\{topic="transaction",partition="0"\} 1$/m);
    expect(text).toMatch(/^vigie_revisions_total 2$/m);
  });

  it('counts the hits of each rule by id and version', async () => {
    const metrics = createMetrics();
    const fired = (id: string, version: number) => ({ id, version, value: 1, limit: 0, reason: id, score: 1 });
    metrics.ruleHits([fired('amount', 1), fired('frequency', 1)]);
    metrics.ruleHits([fired('amount', 1)]);
    metrics.ruleHits([fired('amount', 2)]);
    let text = await metrics.registry.metrics();
    expect(text).toMatch(/^vigie_rule_hits_total\{rule="amount",version="1"\} 2$/m);
    expect(text).toMatch(/^vigie_rule_hits_total\{rule="amount",version="2"\} 1$/m);
    expect(text).toMatch(/^vigie_rule_hits_total\{rule="frequency",version="1"\} 1$/m);
    metrics.ruleHits([fired('frequency', 1)]);
    text = await metrics.registry.metrics();
    expect(text).toMatch(/^vigie_rule_hits_total\{rule="frequency",version="1"\} 2$/m);
    expect(text).toMatch(/^vigie_rule_hits_total\{rule="amount",version="1"\} 2$/m);
  });
});

describe("metrics on every transaction's path", () => {
  it('counts transactions and suspicious ones, scrape after scrape', async () => {
    const metrics = createMetrics();
    for (let i = 0; i < 5; i++) metrics.transaction();
    metrics.suspicious();
    let text = await metrics.registry.metrics();
    expect(text).toMatch(/^vigie_records_in_total\{stage="transactions"\} 5$/m);
    expect(text).toMatch(/^vigie_records_out_total\{stage="suspicious"\} 1$/m);
    metrics.transaction();
    text = await metrics.registry.metrics();
    expect(text).toMatch(/^vigie_records_in_total\{stage="transactions"\} 6$/m);
    expect(text).toMatch(/^vigie_records_out_total\{stage="suspicious"\} 1$/m);
  });

  it("exposes the event loop's delay, which a blocked loop raises", async () => {
    const metrics = createMetrics();
    await metrics.registry.metrics(); // from here
    await new Promise((resolve) => setTimeout(resolve, 50));
    const until = Date.now() + 300;
    while (Date.now() < until); // the loop blocked for 300 ms
    await new Promise((resolve) => setTimeout(resolve, 50));
    const max = Number(/^vigie_event_loop_delay_seconds\{quantile="1"\} (\S+)$/m.exec(await metrics.registry.metrics())?.[1]);
    expect(max).toBeGreaterThanOrEqual(0.25);
  });
});
