/**
 * One embedded PostgreSQL for every vigie process of a data dir: the README's topology runs
 * `detect sensors` and `detect transactions` side by side on `.vigie`, and a second server on
 * the same cluster cannot start (issue 13: the second process exited 1).
 *
 * The first process starts the server; the others find it running (its `postmaster.pid` gives
 * its pid and port, the password file beside the cluster its password) and join it. Each
 * process that uses it has a file named by its pid in `<cluster>.clients/`; the last to leave
 * stops the server, whoever started it (a starter that leaves first lets it run on). Deciding
 * to start, join or stop is done under a lock file (`<cluster>.lock`), so two processes starting
 * at once cannot both start a server, nor one stop it while another joins. A process killed
 * with SIGKILL leaves its file: a pid that no longer runs does not count.
 */
import { readFileSync } from 'node:fs';
import { mkdir, open, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { VigieError } from '../../errors.ts';
import { type EmbeddedPostgresServer, isPostgres, passwordFile, startEmbeddedPostgres } from './embeddedPostgres.ts';

export interface SharedPostgres {
  /** A connection URL with the password in it: print it only through `redactUrl`. */
  readonly url: string;
  /** The pid of the process that started the server, when it is not this one. */
  readonly joined: number | null;
  /** Leaves; the last process to leave stops the server. */
  leave(): Promise<void>;
}

const LOCK_WAIT_MS = 120_000;
const USER = 'postgres';

export async function shareEmbeddedPostgres(options: { dataDir: string; database?: string; log?: (line: string) => void }): Promise<SharedPostgres> {
  const { dataDir, database = 'vigie', log = () => {} } = options;
  const clients = `${path.resolve(dataDir)}.clients`;
  const me = path.join(clients, String(process.pid));
  return locked(dataDir, async () => {
    await mkdir(clients, { recursive: true });
    await writeFile(me, '');
    const running = runningServer(dataDir);
    let server: EmbeddedPostgresServer | null = null;
    let url: string;
    try {
      if (running) {
        const password = (await readFile(passwordFile(dataDir), 'utf8')).trim();
        url = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${running.port}/${encodeURIComponent(database)}`;
        log(`postgres: joining the server (pid ${running.pid}, port ${running.port}) already running on ${dataDir}`);
      } else {
        server = await startEmbeddedPostgres({ dataDir, database, log });
        url = server.url;
      }
    } catch (error) {
      await rm(me, { force: true });
      throw error;
    }
    const leave = (): Promise<void> =>
      locked(dataDir, async () => {
        await rm(me, { force: true });
        const others = await liveClients(clients);
        if (others.length > 0) {
          server?.disown();
          log(`postgres: left running for the other vigie processes using it (pids ${others.join(', ')})`);
          return;
        }
        if (server) return server.stop();
        const now = runningServer(dataDir);
        if (now) await stopServer(now.pid, dataDir);
      });
    return { url, joined: running?.pid ?? null, leave };
  });
}

/** The server running on the cluster, from its `postmaster.pid` (pid on line 1, port on line 4), if one does. */
function runningServer(dataDir: string): { pid: number; port: number } | null {
  let lines: string[];
  try {
    lines = readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return null;
  }
  const pid = Number.parseInt(lines[0] ?? '', 10);
  const port = Number.parseInt(lines[3] ?? '', 10);
  return Number.isInteger(pid) && pid > 0 && Number.isInteger(port) && isPostgres(pid) ? { pid, port } : null;
}

/** The pids of `clients/` that still run; the files of those that do not are removed. */
async function liveClients(clients: string): Promise<number[]> {
  const live: number[] = [];
  for (const name of await readdir(clients).catch(() => [] as string[])) {
    const pid = Number(name);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) live.push(pid);
    else if (pid !== process.pid) await rm(path.join(clients, name), { force: true });
  }
  return live;
}

async function stopServer(pid: number, dataDir: string): Promise<void> {
  process.kill(pid, 'SIGINT'); // fast shutdown: sessions end, committed data stays
  for (const deadline = Date.now() + 30_000; isPostgres(pid); ) {
    if (Date.now() > deadline) throw new VigieError('SERVICE_START_FAILED', `the shared PostgreSQL (pid ${pid}) did not stop within 30 s`, { where: { dataDir } });
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Runs `work` holding `<cluster>.lock`; a lock whose holder no longer runs is taken over. */
async function locked<T>(dataDir: string, work: () => Promise<T>): Promise<T> {
  const lock = `${path.resolve(dataDir)}.lock`;
  await mkdir(path.dirname(lock), { recursive: true });
  for (const deadline = Date.now() + LOCK_WAIT_MS; ; ) {
    try {
      const file = await open(lock, 'wx');
      await file.writeFile(String(process.pid));
      await file.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(await readFile(lock, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(holder) && holder > 0 && !isAlive(holder)) await rm(lock, { force: true });
      else if (Date.now() > deadline) {
        throw new VigieError('SERVICE_START_FAILED', `another vigie process (pid ${holder}) has held ${lock} for ${LOCK_WAIT_MS / 1000} s`, { where: { dataDir } });
      } else await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  try {
    return await work();
  } finally {
    await rm(lock, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
