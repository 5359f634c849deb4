/**
 * The fraud benchmark's consumer of the alerts topic. On a broker kept between runs the topic
 * holds every earlier run's alerts: read from its start, they came first and this run's alerts
 * arrived seconds late, timed as vigie's latency (p99 of 8 s at 1 000/s, rows 0.2 s).
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { type AlertWatch, watchAlerts } from '../../bench/fraud/alerts.ts';
import { createTopic, produceAll, uniqueTopic } from '../helpers/kafka.ts';
import { until } from '../helpers/processes.ts';

const brokers = inject('kafkaBrokers');
const alert = (id: string) => ({ key: 'ACC1', value: JSON.stringify({ alert_id: id }) });

describe("the fraud benchmark's alert watcher", () => {
  let watch: AlertWatch | undefined;
  afterAll(() => watch?.stop());

  it('counts only the alerts that arrive after it started, not those the topic already held', async () => {
    const [alerts, source] = [uniqueTopic('bench-alerts'), uniqueTopic('bench-source')];
    await createTopic(brokers, alerts);
    // an earlier run's alert of the same source coordinates: already on the topic
    await produceAll(brokers, alerts, [alert(`${source}/0/1`)]);
    watch = await watchAlerts(brokers, alerts, source);
    await produceAll(brokers, alerts, [alert(`${source}/0/2`)]);
    const arrivals = watch.arrivals;
    await until('the new alert to arrive', async () => (arrivals.has('0/2') ? true : undefined), 30_000);
    expect([...arrivals.keys()]).toEqual(['0/2']);
  });
});
