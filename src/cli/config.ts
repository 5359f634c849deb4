/**
 * The configuration of `vigie start`: every setting has a flag, an environment variable and a
 * default, and is validated before anything starts, with a message naming the flag, the variable
 * and the bad value.
 */
import { type Command, Option } from 'commander';
import { z } from 'zod';
import { VigieError } from '../errors.ts';
import { DATABASE_SSL_MODES, type DatabaseTls } from '../adapters/postgres/connect.ts';
import { DEFAULT_DETECTORS, DETECTOR_NAMES, type DetectorName, detectorChoices } from '../catalogue/detectors.ts';

export interface Setting {
  readonly flag: string;
  readonly env: string;
  readonly description: string;
  readonly schema: z.ZodType;
  readonly fallback?: string;
  /** Never echoed, not even in the error that refuses it (a password, a token, a URL holding one). */
  readonly secret?: boolean;
}

const num = z.coerce.number({ error: 'expected a number' }).refine(Number.isFinite, 'expected a finite number');
const int = num.refine(Number.isInteger, 'expected an integer');

export const SETTINGS = {
  dataDir: { flag: '--data-dir <dir>', env: 'VIGIE_DATA_DIR', fallback: '.vigie', schema: z.string().min(1), description: 'where logs and the embedded PostgreSQL live' },
  databaseUrl: {
    flag: '--database-url <url>',
    env: 'DATABASE_URL',
    secret: true,
    schema: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL').optional(),
    description: 'use this PostgreSQL instead of the embedded one',
  },
  databaseSslMode: {
    flag: '--database-ssl-mode <mode>',
    env: 'VIGIE_DATABASE_SSLMODE',
    schema: z.enum(DATABASE_SSL_MODES).optional(),
    description: `TLS to the PostgreSQL of --database-url: ${DATABASE_SSL_MODES.join(', ')} (libpq's meanings; default: what the URL says)`,
  },
  databaseCa: { flag: '--database-ca <file>', env: 'VIGIE_DATABASE_CA', schema: z.string().min(1).optional(), description: "PEM file of the CA that signs the database server's certificate (default: the system's)" },
  databaseCert: { flag: '--database-cert <file>', env: 'VIGIE_DATABASE_CERT', schema: z.string().min(1).optional(), description: 'PEM file of a client certificate for the database' },
  databaseKey: { flag: '--database-key <file>', env: 'VIGIE_DATABASE_KEY', schema: z.string().min(1).optional(), description: "PEM file of that certificate's key" },
  sensorRate: { flag: '--sensor-rate <n>', env: 'VIGIE_SENSOR_RATE', fallback: '10', schema: num.pipe(z.number().positive().max(100_000)), description: 'simulated Arduino lines per second' },
  transactionRate: { flag: '--transaction-rate <n>', env: 'VIGIE_TRANSACTION_RATE', fallback: '1', schema: num.pipe(z.number().positive().max(100_000)), description: 'simulated transactions per second' },
  anomalyRate: { flag: '--anomaly-rate <p>', env: 'VIGIE_ANOMALY_RATE', fallback: '0.05', schema: num.pipe(z.number().min(0).max(1)), description: 'probability that a simulated reading is a spike' },
  seed: { flag: '--seed <n>', env: 'VIGIE_SEED', fallback: '1', schema: int, description: 'seed of the simulators and of IsolationForest' },
  detectors: {
    flag: '--detector <names>',
    env: 'VIGIE_DETECTORS',
    fallback: DEFAULT_DETECTORS.join(','),
    schema: z
      .string()
      .transform((s) => [...new Set(s.split(',').map((name) => name.trim()))])
      .pipe(z.array(z.enum(DETECTOR_NAMES)).min(1)),
    description:
      `the sensor detectors, comma-separated, among (NAB standard score, best first; 100 is perfect): ${detectorChoices()}. ` +
      'contextual+art finds most of what NAB labels for the fewest false alarms; the prototype\'s pair is the default',
  },
  window: { flag: '--window <n>', env: 'VIGIE_WINDOW', fallback: '21', schema: int.pipe(z.number().min(2).max(100_000)), description: 'values per detection window, the newest included' },
  eps: { flag: '--dbscan-eps <x>', env: 'VIGIE_DBSCAN_EPS', fallback: '0.5', schema: num.pipe(z.number().positive()), description: "DBSCAN's eps" },
  minSamples: { flag: '--dbscan-min-samples <n>', env: 'VIGIE_DBSCAN_MIN_SAMPLES', fallback: '5', schema: int.pipe(z.number().min(1)), description: "DBSCAN's min_samples" },
  trees: { flag: '--iforest-trees <n>', env: 'VIGIE_IFOREST_TREES', fallback: '100', schema: int.pipe(z.number().min(1).max(10_000)), description: 'IsolationForest trees' },
  sampleSize: { flag: '--iforest-sample-size <n>', env: 'VIGIE_IFOREST_SAMPLE_SIZE', fallback: '256', schema: int.pipe(z.number().min(2)), description: 'IsolationForest sample size per tree' },
  threshold: { flag: '--iforest-threshold <x>', env: 'VIGIE_IFOREST_THRESHOLD', fallback: '0.7', schema: num.pipe(z.number().gt(0).lte(1)), description: 'IsolationForest score above which a value is an anomaly' },
  amountLimit: { flag: '--amount-limit <xaf>', env: 'VIGIE_AMOUNT_LIMIT', fallback: '10000', schema: num.pipe(z.number().positive()), description: 'XAF amount above which a transaction is suspicious' },
  dashboardPort: {
    flag: '--dashboard-port <port>',
    env: 'VIGIE_DASHBOARD_PORT',
    fallback: '0',
    schema: int.pipe(z.number().min(0).max(65_535)),
    description: "the dashboard's HTTP port, 0 for any free one",
  },
  dashboardHost: {
    flag: '--dashboard-host <host>',
    env: 'VIGIE_DASHBOARD_HOST',
    fallback: '127.0.0.1',
    schema: z.string().min(1),
    description: 'the address the dashboard listens on; any but loopback requires a token',
  },
  dashboardToken: {
    flag: '--dashboard-token <token>',
    env: 'VIGIE_DASHBOARD_TOKEN',
    secret: true,
    schema: z.string().min(16, 'at least 16 characters').optional(),
    description:
      'the token the dashboard requires (Authorization: Bearer, or /?token= once); generated and printed once on a non-loopback address when not given. Prefer the variable: a flag shows in the process list',
  },
  dashboardAllowedHosts: {
    flag: '--dashboard-allowed-hosts <names>',
    env: 'VIGIE_DASHBOARD_ALLOWED_HOSTS',
    fallback: '',
    schema: z.string().transform((s) => s.split(',').map((n) => n.trim()).filter((n) => n !== '')),
    description: "more names the dashboard answers to in the Host header (a DNS name, a proxy's), besides its address, localhost and the machine's names",
  },
  maxOutage: {
    flag: '--max-outage <seconds>',
    env: 'VIGIE_MAX_OUTAGE',
    schema: num.pipe(z.number().positive()).optional(),
    description: 'exit (code 1, naming what was down and since when) once the database or Kafka has been unreachable this long; by default wait for ever',
  },
  duration: { flag: '--duration <s>', env: 'VIGIE_DURATION', schema: num.pipe(z.number().positive()).optional(), description: 'stop by itself after this many seconds' },
} satisfies Record<string, Setting>;

