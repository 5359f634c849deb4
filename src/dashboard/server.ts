/**
 * The dashboard of `vigie start`: a plain `node:http` server, so watching a run needs no build step
 * and no extra service. `/` is the page, `/page.js` its script, `/metrics` Prometheus' text,
 * `/events` Server-Sent Events that `publish` writes to every open page, and `/uPlot.*` the
 * charting library straight from node_modules.
 *
 * The page streams account numbers and amounts, so:
 * - it listens on 127.0.0.1 unless told otherwise;
 * - on any other address it requires a token (given, or generated): `Authorization: Bearer` (what
 *   Prometheus sends), or `/?token=` once, which sets an HttpOnly, SameSite=Strict cookie and
 *   redirects to `/` so that the token leaves the address bar;
 * - on every address the `Host` header must name the server (its address, localhost, the
 *   machine's names and addresses, or `allowedHosts`): a page of another site that rebinds its
 *   own name to 127.0.0.1 (DNS rebinding) is refused;
 * - responses carry `X-Content-Type-Options: nosniff`, a content security policy that runs only
 *   the page's own scripts, no framing, no referrer; `/events` and `/metrics` are never cached.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import type { AddressInfo } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { dirname, join } from 'node:path';
import type { Registry } from 'prom-client';
import { VigieError } from '../errors.ts';
import type { DashboardMessage } from './messages.ts';

export interface DashboardOptions {
  readonly host: string;
  /** 0 for any free port. */
  readonly port: number;
  readonly registry: Registry;
  /**
   * Required of every request when given. On an address other than loopback one is always
   * required: generated (see {@link Dashboard.generatedToken}) when not given.
   */
  readonly token?: string;
  /** More names the `Host` header may give (a DNS name or a proxy's), besides the server's own. */
  readonly allowedHosts?: readonly string[];
}

export interface Dashboard {
  readonly url: string;
  /** The token it generated (on a non-loopback address, none given): to be shown once. */
  readonly generatedToken: string | undefined;
  /** Whether requests need a token. */
  readonly protected: boolean;
  /**
   * Sends a message to every open page, stamped with `sentAt`. `retain`: the newest message of its
   * type is kept and sent to each page when it opens (a state, such as the rules in force, rather
   * than an event).
   */
  publish(message: DashboardMessage, options?: { readonly retain?: boolean }): void;
  /** Some page is open: worth building a message per record for it. */
  readonly watched: boolean;
  close(): Promise<void>;
}

const COOKIE = 'vigie_dashboard';

/** The headers of every response. */
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
} as const;

/** Whether `host` (an address to listen on) is this machine's loopback only. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || (isIP(bare) === 4 && bare.startsWith('127.'));
}

/** The names a `Host` header may give for a server listening on `host`. */
function servedNames(host: string, extra: readonly string[]): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '::1', ...extra.map((n) => n.toLowerCase())]);
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  names.add(bare);
  if (bare === '0.0.0.0' || bare === '::' || !isLoopback(bare)) {
    names.add(hostname().toLowerCase());
    for (const addresses of Object.values(networkInterfaces())) for (const a of addresses ?? []) names.add(a.address.toLowerCase());
  }
  return names;
}

/** The host name of a `Host` header, without its port or brackets. */
function hostOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^\[([^\]]+)\](?::\d+)?$/.exec(header) ?? /^([^:]+)(?::\d+)?$/.exec(header);
  return match?.[1]?.toLowerCase();
}

/** Equal in constant time, whatever the lengths. */
function sameSecret(given: string, token: string): boolean {
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(token));
}

function cookieToken(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === COOKIE) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

export async function startDashboard({ host, port, registry, token: given, allowedHosts = [] }: DashboardOptions): Promise<Dashboard> {
  if (given !== undefined && given.length < 16) {
    throw new VigieError('CONFIG_INVALID', 'the dashboard token must be at least 16 characters', { where: { option: '--dashboard-token' } });
  }
  const generatedToken = given === undefined && !isLoopback(host) ? randomBytes(24).toString('base64url') : undefined;
  const token = given ?? generatedToken;
  const names = servedNames(host, allowedHosts);
  const uplotDir = dirname(createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js'));
  const files: Record<string, { path: string; type: string }> = {
    '/': { path: new URL('./page.html', import.meta.url).pathname, type: 'text/html; charset=utf-8' },
    '/page.js': { path: new URL('./page.js', import.meta.url).pathname, type: 'text/javascript; charset=utf-8' },
    '/uPlot.iife.min.js': { path: join(uplotDir, 'uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
    '/uPlot.min.css': { path: join(uplotDir, 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
  };
  const pages = new Set<ServerResponse>();
  /** The newest retained message of each type, as its `data:` event: sent to a page as it opens. */
  const retained = new Map<string, string>();
  const event = (message: DashboardMessage): string => `data: ${JSON.stringify({ ...message, sentAt: Date.now() })}\n\n`;

  /** Who may go on: a response already sent otherwise. */
  const admitted = (req: IncomingMessage, res: ServerResponse, url: URL): boolean => {
    const name = hostOf(req.headers.host);
    if (name === undefined || !names.has(name)) {
      res.writeHead(421, { 'content-type': 'text/plain; charset=utf-8' }).end(`vigie dashboard: the Host header ${JSON.stringify(req.headers.host ?? '')} does not name this server\n`);
      return false;
    }
    if (token === undefined) return true;
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if ((bearer !== undefined && sameSecret(bearer, token)) || sameSecret(cookieToken(req) ?? '', token)) return true;
    const query = url.searchParams.get('token');
    if (url.pathname === '/' && query !== null && sameSecret(query, token)) {
      // the token goes into a cookie the page's requests carry, and out of the address bar
      res.writeHead(303, { location: '/', 'set-cookie': `${COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/` }).end();
      return false;
    }
    res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer realm="vigie"' }).end('vigie dashboard: a token is required: open /?token=<token> once, or send Authorization: Bearer <token>\n');
    return false;
  };

  const server = createServer((req, res) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    const file = files[path];
    if (req.method !== 'GET') res.writeHead(405).end();
    else if (!admitted(req, res, url)) return;
    else if (file) {
      readFile(file.path).then(
        (body) => res.writeHead(200, { 'content-type': file.type }).end(body),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    } else if (path === '/metrics') {
      registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' }).end(body),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    } else if (path === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write(': vigie\n\n');
      for (const data of retained.values()) res.write(data);
      pages.add(res);
      req.on('close', () => pages.delete(res));
    } else res.writeHead(404).end('not found');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(new VigieError('SERVICE_START_FAILED', `dashboard: cannot listen on ${host}:${port}: ${error.message}`, { where: { host, port }, cause: error })),
    );
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${shownHost}:${address.port}`,
    generatedToken,
    protected: token !== undefined,
    get watched() {
      return pages.size > 0;
    },
    publish(message, options) {
      if (options?.retain) retained.set(message.type, event(message));
      if (pages.size === 0) return;
      const data = options?.retain ? retained.get(message.type)! : event(message);
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
