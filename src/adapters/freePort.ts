import { createServer } from 'node:net';
import { VigieError } from '../errors.ts';

/**
 * A TCP port on 127.0.0.1 that nothing listens on, for a server vigie starts (an embedded
 * PostgreSQL, a Kafka broker and its controller): the kernel picks it for a probe that closes at
 * once. Another process could take it before the server binds it: the embedded PostgreSQL then
 * tries another; the others' start fails, naming the port.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (cause: unknown) => reject(new VigieError('SERVICE_START_FAILED', 'cannot find a free port', { where: { host: '127.0.0.1' }, cause })));
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new VigieError('SERVICE_START_FAILED', 'the port probe has no address', { where: { host: '127.0.0.1' } })),
      );
    });
  });
}
