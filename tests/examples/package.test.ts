/**
 * What CI must prove from outside: vigie packed as npm packs it, installed into a copy of
 * examples/ (a project of its own, `strict`), compiled there by the user's tsc, and its flow run
 * against a real broker and a real PostgreSQL. Nothing here reaches into src/: if an entry point,
 * a `.d.ts`, a file in the tarball or a dependency a user needs is missing, this fails as a user
 * would. The install takes its packages from npm's cache (`--prefer-offline`), filled by `npm ci`.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cp, lstat, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type FreshDatabase, freshDatabase } from '../helpers/database.ts';
import { committedOffsets, createTopic, produceAll, uniqueTopic } from '../helpers/kafka.ts';
import { until } from '../helpers/processes.ts';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;
let dir: string;
let project: string;
let flow: ChildProcess | undefined;
let db: FreshDatabase;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vigie-package-'));
  project = path.join(dir, 'examples');
  db = await freshDatabase();
});

afterAll(async () => {
  if (flow?.exitCode === null && flow.signalCode === null) process.kill(-flow.pid!, 'SIGKILL');
  await db.drop();
  await rm(dir, { recursive: true, force: true });
});

/** `npm ...` in `cwd`; its output in the error when it fails. */
async function npm(cwd: string, args: readonly string[]): Promise<string> {
  try {
    return (await run('npm', [...args], { cwd, maxBuffer: 16 << 20 })).stdout;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`npm ${args.join(' ')} failed in ${cwd}:\n${stdout}\n${stderr}`);
  }
}

describe('examples/, a project of its own, on the packed vigie', () => {
  it('installs the tarball, compiles with strict, and its Kafka → DBSCAN → PostgreSQL flow writes every reading once', { timeout: 600_000 }, async () => {
    // The suite's setup built dist/; building again here (prepack) would pull it from under
    // the tests running beside this one.
    const packed = JSON.parse(await npm(root, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir])) as [{ filename: string; files: { path: string }[] }];
    const files = packed[0].files.map((f) => f.path);
    expect(files).toContain('dist/index.d.ts');
    expect(files.filter((f) => /^(tests|bench|chaos|\.ci|src|examples)\//.test(f))).toEqual([]);

    await cp(path.join(root, 'examples'), project, { recursive: true, filter: (from) => !/[/\\](node_modules|dist)$/.test(from) });
    const manifest = JSON.parse(await readFile(path.join(project, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    manifest.dependencies['vigie'] = `file:${path.join(dir, packed[0].filename)}`;
    await writeFile(path.join(project, 'package.json'), JSON.stringify(manifest, null, 2));
    await npm(project, ['install', '--prefer-offline', '--no-audit', '--no-fund']);
    const installed = path.join(project, 'node_modules', 'vigie');
    expect((await lstat(installed)).isSymbolicLink()).toBe(false); // the tarball's copy, not this clone
    expect((await readdir(installed)).sort()).toEqual(['README.md', 'bin', 'dist', 'kafka', 'package.json', 'rules', 'train']);
    await run(process.execPath, [path.join(project, 'node_modules/typescript/bin/tsc'), '-p', '.', '--strict'], { cwd: project }).catch((error: { stdout?: string }) => {
      throw new Error(`tsc --strict in the example project failed:\n${error.stdout}`);
    });
    for (const entry of ['vigie', 'vigie/operators', 'vigie/adapters', 'vigie/streams', 'vigie/detectors', 'vigie/state']) {
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', `console.log(Object.keys(await import('${entry}')).length)`], { cwd: project });
      expect(Number(stdout), entry).toBeGreaterThan(0);
    }

    const brokers = inject('kafkaBrokers');
    const topic = uniqueTopic('temperature');
    await createTopic(brokers, topic);
    const values = [...Array.from({ length: 25 }, (_, i) => 20 + (i % 3) * 0.1), 95];
    // A poison record between them: acknowledged and skipped, the stream goes on.
    const records = values.map((v) => ({ key: 's1', value: String(v) }));
    records.splice(10, 0, { key: 's1', value: '12!5' });
    await produceAll(brokers, topic, records);

    flow = spawn(process.execPath, ['dist/main.js', topic], {
      cwd: project,
      detached: true,
      env: { ...process.env, KAFKA_BROKERS: brokers.join(','), DATABASE_URL: db.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    flow.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    flow.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => flow!.once('exit', resolve));
    const rows = async () => (await db.pool.query<{ value: number; state: number; source_offset: string }>('SELECT value, state, source_offset FROM sensor_detections WHERE source = $1 ORDER BY source_offset', [topic])).rows;
    await until(`${values.length} rows from the example's flow (output: ${output})`, async () => ((await rows()).length >= values.length ? true : undefined), 120_000);

    process.kill(-flow.pid!, 'SIGINT'); // Ctrl-C, as a terminal sends it to the whole group
    expect(await exited, output).toBe(0);
    const written = await rows();
    expect(written.map((r) => r.value)).toEqual(values);
    expect(written.map((r) => r.state)).toEqual([...values.slice(0, 20).map(() => -2), ...values.slice(20, -1).map(() => 1), -1]);
    expect(await committedOffsets(brokers, `sensor-alarms-${topic}`, topic)).toEqual([records.length]);
  });
});
