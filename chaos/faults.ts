/**
 * The faults of issue 10, each as something that really happens to a deployment: a process
 * killed, Ctrl-C in its terminal, the broker or the database going away, the serial cable pulled,
 * poison produced by another client, generated malformed records (`fuzz`, issue 19). `inject`
 * does the harm and the repair, and says what must move again for the fault to count as healed.
 */
import type { Random } from '../src/random.ts';
import { type Flow, type Flows, TAIL_LINES } from './flows.ts';
import type { GroupTopic } from './offsets.ts';
import { produceFuzz } from './fuzzFault.ts';
import { type SerialWriter, producePoison, sleep } from './producers.ts';
import type { Progress } from './recovery.ts';
import type { ChaosServers } from './services.ts';

export const FAULT_KINDS = [
  'sigkill-flow',
  'sigint-group',
  'broker-sigterm',
  'broker-sigkill',
  'postgres-stop',
  'serial-unplugged',
  'poison-transactions',
  'poison-serial',
  'consumer-killed',
  'fuzz',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultContext {
  readonly servers: ChaosServers;
  readonly flows: Flows;
  readonly serial: SerialWriter;
  readonly random: Random;
  readonly transactions: GroupTopic;
  readonly sensors: GroupTopic;
  readonly readingsTopic: string;
  readonly partitions: number;
  readonly workDir: string;
  readonly dlqMaxBytes: number;
  /** How long a server stays down, or a consumer dead, in ms. */
  readonly outageMs: number;
  readonly log: (line: string) => void;
}

export interface Injected {
  readonly kind: FaultKind;
  /** What was hit, e.g. `transactions-2`. */
  readonly target: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly progress: Progress;
  /** A repair still under way (a killed consumer started again later); awaited before the audit. */
  readonly repaired?: Promise<void>;
}

/** Each of `only` (default: every kind) `times` times, in an order drawn from `random`. */
export function schedule(random: Random, times: number, only: readonly FaultKind[] = FAULT_KINDS): FaultKind[] {
  const kinds = only.flatMap((k) => Array.from({ length: times }, () => k));
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  return kinds;
}

const byName = (flows: Flows, name: string): Flow => flows.all.find((f) => f.name === name)!;

export async function inject(kind: FaultKind, ctx: FaultContext, n: number): Promise<Injected> {
  const { servers, flows, random, serial, log } = ctx;
  const startedAt = Date.now();
  const all = { groups: [ctx.transactions, ctx.sensors] };
  const pick = (names: string[]): Flow => byName(flows, names[random.int(0, names.length - 1)]!);
  const consumers = flows.all.filter((f) => f.name.startsWith('transactions-')).map((f) => f.name);
  const done = (target: string, progress: Progress): Injected => ({ kind, target, startedAt, endedAt: Date.now(), progress });
  const groupOf = (flow: Flow): Progress =>
    flow.name === 'bridge' ? { topicGrows: ctx.readingsTopic } : { groups: [flow.name === 'sensors' ? ctx.sensors : ctx.transactions] };
  // A serial line cannot be replayed: the device is quiet while nothing reads the cable.
  const quietBridge = async (work: () => Promise<void>): Promise<void> => {
    serial.pause();
    await sleep(1_000);
    await work();
    await waitFor(() => byName(flows, 'bridge').output().includes('serial: open'), 30_000);
    serial.resume();
  };
  switch (kind) {
    case 'sigkill-flow':
    case 'sigint-group': {
      const flow = pick([...consumers, 'sensors', 'bridge']);
      const signal = kind === 'sigkill-flow' ? 'SIGKILL' : 'SIGINT';
      const hit = async (): Promise<void> => {
        const exit = await flow.signal(signal, kind === 'sigint-group');
        if (signal === 'SIGINT' && exit.code !== 0) {
          flows.crashes.push({ flow: flow.name, at: Date.now(), code: exit.code, signal: exit.signal, tail: `after Ctrl-C:\n${flow.output().split('\n').slice(-TAIL_LINES).join('\n')}` });
        }
        await sleep(random.int(500, 3_000));
        flow.start();
      };
      if (flow.name === 'bridge') await quietBridge(hit);
      else await hit();
      log(`${kind}: ${flow.name}`);
      return done(flow.name, groupOf(flow));
    }
    case 'broker-sigterm':
    case 'broker-sigkill':
      await servers.kafka.down(kind === 'broker-sigkill' ? 'kill' : 'stop');
      await sleep(ctx.outageMs);
      await servers.kafka.up();
      return done('kafka', all);
    case 'postgres-stop':
      await servers.postgres.down('stop');
      await sleep(ctx.outageMs);
      await servers.postgres.up();
      return done('postgres', all);
    case 'serial-unplugged':
      // bytes in the cable when it is pulled are lost by any reader: let them arrive first
      serial.pause();
      await sleep(1_000);
      await servers.serial.down('stop');
      await sleep(ctx.outageMs / 2);
      await servers.serial.up();
      await waitFor(() => {
        const out = byName(flows, 'bridge').output();
        return out.slice(out.lastIndexOf('serial: reconnecting')).includes('serial: open');
      }, 30_000);
      serial.resume();
      return done('serial', { topicGrows: ctx.readingsTopic });
    case 'poison-transactions': {
      const kinds = await producePoison(servers.brokers, ctx.transactions.topic, ctx.partitions, ctx.workDir, n, ctx.dlqMaxBytes, random);
      log(`poison: ${kinds.join(', ')}`);
      return done(ctx.transactions.topic, { groups: [ctx.transactions] });
    }
    case 'fuzz': {
      const seed = await produceFuzz(servers.brokers, ctx.transactions.topic, ctx.partitions, ctx.workDir, n, random);
      log(`fuzz: generated malformed transactions, fast-check seed ${seed}`);
      return done(ctx.transactions.topic, { groups: [ctx.transactions] });
    }
    case 'poison-serial':
      await serial.poison();
      return done('serial', { topicGrows: ctx.readingsTopic });
    case 'consumer-killed': {
      const flow = pick(consumers);
      await flow.signal('SIGKILL', false);
      // the group rebalances onto the two others: that is the recovery measured
      const endedAt = Date.now();
      const repaired = sleep(ctx.outageMs * 2).then(() => {
        flow.start();
        return flow.ready();
      });
      return { kind, target: flow.name, startedAt, endedAt, progress: { groups: [ctx.transactions] }, repaired };
    }
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await sleep(200);
}
