/**
 * Where vigie's CPU goes, per record and per stage, from the V8 CPU profile (`--cpu-prof`) of the
 * real CLI: each sample's time goes to the innermost frame of its stack that belongs to a stage
 * (a sample in pg's serializer called from the sink is "row building and COPY"; one in JSON
 * code called from nowhere in particular is "other"), so the stages add up to the profile.
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
  readonly children?: readonly number[];
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** The stages, in the order a record meets them; the first whose test a frame passes takes it. */
const STAGES: readonly (readonly [string, (frame: ProfileNode['callFrame']) => boolean])[] = [
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  ['idle (waiting for I/O)', (f) => f.functionName === '(idle)'],
  ['decode (kafkajs fetch, records)', (f) => /kafkajs\/src\/(consumer|protocol\/(requests\/fetch|recordBatch\/v0\/decoder|decoder))|adapters\/kafka\/(fromKafka|kafkaRecord)/.test(f.url)],
  ['validation (JSON, schema)', (f) => /parseTransaction|zod/.test(f.url)],
  ['rules', (f) => /operators\/rules\//.test(f.url)],
  ['state (store, checkpoints)', (f) => /src\/state\//.test(f.url)],
  // the fraud flow's rows: staged, then COPY with the offsets in one transaction (outputTransaction.ts)
  ['row building and COPY (pg)', (f) => /node_modules\/(pg|pg-protocol|pg-pool|pg-copy-streams)\/|postgres\/(toPostgres|tables|copyRows|copyText|outputTransaction|outputOffsets|transactionalOutputs)|pgTransaction/.test(f.url)],
  // @platformatic/kafka's producer (lightProducer.ts), and kafkajs's where it still produces
  ['alert produce (@platformatic/kafka)', (f) => /@platformatic\/kafka|lightProducer|pinnedPartitioner|alertMessage|kafkajs\/src\/(producer|protocol\/(requests\/produce|recordBatch\/(v0\/index|record|crc32C)|encoder))|toKafka/.test(f.url)],
  ['acknowledgement and commit', (f) => /acknowledg|offsetTracker|offsetCommits|transactionalCommits|partitionStates/.test(f.url)],
  ['logs (JSONL)', (f) => /toJsonlLog/.test(f.url)],
  ['metrics, status, dashboard', (f) => /dashboard\/|prom-client|cli\/(detect|run|status)/.test(f.url)],
  ['kafkajs network and other', (f) => /kafkajs/.test(f.url)],
  ['RxJS plumbing', (f) => /rxjs|src\/operators\//.test(f.url)],
  ['module loading (start)', (f) => /node:internal\/modules|tsx|esbuild/.test(f.url)],
];

/** CPU microseconds per record and stage, from the profile(s) in `dir`; busy time excludes idle. */
export async function stagesFromProfile(dir: string, records: number): Promise<{ stages: [string, number][]; busyUs: number }> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  const totals = new Map<string, number>();
  for (const file of files) {
    const profile = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as Profile;
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const selfUs = new Map<number, number>();
    profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
    for (const [id, us] of selfUs) {
      let stage = 'other';
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const found = STAGES.find(([, test]) => test(byId.get(at!)!.callFrame));
        if (found) {
          stage = found[0];
          break;
        }
      }
      totals.set(stage, (totals.get(stage) ?? 0) + us);
    }
  }
  const stages = [...totals].map(([name, us]): [string, number] => [name, us / records]).sort((a, b) => b[1] - a[1]);
  const busyUs = stages.filter(([name]) => !name.startsWith('idle')).reduce((sum, [, us]) => sum + us, 0);
  return { stages, busyUs };
}
