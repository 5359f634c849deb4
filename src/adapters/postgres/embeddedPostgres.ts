/**
 * A real PostgreSQL without installing one: vigie runs out of the box, and its tests hit the same
 * server the users get. The cluster lives in `dataDir` and survives restarts, so a second start on
 * the same directory finds its tables, its rows and its password again.
 *
 * The password is random per cluster, kept beside the data directory in `<dataDir>.password`
 * (mode 0600): a default password on a listening server is an open door, and the file is what lets
 * the next start authenticate. The server listens on 127.0.0.1 only, and the password never
 * reaches a log: print URLs through {@link redactUrl}.
 *
 * The server runs in a session of its own (see ./postgresProcess.ts): a Ctrl-C in the terminal
 * is vigie's to handle, and vigie stops the server once its sinks have flushed.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { access, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { VigieError } from '../../errors.ts';
import { freePort } from '../freePort.ts';
import { type PostgresProcess, initCluster, startServer } from './postgresProcess.ts';

export interface EmbeddedPostgresOptions {
  readonly dataDir: string;
  /** Omitted: a free port, chosen now. Give it to restart a cluster where its clients expect it. */
  readonly port?: number;
  readonly database?: string;
  /** Receives the server's own log lines (which never hold the password). */
  readonly log?: (message: string) => void;
  /** Server parameters for this run, e.g. `{ track_commit_timestamp: 'on' }` for `pg_xact_commit_timestamp`. */
  readonly settings?: Readonly<Record<string, string>>;
}

export interface EmbeddedPostgresServer {
  /** A connection URL with the password in it: print it only through {@link redactUrl}. */
  readonly url: string;
  readonly dataDir: string;
  readonly port: number;
  /** Fast shutdown: open sessions end with `57P01`, committed data stays. */
  stop(): Promise<void>;
  /** Leaves the server running after this process exits, for others that use it. */
  disown(): void;
}

const USER = 'postgres';

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresServer> {
  const { dataDir, database = 'vigie', log = () => {} } = options;
  let port = options.port ?? (await freePort());
  const where = { dataDir, port };
  // Its parent holds the password file; as root, the `postgres` user must be able to walk it.
  await mkdir(path.dirname(path.resolve(dataDir)), { recursive: true, mode: 0o755 });
  await checkTraversable(dataDir);
  const initialised = await exists(path.join(dataDir, 'PG_VERSION'));
  const password = initialised ? await readPassword(dataDir) : await newPassword(dataDir);
  let server: PostgresProcess | null = null;
  try {
    if (!initialised) await initCluster(dataDir, USER, password, log);
    await removeStalePid(dataDir, log);
    // A free port may be taken by another process between freePort and the server's bind (a
    // machine running many servers saw "could not create any TCP/IP sockets"): another one, when
    // the caller did not ask for this one, up to 5 tries.
    for (let attempt = 1; ; attempt++) {
      try {
        server = await startServer(dataDir, port, log, options.settings);
        break;
      } catch (error) {
        const taken = /could not create any TCP\/IP sockets|Address already in use/.test(error instanceof Error ? error.message : String(error));
        if (!taken || options.port !== undefined || attempt === 5) throw error;
        port = await freePort();
        where.port = port;
        await removeStalePid(dataDir, log);
      }
    }
    await createDatabase(port, password, database);
  } catch (cause) {
    await server?.stop().catch(() => {});
    if (cause instanceof VigieError) throw cause; // already says what and where
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new VigieError('SERVICE_START_FAILED', `embedded PostgreSQL did not start: ${why}`, { where, cause });
  }
  const url = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  return { url, dataDir, port, stop: server.stop, disown: server.disown };
}

/** The URL with its password masked, for logs and messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    // Not a WHATWG URL (a bad host, or libpq's `key=value` form): mask what looks like a password.
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@').replace(/(password\s*=\s*)('[^']*'|\S+)/gi, '$1***');
  }
}

/** Where a cluster's password is kept; outside the data directory, which the server owns. */
export function passwordFile(dataDir: string): string {
  return `${path.resolve(dataDir)}.password`;
}

