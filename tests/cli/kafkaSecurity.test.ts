import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { kafkaSecurityConfig } from '../../src/adapters/kafka/security.ts';
import { addSettingOptions } from '../../src/cli/config.ts';
import { KAFKA_SECURITY_SETTINGS, resolveKafkaSecurity } from '../../src/cli/kafkaSecurity.ts';

const dir = mkdtempSync(join(tmpdir(), 'vigie-kafka-security-'));
const file = (name: string, content: string): string => {
  const path = join(dir, name);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
};
const ca = file('ca.pem', 'CA PEM');
const cert = file('cert.pem', 'CERT PEM');
const key = file('key.pem', 'KEY PEM');
const passwordFile = file('password', 'file-s3cret\n');

/** The flags as commander gives them, from a command line. */
const parse = (...args: string[]): Record<string, unknown> =>
  addSettingOptions(new Command(), KAFKA_SECURITY_SETTINGS).exitOverride().parse(args, { from: 'user' }).opts();

const problem = (flags: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): string => {
  try {
    resolveKafkaSecurity(flags, env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected CONFIG_INVALID');
};

describe('resolveKafkaSecurity', () => {
  it('is plaintext and unauthenticated by default', () => {
    expect(resolveKafkaSecurity(parse(), {})).toEqual({});
    expect(kafkaSecurityConfig({})).toEqual({});
  });

  it('reads TLS and SASL from flags, the files read, the password from VIGIE_KAFKA_PASSWORD', () => {
    const flags = parse('--kafka-ca', ca, '--kafka-cert', cert, '--kafka-key', key, '--kafka-tls-servername', 'broker.test', '--kafka-sasl-mechanism', 'scram-sha-512', '--kafka-username', 'vigie');
    const security = resolveKafkaSecurity(flags, { VIGIE_KAFKA_PASSWORD: 'env-s3cret' });
    expect(security).toEqual({
      tls: { ca: 'CA PEM', cert: 'CERT PEM', key: 'KEY PEM', servername: 'broker.test' },
      sasl: { mechanism: 'scram-sha-512', username: 'vigie', password: 'env-s3cret' },
    });
    expect(kafkaSecurityConfig(security)).toEqual({
      ssl: { rejectUnauthorized: true, ca: 'CA PEM', cert: 'CERT PEM', key: 'KEY PEM', servername: 'broker.test' },
      sasl: { mechanism: 'scram-sha-512', username: 'vigie', password: 'env-s3cret' },
    });
  });

  it('reads the same from the environment, the password from a file without its newline', () => {
    const security = resolveKafkaSecurity(parse(), {
      VIGIE_KAFKA_TLS: 'true',
      VIGIE_KAFKA_SASL_MECHANISM: 'plain',
      VIGIE_KAFKA_USERNAME: 'vigie',
      VIGIE_KAFKA_PASSWORD_FILE: passwordFile,
    });
    expect(security).toEqual({ tls: {}, sasl: { mechanism: 'plain', username: 'vigie', password: 'file-s3cret' } });
    // TLS with the system's CAs: kafkajs gets an ssl object, certificates still checked
    expect(kafkaSecurityConfig(security).ssl).toEqual({ rejectUnauthorized: true });
  });

  it('turns TLS on with a CA alone, and takes a flag over the environment', () => {
    expect(resolveKafkaSecurity(parse('--kafka-ca', ca), { VIGIE_KAFKA_CA: '/nowhere' })).toEqual({ tls: { ca: 'CA PEM' } });
  });

  it('refuses a key without its certificate, and a certificate without its key, naming the flags', () => {
    expect(problem(parse('--kafka-key', key))).toMatch(/--kafka-key: a client key needs its certificate, --kafka-cert/);
    expect(problem(parse('--kafka-cert', cert))).toMatch(/--kafka-cert: a client certificate needs its private key, --kafka-key/);
  });

  it('refuses a SASL mechanism without a user name or a password, and a user name without a mechanism', () => {
    expect(problem(parse('--kafka-sasl-mechanism', 'plain'), { VIGIE_KAFKA_PASSWORD: 'x' })).toMatch(/--kafka-sasl-mechanism: needs a user name, --kafka-username/);
    expect(problem(parse('--kafka-sasl-mechanism', 'plain', '--kafka-username', 'u'))).toMatch(/--kafka-sasl-mechanism: needs a password, in VIGIE_KAFKA_PASSWORD or --kafka-password-file/);
    expect(problem(parse('--kafka-username', 'u'), { VIGIE_KAFKA_PASSWORD: 'x' })).toMatch(/--kafka-username: needs --kafka-sasl-mechanism/);
  });

  it('refuses an unknown mechanism, a password given twice or without SASL, an unreadable file', () => {
    expect(problem(parse('--kafka-sasl-mechanism', 'gssapi', '--kafka-username', 'u'), { VIGIE_KAFKA_PASSWORD: 'x' })).toMatch(/--kafka-sasl-mechanism: .*got "gssapi"/);
    expect(problem(parse('--kafka-sasl-mechanism', 'plain', '--kafka-username', 'u', '--kafka-password-file', passwordFile), { VIGIE_KAFKA_PASSWORD: 'x' })).toMatch(
      /--kafka-password-file: give the password once/,
    );
    expect(problem(parse(), { VIGIE_KAFKA_PASSWORD: 'x' })).toMatch(/--kafka-sasl-mechanism: a Kafka password is given \(VIGIE_KAFKA_PASSWORD\) but no SASL mechanism/);
    expect(problem(parse('--kafka-ca', join(dir, 'missing.pem')))).toMatch(/--kafka-ca: cannot read ".*missing.pem" \(ENOENT\)/);
    expect(problem(parse('--kafka-tls-servername', 'b.test'))).toMatch(/--kafka-tls-servername: only means something with TLS/);
  });

  it('never quotes the password nor a file it read, whatever is wrong', () => {
    const messages = [
      problem(parse('--kafka-key', passwordFile, '--kafka-sasl-mechanism', 'plain', '--kafka-username', 'u', '--kafka-password-file', passwordFile), { VIGIE_KAFKA_PASSWORD: 'env-s3cret' }),
      problem(parse('--kafka-username', 'u'), { VIGIE_KAFKA_PASSWORD: 'env-s3cret' }),
    ];
    for (const message of messages) {
      expect(message).not.toContain('s3cret');
      expect(message).toMatch(/^invalid Kafka security settings:/);
    }
  });
});
