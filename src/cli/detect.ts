/**
 * `vigie detect sensors|transactions`: a flow fed by Kafka, its results in PostgreSQL (exactly
 * once, keyed by the records' coordinates) and in logs, offsets committed only for what is
 * written. Stopping drains: fetching stops, what is in flight is written and acknowledged, the
 * offsets are committed, then the consumer leaves its group. Each flow is wired in a module of
 * its own; what they share is in detectSource.ts.
 */
import type { DetectConfig } from './detectSource.ts';
import { detectSensors } from './detectSensors.ts';
import { detectTransactions } from './detectTransactions.ts';
import type { Running } from './running.ts';

export type { DetectConfig } from './detectSource.ts';
export { ALERT_ID_HEADER, alertId } from './detectTransactions.ts';

export function detect(config: DetectConfig, log: (line: string) => void): Promise<Running> {
  return config.kind === 'sensors' ? detectSensors(config, log) : detectTransactions(config, log);
}
