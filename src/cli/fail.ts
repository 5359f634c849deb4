/** How the CLI ends on an error: the message (stack only for unexpected errors), and exit 2 for bad configuration. */
import { VigieError } from '../errors.ts';

export function fail(error: unknown): never {
  const message = error instanceof VigieError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  console.error(`vigie: ${message}`);
  process.exit(error instanceof VigieError && error.code === 'CONFIG_INVALID' ? 2 : 1);
}
