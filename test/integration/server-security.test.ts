// Routing and defences at the upgrade: unknown paths get a prompt 404 (never a hang), plain GETs
// of a lab get 426, cross-site origins are refused, and the requests behind ws's past CVEs are
// answered without hanging or crashing the server.
import { networkInterfaces } from 'node:os';
import { connect } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import type WebSocket from 'ws';
import { startWslab } from '../../server/app.ts';
import { openClient, rawUpgrade, shut, startTestServer, upgradeRequest, type EventLog, type TestServer, useLabServer } from '../helpers/server.ts';

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

async function track(p: Promise<WebSocket>): Promise<WebSocket> {
  const ws = await p;
  clients.push(ws);
  return ws;
}

/** A normal upgrade still works (the server is alive and answering). */
async function stillServes(): Promise<void> {
  const ws = await track(openClient(t.wsUrl('/lab/echo')));
  const echoed = await new Promise<string>((r) => {
    ws.once('message', (d) => r(d.toString()));
    ws.send('still here');
  });
  expect(echoed).toBe('still here');
}

describe('routing', () => {
  test('an upgrade to an unknown path gets a prompt 404 naming the labs', async () => {
    const before = t.server.bus.headSeq;
    const res = await rawUpgrade(t.port, upgradeRequest(t.port, '/lab/nope'), 5000);
    res.socket.destroy();
    expect(res.status).toBe(404);
    expect(res.elapsedMs).toBeLessThan(5000); // a hang or ReDoS takes far longer; loose for loaded machines
    expect(res.body).toMatch(/No WebSocket endpoint at \/lab\/nope/);
    expect(res.body).toMatch(/\/lab\/echo/);
    expect(res.body).toMatch(/\/__wslab\/events/);
    expect(res.head).toMatch(/\r\nConnection: close\r\n/i);
    // a refused upgrade is not a lab connection
    expect(t.server.bus.headSeq).toBe(before);
  });

  test('an upgrade to a path outside /lab gets 404 too', async () => {
    const res = await rawUpgrade(t.port, upgradeRequest(t.port, '/somewhere/else'), 5000);
    res.socket.destroy();
    expect(res.status).toBe(404);
    expect(res.elapsedMs).toBeLessThan(5000); // a hang or ReDoS takes far longer; loose for loaded machines
  });

  test('the ws client sees the 404 as an unexpected response, not a hang', async () => {
    await expect(openClient(t.wsUrl('/lab/missing'))).rejects.toThrow(/unexpected response 404/);
  });

  test('GET /lab/echo without Upgrade gets 426 Upgrade Required with a hint', async () => {
    const res = await fetch(`${t.httpUrl}/lab/echo`);
    expect(res.status).toBe(426);
    expect(res.headers.get('upgrade')).toBe('websocket');
    expect(await res.text()).toMatch(/WebSocket endpoint.*ws:\/\/HOST\/lab\/echo/);
  });
});

