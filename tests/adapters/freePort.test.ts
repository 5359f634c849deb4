/**
 * The one freePort, which the embedded PostgreSQL and the Kafka broker both start on (each had
 * its own copy). The architecture test's one-free-port rule keeps them on this one.
 */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../src/adapters/freePort.ts';

const listen = (port: number) =>
  new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });

describe('freePort', () => {
  it('gives a port on 127.0.0.1 that a server can then bind', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    const server = await listen(port);
    await new Promise((resolve) => server.close(resolve));
  });

  it('does not give a port that is held', async () => {
    const held = await listen(0);
    const { port } = held.address() as { port: number };
    const given = await Promise.all([...Array(20)].map(() => freePort()));
    expect(given).not.toContain(port);
    await new Promise((resolve) => held.close(resolve));
  });
});
