/**
 * The Kafka TLS and SASL settings every command that talks to Kafka takes (detect, produce,
 * bridge). The password has no flag, so it never shows in `ps` or a shell's history: it comes
 * from VIGIE_KAFKA_PASSWORD or from a file, and no message ever quotes it.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { VigieError } from '../errors.ts';
import { type KafkaSecurity, type KafkaTls, SASL_MECHANISMS } from '../adapters/kafka/security.ts';
import { type Setting, resolveSettings } from './config.ts';

export const PASSWORD_ENV = 'VIGIE_KAFKA_PASSWORD';

const file = z.string().min(1).optional();

export const KAFKA_SECURITY_SETTINGS = {
  kafkaTls: {
    flag: '--kafka-tls',
    env: 'VIGIE_KAFKA_TLS',
    schema: z.union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((s) => s === 'true' || s === '1')]).optional(),
    description: 'connect to Kafka with TLS, trusting the system CAs unless --kafka-ca is given (implied by --kafka-ca, --kafka-cert)',
  },
  kafkaCa: { flag: '--kafka-ca <file>', env: 'VIGIE_KAFKA_CA', schema: file, description: "PEM file of the CA that signed the brokers' certificates (turns TLS on)" },
  kafkaCert: { flag: '--kafka-cert <file>', env: 'VIGIE_KAFKA_CERT', schema: file, description: 'PEM client certificate, for brokers that require one (with --kafka-key)' },
  kafkaKey: { flag: '--kafka-key <file>', env: 'VIGIE_KAFKA_KEY', schema: file, description: "PEM private key of --kafka-cert" },
  kafkaServername: {
    flag: '--kafka-tls-servername <name>',
    env: 'VIGIE_KAFKA_TLS_SERVERNAME',
    schema: z.string().min(1).optional(),
    description: "the name the brokers' certificates must carry, when it is not the host in --kafka (an IP address, a tunnel)",
  },
  kafkaSaslMechanism: {
    flag: '--kafka-sasl-mechanism <name>',
    env: 'VIGIE_KAFKA_SASL_MECHANISM',
    schema: z.enum(SASL_MECHANISMS).optional(),
    description: `SASL authentication, one of ${SASL_MECHANISMS.join(', ')} (needs --kafka-username and a password)`,
  },
  kafkaUsername: { flag: '--kafka-username <name>', env: 'VIGIE_KAFKA_USERNAME', schema: z.string().min(1).optional(), description: 'SASL user name' },
  kafkaPasswordFile: {
    flag: '--kafka-password-file <file>',
    env: 'VIGIE_KAFKA_PASSWORD_FILE',
    schema: file,
    description: `file holding the SASL password (one line); or set ${PASSWORD_ENV}. There is no password flag`,
  },
} satisfies Record<string, Setting>;

interface Resolved {
  readonly kafkaTls?: boolean;
  readonly kafkaCa?: string;
  readonly kafkaCert?: string;
  readonly kafkaKey?: string;
  readonly kafkaServername?: string;
  readonly kafkaSaslMechanism?: (typeof SASL_MECHANISMS)[number];
  readonly kafkaUsername?: string;
  readonly kafkaPasswordFile?: string;
}

/**
 * The settings above, from flags over the environment, their files read. Throws CONFIG_INVALID
 * listing every problem, each naming its flag; never the password, nor a file's content.
 */
export function resolveKafkaSecurity(
  flags: object,
  env: NodeJS.ProcessEnv,
  read: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): KafkaSecurity {
  const s = resolveSettings(KAFKA_SECURITY_SETTINGS, flags as Record<string, string | undefined>, env) as Resolved;
  const problems: string[] = [];
  const load = (path: string | undefined, flag: string): string | undefined => {
    if (path === undefined) return undefined;
    try {
      return read(path);
    } catch (error) {
      problems.push(`${flag}: cannot read ${JSON.stringify(path)} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      return undefined;
    }
  };
  if (s.kafkaKey !== undefined && s.kafkaCert === undefined) problems.push('--kafka-key: a client key needs its certificate, --kafka-cert');
  if (s.kafkaCert !== undefined && s.kafkaKey === undefined) problems.push('--kafka-cert: a client certificate needs its private key, --kafka-key');
  const tlsOn = s.kafkaTls === true || s.kafkaCa !== undefined || s.kafkaCert !== undefined;
  if (s.kafkaTls === false && (s.kafkaCa !== undefined || s.kafkaCert !== undefined)) problems.push('--kafka-tls: off, yet --kafka-ca or --kafka-cert is given');
  if (!tlsOn && s.kafkaServername !== undefined) problems.push('--kafka-tls-servername: only means something with TLS (--kafka-tls or --kafka-ca)');
  const tls: KafkaTls = {
    ...(s.kafkaCa !== undefined && { ca: load(s.kafkaCa, '--kafka-ca') }),
    ...(s.kafkaCert !== undefined && { cert: load(s.kafkaCert, '--kafka-cert') }),
    ...(s.kafkaKey !== undefined && { key: load(s.kafkaKey, '--kafka-key') }),
    ...(s.kafkaServername !== undefined && { servername: s.kafkaServername }),
  };

  const envPassword = env[PASSWORD_ENV] === '' ? undefined : env[PASSWORD_ENV];
  const saslAsked = s.kafkaSaslMechanism !== undefined;
  if (saslAsked && s.kafkaUsername === undefined) problems.push('--kafka-sasl-mechanism: needs a user name, --kafka-username');
  if (!saslAsked && s.kafkaUsername !== undefined) problems.push(`--kafka-username: needs --kafka-sasl-mechanism (${SASL_MECHANISMS.join(', ')})`);
  if (!saslAsked && (envPassword !== undefined || s.kafkaPasswordFile !== undefined)) {
    problems.push(`--kafka-sasl-mechanism: a Kafka password is given (${s.kafkaPasswordFile !== undefined ? '--kafka-password-file' : PASSWORD_ENV}) but no SASL mechanism`);
  }
  if (envPassword !== undefined && s.kafkaPasswordFile !== undefined) problems.push(`--kafka-password-file: give the password once, not also in ${PASSWORD_ENV}`);
  if (saslAsked && envPassword === undefined && s.kafkaPasswordFile === undefined) problems.push(`--kafka-sasl-mechanism: needs a password, in ${PASSWORD_ENV} or --kafka-password-file`);
  // a password file ends with a newline more often than a password does
  const password = envPassword ?? load(s.kafkaPasswordFile, '--kafka-password-file')?.replace(/\r?\n$/, '');
  if (s.kafkaPasswordFile !== undefined && password === '') problems.push('--kafka-password-file: the file is empty');

  if (problems.length > 0) throw new VigieError('CONFIG_INVALID', `invalid Kafka security settings:\n  ${problems.join('\n  ')}`);
  return {
    ...(tlsOn && { tls }),
    ...(saslAsked && { sasl: { mechanism: s.kafkaSaslMechanism!, username: s.kafkaUsername!, password: password! } }),
  };
}
