/**
 * Whether a kafkajs error means "the brokers are away" (wait and try again, for ever if need be)
 * rather than "this cannot work" (a record too large, a denied topic). kafkajs wraps the fault
 * that made it give up (`KafkaJSNumberOfRetriesExceeded`, `KafkaJSNonRetriableError` around a
 * refused connection), so the whole cause chain is looked at, not the outer error's flag.
 */
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

export function isKafkaOutage(error: unknown): boolean {
  for (let e = error as { name?: unknown; retriable?: unknown; cause?: unknown } | null, depth = 0; e && depth < 10; depth++) {
    if (e.retriable === true || BROKER_AWAY.has(String(e.name))) return true;
    e = e.cause as typeof e;
  }
  return false;
}
