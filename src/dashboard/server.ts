/**
 * The dashboard of `vigie start`: a plain `node:http` server, so watching a run needs no build step
 * and no extra service. `/` is the page, `/metrics` Prometheus' text, `/events` Server-Sent Events
 * that `publish` writes to every open page, and `/uPlot.*` the charting library straight from
 * node_modules. It listens on 127.0.0.1 unless told otherwise: the data may be private.
 */
import { readFile } from 'node:fs/promises';
import { type ServerResponse, createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { VigieError } from '../errors.ts';
import type { DashboardMessage } from './messages.ts';

export interface DashboardOptions {
  readonly host: string;
  /** 0 for any free port. */
  readonly port: number;
  readonly registry: Registry;
}

export interface Dashboard {
  readonly url: string;
  /** Sends a message to every open page, stamped with `sentAt`. */
  publish(message: DashboardMessage): void;
  /** Some page is open: worth building a message per record for it. */
  readonly watched: boolean;
  close(): Promise<void>;
}

export async function startDashboard({ host, port, registry }: DashboardOptions): Promise<Dashboard> {
  const uplotDir = dirname(createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js'));
  const files: Record<string, { path: string; type: string }> = {
    '/': { path: new URL('./page.html', import.meta.url).pathname, type: 'text/html; charset=utf-8' },
    '/uPlot.iife.min.js': { path: join(uplotDir, 'uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
    '/uPlot.min.css': { path: join(uplotDir, 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
  };
  const pages = new Set<ServerResponse>();

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = files[path];
    if (req.method !== 'GET') res.writeHead(405).end();
    else if (file) {
      readFile(file.path).then(
        (body) => res.writeHead(200, { 'content-type': file.type }).end(body),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    } else if (path === '/metrics') {
      registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    } else if (path === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      res.write(': vigie\n\n');
      pages.add(res);
      req.on('close', () => pages.delete(res));
    } else res.writeHead(404).end('not found');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(new VigieError('SERVICE_START_FAILED', `dashboard: cannot listen: ${error.message}`, { where: { host, port }, cause: error })),
    );
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${shownHost}:${address.port}`,
    get watched() {
      return pages.size > 0;
    },
    publish(message) {
      if (pages.size === 0) return;
      const data = `data: ${JSON.stringify({ ...message, sentAt: Date.now() })}\n\n`;
      for (const page of pages) page.write(data);
    },
    close() {
      for (const page of pages) page.end();
      pages.clear();
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