describe('Origin check (cross-site WebSocket hijacking)', () => {
  test('an upgrade with Origin: http://evil.example gets 403 and opens nothing: one refused event, no connection', async () => {
    const before = t.server.bus.headSeq;
    const res = await rawUpgrade(t.port, upgradeRequest(t.port, '/lab/echo?session=eve', ['Origin: http://evil.example']), 5000);
    res.socket.destroy();
    expect(res.status).toBe(403);
    expect(res.body).toMatch(/http:\/\/evil\.example/);
    expect(t.server.bus.headSeq).toBe(before + 1);
    const refused = JSON.parse(t.server.bus.at(before)!.json);
    expect(refused).toEqual({
      v: 1, seq: before, t: refused.t, type: 'refused', status: 403,
      reason: 'Origin http://evil.example may not open WebSockets here (cross-site WebSocket hijacking is refused).',
      path: '/lab/echo', origin: 'http://evil.example', sessionId: 'eve',
    });
    await expect(openClient(t.wsUrl('/lab/echo'), { origin: 'http://evil.example' })).rejects.toThrow(/403/);
  });

  test('the observer stream refuses a foreign Origin too', async () => {
    const res = await rawUpgrade(t.port, upgradeRequest(t.port, '/__wslab/events', ['Origin: http://evil.example']), 5000);
    res.socket.destroy();
    expect(res.status).toBe(403);
  });

  test('an Origin that only looks like the page (another host or port) is refused', async () => {
    // (http://localhost:PORT is this very server under its other loopback name, and is allowed.)
    for (const origin of [`http://localhost:${t.port + 1}`, `http://127.0.0.1:${t.port + 1}`, 'null', `http://127.0.0.1:${t.port}.evil.example`, `http://localhost:${t.port}.evil.example`]) {
      const res = await rawUpgrade(t.port, upgradeRequest(t.port, '/lab/echo', [`Origin: ${origin}`]), 5000);
      res.socket.destroy();
      expect(res.status, origin).toBe(403);
    }
  });

  test("an upgrade whose Origin is the page's own origin succeeds and is labelled a browser", async () => {
    const ws = await track(openClient(t.wsUrl('/lab/echo'), { origin: `http://127.0.0.1:${t.port}` }));
    const local = (ws as unknown as { _socket: { localPort: number } })._socket.localPort;
    const open = await log.waitForType('conn.open', (e) => e.remote.port === local);
    expect(open.client).toBe('browser');
  });

  test('a client without Origin (not a browser) succeeds and is labelled external', async () => {
    const ws = await track(openClient(t.wsUrl('/lab/echo')));
    const local = (ws as unknown as { _socket: { localPort: number } })._socket.localPort;
    const open = await log.waitForType('conn.open', (e) => e.remote.port === local);
    expect(open.client).toBe('external');
  });

  test('allowOrigins lets a listed page origin in', async () => {
    const s = await startTestServer({ allowOrigins: ['http://localhost:5173'] });
    try {
      const ws = await openClient(s.wsUrl('/lab/echo'), { origin: 'http://localhost:5173' });
      await shut(ws);
      await expect(openClient(s.wsUrl('/lab/echo'), { origin: 'http://localhost:5174' })).rejects.toThrow(/403/);
    } finally {
      await s.close();
    }
  });
});

