/**
 * vigie's commands through a broker's SASL_SSL listener, as a bank's broker asks: a test CA and
 * a broker certificate made here with openssl, a client certificate the broker requires, a broker of this file's own with a second
 * listener (TLS + SASL PLAIN) beside its plaintext one, which the test uses to write and read
 * behind vigie's back. A wrong password and a CA that did not sign the broker's certificate
 * must each end the command with a clear error naming host:port, never the password.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KafkaBroker, startKafkaBroker } from '../../../src/adapters/kafka/broker.ts';
import { freshDatabase } from '../../helpers/database.ts';
import { consumeAll, createTopic, uniqueTopic } from '../../helpers/kafka.ts';
import { killAll, until, vigie } from '../../helpers/processes.ts';

const PASSWORD = 'vigie-s3cret-pw';
let dir = '';
let broker: KafkaBroker;
let secure = '';

const openssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });

/** A CA, and a certificate for 127.0.0.1 signed by it; `<name>-ca.pem`, `<name>.pem`, `<name>.key`. */
function certificates(name: string): void {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name} test CA`, '-keyout', `${name}-ca.key`, '-out', `${name}-ca.pem`);
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', `${name}.key`, '-out', `${name}.csr`);
  execFileSync('sh', ['-c', `printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > ${name}.ext`], { cwd: dir });
  openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${name}-ca.pem`, '-CAkey', `${name}-ca.key`, '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.pem`);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vigie-kafka-security-'));
  certificates('broker');
  certificates('other');
  // a client certificate signed by the broker's CA, which the broker requires (ssl.client.auth)
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=vigie', '-keyout', 'client.key', '-out', 'client.csr');
  openssl('x509', '-req', '-in', 'client.csr', '-CA', 'broker-ca.pem', '-CAkey', 'broker-ca.key', '-CAcreateserial', '-days', '2', '-out', 'client.pem');
  openssl('pkcs12', '-export', '-in', 'broker.pem', '-inkey', 'broker.key', '-out', 'broker.p12', '-passout', 'pass:keystore-pw');
  broker = await startKafkaBroker({
    dataDir: path.join(dir, 'kafka'),
    secureListener: {
      protocol: 'SASL_SSL',
      properties: {
        'ssl.keystore.type': 'PKCS12',
        'ssl.keystore.location': path.join(dir, 'broker.p12'),
        'ssl.keystore.password': 'keystore-pw',
        'ssl.client.auth': 'required',
        'ssl.truststore.type': 'PEM',
        'ssl.truststore.location': path.join(dir, 'broker-ca.pem'),
        'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
        'plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required user_vigie="${PASSWORD}";`,
        'scram-sha-256.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
        'scram-sha-512.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
      },
    },
    scramCredentials: [`SCRAM-SHA-256=[name=vigie,password=${PASSWORD}]`, `SCRAM-SHA-512=[name=vigie,password=${PASSWORD}]`],
  });
  secure = broker.secureBrokers![0]!;
}, 120_000);

