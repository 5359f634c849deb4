/**
 * The layers of docs/architecture.md, enforced: dependency-cruiser runs .dependency-cruiser.cjs
 * over src/ and every import that breaks a rule (a layer importing one above it, a cycle, RxJS
 * in the detectors, I/O in an operator, a producer with a partitioner of its own) fails this
 * test, named with its rule.
 */
import { type ICruiseResult, cruise } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import { beforeAll, describe, expect, it } from 'vitest';

let result: ICruiseResult;

beforeAll(async () => {
  const options = await extractDepcruiseOptions('./.dependency-cruiser.cjs');
  result = (await cruise(['src'], { ...options, validate: true })).output as ICruiseResult;
});

describe('architecture', () => {
  it('src/ keeps to the layers and has no import cycle', () => {
    const found = result.summary.violations.map((v) => {
      const path = v.cycle?.length ? [v.from, ...v.cycle.map((c) => c.name)].join(' → ') : `${v.from} → ${v.to}`;
      return `${v.rule.name}: ${path}`;
    });
    expect(found, `imports that break docs/architecture.md's rules:\n${found.join('\n')}`).toEqual([]);
  });

  it('the rules see every layer, so none passes for want of being parsed', () => {
    // without a TypeScript parser dependency-cruiser skips .ts files, and every rule passes
    const sources = result.modules.map((m) => m.source);
    for (const module of ['src/types.ts', 'src/detectors/art.ts', 'src/state/index.ts', 'src/operators/art.ts', 'src/adapters/kafka/toKafka.ts', 'src/adapters/kafka/producerThread.worker.mjs', 'src/catalogue/detectors.ts', 'src/streams/index.ts', 'src/cli/main.ts']) {
      expect(sources).toContain(module);
    }
    const art = result.modules.find((m) => m.source === 'src/operators/art.ts')!;
    expect(art.dependencies.map((d) => d.resolved)).toContain('src/detectors/art.ts');
  });
});
