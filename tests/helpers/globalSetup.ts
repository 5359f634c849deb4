/**
 * One PostgreSQL and one Kafka broker for the whole test run: starting servers per test file would
 * cost seconds each. Both start in parallel. Test files share them but not their data: each
 * creates its own database (`freshDatabase`) and its own topics (`uniqueTopic`).
 * With `DATABASE_URL` (resp. `KAFKA_BROKERS`, comma-separated host:port) set, tests use that
 * server instead and nothing is started for it.
 *
 * The tests run vigie's CLI as users do, compiled (`bin/vigie.js` runs dist/): dist/ is built
 * first when src/ changed since the last build, so a test never runs yesterday's JavaScript.
 */
import { execFileSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { redactUrl } from '../../src/adapters/postgres/embeddedPostgres.ts';
import { postgresAndKafkaUnlessGiven } from '../../src/adapters/temporaryServers.ts';
import { missingPrerequisites, prerequisitesMessage } from './prerequisites.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where test files create their databases; holds a password, print it with `redactUrl`. */
    databaseUrl: string;
    /** `host:port` of the run's Kafka brokers, for kafkajs's `brokers`. */
    kafkaBrokers: string[];
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const missing = await missingPrerequisites();
  if (missing.length > 0) throw new Error(prerequisitesMessage(missing));
  execFileSync(process.execPath, [new URL('../../scripts/build.mjs', import.meta.url).pathname], { stdio: 'inherit' });
  const servers = await postgresAndKafkaUnlessGiven('vigie-test');
  if (process.env['VIGIE_TEST_VERBOSE']) {
    console.log(`PostgreSQL at ${redactUrl(servers.postgres.value)}, Kafka at ${servers.kafka.value.join(',')}, in ${Date.now() - started} ms`);
  }
  project.provide('databaseUrl', servers.postgres.value);
  project.provide('kafkaBrokers', servers.kafka.value);
  return servers.stop;
}
