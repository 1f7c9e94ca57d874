// Workshop mode against real sockets: the presenter key guards the presenter's actions (and the
// cross-site Origin check comes first), participants' names are sanitized and travel with their
// connections, a room-wide blackhole makes the heartbeat reap every participant, and a room of a
// hundred fits the caps. Without --workshop the endpoints say how to turn it on.
import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { afterEach, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { WORKSHOP_OFF } from '../../server/workshop/api.ts';
import { closed, collect, observe, openClient, rawUpgrade, shut, startTestServer, until, upgradeRequest, type Collector, type Observer, type TestServer, useLabServer } from '../helpers/server.ts';
import { startWslab } from '../../server/app.ts';
import type { EventOf } from '../../server/core/events/schema.ts';
import { publicSessionId } from '../../server/http/session.ts';

const KEY = 'test-presenter-key-0123456789';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: Record<string, unknown>;
}

/** One HTTP request with exactly these headers (node:http, so Host can be any value). */
function call(port: number, method: string, path: string, opts: { headers?: Record<string, string>; body?: unknown; address?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const req = request({ host: opts.address ?? '127.0.0.1', port, method, path, headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...opts.headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          json = { text };
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const presenter = { Authorization: `Bearer ${KEY}` };
const asCookie = (session: string) => ({ Cookie: `wslab_session=${session}` });

let t: TestServer;
let log: Collector;
const clients: WebSocket[] = [];

useLabServer((server) => (t = server), { workshop: { presenterKey: KEY } });
afterEach(async () => {
  for (const c of clients.splice(0)) await shut(c, true);
  // a clean room for the next test
  await call(t.port, 'POST', '/__wslab/workshop/action', { headers: presenter, body: { action: 'restore' } });
  for (const p of t.server.workshop!.room.participants()) t.server.workshop!.room.leave(p.session);
  t.server.workshop!.room.heartbeat = null;
  log?.stop();
  expect(log?.invalid ?? []).toEqual([]);
});

async function join(session: string, name: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return call(t.port, 'POST', '/__wslab/workshop/join', { headers: { ...asCookie(session), ...headers }, body: { name } });
}

async function act(body: Record<string, unknown>, headers: Record<string, string> = presenter): Promise<Reply> {
  return call(t.port, 'POST', '/__wslab/workshop/action', { headers, body });
}

/** A participant's lab connection (through the chaos link when `linked`); resolves with its server conn once its meta event named it. */
async function participantConn(session: string, name: string, path: string): Promise<{ client: WebSocket; conn: string }> {
  const before = t.server.bus.headSeq;
  const client = await openClient(t.wsUrl(path), { headers: asCookie(session) });
  clients.push(client);
  const meta = await log.waitForType('meta', (e) => e.seq >= before && e.name === name && e.sessionId === (new URL(path, 'http://x').searchParams.get('session') ?? publicSessionId(session)));
  return { client, conn: meta.conn };
}

describe('without --workshop', () => {
  test('every workshop endpoint answers 404 with the command that turns workshop mode on', async () => {
    const plain = await startTestServer();
    try {
      const replies = await Promise.all([
        call(plain.port, 'GET', '/__wslab/workshop'),
        call(plain.port, 'POST', '/__wslab/workshop/join', { headers: asCookie('s1'), body: { name: 'Ada' } }),
        call(plain.port, 'GET', '/__wslab/workshop/presenter', { headers: presenter }),
        call(plain.port, 'POST', '/__wslab/workshop/action', { headers: presenter, body: { action: 'blackhole' } }),
      ]);
      for (const r of replies) expect(r).toMatchObject({ status: 404, json: { error: WORKSHOP_OFF, enabled: false } });
      expect(WORKSHOP_OFF).toContain('npx wslab start --workshop --host 0.0.0.0');
      expect(plain.server.workshop).toBeNull();
    } finally {
      await plain.close();
    }
  });
});

describe('the presenter key', () => {
  test('presenter actions without a key get 401 (with WWW-Authenticate), with a wrong key 403, with the key 200; refused ones change nothing', async () => {
    log = collect(t);
    const none = await act({ action: 'blackhole' }, {});
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="wslab workshop presenter"');
    expect(none.json).toEqual({
      error: 'presenter actions need the presenter key: send Authorization: Bearer KEY (KEY is the key= of the presenter URL wslab printed at start)',
    });
    expect((await act({ action: 'blackhole' }, { Authorization: KEY })).status).toBe(401); // no "Bearer"
    expect((await act({ action: 'blackhole' }, { Authorization: `Basic ${KEY}` })).status).toBe(401);
    for (const wrong of ['wrong', KEY.slice(0, -1), KEY + 'x', KEY.toUpperCase()]) {
      const r = await act({ action: 'blackhole' }, { Authorization: `Bearer ${wrong}` });
      expect(r).toMatchObject({ status: 403, json: { error: 'the presenter key is wrong' } });
    }
    expect((await call(t.port, 'GET', '/__wslab/workshop/presenter')).status).toBe(401);
    expect((await call(t.port, 'GET', '/__wslab/workshop/presenter', { headers: { Authorization: 'Bearer nope' } })).status).toBe(403);
    expect(log.ofType('workshop')).toEqual([]);

    expect(await call(t.port, 'GET', '/__wslab/workshop/presenter', { headers: presenter })).toMatchObject({ status: 200, json: { presenter: true } });
    const ok = await act({ action: 'heartbeat', intervalMs: 0 });
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ event: log.ofType('workshop')[0], skipped: 0 });
    expect(log.ofType('workshop')).toHaveLength(1);
  });

  test('the key appears in no response and no event: GET /__wslab/workshop, join answers and the whole history', async () => {
    log = collect(t);
    await join('s-key', 'Kim');
    const state = await call(t.port, 'GET', '/__wslab/workshop', { headers: asCookie('s-key') });
    expect(JSON.stringify(state.json)).not.toContain(KEY);
    const history = await (await fetch(`${t.httpUrl}/__wslab/events?since=0`)).text();
    expect(history).not.toContain(KEY);
  });

  test('a cross-site page is refused with 403 before the key is looked at, for presenter actions and joins alike', async () => {
    log = collect(t);
    const evil = { Origin: 'http://evil.example' };
    const r = await act({ action: 'blackhole' }, { ...presenter, ...evil });
    expect(r).toMatchObject({ status: 403, json: { error: 'Origin http://evil.example may not change this server (cross-site requests are refused).' } });
    expect((await join('s-evil', 'Mallory', evil)).status).toBe(403);
    expect((await call(t.port, 'POST', '/__wslab/workshop/leave', { headers: { ...asCookie('s-evil'), ...evil } })).status).toBe(403);
    expect(t.server.workshop!.room.size).toBe(0);
    expect(log.ofType('workshop')).toEqual([]);
    // the page's own origin is fine
    expect((await act({ action: 'heartbeat', intervalMs: 0 }, { ...presenter, Origin: t.httpUrl })).status).toBe(200);
  });
});

describe('Host names and network addresses', () => {
  test('a Host that is not one of this server\'s (a LAN address it is not bound to) is refused with 421; with --allow-host that page may POST and open sockets', async () => {
    const lan = `192.168.77.5:${t.port}`;
    const asLan = { Host: lan, Origin: `http://${lan}` };
    const refused = await join('s-lan', 'Lan', asLan);
    expect(refused.status).toBe(421);
    expect(refused.json.text).toMatch(/^Host "192\.168\.77\.5:\d+" is not a name this wslab serves/);
    const up = await rawUpgrade(t.port, upgradeRequest(t.port, '/lab/echo', [`Origin: http://${lan}`]).replace(`Host: 127.0.0.1:${t.port}`, `Host: ${lan}`));
    expect(up.status).toBe(421);
    // an Origin that is none of this server's pages is refused even with a Host it serves
    const other = await rawUpgrade(t.port, upgradeRequest(t.port, '/lab/echo', [`Origin: http://${lan}`]));
    expect(other.status).toBe(403);
    expect(t.server.workshop!.room.size).toBe(0);

    const s = await startWslab({ host: '127.0.0.1', port: 0, workshop: { presenterKey: KEY }, allowHosts: ['192.168.77.5'] });
    try {
      const named = `192.168.77.5:${s.port}`;
      const r = await call(s.port, 'POST', '/__wslab/workshop/join', { headers: { Host: named, Origin: `http://${named}`, ...asCookie('s-lan') }, body: { name: 'Lan' } });
      expect(r).toMatchObject({ status: 201, json: { name: 'Lan' } });
      const ok = await rawUpgrade(s.port, upgradeRequest(s.port, '/lab/echo', [`Origin: http://${named}`]).replace(`Host: 127.0.0.1:${s.port}`, `Host: ${named}`));
      expect(ok.status).toBe(101);
      ok.socket.destroy();
    } finally {
      await s.close();
    }
  });

  test('bound to 0.0.0.0, the join URLs are this machine’s network addresses, and a page on one of them joins and connects', async () => {
    const addresses = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && a.family === 'IPv4' && !a.internal)
      .map((a) => a!.address);
    const s = await startWslab({ host: '0.0.0.0', port: 0, workshop: { presenterKey: KEY } });
    try {
      expect(s.workshop!.joinUrls).toEqual([...new Set(addresses)].map((a) => `http://${a}:${s.port}/workshop`));
      expect(s.workshop!.presenterUrl).toBe(`http://127.0.0.1:${s.port}/workshop?key=${KEY}`);
      if (addresses.length === 0) return; // no network interface on this machine: nothing more to try
      const origin = `http://${addresses[0]}:${s.port}`;
      const r = await call(s.port, 'POST', '/__wslab/workshop/join', { address: addresses[0], headers: { Origin: origin, ...asCookie('s-net') }, body: { name: 'Net' } });
      expect(r).toMatchObject({ status: 201, json: { id: 'p1', name: 'Net' } });
      const ws = await openClient(`ws://${addresses[0]}:${s.port}/lab/echo`, { headers: { Origin: origin, ...asCookie('s-net') } });
      await until(() => [...s.registry.all()].some((rec) => rec.meta.name === 'Net'), 2000, 'the named connection');
      await shut(ws);
    } finally {
      await s.close();
    }
  });
});

describe('participants', () => {
  test('a name is sanitized (controls, bidi overrides, zero-width characters and spaces), limited to 32 characters and made unique in the room', async () => {
    log = collect(t);
    const a = await join('s-ada', '  Ada\u202e\tLove\u200blace\u0000\u001b[31m \n');
    expect(a).toMatchObject({ status: 201, json: { id: expect.stringMatching(/^p\d+$/), name: 'Ada Lovelace[31m' } });
    const same = await join('s-ada2', 'ada lovelace[31m');
    expect(same.json.name).toBe('ada lovelace[31m (2)');
    const long = await join('s-long', 'x'.repeat(100));
    expect(long.json.name).toBe('x'.repeat(32));
    const longTwin = await join('s-long2', 'X'.repeat(40));
    expect(longTwin.json.name).toBe('X'.repeat(28) + ' (2)');
    for (const bad of ['\u200b \n\u0007', '', 42, null]) {
      const r = await join('s-bad', bad);
      expect(r.status).toBe(400);
      expect(String(r.json.error)).toMatch(/name/);
    }
    const noCookie = await call(t.port, 'POST', '/__wslab/workshop/join', { body: { name: 'Anon' } });
    expect(noCookie).toMatchObject({ status: 400, json: { error: 'no wslab_session cookie: open /workshop in a browser (the page sets it), or send Cookie: wslab_session=ID' } });
    // joining again with the same name changes nothing; another name renames
    expect((await join('s-ada', 'Ada Lovelace[31m')).status).toBe(200);
    expect(log.ofType('workshop').map((e) => [e.action, e.name])).toEqual([
      ['join', 'Ada Lovelace[31m'],
      ['join', 'ada lovelace[31m (2)'],
      ['join', 'x'.repeat(32)],
      ['join', 'X'.repeat(28) + ' (2)'],
    ]);
  });

  test('the name is bound to every connection of the participant: exact metadata in GET /__wslab/connections and the meta event, through renames and leaving', async () => {
    log = collect(t);
    // opened before joining, with the page's cookie: named on join
    const early = await openClient(t.wsUrl('/lab/echo'), { headers: asCookie('s-grace') });
    clients.push(early);
    // events show the cookie's public id, never the cookie itself
    const earlyOpen = await log.waitForType('conn.open', (e) => e.sessionId === publicSessionId('s-grace'));
    const joined = await join('s-grace', 'Grace');
    const id = joined.json.id as string;
    const earlyMeta = await log.waitForType('meta', (e) => e.conn === earlyOpen.conn);
    expect(earlyMeta).toEqual({ v: 1, seq: earlyMeta.seq, t: earlyMeta.t, type: 'meta', conn: earlyOpen.conn, socketId: earlyOpen.conn, sessionId: publicSessionId('s-grace'), userId: null, name: 'Grace' });
    const joinEvent = log.ofType('workshop').at(-1)!;
    expect(joinEvent).toEqual({
      v: 1, seq: joinEvent.seq, t: joinEvent.t, type: 'workshop', action: 'join', by: 'participant', participant: id, name: 'Grace',
      participants: 1, conns: 1, durationMs: null, latencyMs: null, heartbeat: null,
    });
    expect(earlyMeta.seq).toBeLessThan(joinEvent.seq);

    // opened after joining with its own ?session= (as the playground does): the cookie still names it
    const { conn } = await participantConn('s-grace', 'Grace', '/lab/echo?session=pg-abc');
    const open = log.ofType('conn.open', conn)[0];
    const meta = log.ofType('meta', conn)[0];
    expect(meta).toEqual({ v: 1, seq: meta.seq, t: meta.t, type: 'meta', conn, socketId: conn, sessionId: 'pg-abc', userId: null, name: 'Grace' });
    expect(meta.seq).toBeGreaterThan(open.seq);
    const list = (await (await fetch(`${t.httpUrl}/__wslab/connections`)).json()) as { connections: Record<string, unknown>[] };
    const row = list.connections.find((c) => c.conn === conn)!;
    expect(row).toMatchObject({ conn, socketId: conn, sessionId: 'pg-abc', userId: null, name: 'Grace', lab: 'echo', path: '/lab/echo?session=pg-abc', client: 'external', readyState: 1 });
    expect(list.connections.find((c) => c.conn === earlyOpen.conn)).toMatchObject({ sessionId: publicSessionId('s-grace'), name: 'Grace' });
    // someone else's connection carries no name
    const stranger = await openClient(t.wsUrl('/lab/echo?session=stranger'));
    clients.push(stranger);
    const strangerOpen = await log.waitForType('conn.open', (e) => e.sessionId === 'stranger');
    expect(t.server.registry.get(strangerOpen.conn)!.meta.name).toBeNull();

    const state = await call(t.port, 'GET', '/__wslab/workshop', { headers: asCookie('s-grace') });
    expect(state.json).toMatchObject({ enabled: true, participants: [{ id, name: 'Grace', conns: 2 }], effects: [], heartbeat: null, joinUrls: [], you: { id, name: 'Grace' } });
    expect((await call(t.port, 'GET', '/__wslab/workshop')).json.you).toBeNull();

    // renaming renames both connections
    const seq = t.server.bus.headSeq;
    expect(await join('s-grace', 'Grace Hopper')).toMatchObject({ status: 200, json: { id, name: 'Grace Hopper' } });
    await log.waitForCount((e) => e.type === 'meta' && e.seq >= seq, 2);
    expect(log.ofType('meta').filter((e) => e.seq >= seq).map((e) => [e.conn, e.name]).sort()).toEqual([[conn, 'Grace Hopper'], [earlyOpen.conn, 'Grace Hopper']].sort());
    expect(log.ofType('workshop').at(-1)).toMatchObject({ action: 'rename', participant: id, name: 'Grace Hopper', conns: 2 });

    // leaving takes the name off
    expect(await call(t.port, 'POST', '/__wslab/workshop/leave', { headers: asCookie('s-grace') })).toMatchObject({ status: 200, json: { left: id } });
    expect(t.server.registry.get(conn)!.meta.name).toBeNull();
    expect(log.ofType('meta', conn).at(-1)).toMatchObject({ name: null });
    expect(log.ofType('workshop').at(-1)).toMatchObject({ action: 'leave', participant: id, participants: 0, conns: 2 });
    expect((await call(t.port, 'POST', '/__wslab/workshop/leave', { headers: asCookie('s-grace') })).status).toBe(404);
  });
});

describe('presenter actions', () => {
  test('blackhole the room for 1 s: every participant’s heartbeat misses and the server terminates them; a non-participant keeps its pongs; the timer lifts it and the browsers get RST', async () => {
    log = collect(t);
    const path = '/lab/echo?link=room&heartbeat=100&misses=2';
    // someone who did not join, on the same kind of connection
    const other = await openClient(t.wsUrl(path));
    clients.push(other);
    const otherConn = (await log.waitForType('conn.open', (e) => e.path === '/lab/echo?heartbeat=100&misses=2' && e.sessionId === null)).conn;
    await join('s-ann', 'Ann');
    await join('s-bob', 'Bob');
    const ann = await participantConn('s-ann', 'Ann', path);
    const bob = await participantConn('s-bob', 'Bob', path);
    for (const c of [ann.conn, bob.conn, otherConn]) await log.waitForType('heartbeat', (e) => e.conn === c && e.action === 'pong', 2000);
    const annClosed = closed(ann.client);
    const bobClosed = closed(bob.client);

    const r = await act({ action: 'blackhole', seconds: 1 });
    expect(r.status).toBe(200);
    const hole = r.json.event as EventOf<'workshop'>;
    expect(hole).toEqual({
      v: 1, seq: hole.seq, t: hole.t, type: 'workshop', action: 'blackhole', by: 'presenter', participant: null, name: null,
      participants: 2, conns: 2, durationMs: 1000, latencyMs: null, heartbeat: null,
    });
    expect(r.json.skipped).toBe(0);
    const state = await call(t.port, 'GET', '/__wslab/workshop');
    expect(state.json.effects).toEqual([{ action: 'blackhole', participant: null, name: null, since: expect.any(Number), until: expect.any(Number), latencyMs: null }]);
    const [effect] = state.json.effects as { since: number; until: number }[];
    expect(effect.until).toBe(Math.round((effect.since + 1000) * 1000) / 1000);

    for (const c of [ann.conn, bob.conn]) {
      const term = await log.waitForType('heartbeat', (e) => e.conn === c && e.action === 'terminate', 3000);
      expect(term).toMatchObject({ missed: 2, maxMisses: 2, intervalMs: 100 });
      // a pong already past the link when the blackhole began may still arrive after it: count
      // from the last pong the server got
      const lastPong = log.ofType('heartbeat', c).filter((e) => e.action === 'pong' && e.seq < term.seq).at(-1)!;
      const from = Math.max(hole.seq, lastPong.seq);
      const after = log.ofType('heartbeat', c).filter((e) => e.seq > from && e.seq <= term.seq);
      expect(after.filter((e) => e.action !== 'ping').map((e) => [e.action, e.missed])).toEqual([
        ['miss', 1],
        ['miss', 2],
        ['terminate', 2],
      ]);
      const close = await log.waitForType('close', (e) => e.conn === c, 2000);
      expect(close).toMatchObject({ code: null, initiator: 'none', clean: false });
      expect(t.server.registry.get(c)).toBeUndefined();
    }
    // the browsers have heard nothing yet: the tunnel swallows the server's FIN too
    expect(ann.client.readyState).toBe(WebSocket.OPEN);
    expect(bob.client.readyState).toBe(WebSocket.OPEN);
    // the non-participant was not in the tunnel
    // (on a loaded machine a pong can take over 100 ms and count one miss: what matters is that it stays)
    expect(log.ofType('heartbeat', otherConn).filter((e) => e.seq > hole.seq && e.action === 'terminate')).toEqual([]);
    expect(t.server.registry.get(otherConn)).toBeDefined();
    expect(log.ofType('heartbeat', otherConn).filter((e) => e.seq > hole.seq && e.action === 'pong').length).toBeGreaterThan(0);

    // after 1 s the timer lifts the blackhole; the forgotten connections are reset
    const lifted = await log.waitForType('workshop', (e) => e.by === 'timer', 3000);
    expect(lifted).toMatchObject({ action: 'restore', by: 'timer', participant: null, name: null, participants: 2, conns: 2, durationMs: null });
    expect(lifted.t - hole.t).toBeGreaterThanOrEqual(990);
    expect((await annClosed).code).toBe(1006);
    expect((await bobClosed).code).toBe(1006);
    expect((await call(t.port, 'GET', '/__wslab/workshop')).json.effects).toEqual([]);
    expect(other.readyState).toBe(WebSocket.OPEN);
  });

  test('one participant: latency until restored, the room heartbeat (also for their next connection), reset, and bad requests answered with the reason', async () => {
    log = collect(t);
    const ann = (await join('s-ann', 'Ann')).json.id as string;
    const bob = (await join('s-bob', 'Bob')).json.id as string;
    const a = await participantConn('s-ann', 'Ann', '/lab/echo?link=room');
    const b = await participantConn('s-bob', 'Bob', '/lab/echo?link=room');
    const plainAnn = await participantConn('s-ann', 'Ann', '/lab/echo'); // not through the link

    const lat = await act({ action: 'latency', participant: ann, latencyMs: 300 });
    expect(lat.json).toMatchObject({ event: { action: 'latency', participant: ann, name: 'Ann', conns: 1, durationMs: null, latencyMs: 300 }, skipped: 1 });
    const links = (await (await fetch(`${t.httpUrl}/__wslab/link`)).json()) as { connections: { conn: string; conditions: { latencyMs: number } }[] };
    expect(links.connections.find((l) => l.conn === a.conn)!.conditions.latencyMs).toBe(300);
    expect(links.connections.find((l) => l.conn === b.conn)!.conditions.latencyMs).toBe(0);
    const started = performance.now();
    await new Promise<void>((resolve) => {
      a.client.once('message', () => resolve());
      a.client.send('slow');
    });
    expect(performance.now() - started).toBeGreaterThanOrEqual(600);
    expect((await call(t.port, 'GET', '/__wslab/workshop')).json.effects).toEqual([{ action: 'latency', participant: ann, name: 'Ann', since: expect.any(Number), until: null, latencyMs: 300 }]);
    const restored = await act({ action: 'restore', participant: ann });
    expect(restored.json).toMatchObject({ event: { action: 'restore', participant: ann, conns: 1 }, skipped: 1 });
    expect((await call(t.port, 'GET', '/__wslab/workshop')).json.effects).toEqual([]);

    const hb = await act({ action: 'heartbeat', intervalMs: 250, maxMisses: 3 });
    expect(hb.json).toMatchObject({ event: { action: 'heartbeat', participant: null, conns: 3, heartbeat: { intervalMs: 250, maxMisses: 3 } }, skipped: 0 });
    const conns = (await (await fetch(`${t.httpUrl}/__wslab/connections`)).json()) as { connections: { conn: string; heartbeat: { intervalMs: number; maxMisses: number } }[] };
    for (const c of [a.conn, b.conn, plainAnn.conn]) expect(conns.connections.find((x) => x.conn === c)!.heartbeat).toMatchObject({ intervalMs: 250, maxMisses: 3 });
    const next = await participantConn('s-bob', 'Bob', '/lab/echo');
    await until(() => t.server.registry.get(next.conn)?.heartbeat?.describe().intervalMs === 250, 2000, 'the room heartbeat on a new connection');
    expect(t.server.registry.describeHeartbeat(t.server.registry.get(next.conn)!)).toMatchObject({ intervalMs: 250, maxMisses: 3 });
    expect((await call(t.port, 'GET', '/__wslab/workshop')).json.heartbeat).toEqual({ intervalMs: 250, maxMisses: 3 });

    const bClosed = closed(b.client);
    const reset = await act({ action: 'reset', participant: bob });
    expect(reset.json).toMatchObject({ event: { action: 'reset', participant: bob, name: 'Bob', conns: 1 }, skipped: 1 });
    expect((await bClosed).code).toBe(1006);
    expect(a.client.readyState).toBe(WebSocket.OPEN);

    const bad: [Record<string, unknown>, number, string][] = [
      [{ action: 'explode' }, 400, 'action must be one of blackhole, latency, reset, restore, heartbeat'],
      [{ action: 'blackhole', participant: 'p999' }, 404, 'no participant p999 in the room'],
      [{ action: 'blackhole', seconds: 0 }, 400, 'seconds must be an integer from 1 to 600'],
      [{ action: 'latency' }, 400, 'latencyMs is required: an integer from 0 to 60000'],
      [{ action: 'heartbeat', intervalMs: 10 }, 400, 'intervalMs must be 0 (off) or an integer from 50 to 3600000'],
      [{ action: 'heartbeat', intervalMs: 1000, maxMisses: 0 }, 400, 'maxMisses must be an integer from 1 to 100'],
    ];
    for (const [body, status, error] of bad) expect(await act(body)).toMatchObject({ status, json: { error } });
  });
});

describe('what only the presenter may do to the whole room', () => {
  test('room-wide lab calls need the key (401 without, 403 wrong); calls aimed at one connection stay open; nothing changes when refused', async () => {
    const before = (await call(t.port, 'GET', '/__wslab/heartbeat')).json;
    const cases: [string, string, unknown][] = [
      ['POST', '/__wslab/heartbeat', { intervalMs: 1000 }],
      ['POST', '/__wslab/link', { latencyMs: 500 }],
      ['POST', '/__wslab/link/reset', {}],
      ['POST', '/__wslab/sim/spawn', { count: 2 }],
      ['POST', '/__wslab/sim/blackhole', { all: true }],
      ['DELETE', '/__wslab/sim', undefined],
      ['POST', '/__wslab/fanout/mode', { mode: 'streams' }],
      ['POST', '/__wslab/fanout/broker/outage', { ms: 100 }],
    ];
    for (const [method, path, body] of cases) {
      const none = await call(t.port, method, path, { body });
      expect(none.status, `${method} ${path}`).toBe(401);
      expect(none.headers['www-authenticate']).toBe('Bearer realm="wslab workshop presenter"');
      expect(String(none.json.error)).toMatch(/^In workshop mode only the presenter may .+: it affects everyone in the room\. Ask the presenter, or send the presenter key \(Authorization: Bearer KEY\)\.$/);
      const wrong = await call(t.port, method, path, { body, headers: { Authorization: 'Bearer nope' } });
      expect(wrong.status, `${method} ${path}`).toBe(403);
      expect(String(wrong.json.error)).toMatch(/: it affects everyone in the room\. The presenter key sent is wrong\.$/);
    }
    expect((await call(t.port, 'GET', '/__wslab/heartbeat')).json).toEqual(before);
    expect((await call(t.port, 'GET', '/__wslab/link')).json.defaults).toMatchObject({ latencyMs: 0 });
    expect((await call(t.port, 'GET', '/__wslab/sim')).json).toMatchObject({ clients: 0, alive: 0 });
    expect((await call(t.port, 'GET', '/__wslab/fanout')).json).toMatchObject({ mode: 'pubsub' });
    const heartbeatError = (await call(t.port, 'POST', '/__wslab/heartbeat', { body: { intervalMs: 1000 } })).json.error;
    expect(heartbeatError).toBe(
      'In workshop mode only the presenter may change the heartbeat of every connection (give "conn" to change one): it affects everyone in the room. Ask the presenter, or send the presenter key (Authorization: Bearer KEY).',
    );

    // aimed at one's own connection: open to participants
    const ws = await openClient(t.wsUrl('/lab/echo'), { headers: asCookie('s-own') });
    clients.push(ws);
    const conn = (await until(() => [...t.server.registry.all()].at(-1)?.meta.conn)) as string;
    expect((await call(t.port, 'POST', '/__wslab/heartbeat', { body: { conn, intervalMs: 1000 }, headers: asCookie('s-own') })).status).toBe(200);
    expect((await call(t.port, 'POST', '/__wslab/link', { body: { conn: 'c999999', latencyMs: 10 } })).status).toBe(404);
    expect((await call(t.port, 'GET', '/__wslab/sim')).status).toBe(200);

    // the presenter may
    expect((await call(t.port, 'POST', '/__wslab/heartbeat', { body: { intervalMs: 30000, maxMisses: 2 }, headers: presenter })).status).toBe(200);
    expect((await call(t.port, 'POST', '/__wslab/link', { body: { latencyMs: 0 }, headers: presenter })).status).toBe(200);
    expect((await call(t.port, 'POST', '/__wslab/fanout/mode', { body: { mode: 'pubsub' }, headers: presenter })).status).toBe(200);
  });

  test('without --workshop the same room-wide calls need no key', async () => {
    const solo = await startTestServer();
    try {
      expect((await call(solo.port, 'POST', '/__wslab/link', { body: { latencyMs: 0 } })).status).toBe(200);
      expect((await call(solo.port, 'POST', '/__wslab/heartbeat', { body: { intervalMs: 30000 } })).status).toBe(200);
      expect((await call(solo.port, 'POST', '/__wslab/sim/blackhole', { body: { all: true } })).status).toBe(200);
    } finally {
      await solo.close();
    }
  });
});

describe('caps for a room', () => {
  test('100 participants with 3 connections each (one through the chaos link) and 210 open pages fit; one blackhole reaches all 100', async () => {
    log = collect(t);
    const n = 100;
    for (let i = 0; i < n; i++) expect((await join(`room-${i}`, `Student ${i}`)).status).toBe(201);
    const opened: Promise<WebSocket>[] = [];
    for (let i = 0; i < n; i++) {
      const headers = asCookie(`room-${i}`);
      opened.push(openClient(t.wsUrl('/lab/echo?link=room'), { headers }), openClient(t.wsUrl('/lab/echo'), { headers }), openClient(t.wsUrl('/lab/ticker?rate=1'), { headers }));
    }
    clients.push(...(await Promise.all(opened)));
    await until(() => t.server.workshop!.room.recordsOf(null).length === 3 * n, 10_000, '300 named connections');
    // every participant's page follows the event stream; some have a second tab
    const pages: Observer[] = [];
    try {
      for (let i = 0; i < 210; i++) pages.push(await observe(t.httpUrl, 'types=workshop'));
      const r = await act({ action: 'blackhole', seconds: 1 });
      expect(r.json).toMatchObject({ event: { participants: n, conns: n }, skipped: 2 * n });
      for (const p of [pages[0], pages[209]]) await p.waitForType('workshop', (e) => e.action === 'blackhole');
      const state = await call(t.port, 'GET', '/__wslab/workshop');
      expect((state.json.participants as { conns: number }[]).every((p) => p.conns === 3)).toBe(true);
    } finally {
      await Promise.all(pages.map((p) => p.close()));
    }
  }, 60_000);
});
