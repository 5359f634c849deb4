/**
 * Starts (and stops) an embedded PostgreSQL in `process.argv[2]`, ignoring SIGINT the way vigie
 * does while it starts ("stopping once started"): run by tests/adapters/postgres/ctrlCWhileStarting.test.ts
 * in a process group of its own, which the test signals as a terminal would. Prints `starting` once SIGINT is handled, `started` at the end.
 */
import { startEmbeddedPostgres } from '../../src/adapters/postgres/embeddedPostgres.ts';

process.on('SIGINT', () => {});
console.log('starting');
const server = await startEmbeddedPostgres({ dataDir: process.argv[2]! });
await server.stop();
console.log('started');
