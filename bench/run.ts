/**
 * `npm run bench`: vigie's speed and memory figures, each beside its baseline, measured here
 * rather than in timed tests. Prints them, and writes `.vigie/bench/results.json` and
 * `.vigie/bench/results.md`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { detectors } from './detectors.ts';
import { millionAccounts } from './millionAccounts.ts';

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const sections: Record<string, Record<string, number>> = {
  'the prototype\'s detectors, in-process': await detectors(),
  'keyed state with TTL, one million distinct accounts': await millionAccounts(),
};

const failures: string[] = [];
const d = sections["the prototype's detectors, in-process"]!;
if (d['DBSCAN speed-up']! < 100) failures.push('DBSCAN is less than 100 times faster than the prototype');
if (d['IsolationForest speed-up']! < 100) failures.push('IsolationForest is less than 100 times faster than the prototype');
const m = sections['keyed state with TTL, one million distinct accounts']!;
if (m['largest location state (accounts)']! > m['accounts active within 1 h of event time']! * 1.01) failures.push('the rules\' state outgrew its TTL');

const markdown = [`Measured on ${machine}, ${new Date().toISOString()}, with \`npm run bench\`.`, ''];
for (const [title, figures] of Object.entries(sections)) {
  markdown.push(`### ${title}`, '', '| measure | value |', '| --- | --- |');
  for (const [name, value] of Object.entries(figures)) markdown.push(`| ${name} | ${value.toLocaleString('en')} |`);
  markdown.push('');
}
markdown.push(failures.length === 0 ? 'Every target met.' : `Targets missed: ${failures.join('; ')}.`);
await mkdir('.vigie/bench', { recursive: true });
await writeFile('.vigie/bench/results.json', `${JSON.stringify({ machine, sections, failures }, null, 2)}\n`);
await writeFile('.vigie/bench/results.md', `${markdown.join('\n')}\n`);
console.log(markdown.join('\n'));
console.log('\nwritten: .vigie/bench/results.json, .vigie/bench/results.md');
process.exitCode = failures.length === 0 ? 0 : 1;
