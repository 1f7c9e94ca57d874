// The HTTP side of the one port: the connections registry, the labs list, API 404s, and the web
// app's client-side routes.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import type WebSocket from 'ws';
import { WEB_DIST } from '../../server/paths.ts';
import { openClient, shut, until, type EventLog, type TestServer, useLabServer } from '../helpers/server.ts';
import { publicSessionId } from '../../server/http/session.ts';

interface Listed {
  conn: string;
  socketId: string;
  sessionId: string | null;
  userId: string | null;
  lab: string;
  path: string;
  client: string;
  readyState: number;
  bufferedAmount: number;
  writableLength: number;
  remote: { address: string; port: number };
  local: { address: string; port: number };
  heartbeat: { intervalMs: number; maxMisses: number } | null;
}

let t: TestServer;
let log: EventLog & { stop(): void };
const clients: WebSocket[] = [];

useLabServer((server, events) => {
  t = server;
  log = events;
});
afterEach(async () => {
  for (const c of clients.splice(0)) await shut(c, true);
});

async function connections(): Promise<{ count: number; connections: Listed[] }> {
  const res = await fetch(`${t.httpUrl}/__wslab/connections`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return (await res.json()) as { count: number; connections: Listed[] };
}

const localPort = (ws: WebSocket) => (ws as unknown as { _socket: { localPort: number } })._socket.localPort;

describe('GET /__wslab/connections', () => {
  test('lists each live connection with socketId, sessionId (query or cookie), lab, readyState and bufferedAmount', async () => {
    const a = await openClient(t.wsUrl('/lab/echo?session=abc'));
    const b = await openClient(t.wsUrl('/lab/ticker?rate=1'), { headers: { Cookie: 'theme=dark; wslab_session=fromCookie_1' } });
    const c = await openClient(t.wsUrl('/lab/raw'));
    clients.push(a, b, c);
    const list = await connections();
    const byPort = (ws: WebSocket) => list.connections.find((x) => x.remote.port === localPort(ws))!;
    expect(list.count).toBe(3);
    expect(list.connections).toHaveLength(3);

    expect(byPort(a)).toMatchObject({ sessionId: 'abc', lab: 'echo', path: '/lab/echo?session=abc', readyState: 1, bufferedAmount: 0, userId: null, client: 'external' });
    // from the cookie: its public id (an HMAC), never the cookie value itself
    expect(byPort(b)).toMatchObject({ sessionId: publicSessionId('fromCookie_1'), lab: 'ticker', readyState: 1 });
    expect(JSON.stringify(list)).not.toContain('fromCookie_1');
    expect(byPort(c)).toMatchObject({ sessionId: null, lab: 'raw', readyState: 1 });
    for (const x of list.connections) {
      expect(x.socketId).toBe(x.conn);
      expect(x.socketId).toMatch(/^c\d+$/);
      expect(typeof x.bufferedAmount).toBe('number');
      expect(typeof x.writableLength).toBe('number');
      expect(x.local.port).toBe(t.port);
      expect(x.heartbeat).toMatchObject({ intervalMs: 30_000, maxMisses: 2 });
      // the same ids the event stream uses
      expect(log.ofType('conn.open', x.conn)).toHaveLength(1);
    }
    expect(new Set(list.connections.map((x) => x.socketId)).size).toBe(3);
  });

  test('an invalid session value is ignored (sessionId null), the query wins over the cookie', async () => {
    const a = await openClient(t.wsUrl('/lab/echo?session=' + encodeURIComponent('<script>')));
    const b = await openClient(t.wsUrl('/lab/echo?session=q1'), { headers: { Cookie: 'wslab_session=c1' } });
    clients.push(a, b);
    const list = await connections();
    expect(list.connections.find((x) => x.remote.port === localPort(a))?.sessionId).toBeNull();
    expect(list.connections.find((x) => x.remote.port === localPort(b))?.sessionId).toBe('q1');
  });

  test('a closed connection leaves the list', async () => {
    const a = await openClient(t.wsUrl('/lab/echo'));
    const port = localPort(a);
    expect((await connections()).connections.some((x) => x.remote.port === port)).toBe(true);
    await shut(a);
    await until(async () => !(await connections()).connections.some((x) => x.remote.port === port), 5000, 'the connection to leave the list');
  });
});

describe('other API routes', () => {
  test('GET /__wslab/labs lists the lab endpoints with descriptions', async () => {
    const res = await fetch(`${t.httpUrl}/__wslab/labs`);
    expect(res.status).toBe(200);
    const labs = (await res.json()) as { path: string; description: string }[];
    const paths = labs.map((l) => l.path);
    expect(paths).toEqual(expect.arrayContaining(['/lab/echo', '/lab/ticker', '/lab/raw', '/lab/transports/ws']));
    for (const l of labs) {
      expect(l.path).toMatch(/^\/lab\/[a-z0-9-]+(\/[a-z0-9-]+)?$/); // transports/ws: a lab with HTTP endpoints beside its socket
      expect(l.description.length).toBeGreaterThan(10);
    }
  });

  test('GET /__wslab/health answers, with its event-loop delay (null until a 10-s window is complete)', async () => {
    const res = await fetch(`${t.httpUrl}/__wslab/health`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; loopDelay: { windowMs: number } | null };
    expect([body.ok, body.loopDelay === null ? null : body.loopDelay.windowMs]).toEqual([true, body.loopDelay === null ? null : 10_000]);
    expect('loopDelay' in body).toBe(true);
  });

  test('an unknown /__wslab/x is a 404 that names the real routes', async () => {
    const res = await fetch(`${t.httpUrl}/__wslab/x`);
    expect(res.status).toBe(404);
    const body = await res.text();
    expect(body).toMatch(/No API at \/__wslab\/x/);
    expect(body).toMatch(/\/__wslab\/connections/);
  });

  test('a known route with the wrong method is a 405 that lists the methods it answers', async () => {
    const res = await fetch(`${t.httpUrl}/__wslab/connections`, { method: 'DELETE' });
    expect([res.status, res.headers.get('allow'), await res.json()]).toEqual([405, 'GET', { error: '/__wslab/connections answers GET, not DELETE' }]);
  });
});

describe('the web app', () => {
  const index = join(WEB_DIST, 'index.html');

  test('a client-side route (/lessons/whatever) loads index.html, or says the app is not built', async () => {
    const res = await fetch(`${t.httpUrl}/lessons/whatever`);
    if (existsSync(index)) {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await res.text()).toBe(readFileSync(index, 'utf8'));
    } else {
      expect(res.status).toBe(503);
      expect(await res.text()).toMatch(/not built yet.*npm start/);
    }
  });

  test('every documented page route is loadable directly', async () => {
    for (const route of ['/', '/lessons', '/lessons/01-why', '/playground', '/inspect', '/decode', '/workshop']) {
      const res = await fetch(`${t.httpUrl}${route}`);
      expect(res.status, route).toBe(existsSync(index) ? 200 : 503);
      await res.arrayBuffer();
    }
  });

  test('pages set a wslab_session cookie once and send security headers', async () => {
    const res = await fetch(`${t.httpUrl}/playground`);
    await res.arrayBuffer();
    expect(res.headers.get('set-cookie')).toMatch(/^wslab_session=[A-Za-z0-9_-]+; Path=\/; SameSite=Lax$/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const again = await fetch(`${t.httpUrl}/playground`, { headers: { Cookie: 'wslab_session=abc' } });
    await again.arrayBuffer();
    expect(again.headers.get('set-cookie')).toBeNull();
  });

  test('a missing asset is a 404 (not index.html) and paths cannot leave the web root', async () => {
    const res = await fetch(`${t.httpUrl}/assets/nope.js`);
    expect(res.status).toBe(404);
    await res.arrayBuffer();
    const raw = await new Promise<string>((resolve, reject) => {
      // fetch would normalise the dots away; write the request by hand
      import('node:net').then(({ connect }) => {
        const s = connect(t.port, '127.0.0.1', () => s.end(`GET /..%2f..%2fpackage.json HTTP/1.1\r\nHost: 127.0.0.1:${t.port}\r\nConnection: close\r\n\r\n`));
        let out = '';
        s.on('data', (d) => (out += d.toString('latin1')));
        s.on('end', () => resolve(out));
        s.on('error', reject);
      });
    });
    expect(raw).toMatch(/^HTTP\/1\.1 (403|404)/);
    expect(raw).not.toMatch(/"name": "wslab"/);
  });
});
