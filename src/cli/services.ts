/**
 * What every long-running flow command opens before its flow: the dashboard with its metrics,
 * the database (embedded unless a URL is given), what is down and since when ({@link Outages}),
 * and the retry policies of the sinks, which report each failure there. One place, so `start`
 * and `detect` cannot drift apart.
 */
import { join, resolve } from 'node:path';
import { type Database, type DatabaseTls, addressOf, openDatabase } from '../adapters/postgres/connect.ts';
import { type Metrics, createMetrics } from '../dashboard/metrics.ts';
import { type Dashboard, startDashboard } from '../dashboard/server.ts';
import { isRetriable } from '../errors.ts';
import { type RetryPolicy, retryPolicy } from '../retry.ts';
import { type Dependency, type Outages, createOutages } from './outages.ts';

export interface ServicesConfig {
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  /** TLS to that database: a mode, and the CA, client certificate and key files. */
  readonly databaseSslMode?: DatabaseTls['mode'] | undefined;
  readonly databaseCa?: string | undefined;
  readonly databaseCert?: string | undefined;
  readonly databaseKey?: string | undefined;
  readonly dashboardHost: string;
  readonly dashboardPort: number;
  readonly dashboardToken?: string | undefined;
  readonly dashboardAllowedHosts?: readonly string[];
  /** Seconds an outage may last before the process exits; undefined: wait for ever. */
  readonly maxOutage?: number | undefined;
}

export interface Services {
  readonly dataDir: string;
  readonly logDir: string;
  readonly metrics: Metrics;
  readonly dashboard: Dashboard;
  readonly db: Database;
  readonly outages: Outages;
  /** For the PostgreSQL sinks. */
  readonly retry: RetryPolicy;
  /** For whatever talks to `dependency` at `address`: each failure opens (or extends) its outage, logged as `what` failed. */
  retryFor(dependency: Dependency, address: string, what?: string): RetryPolicy;
  /** The flow runs and publishes its own stats: the dashboard's waiting notice stops. */
  running(): void;
  close(): Promise<void>;
}

export async function openServices(config: ServicesConfig, log: (line: string) => void): Promise<Services> {
  const dataDir = resolve(config.dataDir);
  const metrics = createMetrics();
  const outages = createOutages({ maxOutageS: config.maxOutage, log, onChange: (dependency, since) => metrics.dependency(dependency, since) });
  const retryFor = (dependency: Dependency, address: string, what = 'write'): RetryPolicy =>
    retryPolicy({
      // Past --max-outage the wait ends with the outage's own error, whoever is waiting.
      retriable: (error) => {
        const over = outages.tooLong();
        if (over) throw over;
        return isRetriable(error);
      },
      onRetry: (error, attempt, ms) => {
        outages.down(dependency, address, error);
        if (dependency === 'postgres') metrics.sinkError('postgres');
        log(`${dependency}: ${what} failed (${String(error)}), retry ${attempt} in ${ms} ms`);
      },
    });
  const dashboard = await startDashboard({
    host: config.dashboardHost,
    port: config.dashboardPort,
    registry: metrics.registry,
    ...(config.dashboardToken !== undefined ? { token: config.dashboardToken } : {}),
    allowedHosts: config.dashboardAllowedHosts ?? [],
  });
  log(dashboardLine(dashboard));
  // Until the flow runs and publishes its own stats, the page still says what is awaited.
  const waiting = setInterval(() => {
    const down = outages.describe();
    if (down) dashboard.publish({ type: 'stats', readingsPerSecond: 0, anomalies: 0, suspicious: 0, deadLetters: 0, rowsWritten: 0, latencyMs: null, down });
  }, 1000);
  // The embedded server's own log is not for the console; vigie's notes about it are.
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir,
    log: (m) => m.startsWith('postgres:') && log(m),
    ...(config.databaseUrl ? { retry: retryFor('postgres', addressOf(config.databaseUrl), `connecting to ${addressOf(config.databaseUrl)}`) } : {}),
    ...(databaseTls(config) ? { tls: databaseTls(config)! } : {}),
  }).catch(async (error: unknown) => {
    clearInterval(waiting);
    await dashboard.close();
    throw error;
  });
  outages.up('postgres');
  metrics.dependency('postgres', null);
  const shared = db.joined === null ? '' : `, started by vigie process ${db.joined}`;
  log(`PostgreSQL: ${db.url}${db.embedded ? ` (embedded${shared}, data in ${join(dataDir, 'postgres')})` : ''}`);
  return {
    dataDir,
    logDir: join(dataDir, 'logs'),
    metrics,
    dashboard,
    db,
    outages,
    retry: retryFor('postgres', addressOf(db.url)),
    retryFor,
    running: () => clearInterval(waiting),
    close: async () => {
      clearInterval(waiting);
      await db.close();
      await dashboard.close();
    },
  };
}

/**
 * What the log says of the dashboard: its address, and whether a token guards it. A generated
 * token is printed this once (the page's address with it), never again; a given one never.
 */
export function dashboardLine(dashboard: Dashboard): string {
  if (dashboard.generatedToken !== undefined) {
    return `Dashboard: ${dashboard.url}/?token=${dashboard.generatedToken} (not on loopback: a token is required for the page, /events and /metrics; this one was generated and is shown once; set VIGIE_DASHBOARD_TOKEN to choose it; Prometheus sends it as Authorization: Bearer)`;
  }
  return `Dashboard: ${dashboard.url}${dashboard.protected ? ' (a token is required: VIGIE_DASHBOARD_TOKEN)' : ''}`;
}

/** The database's TLS options, when any was given (a CA, a certificate or a key alone means verify-full). */
function databaseTls(config: ServicesConfig): DatabaseTls | undefined {
  const { databaseSslMode: mode, databaseCa: ca, databaseCert: cert, databaseKey: key } = config;
  if (mode === undefined && ca === undefined && cert === undefined && key === undefined) return undefined;
  return { mode: mode ?? 'verify-full', ca, cert, key };
}