afterAll(async () => {
  killAll();
  await broker?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const env = (password: string): NodeJS.ProcessEnv => {
  const e: NodeJS.ProcessEnv = { ...process.env, VIGIE_KAFKA_PASSWORD: password };
  delete e['KAFKA_BROKERS'];
  return e;
};
const security = (ca = 'broker-ca.pem', mechanism = 'plain'): string[] => [
  ...['--kafka-ca', path.join(dir, ca), '--kafka-cert', path.join(dir, 'client.pem'), '--kafka-key', path.join(dir, 'client.key')],
  ...['--kafka-sasl-mechanism', mechanism, '--kafka-username', 'vigie'],
];

describe('Kafka through SASL_SSL', () => {
  it('vigie produce transactions sends with the right password and a CA that signed the broker', async () => {
    const topic = uniqueTopic('secure-produce');
    const run = vigie(['produce', 'transactions', '--count', '5', '--rate', '100/s', '--kafka', secure, '--topic', topic, ...security()], env(PASSWORD));
    expect(await run.exit, run.output()).toBe(0);
    expect(run.output()).not.toContain(PASSWORD);
    expect(await consumeAll(broker.brokers, topic, 5)).toHaveLength(5);
  }, 90_000);

  it.each(['scram-sha-256', 'scram-sha-512'])('vigie produce transactions sends with SASL %s, the password in a file', async (mechanism) => {
    const topic = uniqueTopic('secure-scram');
    const passwordFile = path.join(dir, 'password');
    await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
    const run = vigie(['produce', 'transactions', '--count', '3', '--rate', '100/s', '--kafka', secure, '--topic', topic, ...security('broker-ca.pem', mechanism), '--kafka-password-file', passwordFile], env(''));
    expect(await run.exit, run.output()).toBe(0);
    expect(run.output()).not.toContain(PASSWORD);
    expect(await consumeAll(broker.brokers, topic, 3)).toHaveLength(3);
  }, 90_000);

  it('vigie detect transactions reads and writes its alerts through it', async () => {
    const db = await freshDatabase();
    try {
      const topic = uniqueTopic('secure-transactions');
      const alerts = uniqueTopic('secure-alerts');
      await createTopic(broker.brokers, topic, 1);
      await createTopic(broker.brokers, alerts, 1);
      const lines = Array.from({ length: 5 }, (_, i) => JSON.stringify({ id: 1000 + i, transaction_id: 10_000 + i, amount: 50_000, currency: 'XAF', timestamp: '2026-11-22 10:00:00' }));
      execFileSync('kcat', ['-P', '-b', broker.brokers[0]!, '-t', topic], { input: `${lines.join('\n')}\n` });
      const args = ['detect', 'transactions', '--topic', topic, '--alerts-topic', alerts, '--kafka', secure, '--database-url', db.url, '--data-dir', path.join(dir, 'detect'), ...security()];
      const run = vigie(args, env(PASSWORD));
      const count = async (): Promise<number> => Number((await db.pool.query('SELECT count(*) AS n FROM suspicious_transactions WHERE source = $1', [topic])).rows[0].n);
      await until('5 suspicious transactions', async () => ((await count()) >= 5 ? true : undefined), 60_000);
      const alerted = await consumeAll(broker.brokers, alerts, 5);
      expect(alerted).toHaveLength(5);
      // the password is in none of the places a user or a scraper reads
      const dashboard = /Dashboard: (http:\/\/127\.0\.0\.1:\d+)/.exec(run.output())![1]!;
      const metrics = await (await fetch(`${dashboard}/metrics`)).text();
      expect(metrics).toMatch(/vigie_records_in_total/);
      run.proc.kill('SIGTERM');
      await run.exit;
      const logs = path.join(dir, 'detect', 'logs');
      const logged = (await readdir(logs)).map((name) => readFileSync(path.join(logs, name), 'latin1')).join('\n');
      for (const [place, text] of Object.entries({ output: run.output(), metrics, logs: logged, alerts: JSON.stringify(alerted), rows: JSON.stringify((await db.pool.query('SELECT * FROM suspicious_transactions')).rows) })) {
        expect(text.length, place).toBeGreaterThan(0);
        expect(text.includes(PASSWORD), `the Kafka password in ${place}`).toBe(false);
      }
    } finally {
      await db.drop();
    }
  }, 120_000);

  it('a wrong password is a clear error naming host:port, never the password', async () => {
    const run = vigie(['produce', 'transactions', '--count', '1', '--kafka', secure, '--topic', uniqueTopic('secure-wrong'), ...security()], env('wrong-Pa55word'));
    const code = await run.exit;
    expect(code, run.output()).not.toBe(0);
    expect(run.output()).toContain(secure);
    expect(run.output()).toMatch(/authentication failed/i);
    expect(run.output()).not.toContain('wrong-Pa55word');
  }, 90_000);

  it('a CA that did not sign the broker certificate is a clear error', async () => {
    const run = vigie(['produce', 'transactions', '--count', '1', '--kafka', secure, '--topic', uniqueTopic('secure-untrusted'), ...security('other-ca.pem')], env(PASSWORD));
    const code = await run.exit;
    expect(code, run.output()).not.toBe(0);
    expect(run.output()).toContain(secure);
    expect(run.output()).toMatch(/certificate is not trusted: see --kafka-ca/);
    expect(run.output()).not.toContain(PASSWORD);
  }, 90_000);

  it.each([
    ['a wrong password', PASSWORD.toUpperCase(), 'broker-ca.pem', /authentication failed/i],
    ['an untrusted certificate', PASSWORD, 'other-ca.pem', /certificate is not trusted/],
  ])('vigie detect transactions ends on %s with a clear error naming host:port', async (_what, password, ca, why) => {
    const db = await freshDatabase();
    try {
      const args = ['detect', 'transactions', '--topic', uniqueTopic('secure-refused'), '--kafka', secure, '--database-url', db.url, '--data-dir', path.join(dir, 'refused'), ...security(ca)];
      const run = vigie(args, env(password));
      const code = await run.exit;
      expect(code, run.output()).not.toBe(0);
      expect(run.output()).toContain(secure);
      expect(run.output()).toMatch(why);
      expect(run.output()).not.toContain(password);
    } finally {
      await db.drop();
    }
  }, 90_000);

  it('without the client certificate the broker requires, a clear error', async () => {
    const args = ['produce', 'transactions', '--count', '1', '--kafka', secure, '--topic', uniqueTopic('secure-nocert'), '--kafka-ca', path.join(dir, 'broker-ca.pem')];
    const run = vigie([...args, '--kafka-sasl-mechanism', 'plain', '--kafka-username', 'vigie'], env(PASSWORD));
    const code = await run.exit;
    expect(code, run.output()).not.toBe(0);
    expect(run.output()).toContain(secure);
    expect(run.output()).toMatch(/the broker refused our certificate: see --kafka-cert/);
  }, 90_000);
});
