/**
 * The dashboard lets no one in it should not: a token on any address but loopback (generated
 * when not given), the `Host` header checked on every address (DNS rebinding), and the usual
 * headers. Real HTTP requests to a real server, with the headers a browser, Prometheus or an
 * attacker's page would send.
 */
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { type Dashboard, type DashboardOptions, startDashboard } from '../../src/dashboard/server.ts';

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A GET to the dashboard's port on 127.0.0.1, with these headers (Host included, as given). */
function get(dashboard: Dashboard, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  const port = Number(new URL(dashboard.url).port);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
        // an event stream never ends: its first bytes are enough
        if (path === '/events') res.destroy();
      });
      res.on('close', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

let open: Dashboard | undefined;
const start = async (options: Partial<DashboardOptions>): Promise<Dashboard> =>
  (open = await startDashboard({ host: '127.0.0.1', port: 0, registry: new Registry(), ...options }));
afterEach(async () => {
  await open?.close();
  open = undefined;
});

const TOKEN = 'a-token-of-the-bank-0123456789';

describe('the dashboard on loopback, no token given', () => {
  it('serves the page, its script, /metrics and /events to its own Host, with the usual headers', async () => {
    const dashboard = await start({});
    expect(dashboard.protected).toBe(false);
    for (const path of ['/', '/page.js', '/metrics', '/events']) {
      const reply = await get(dashboard, path);
      expect(reply.status, path).toBe(200);
      expect(reply.headers['x-content-type-options']).toBe('nosniff');
      expect(reply.headers['content-security-policy']).toContain("script-src 'self'");
      expect(reply.headers['x-frame-options']).toBe('DENY');
    }
    expect((await get(dashboard, '/events')).headers['cache-control']).toBe('no-store');
    expect((await get(dashboard, '/metrics')).headers['cache-control']).toBe('no-store');
    // the page runs no inline script: the policy would block it
    expect((await get(dashboard, '/')).body).not.toMatch(/<script>/);
    expect((await get(dashboard, '/', { host: `localhost:${new URL(dashboard.url).port}` })).status).toBe(200);
  });

  it('refuses a foreign Host header (DNS rebinding), on every path', async () => {
    const dashboard = await start({});
    for (const path of ['/', '/events', '/metrics']) {
      const reply = await get(dashboard, path, { host: 'evil.example:80' });
      expect(reply.status, path).toBe(421);
      expect(reply.body).toContain('the Host header "evil.example:80" does not name this server');
    }
    expect((await get(dashboard, '/', { host: 'bank-dashboard.internal' })).status).toBe(421);
  });

  it('answers to the names it is told of', async () => {
    const dashboard = await start({ allowedHosts: ['bank-dashboard.internal'] });
    expect((await get(dashboard, '/', { host: 'bank-dashboard.internal:8443' })).status).toBe(200);
  });
});

describe('the dashboard with a token', () => {
  it('refuses the page, /events and /metrics without it', async () => {
    const dashboard = await start({ token: TOKEN });
    expect(dashboard.protected).toBe(true);
    for (const path of ['/', '/page.js', '/events', '/metrics']) {
      const reply = await get(dashboard, path);
      expect(reply.status, path).toBe(401);
      expect(reply.body).not.toContain(TOKEN);
    }
    expect((await get(dashboard, '/metrics', { authorization: 'Bearer not-the-token-at-all' })).status).toBe(401);
    expect((await get(dashboard, '/?token=wrong')).status).toBe(401);
  });

  it('lets Prometheus in with a bearer token', async () => {
    const dashboard = await start({ token: TOKEN });
    const reply = await get(dashboard, '/metrics', { authorization: `Bearer ${TOKEN}` });
    expect(reply.status).toBe(200);
  });

  it('turns /?token= into an HttpOnly, SameSite=Strict cookie, out of the address bar, that the page and its events carry', async () => {
    const dashboard = await start({ token: TOKEN });
    const first = await get(dashboard, `/?token=${TOKEN}`);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/');
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const carried = cookie.split(';')[0]!;
    for (const path of ['/', '/page.js', '/events']) expect((await get(dashboard, path, { cookie: carried })).status, path).toBe(200);
    // a token does not open a foreign Host
    expect((await get(dashboard, '/', { cookie: carried, host: 'evil.example' })).status).toBe(421);
  });

  it('refuses a token too short to guess at', async () => {
    await expect(startDashboard({ host: '127.0.0.1', port: 0, registry: new Registry(), token: 'short' })).rejects.toThrow('the dashboard token must be at least 16 characters');
  });
});

describe('the dashboard on another address than loopback', () => {
  it('generates a token when none is given, and requires it', async () => {
    // every interface, as `--dashboard-host 0.0.0.0` asks; requests still come through 127.0.0.1
    const dashboard = await start({ host: '0.0.0.0' });
    expect(dashboard.protected).toBe(true);
    expect(dashboard.generatedToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect((await get(dashboard, '/events')).status).toBe(401);
    expect((await get(dashboard, '/metrics', { authorization: `Bearer ${dashboard.generatedToken}` })).status).toBe(200);
  });

  it('uses the token given, and generates none', async () => {
    const dashboard = await start({ host: '0.0.0.0', token: TOKEN });
    expect(dashboard.generatedToken).toBeUndefined();
    expect((await get(dashboard, '/metrics', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
  });
});
