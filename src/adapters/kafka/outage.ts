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
 * Node's codes for a certificate that TLS refused, the broker's here (not signed by the CA given,
 * expired, for another name) or ours there (an alert: none given, or one it does not trust):
 * kafkajs reports them as connection errors, but no wait will cure them.
 */
const THEIRS_REFUSED = /^(ERR_TLS_CERT_ALTNAME_INVALID|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_(VERIFY_LEAF_SIGNATURE|GET_ISSUER_CERT(_LOCALLY)?)|CERT_[A-Z_]+)$/;
const OURS_REFUSED = /^ERR_SSL_(SSLV3|TLSV1\d?)_ALERT_(BAD_CERTIFICATE|CERTIFICATE_REQUIRED|UNKNOWN_CA|CERTIFICATE_UNKNOWN|UNSUPPORTED_CERTIFICATE|CERTIFICATE_EXPIRED|CERTIFICATE_REVOKED|ACCESS_DENIED)$/;

function certificateRefused(error: unknown): 'theirs' | 'ours' | undefined {
  for (let e = error as { code?: unknown; cause?: unknown } | null, depth = 0; e && depth < 10; depth++) {
    if (THEIRS_REFUSED.test(String(e.code))) return 'theirs';
    if (OURS_REFUSED.test(String(e.code))) return 'ours';
    e = e.cause as typeof e;
  }
  return undefined;
}

const HINTS = {
  theirs: " (the broker's certificate is not trusted: see --kafka-ca and --kafka-tls-servername)",
  ours: ' (the broker refused our certificate: see --kafka-cert and --kafka-key)',
};

/** A producer's failed connect, naming the brokers (never credentials), with a hint when TLS refused a certificate. */
export function connectFailed(brokers: readonly string[], cause: unknown): VigieError {
  const refused = certificateRefused(cause);
  const hint = refused ? HINTS[refused] : '';
  const message = `cannot reach Kafka at ${brokers.join(',')}: ${(cause as Error)?.message ?? cause}${hint}`;
  return new VigieError('KAFKA_UNAVAILABLE', message, { cause, retriable: isKafkaOutage(cause) });
}

export function isKafkaOutage(error: unknown): boolean {
  if (certificateRefused(error) !== undefined) return false;
  for (let e = error as { name?: unknown; retriable?: unknown; cause?: unknown } | null, depth = 0; e && depth < 10; depth++) {
    if (e.retriable === true || BROKER_AWAY.has(String(e.name))) return true;
    e = e.cause as typeof e;
  }
  return false;
}
