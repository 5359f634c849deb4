/**
 * What every long-running flow command opens before its flow: the dashboard with its metrics,
 * the database (embedded unless a URL is given), and the retry policy of its PostgreSQL sinks,
 * which counts and reports each retry. One place, so `start` and `detect` cannot drift apart.
 */
import { join, resolve } from 'node:path';
import { type Database, openDatabase } from '../adapters/postgres/connect.ts';
import { type Metrics, createMetrics } from '../dashboard/metrics.ts';
import { type Dashboard, startDashboard } from '../dashboard/server.ts';
import { type RetryPolicy, retryPolicy } from '../retry.ts';

export interface ServicesConfig {
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly dashboardHost: string;
  readonly dashboardPort: number;
}

export interface Services {
  readonly dataDir: string;
  readonly logDir: string;
  readonly metrics: Metrics;
  readonly dashboard: Dashboard;
  readonly db: Database;
  /** For the PostgreSQL sinks. */
  readonly retry: RetryPolicy;
  close(): Promise<void>;
}

export async function openServices(config: ServicesConfig, log: (line: string) => void): Promise<Services> {
  const dataDir = resolve(config.dataDir);
  const metrics = createMetrics();
  const dashboard = await startDashboard({ host: config.dashboardHost, port: config.dashboardPort, registry: metrics.registry });
  log(`Dashboard: ${dashboard.url}`);
  // The embedded server's own log is not for the console; vigie's notes about it are.
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir, log: (m) => m.startsWith('postgres:') && log(m) }).catch(
    async (error: unknown) => {
      await dashboard.close();
      throw error;
    },
  );
  log(`PostgreSQL: ${db.url}${db.embedded ? ` (embedded, data in ${join(dataDir, 'postgres')})` : ''}`);
  const retry = retryPolicy({
    onRetry: (error, attempt, ms) => {
      metrics.sinkError('postgres');
      log(`postgres: write failed (${String(error)}), retry ${attempt} in ${ms} ms`);
    },
  });
  return {
    dataDir,
    logDir: join(dataDir, 'logs'),
    metrics,
    dashboard,
    db,
    retry,
    close: async () => {
      await db.close();
      await dashboard.close();
    },
  };
}