async function newPassword(dataDir: string): Promise<string> {
  const password = randomBytes(24).toString('hex');
  await writeFile(passwordFile(dataDir), `${password}\n`, { mode: 0o600 });
  return password;
}

async function readPassword(dataDir: string): Promise<string> {
  try {
    return (await readFile(passwordFile(dataDir), 'utf8')).trim();
  } catch (cause) {
    throw new VigieError('SERVICE_START_FAILED', 'the cluster exists but its password file is missing', {
      where: { dataDir, file: passwordFile(dataDir) },
      cause,
    });
  }
}

/**
 * A server killed without shutdown leaves `postmaster.pid`. PostgreSQL ignores it when that pid
 * is dead, but refuses to start when the pid now belongs to another process (common in
 * containers, where pids are reused at once): remove it unless a postgres really owns it.
 *
 * A postgres that does own it may be the orphan of a vigie killed with SIGKILL (the server runs in
 * a session of its own, so it outlives vigie): no parent process left to stop it, it would hold
 * the directory for ever. It is stopped (fast shutdown, its data kept); a server whose parent
 * still runs (another vigie, a test) is refused.
 */
async function removeStalePid(dataDir: string, log: (line: string) => void): Promise<void> {
  const file = path.join(dataDir, 'postmaster.pid');
  let pid: number;
  try {
    pid = Number.parseInt((await readFile(file, 'utf8')).split('\n')[0] ?? '', 10);
  } catch {
    return;
  }
  if (Number.isInteger(pid) && pid > 0 && isPostgres(pid)) {
    if (!isOrphan(pid)) {
      throw new VigieError('SERVICE_START_FAILED', `a PostgreSQL server (pid ${pid}) already runs on this directory`, {
        where: { dataDir },
      });
    }
    log(`postgres: stopping the server (pid ${pid}) that a killed run left on ${dataDir}`);
    await stopOrphan(pid, dataDir);
  }
  await unlink(file).catch(() => {});
}

/** Whether a server's parent is gone (it was re-parented to init or a reaper, not a Node process). */
function isOrphan(pid: number): boolean {
  try {
    const ppid = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[1]);
    return ppid === 1 || !/(^|\/)node[^/]*$/.test(readFileSync(`/proc/${ppid}/cmdline`, 'utf8').split('\0')[0] ?? '');
  } catch {
    return false; // no /proc to tell: do not stop what may be another's
  }
}

async function stopOrphan(pid: number, dataDir: string): Promise<void> {
  process.kill(pid, 'SIGINT');
  for (const deadline = Date.now() + 30_000; isPostgres(pid); ) {
    if (Date.now() > deadline) {
      throw new VigieError('SERVICE_START_FAILED', `the server (pid ${pid}) a killed run left did not stop within 30 s`, { where: { dataDir } });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Whether `pid` runs and is a PostgreSQL server (when /proc cannot tell, taken to be one). */
export function isPostgres(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
  } catch {
    return true; // alive, and no /proc to tell: do not take the risk
  }
}

async function createDatabase(port: number, password: string, database: string): Promise<void> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: USER, password, database: 'postgres' });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } catch (error) {
    if ((error as { code?: string }).code !== '42P04') throw error; // duplicate_database
  } finally {
    await client.end();
  }
}

/** As root, the server runs as `postgres`, which must be able to walk down to its directory. */
async function checkTraversable(dataDir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  for (let dir = path.dirname(path.resolve(dataDir)); ; dir = path.dirname(dir)) {
    const mode = await stat(dir).then((s) => s.mode, () => 0o755);
    if ((mode & 0o001) === 0) {
      throw new VigieError('SERVICE_START_FAILED', `the postgres user cannot enter ${dir} (chmod o+x it)`, {
        where: { dataDir },
      });
    }
    if (dir === path.dirname(dir)) return;
  }
}


function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
