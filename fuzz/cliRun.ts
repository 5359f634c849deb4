/**
 * The real CLI, fuzzed: generated records produced by another client (kcat) to a topic of
 * their own, `vigie detect transactions` (its default rules) or `vigie detect sensors` reading
 * them into a database of its own, a restart in the middle (SIGKILL or SIGTERM, drawn from the
 * seed), and every record looked up where it must have gone (fuzz/cliFlows.ts); then the same
 * topic read again without a restart, whose tables must be the same. The process must never exit
 * on data.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { type CliFlowName, cliFlows } from './cliFlows.ts';
import { type Detect, detect, sleep, tail, uninterrupted } from './detectProcess.ts';
import { MAX_CHUNK, committed, endOffset, produce } from './topic.ts';
import { migrate } from '../src/adapters/postgres/migrations.ts';

export interface CliFuzzOptions {
  readonly brokers: readonly string[];
  /** The server's URL: the run creates a database of its own on it. */
  readonly serverUrl: string;
  readonly seed: number;
  readonly records: number;
  /** Which `vigie detect`: transactions by default. */
  readonly flow?: CliFlowName;
  /** Told of progress every few seconds, and of each step. */
  readonly log?: (line: string) => void;
}

export interface CliFuzzResult {
  readonly flow: CliFlowName;
  readonly seed: number;
  readonly records: number;
  readonly rows: number;
  readonly deadLetters: number;
  readonly committed: number;
  readonly restart: 'SIGKILL' | 'SIGTERM';
  readonly seconds: number;
  /** Each problem in words, with the record at fault: none when the properties hold. */
  readonly problems: readonly string[];
}

async function newDatabase(server: pg.Client, serverUrl: string, database: string): Promise<{ url: string; pool: pg.Pool }> {
  await server.query(`CREATE DATABASE ${database}`);
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  const pool = new pg.Pool({ connectionString: url.toString() });
  pool.on('error', () => {});
  await migrate(pool);
  return { url: url.toString(), pool };
}

/** The rows one run has and the other has not, a few of each. */
function differences(restarted: readonly string[], replay: readonly string[]): string[] {
  const a = new Set(restarted);
  const b = new Set(replay);
  const onlyA = restarted.filter((l) => !b.has(l));
  const onlyB = replay.filter((l) => !a.has(l));
  if (onlyA.length + onlyB.length === 0) return [];
  return [
    `the restart changed the results: ${onlyA.length} rows only in the restarted run, ${onlyB.length} only in the uninterrupted one` +
      onlyA.slice(0, 3).map((l) => `\n  restarted:     ${l.slice(0, 400)}`).join('') +
      onlyB.slice(0, 3).map((l) => `\n  uninterrupted: ${l.slice(0, 400)}`).join(''),
  ];
}

