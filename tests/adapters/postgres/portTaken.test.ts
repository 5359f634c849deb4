/**
 * A free port taken by another process between vigie's probe and the server's bind: CI's
 * `vigie start` failed with "could not create listen socket for 127.0.0.1 ... could not create
 * any TCP/IP sockets" on a machine running many servers. The race cannot be timed from outside,
 * so freePort is mocked here to hand out a port a real listener holds, then a free one: the
 * PostgreSQL is real. It must start on the second, and a port asked for by the caller is not
 * replaced.
 */
import { createServer, type Server } from 'node:net';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';

const ports: number[] = [];
vi.mock('../../../src/adapters/freePort.ts', async (original) => {
  const real = await original<typeof import('../../../src/adapters/freePort.ts')>();
  return { freePort: async () => ports.shift() ?? real.freePort() };
});
const { startEmbeddedPostgres } = await import('../../../src/adapters/postgres/embeddedPostgres.ts');

let dir = '';
let holder: Server;
let taken = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigie-port-taken-'));
  await chmod(dir, 0o755);
  holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  taken = (holder.address() as { port: number }).port;
});
afterAll(async () => {
  holder?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('starts on another free port when the one it picked was taken meanwhile', async () => {
  ports.push(taken);
  const server = await startEmbeddedPostgres({ dataDir: join(dir, 'pg') });
  try {
    expect(server.port).not.toBe(taken);
    expect(ports).toEqual([]);
  } finally {
    await server.stop();
  }
}, 60_000);

it('does not replace a port the caller asked for', async () => {
  await expect(startEmbeddedPostgres({ dataDir: join(dir, 'pg'), port: taken })).rejects.toThrow(/could not create any TCP\/IP sockets|Address already in use/);
}, 60_000);