describe('hostile requests', () => {
  test('CVE-2021-32640: a Sec-WebSocket-Protocol of 50,000 spaces is answered within 1 s', async () => {
    const res = await rawUpgrade(t.port, upgradeRequest(t.port, '/lab/echo', [`Sec-WebSocket-Protocol: ${' '.repeat(50_000)}`]), 5000);
    res.socket.destroy();
    expect(res.elapsedMs).toBeLessThan(5000); // a hang or ReDoS takes far longer; loose for loaded machines
    expect(res.status).toBeGreaterThanOrEqual(400);
    await stillServes();
  });

  test('CVE-2021-32640: spaces that fit under the header limit reach ws and are answered promptly', async () => {
    // 15,000 spaces between two tokens: inside Node's 16 KiB header limit, so ws parses it
    const res = await rawUpgrade(
      t.port,
      upgradeRequest(t.port, '/lab/echo', [`Sec-WebSocket-Protocol: a${' '.repeat(15_000)}b`]),
      5000,
    );
    res.socket.destroy();
    expect(res.elapsedMs).toBeLessThan(5000); // a hang or ReDoS takes far longer; loose for loaded machines
    expect(Number.isNaN(res.status)).toBe(false);
    await stillServes();
  });

  test('CVE-2024-37890: an upgrade with 2,000 headers before the key does not crash the server', async () => {
    const filler = Array.from({ length: 2000 }, (_, i) => `x${i % 10}: 1`);
    const request = [
      'GET /lab/echo HTTP/1.1',
      `Host: 127.0.0.1:${t.port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      ...filler,
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-WebSocket-Version: 13',
      '',
      '',
    ].join('\r\n');
    const res = await rawUpgrade(t.port, request, 5000);
    res.socket.destroy();
    // Node keeps at most 2,000 headers: the key is cut off, so the handshake is refused
    expect(res.status).toBe(400);
    await stillServes();
  });

  test('a malformed request line gets a 400, and the server keeps serving', async () => {
    const res = await rawUpgrade(t.port, 'NOT HTTP AT ALL\r\n\r\n', 5000);
    res.socket.destroy();
    expect(res.status).toBe(400);
    await stillServes();
  });

  test('an upgrade with an unsupported Sec-WebSocket-Version is refused by ws and reported as a failed handshake', async () => {
    // ws speaks versions 13 and 8 (hybi-08); 7 is refused with the versions it supports
    const request = upgradeRequest(t.port, '/lab/echo').replace('Sec-WebSocket-Version: 13', 'Sec-WebSocket-Version: 7');
    const res = await rawUpgrade(t.port, request, 5000);
    res.socket.destroy();
    expect(res.status).toBe(400);
    expect(res.head).toMatch(/\r\nSec-WebSocket-Version: 13, 8\r\n/i);
    const hs = await log.waitForType('handshake', (e) => e.response.status === 400);
    expect(hs.acceptOk).toBe(false);
    expect(hs.accept).toBeNull();
    await log.waitForType('error', (e) => e.conn === hs.conn && e.source === 'handshake');
    const close = await log.waitForType('close', (e) => e.conn === hs.conn);
    expect(close.initiator).toBe('none');
    await stillServes();
  });
});

describe('binding', () => {
  test('the server binds 127.0.0.1 by default', async () => {
    const s = await startWslab({ port: 0 });
    try {
      expect(s.host).toBe('127.0.0.1');
      expect(s.url).toBe(`http://127.0.0.1:${s.port}`);
      // another interface of this machine does not answer
      const external = Object.values(networkInterfaces())
        .flat()
        .find((a) => a && a.family === 'IPv4' && !a.internal);
      if (external) {
        const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
          const sock = connect(s.port, external.address);
          sock.once('connect', () => {
            sock.destroy();
            resolve(null);
          });
          sock.once('error', (e) => resolve(e));
        });
        expect(err?.code).toBe('ECONNREFUSED');
      }
      const res = await fetch(`${s.url}/__wslab/health`);
      expect(res.status).toBe(200);
    } finally {
      await s.close();
    }
  });
});

describe('cross-site requests to the HTTP API', () => {
  test("a POST from another site's page is refused with 403 and changes nothing; the page's own origin and scripts without Origin are served", async () => {
    const before = (await (await fetch(`${t.httpUrl}/__wslab/heartbeat`)).json()) as { intervalMs: number };
    const evil = await fetch(`${t.httpUrl}/__wslab/heartbeat`, {
      method: 'POST',
      headers: { Origin: 'http://evil.example', 'content-type': 'text/plain' },
      body: JSON.stringify({ intervalMs: 0 }),
    });
    expect(evil.status).toBe(403);
    expect(((await evil.json()) as { error: string }).error).toMatch(/^Origin http:\/\/evil\.example may not change this server/);
    expect(((await (await fetch(`${t.httpUrl}/__wslab/heartbeat`)).json()) as { intervalMs: number }).intervalMs).toBe(before.intervalMs);

    const login = await fetch(`${t.httpUrl}/lab/login`, { method: 'POST', headers: { Origin: 'https://evil.example' }, body: '{"user":"mallory"}' });
    expect(login.status).toBe(403);

    const own = await fetch(`${t.httpUrl}/__wslab/heartbeat`, { method: 'POST', headers: { Origin: t.httpUrl }, body: JSON.stringify({ intervalMs: before.intervalMs }) });
    expect(own.status).toBe(200);
    const script = await fetch(`${t.httpUrl}/__wslab/heartbeat`, { method: 'POST', body: JSON.stringify({ intervalMs: before.intervalMs }) });
    expect(script.status).toBe(200);
  });
});
