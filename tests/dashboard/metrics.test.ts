import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/dashboard/metrics.ts';

describe('metrics of the stateful rules', () => {
  it('exposes the watermark, late transactions and revisions', async () => {
    const metrics = createMetrics();
    let watermark: number | undefined;
    metrics.watermark(() => watermark);
    expect(await metrics.registry.metrics()).toMatch(/^vigie_watermark_seconds 0$/m); // before any record
    watermark = 1_700_000_000_500;
    metrics.late();
    metrics.revision();
    metrics.revision();
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^vigie_watermark_seconds 1700000000\.5$/m);
    expect(text).toMatch(/^vigie_late_transactions_total 1$/m);
    expect(text).toMatch(/^vigie_revisions_total 2$/m);
  });
});
