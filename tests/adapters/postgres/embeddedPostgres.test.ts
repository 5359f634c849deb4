/**
 * The embedded server as vigie relies on it: reachable from this machine only, its cluster and
 * password kept across restarts, a lock file left by a killed run no obstacle, and no password in
 * what gets printed.
 */
import { execFileSync, spawn } from 'node:child_process';
import { type FSWatcher, readFileSync, statSync, watch } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/adapters/postgres/connect.ts';
import { passwordFile, redactUrl, startEmbeddedPostgres } from '../../../src/adapters/postgres/embeddedPostgres.ts';
import { migrations } from '../../../src/adapters/postgres/migrations.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'vigie-embedded-'));
  await chmod(root, 0o755);
});
afterAll(() => rm(root, { recursive: true, force: true }));

async function query<R extends pg.QueryResultRow>(url: string, sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('startEmbeddedPostgres', () => {
  it('listens on 127.0.0.1 only, keeps data and password across restarts, never logs the password', async () => {
    const dataDir = path.join(root, 'cluster');
    const log: string[] = [];
    const first = await startEmbeddedPostgres({ dataDir, log: (m) => log.push(m) });
    const password = new URL(first.url).password;
    try {
      expect(password.length).toBeGreaterThanOrEqual(32);
      expect(await query(first.url, 'SHOW listen_addresses')).toEqual([{ listen_addresses: '127.0.0.1' }]);
      await query(first.url, 'CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)');
    } finally {
      await first.stop();
    }
    expect((await stat(passwordFile(dataDir))).mode & 0o777).toBe(0o600);

    const second = await startEmbeddedPostgres({ dataDir, log: (m) => log.push(m) });
    try {
      expect(new URL(second.url).password).toBe(password);
      expect(await query(second.url, 'SELECT n FROM kept')).toEqual([{ n: 42 }]);
    } finally {
      await second.stop();
    }
    expect(log.length).toBeGreaterThan(0);
    expect(log.join('\n')).not.toContain(password);
  });

  it('starts over a postmaster.pid left by a killed run whose pid now belongs to another process', async () => {
    const dataDir = path.join(root, 'stale');
    const server = await startEmbeddedPostgres({ dataDir });
    const lockFile = path.join(dataDir, 'postmaster.pid');
    const lock = await readFile(lockFile, 'utf8');
    await server.stop();
    const squatter = spawn('sleep', ['30']); // alive, not postgres: what PostgreSQL alone refuses
    try {
      await writeFile(lockFile, lock.replace(/^\d+/, String(squatter.pid)));
      const again = await startEmbeddedPostgres({ dataDir, port: server.port });
      try {
        expect(await query(again.url, 'SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
      } finally {
        await again.stop();
      }
    } finally {
      squatter.kill();
    }
  });

  it('starts with the server settings asked for, and keeps listening on 127.0.0.1 only', async () => {
    const dataDir = path.join(root, 'settings');
    await expect(startEmbeddedPostgres({ dataDir, settings: { listen_addresses: '*' } })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    const server = await startEmbeddedPostgres({ dataDir, settings: { track_commit_timestamp: 'on' } });
    try {
      expect(await query(server.url, 'SHOW track_commit_timestamp')).toEqual([{ track_commit_timestamp: 'on' }]);
      expect(await query(server.url, 'SHOW listen_addresses')).toEqual([{ listen_addresses: '127.0.0.1' }]);
    } finally {
      await server.stop();
    }
  });

  it('refuses to start a second server on a directory in use', async () => {
    const dataDir = path.join(root, 'busy');
    const server = await startEmbeddedPostgres({ dataDir });
    try {
      await expect(startEmbeddedPostgres({ dataDir })).rejects.toMatchObject({ code: 'SERVICE_START_FAILED' });
    } finally {
      await server.stop();
    }
  });
});

describe('startEmbeddedPostgres, as a terminal and a shared machine see it', () => {
  it('runs the server in a session of its own, so a Ctrl-C in the terminal does not reach it', async () => {
    const server = await startEmbeddedPostgres({ dataDir: path.join(root, 'session') });
    try {
      const pid = Number((await readFile(path.join(root, 'session', 'postmaster.pid'), 'utf8')).split('\n')[0]);
      expect(sessionOf(pid)).toBe(pid); // its own session leader, hence its own process group
      expect(sessionOf(pid)).not.toBe(sessionOf(process.pid));
    } finally {
      await server.stop();
    }
  });

  it('stops the server when its process exits early (a second Ctrl-C), though signals no longer reach it', async () => {
    const dataDir = path.join(root, 'early-exit');
    const script = `
      const { startEmbeddedPostgres } = await import(${JSON.stringify(new URL('../../../src/adapters/postgres/embeddedPostgres.ts', import.meta.url).pathname)});
      const { readFileSync } = await import('node:fs');
      await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)} });
      console.log(readFileSync(${JSON.stringify(path.join(dataDir, 'postmaster.pid'))}, 'utf8').split('\\n')[0]);
      process.exit(130);
    `;
    let pid = 0;
    try {
      execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    } catch (error) {
      pid = Number((error as { stdout: string }).stdout.trim()); // it exits 130, as after a second Ctrl-C
    }
    expect(pid).toBeGreaterThan(0);
    for (const deadline = Date.now() + 10_000; running(pid); ) {
      if (Date.now() > deadline) throw new Error(`the server (pid ${pid}) still runs after its process exited`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  it('never lets others read a file holding the password, even while the cluster is created', async () => {
    const dataDir = path.join(root, 'secret');
    const watched = [tmpdir(), root];
    const exposed: string[] = [];
    const seen = new Set<string>();
    const check = (dir: string, name: string | null): void => {
      if (!name) return;
      const file = path.join(dir, name);
      try {
        if ((statSync(file).mode & 0o004) !== 0) seen.add(`${file}\0${readFileSync(file, 'utf8')}`);
      } catch {
        // gone already, or a directory
      }
    };
    const watchers: FSWatcher[] = watched.map((dir) => watch(dir, (_, name) => check(dir, name)));
    let password = '';
    try {
      const server = await startEmbeddedPostgres({ dataDir });
      password = new URL(server.url).password;
      await server.stop();
    } finally {
      for (const w of watchers) w.close();
    }
    for (const entry of seen) if (entry.includes(password)) exposed.push(entry.split('\0')[0]!);
    expect(exposed).toEqual([]);
  });

  it('does nothing when imported: no process listeners added or removed', () => {
    const script = `
      const events = ['SIGINT', 'SIGTERM', 'exit', 'beforeExit', 'uncaughtException', 'unhandledRejection'];
      const count = () => events.map((e) => process.listenerCount(e)).join(',');
      const before = count();
      await import(${JSON.stringify(new URL('../../../src/adapters/postgres/embeddedPostgres.ts', import.meta.url).pathname)});
      console.log(before === count() ? 'unchanged' : before + ' -> ' + count());
    `;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(out.trim()).toBe('unchanged');
  });
});

/** Running, not a zombie left for a reaper. */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** The session id of a process, from /proc. */
function sessionOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return Number(fields[3]); // state ppid pgrp session
}

describe('openDatabase', () => {
  it('starts an embedded server under <dataDir>/postgres, migrates it, and prints no password', async () => {
    const dataDir = path.join(root, 'app');
    const db = await openDatabase({ dataDir });
    try {
      expect(db.embedded).toBe(true);
      expect(db.url).toMatch(/^postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/vigie$/);
      const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM vigie_migrations');
      expect(rows).toEqual([{ n: migrations.length }]);
    } finally {
      await db.close();
    }
    expect((await stat(path.join(dataDir, 'postgres', 'PG_VERSION'))).isFile()).toBe(true);
  });
});

describe('redactUrl', () => {
  it('masks the password and keeps the rest', () => {
    expect(redactUrl('postgres://postgres:s3cr3t@127.0.0.1:5432/vigie')).toBe('postgres://postgres:***@127.0.0.1:5432/vigie');
    expect(redactUrl('postgres://127.0.0.1/vigie')).toBe('postgres://127.0.0.1/vigie');
    expect(redactUrl('postgres://user:s3cr3t@[bad/db')).toBe('postgres://user:***@[bad/db');
    expect(redactUrl("host=db user=u password='s3 cr3t' dbname=v")).toBe('host=db user=u password=*** dbname=v');
  });
});
