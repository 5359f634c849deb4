/**
 * How vigie's Kafka clients reach a secured broker: TLS (a CA, a client certificate, the name the
 * broker's certificate must carry) and SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512).
 *
 * Plain data (PEM text, no functions), so the producer thread receives it through `workerData`
 * as the main thread has it; {@link kafkaSecurityConfig} turns it into kafkajs's `ssl` and `sasl`.
 * Whatever holds one must never print it whole: it carries the password.
 */
import type { KafkaConfig } from 'kafkajs';

export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

export interface KafkaTls {
  /** PEM; without it the system's trusted CAs. */
  readonly ca?: string;
  /** PEM client certificate and key, for brokers that ask for one (ssl.client.auth=required). */
  readonly cert?: string;
  readonly key?: string;
  /** The name the broker's certificate must carry when it is not the host dialled (an IP address, a tunnel). */
  readonly servername?: string;
}

export interface KafkaSasl {
  readonly mechanism: SaslMechanism;
  readonly username: string;
  readonly password: string;
}

export interface KafkaSecurity {
  readonly tls?: KafkaTls;
  readonly sasl?: KafkaSasl;
}

/** kafkajs's `ssl` and `sasl` for {@link KafkaSecurity}; nothing for a plaintext broker. */
export function kafkaSecurityConfig(security: KafkaSecurity | undefined): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const { tls, sasl } = security ?? {};
  return {
    // certificates are always verified: a broker that cannot prove who it is gets no password
    ...(tls && { ssl: { rejectUnauthorized: true, ...tls } }),
    ...(sasl && { sasl: { ...sasl } as KafkaConfig['sasl'] }),
  };
}
