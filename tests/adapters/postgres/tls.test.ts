/**
 * TLS to the user's PostgreSQL: a real server started with `ssl=on` and a certificate signed by a
 * CA made here with openssl; vigie verifies it with that CA, refuses it with another, and says
 * which server refused what, never the password.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueTopic } from '../../helpers/kafka.ts';
import { killAll, until, vigie } from '../../helpers/processes.ts';
import { type DatabaseTls, openDatabase } from '../../../src/adapters/postgres/connect.ts';
import { type EmbeddedPostgresServer, startEmbeddedPostgres } from '../../../src/adapters/postgres/embeddedPostgres.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vigie-pg-tls-'));
chmodSync(dir, 0o755);
const file = (name: string): string => path.join(dir, name);
const openssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

/** A CA, and a certificate for 127.0.0.1 signed by it. */
function certificates(name: string): void {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}-ca.key`, '-out', `${name}-ca.pem`, '-days', '2', '-subj', `/CN=vigie test CA ${name}`);
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}-server.key`, '-out', `${name}-server.csr`, '-subj', '/CN=127.0.0.1');
  writeFileSync(file('ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  openssl('x509', '-req', '-in', `${name}-server.csr`, '-CA', `${name}-ca.pem`, '-CAkey', `${name}-ca.key`, '-CAcreateserial', '-out', `${name}-server.pem`, '-days', '2', '-extfile', 'ext.cnf');
}

let server: EmbeddedPostgresServer;
beforeAll(async () => {
  certificates('bank');
  certificates('other');
  // PostgreSQL runs as `postgres` when vigie runs as root, and wants its key private
  chmodSync(file('bank-server.key'), 0o600);
  if (process.getuid?.() === 0) {
    const id = (flag: string): number => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }));
    for (const name of ['bank-server.key', 'bank-server.pem']) chownSync(file(name), id('-u'), id('-g'));
  }
  server = await startEmbeddedPostgres({
    dataDir: file('cluster'),
    settings: { ssl: 'on', ssl_cert_file: file('bank-server.pem'), ssl_key_file: file('bank-server.key') },
  });
}, 120_000);
afterAll(async () => {
  killAll();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const password = (): string => decodeURIComponent(new URL(server.url).password);
const open = (url: string, tls: DatabaseTls) => openDatabase({ databaseUrl: url, dataDir: dir, tls });

describe('TLS to PostgreSQL', () => {
  it('verifies the server with the CA given, host name included, and its connections are encrypted', async () => {
    const db = await open(server.url, { mode: 'verify-full', ca: file('bank-ca.pem') });
    try {
      const { rows } = await db.pool.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      expect(rows[0]?.ssl).toBe(true);
    } finally {
      await db.close();
    }
  });

  it('refuses a server whose certificate another CA signed, saying which server, never the password', async () => {
    const refused = await open(server.url, { mode: 'verify-full', ca: file('other-ca.pem') }).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(refused?.message).toMatch(/^PostgreSQL at 127\.0\.0\.1:\d+: its TLS certificate is not trusted \(.+\); give the CA that signs it \(--database-ca\)/);
    expect(refused?.message).not.toContain(password());
  });

  it('refuses a wrong password with a clear error, naming the server and not the password tried', async () => {
    const url = new URL(server.url);
    url.password = 'not-the-password-4f7c';
    const refused = await open(url.toString(), { mode: 'verify-full', ca: file('bank-ca.pem') }).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(refused?.message).toMatch(/^PostgreSQL at 127\.0\.0\.1:\d+ refused the credentials/);
    expect(refused?.message).not.toContain('not-the-password-4f7c');
  });

  it('says which file it cannot read, before connecting', async () => {
    await expect(open(server.url, { mode: 'verify-full', ca: file('missing-ca.pem') })).rejects.toThrow(/cannot read .*missing-ca\.pem/);
    await expect(open(server.url, { mode: 'require', cert: file('bank-server.pem') })).rejects.toThrow(/a client certificate needs its key/);
  });

  it('vigie detect transactions writes through TLS with --database-ca, every connection encrypted', async () => {
    const brokers = inject('kafkaBrokers');
    const topic = uniqueTopic('transaction');
    const transactions = Array.from({ length: 5 }, (_, i) => JSON.stringify({ id: 7, transaction_id: 100 + i, amount: 20_000 + i, currency: 'XAF', timestamp: '2026-12-04 05:00:00' }));
    execFileSync('kcat', ['-P', '-b', brokers.join(','), '-t', topic], { input: `${transactions.join('\n')}\n` });
    const args = ['detect', 'transactions', '--topic', topic, '--kafka', brokers.join(','), '--from', 'earliest', '--rules', 'amount', '--data-dir', file('run'), '--database-ca', file('bank-ca.pem')];
    const detect = vigie(args, { ...process.env, DATABASE_URL: server.url, VIGIE_DASHBOARD_TOKEN: '' });
    const plain = new pg.Client({ connectionString: server.url });
    await plain.connect();
    try {
      await until('its rows', async () => {
        const { rows } = await plain.query<{ n: string }>('SELECT count(*) AS n FROM suspicious_transactions WHERE source = $1', [topic]).catch(() => ({ rows: [{ n: '0' }] }));
        return Number(rows[0]?.n) === 5 ? true : undefined;
      }, 60_000);
      const { rows } = await plain.query<{ ssl: boolean }>(
        "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.datname = 'vigie' AND a.pid <> pg_backend_pid() AND a.backend_type = 'client backend'",
      );
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => r.ssl)).toBe(true);
    } finally {
      await plain.end();
    }
    detect.proc.kill('SIGTERM');
    expect(await detect.exit, detect.output()).toBe(0);
    expect(detect.output()).not.toContain(password());
  }, 120_000);
});