export async function fuzzCli({ brokers, serverUrl, seed, records, flow: name = 'transactions', log = () => {} }: CliFuzzOptions): Promise<CliFuzzResult> {
  const started = Date.now();
  const flow = cliFlows[name];
  const cases = flow.cases(seed, records);
  const id = randomBytes(4).toString('hex');
  const topic = `fuzz-${seed}-${id}`;
  const group = `vigie-fuzz-${id}`;
  const fuzzGroup = `${group}-fuzz`;
  const dir = await mkdtemp(join(tmpdir(), 'vigie-fuzz-'));
  const kafka = new Kafka({ clientId: 'vigie-fuzz', brokers: [...brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [topic, ...['fuzz', 'replay'].flatMap((run) => [`${topic}.${run}.dlq`, `${topic}.${run}.alerts`])].map((t) => ({ topic: t, numPartitions: 1, replicationFactor: 1 })), waitForLeaders: true });
  await admin.disconnect();
  const server = new pg.Client({ connectionString: serverUrl });
  await server.connect();
  const database = `vigie_fuzz_${id}`;
  const { url, pool } = await newDatabase(server, serverUrl, database);
  const argsOf = (run: string, databaseUrl: string): string[] => ['detect', ...flow.args(topic, run), '--topic', topic, '--group', `${group}-${run}`,
    '--kafka', brokers.join(','), '--database-url', databaseUrl, '--data-dir', join(dir, run), '--session-timeout', '6000'];
  const args = argsOf('fuzz', url);
  const restart = fc.sample(fc.constantFrom('SIGKILL' as const, 'SIGTERM' as const), { seed, numRuns: 1 })[0]!;
  const problems: string[] = [];
  let produced = 0;
  let done = 0;
  let current = detect(args);
  // the process must never exit on its own: an exit on data is the property failing
  const watch = (d: Detect): void => {
    void d.exit.then(({ code, signal }) => {
      if (d === current && !stopping) problems.push(`vigie exited (code ${code}, signal ${signal}) on data:\n${tail(d)}`);
    });
  };
  let stopping = false;
  watch(current);
  try {
    // the first half, then the restart at the first commit seen (often with records read and not
    // yet committed), then the second half: records are judged on both sides of it; a tenth of a
    // small run per kcat call
    const CHUNK = Math.min(MAX_CHUNK, Math.ceil(records / 10));
    const half = Math.ceil(records / 2 / CHUNK) * CHUNK;
    let restarted: () => void = () => {};
    const restartDone = new Promise<void>((resolve) => (restarted = resolve));
    const producing = (async () => {
      const producer = kafka.producer();
      await producer.connect();
      try {
        for (let from = 0; from < records; from += CHUNK) {
          if (from === half) await restartDone;
          await produce(brokers, producer, topic, dir, cases.slice(from, from + CHUNK), from, seed);
          produced = Math.min(records, from + CHUNK);
          // offsets are the cases' indexes: a record lost on the way would shift every one after it
          const end = await endOffset(kafka, topic);
          if (end !== produced) throw new Error(`the topic holds ${end} records after ${produced} were produced`);
        }
      } finally {
        await producer.disconnect();
      }
    })();
    producing.catch((e: Error) => problems.push(`producing: ${e.message}`));
    let restartedAt = -1;
    let last = { at: Date.now(), done: 0 };
    let moved = { at: Date.now(), done: -1 };
    for (;;) {
      await sleep(500);
      done = await committed(kafka, fuzzGroup, topic);
      if (problems.length > 0) break;
      if (restartedAt < 0 && done > 0) {
        restartedAt = done;
        log(`restart: ${restart} at ${done} committed`);
        stopping = true;
        current.proc.kill(restart);
        await current.exit;
        stopping = false;
        current = detect(args);
        watch(current);
        restarted();
      }
      if (done !== moved.done) moved = { at: Date.now(), done };
      if (Date.now() - last.at >= 3_000) {
        const rate = Math.round(((done - last.done) * 1000) / (Date.now() - last.at));
        log(`produced ${produced} | committed ${Math.max(done, 0)} of ${records} | ${rate} records/s`);
        last = { at: Date.now(), done };
      }
      if (done >= records && produced >= records && /records\/s/.test(current.output())) break;
      if (Date.now() - moved.at > 120_000) {
        problems.push(`no progress for 2 minutes at ${done} committed of ${records}:\n${tail(current)}`);
        break;
      }
    }
    restarted();
    await producing.catch(() => {});
  } finally {
    stopping = true;
    if (current.proc.exitCode === null && current.proc.signalCode === null) {
      current.proc.kill('SIGTERM');
      const { code } = await current.exit;
      if (code !== 0 && problems.length === 0) problems.push(`vigie exited ${code} on SIGTERM:\n${tail(current)}`);
    }
  }
  // the record at the committed offset is the one that stopped it, when it stopped
  if (done < records && cases[Math.max(done, 0)]) problems.push(`stuck before offset ${Math.max(done, 0)}, the record: ${fc.stringify(cases[Math.max(done, 0)])}`);

  const tables = await flow.audit(pool, topic, cases, done);
  if (problems.length === 0) problems.push(...tables.problems);
  // the restart must change nothing: the same topic read again without one gives the same tables
  const replay = await newDatabase(server, serverUrl, `${database}_replay`);
  if (problems.length === 0) {
    log('the same records again, uninterrupted, to compare');
    problems.push(...(await uninterrupted(argsOf('replay', replay.url), () => committed(kafka, `${group}-replay`, topic), records)));
  }
  if (problems.length === 0) problems.push(...differences(await flow.snapshot(pool, topic), await flow.snapshot(replay.pool, topic)));
  const result = { flow: name, seed, records, rows: tables.rows, deadLetters: tables.deadLetters, committed: done, restart, seconds: Math.round((Date.now() - started) / 1000), problems };
  await Promise.all([pool.end(), replay.pool.end()]);
  if (problems.length === 0) {
    await server.query(`DROP DATABASE ${database} WITH (FORCE)`);
    await server.query(`DROP DATABASE ${database}_replay WITH (FORCE)`);
    await rm(dir, { recursive: true, force: true });
  } else log(`kept for a look: databases ${database} and ${database}_replay, topic ${topic}, folder ${dir}`);
  await server.end();
  return result;
}
