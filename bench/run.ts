/**
 * `npm run bench`: vigie's speed and memory figures, each beside its baseline measured in the same
 * run, rather than in timed tests. Prints them, and writes `.vigie/bench/results.json` and
 * `.vigie/bench/results.md`. `npm run bench -- NAME ...` runs only the named benchmarks.
 * Exits 1 when a target is missed.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { accountsOverDaysBench } from './accountsOverDays.ts';
import { alertsBench } from './alerts.ts';
import { detectorsBench } from './detectors.ts';
import { evaluateFraudBench } from './evaluateFraud.ts';
import { fraudBench } from './fraud.ts';
import { handbookBench } from './handbook.ts';
import { kafkaEndToEndBench } from './kafkaEndToEnd.ts';
import { liveRulesBench } from './liveRules.ts';
import { memoryBench } from './memory.ts';
import { millionAccountsBench } from './millionAccounts.ts';
import { copyRowsBench } from './copyRows.ts';
import { postgresSinkBench } from './postgresSink.ts';
import { rulesAtScaleBench } from './rulesAtScale.ts';
import { sensorSeriesBench } from './sensorSeries.ts';
import { sparkBench } from './spark.ts';
import { startupBench } from './startup.ts';
import type { Bench, BenchSection } from './section.ts';
import { stateBench } from './state.ts';
import { stateRestoreBench } from './stateRestore.ts';
import { streamingDetectorsBench } from './streamingDetectors.ts';

const benches: Bench[] = [detectorsBench, streamingDetectorsBench, millionAccountsBench, rulesAtScaleBench, accountsOverDaysBench, memoryBench, sensorSeriesBench, postgresSinkBench, copyRowsBench, kafkaEndToEndBench, fraudBench, stateRestoreBench, stateBench, sparkBench, startupBench, alertsBench, evaluateFraudBench, handbookBench, liveRulesBench];

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !benches.some((b) => b.name === w));
if (unknown.length > 0) {
  console.error(`npm run bench: unknown benchmark ${unknown.join(', ')}; known: ${benches.map((b) => b.name).join(', ')}`);
  process.exit(2);
}

// Some benchmarks run the CLI as users do, compiled: build dist/ when src/ changed since.
execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}`;
const sections: BenchSection[] = [];
for (const bench of benches) {
  if (wanted.length > 0 && !wanted.includes(bench.name)) continue;
  console.error(`bench: ${bench.name}`);
  sections.push(await bench.run());
}

const failures = sections.flatMap((s) => s.failures);
const markdown = [`Measured on ${machine}, ${new Date().toISOString()}, with \`npm run bench\`.`, ''];
for (const { title, method, table, figures, failures: missed } of sections) {
  markdown.push(`### ${title}`, '', method, '');
  if (table) markdown.push(`| ${table.header.join(' | ')} |`, `|${' --- |'.repeat(table.header.length)}`, ...table.rows.map((r) => `| ${r.join(' | ')} |`), '');
  markdown.push('| measure | value |', '| --- | --- |');
  for (const [name, value] of Object.entries(figures)) markdown.push(`| ${name} | ${typeof value === 'number' ? value.toLocaleString('en') : value} |`);
  markdown.push('', missed.length === 0 ? 'Targets met.' : `Targets missed: ${missed.join('; ')}.`, '');
}
markdown.push(failures.length === 0 ? 'Every target met.' : `Targets missed: ${failures.join('; ')}.`);
await mkdir('.vigie/bench', { recursive: true });
await writeFile('.vigie/bench/results.json', `${JSON.stringify({ machine, date: new Date().toISOString(), sections, failures }, null, 2)}\n`);
await writeFile('.vigie/bench/results.md', `${markdown.join('\n')}\n`);
console.log(markdown.join('\n'));
console.log('\nwritten: .vigie/bench/results.json, .vigie/bench/results.md');
// process.exit: the exit code is the verdict, whatever handles are still open.
process.exit(failures.length === 0 ? 0 : 1);
