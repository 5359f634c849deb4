/**
 * `npm run fuzz [-- --seed N] [--records M] [--flow transactions|sensors]`: generated records
 * through the real `vigie detect transactions` or `vigie detect sensors` (fuzz/cliRun.ts) on KAFKA_BROKERS and DATABASE_URL, or on a broker
 * and a PostgreSQL of its own; progress every few seconds, a summary, exit 1 on a failed property.
 */
import { parseArgs } from 'node:util';
import { CLI_FLOWS, type CliFlowName } from './cliFlows.ts';
import { fuzzCli } from './cliRun.ts';
import { postgresAndKafkaUnlessGiven } from '../src/adapters/temporaryServers.ts';

const { values } = parseArgs({ options: { seed: { type: 'string', default: String(Date.now() % 1_000_000) }, records: { type: 'string', default: '10000' }, flow: { type: 'string', default: 'transactions' } } });
const seed = Number(values.seed);
const records = Number(values.records);
if (!Number.isInteger(seed) || !Number.isInteger(records) || records < 1) {
  console.error(`fuzz: expected integers, got --seed ${JSON.stringify(values.seed)} --records ${JSON.stringify(values.records)}`);
  process.exit(2);
}
const flow = values.flow as CliFlowName;
if (!CLI_FLOWS.includes(flow)) {
  console.error(`fuzz: --flow: expected one of ${CLI_FLOWS.join(', ')}, got ${JSON.stringify(values.flow)}`);
  process.exit(2);
}
const log = (line: string): void => console.log(`fuzz: ${line}`);
log(`${flow}: seed ${seed}, ${records} records (replay: npm run fuzz -- --seed ${seed} --records ${records} --flow ${flow})`);
const servers = await postgresAndKafkaUnlessGiven('vigie-fuzz');
let failed = true;
try {
  const r = await fuzzCli({ brokers: servers.kafka.value, serverUrl: servers.postgres.value, seed, records, flow, log });
  failed = r.problems.length > 0;
  for (const p of r.problems.slice(0, 20)) console.log(`\n${p}`);
  if (r.problems.length > 20) console.log(`\n… and ${r.problems.length - 20} more problems`);
  console.log(
    `\nfuzz: ${failed ? 'FAILED' : 'passed'} | ${flow} | seed ${seed} | ${r.records} records | ${r.rows} rows | ${r.deadLetters} dead letters | offsets committed ${r.committed}/${r.records} | restart by ${r.restart} | ${r.seconds} s`,
  );
} finally {
  await servers.stop();
}
process.exit(failed ? 1 : 0);