export interface Config {
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly sensorRate: number;
  readonly transactionRate: number;
  readonly anomalyRate: number;
  readonly seed: number;
  readonly detectors: readonly DetectorName[];
  readonly window: number;
  readonly eps: number;
  readonly minSamples: number;
  readonly trees: number;
  readonly sampleSize: number;
  readonly threshold: number;
  readonly amountLimit: number;
  readonly dashboardPort: number;
  readonly dashboardHost: string;
  readonly databaseSslMode: DatabaseTls['mode'] | undefined;
  readonly databaseCa: string | undefined;
  readonly databaseCert: string | undefined;
  readonly databaseKey: string | undefined;
  readonly dashboardToken: string | undefined;
  readonly dashboardAllowedHosts: readonly string[];
  readonly maxOutage: number | undefined;
  readonly duration: number | undefined;
}

/** Flag values win over the environment, which wins over defaults. Throws CONFIG_INVALID listing every bad value. */
export function resolveConfig(flags: Readonly<Record<string, string | undefined>>, env: NodeJS.ProcessEnv): Config {
  return resolveSettings(SETTINGS, flags, env) as unknown as Config;
}

/** The same for any table of settings: each command has its own. */
export function resolveSettings(
  settings: Readonly<Record<string, Setting>>,
  flags: Readonly<Record<string, string | undefined>>,
  env: NodeJS.ProcessEnv,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, setting] of Object.entries(settings)) {
    // commander names a flag's value after the flag (`--iforest-trees` -> iforestTrees), not after the setting (trees)
    const flag = flags[key] ?? flags[new Option(setting.flag).attributeName()];
    const raw = flag ?? nonEmpty(env[setting.env]) ?? setting.fallback;
    const parsed = setting.schema.safeParse(raw);
    if (parsed.success) out[key] = parsed.data;
    else {
      const from = flag !== undefined ? setting.flag.split(' ')[0] : `${setting.env} (environment)`;
      const why = parsed.error.issues.map((i) => i.message).join('; ');
      // never echo a secret (a database URL may hold a password)
      const shown = setting.secret ? '<hidden>' : JSON.stringify(raw);
      problems.push(`${from}: ${why}, got ${shown}`);
    }
  }
  if (problems.length > 0) throw new VigieError('CONFIG_INVALID', `invalid configuration:\n  ${problems.join('\n  ')}`);
  return out;
}

/** Adds a command's settings to it as options, with their variable and default in the help. */
export function addSettingOptions(command: Command, settings: Readonly<Record<string, Setting>>): Command {
  for (const setting of Object.values(settings)) {
    const fallback = setting.fallback === undefined ? '' : ` (default: ${setting.fallback})`;
    command.addOption(new Option(setting.flag, `${setting.description}${fallback}; env ${setting.env}`));
  }
  return command;
}

const nonEmpty = (s: string | undefined): string | undefined => (s === undefined || s === '' ? undefined : s);
