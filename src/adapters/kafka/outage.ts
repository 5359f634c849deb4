/**
 * Whether a kafkajs error means "the brokers are away" (wait and try again, for ever if need be)
 * rather than "this cannot work" (a record too large, a denied topic). kafkajs wraps the fault
 * that made it give up (`KafkaJSNumberOfRetriesExceeded`, `KafkaJSNonRetriableError` around a
 * refused connection), so the whole cause chain is looked at, not the outer error's flag.
 */
import { VigieError } from '../../errors.ts';

const BROKER_AWAY = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSLockTimeout',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSNumberOfRetriesExceeded',
]);

/**
 * Node's codes for a broker certificate that TLS refused (not signed by the CA given, expired,
 * for another name): kafkajs reports them as connection errors, but no wait will cure them.
 */
const CERTIFICATE_REFUSED = /^(ERR_TLS_CERT_ALTNAME_INVALID|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_(VERIFY_LEAF_SIGNATURE|GET_ISSUER_CERT(_LOCALLY)?)|CERT_[A-Z_]+)$/;

function certificateRefused(error: unknown): boolean {
  for (let e = error as { code?: unknown; cause?: unknown } | null, depth = 0; e && depth < 10; depth++) {
    if (CERTIFICATE_REFUSED.test(String(e.code))) return true;
    e = e.cause as typeof e;
  }
  return false;
}

/** A producer's failed connect, naming the brokers (never credentials), with a hint when TLS refused their certificate. */
export function connectFailed(brokers: readonly string[], cause: unknown): VigieError {
  const hint = certificateRefused(cause) ? ' (the broker\'s certificate is not trusted: see --kafka-ca and --kafka-tls-servername)' : '';
  const message = `cannot reach Kafka at ${brokers.join(',')}: ${(cause as Error)?.message ?? cause}${hint}`;
  return new VigieError('KAFKA_UNAVAILABLE', message, { cause, retriable: isKafkaOutage(cause) });
}

export function isKafkaOutage(error: unknown): boolean {
  if (certificateRefused(error)) return false;
  for (let e = error as { name?: unknown; retriable?: unknown; cause?: unknown } | null, depth = 0; e && depth < 10; depth++) {
    if (e.retriable === true || BROKER_AWAY.has(String(e.name))) return true;
    e = e.cause as typeof e;
  }
  return false;
}
