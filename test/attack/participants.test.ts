// A hostile workshop participant against real sockets: every lab call that would change another
// participant's connection (the chaos link by tag, conn or link id, link resets, heartbeat, flow
// producers, puppets) is refused with 403 and a sentence and changes nothing, while the same calls
// on one's own connections work and the presenter key still reaches everyone. A session id read
// from the event stream does not let anyone act as its owner, and names that read as "Presenter"
// are refused.
import { afterEach, describe, expect, test } from 'vitest';
import { request } from 'node:http';
import WebSocket from 'ws';
import { closed, openClient, shut, until, useLabServer, type Collector, type TestServer } from '../helpers/server.ts';
import { publicSessionId } from '../../server/http/session.ts';
import { impersonatesPresenter } from '../../server/core/workshop/names.ts';

const KEY = 'attack-presenter-key-0123456789';
const presenter = { Authorization: `Bearer ${KEY}` };
const asCookie = (session: string) => ({ Cookie: `wslab_session=${session}` });
const ALICE = 'alice-cookie-0001';
const MALLORY = 'mallory-cookie-0002';

let t: TestServer;
let log: Collector;
const clients = useLabServer(
  (server, events) => {
    t = server;
    log = events;
  },
  { workshop: { presenterKey: KEY } },
);

afterEach(() => {
  const room = t.server.workshop!.room;
  for (const p of room.participants()) room.leave(p.session);
});

interface Reply {
  status: number;
  json: Record<string, unknown>;
}

function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = request({ host: '127.0.0.1', port: t.port, method, path, headers: { ...(text !== undefined && { 'content-type': 'application/json' }), ...headers } }, (res) => {
      let out = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (out += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: out ? (JSON.parse(out) as Record<string, unknown>) : {} }));
    });
    req.on('error', reject);
    req.end(text);
  });
}

const forbidden = (what: string, id: string) =>
  `In workshop mode you may ${what} only on your own connections: ${id} belongs to another session. Ask the presenter, or send the presenter key (Authorization: Bearer KEY).`;

describe('a participant cannot touch another participant’s connections', () => {
  test('chaos link by tag, conn and link id, link reset and heartbeat: 403 with a sentence, nothing changes; own connections and the presenter key work', async () => {
    const linkApi = async () => (await call('GET', '/__wslab/link')).json.connections as { link: string; conn: string | null; conditions: { latencyMs: number } }[];
    await call('POST', '/__wslab/workshop/join', { name: 'Alice' }, asCookie(ALICE));
    await call('POST', '/__wslab/workshop/join', { name: 'Mallory' }, asCookie(MALLORY));
    // find each participant's link connection from the server's registry: the one whose conn the cookie owns
    const socketOf = async (session: string) => {
      const ws = await openClient(t.wsUrl('/lab/echo?link=workshop'), { headers: asCookie(session) });
      clients.push(ws);
      const owner = publicSessionId(session);
      const conn = (await until(() => [...t.server.registry.all()].find((r) => r.meta.owner === owner && r.meta.path === '/lab/echo')?.meta.conn, 5000, 'the server connection')) as string;
      const link = (await until(async () => (await linkApi()).find((l) => l.conn === conn)?.link, 5000, 'its link connection')) as string;
      return { ws, conn, link };
    };
    const alice = await socketOf(ALICE);
    const mallory = await socketOf(MALLORY);
    const aliceClosed = closed(alice.ws);
    let aliceGone = false;
    void aliceClosed.then(() => (aliceGone = true));

    const m = asCookie(MALLORY);
    const attacks: [string, unknown, string, string][] = [
      ['/__wslab/link', { tag: 'workshop', latencyMs: 2000 }, 'change the chaos link', `link connection ${alice.link} (${alice.conn})`],
      ['/__wslab/link', { conn: alice.conn, blackhole: true }, 'change the chaos link', `link connection ${alice.link} (${alice.conn})`],
      ['/__wslab/link', { link: alice.link, latencyMs: 2000 }, 'change the chaos link', `link connection ${alice.link} (${alice.conn})`],
      ['/__wslab/link/reset', { tag: 'workshop' }, 'reset link connections', `link connection ${alice.link} (${alice.conn})`],
      ['/__wslab/link/reset', { conn: alice.conn }, 'reset link connections', `link connection ${alice.link} (${alice.conn})`],
      ['/__wslab/heartbeat', { conn: alice.conn, intervalMs: 50, maxMisses: 1 }, 'change the heartbeat', alice.conn],
    ];
    for (const [path, body, what, id] of attacks) {
      const r = await call('POST', path, body, m);
      expect(r, `${path} ${JSON.stringify(body)}`).toEqual({ status: 403, json: { error: forbidden(what, id) } });
    }
    // a session id read from the events is not a cookie: sent as one, it owns nothing of Alice's
    const aliceOpen = log.ofType('conn.open', alice.conn)[0];
    expect(aliceOpen.sessionId).toBe(publicSessionId(ALICE));
    expect((await call('POST', '/__wslab/link', { conn: alice.conn, latencyMs: 2000 }, asCookie(aliceOpen.sessionId!))).status).toBe(403);
    // without any cookie nothing is one's own
    expect((await call('POST', '/__wslab/link', { conn: alice.conn, latencyMs: 2000 })).json.error).toBe(
      'In workshop mode you may change the chaos link only on your own connections: this request carries no wslab_session cookie, so no connection is its own. Ask the presenter, or send the presenter key (Authorization: Bearer KEY).',
    );
    // a wrong presenter key is named as such
    expect((await call('POST', '/__wslab/link', { conn: alice.conn, latencyMs: 2000 }, { ...m, Authorization: 'Bearer nope' })).json.error).toMatch(/ The presenter key sent is wrong\.$/);

    // nothing of Alice's changed: her link has no latency, her heartbeat is off, her socket echoes
    expect((await linkApi()).find((l) => l.link === alice.link)?.conditions).toMatchObject({ latencyMs: 0, blackhole: false });
    expect(t.server.registry.describeHeartbeat(t.server.registry.get(alice.conn)!)).toMatchObject({ intervalMs: 30000, maxMisses: 2 });
    alice.ws.send('still here');
    expect((await new Promise<WebSocket.RawData>((r) => alice.ws.once('message', r))).toString()).toBe('still here');
    expect(aliceGone).toBe(false);

    // Mallory's own connection is hers to change, by conn or link id
    expect(await call('POST', '/__wslab/link', { conn: mallory.conn, latencyMs: 5 }, m)).toMatchObject({ status: 200, json: { changed: 1 } });
    expect(await call('POST', '/__wslab/heartbeat', { conn: mallory.conn, intervalMs: 30000 }, m)).toMatchObject({ status: 200, json: { conn: mallory.conn } });
    expect(await call('POST', '/__wslab/link/reset', { link: mallory.link }, m)).toMatchObject({ status: 200, json: { reset: 1 } });

    // the presenter may touch everyone's: the room's tag reaches Alice
    expect(await call('POST', '/__wslab/link', { tag: 'workshop', latencyMs: 1 }, presenter)).toMatchObject({ status: 200 });
    expect((await linkApi()).find((l) => l.link === alice.link)?.conditions).toMatchObject({ latencyMs: 1 });
    expect(await call('POST', '/__wslab/link/reset', { conn: alice.conn }, presenter)).toMatchObject({ status: 200, json: { reset: 1 } });
    expect((await aliceClosed).code).toBe(1006);
  });

  test('puppets and flow producers: only their maker (or the presenter) may drive or close them', async () => {
    const a = asCookie(ALICE);
    const m = asCookie(MALLORY);
    const puppet = await call('POST', '/__wslab/puppets', { path: '/lab/echo' }, a);
    expect(puppet.status).toBe(201);
    const id = puppet.json.id as string;
    const pconn = puppet.json.conn as string;
    // the puppet's server connection is Alice's too
    expect(t.server.registry.get(pconn)!.meta.owner).toBe(publicSessionId(ALICE));
    const refusal = forbidden('drive or close a puppet', `puppet ${id}`);
    expect(await call('POST', `/__wslab/puppets/${id}/send`, { text: 'hi' }, m)).toEqual({ status: 403, json: { error: refusal } });
    expect(await call('POST', `/__wslab/puppets/${id}/close`, { code: 1000 }, m)).toEqual({ status: 403, json: { error: refusal } });
    expect(await call('DELETE', `/__wslab/puppets/${id}`, undefined, m)).toEqual({ status: 403, json: { error: refusal } });
    expect(await call('POST', '/__wslab/heartbeat', { conn: pconn, intervalMs: 1000 }, m)).toEqual({ status: 403, json: { error: forbidden('change the heartbeat', pconn) } });
    expect(await call('POST', `/__wslab/puppets/${id}/send`, { text: 'mine' }, a)).toMatchObject({ status: 200, json: { id, readyState: 1 } });
    await log.waitForType('message', (e) => e.conn === pconn && e.dir === 'c2s');
    expect(await call('POST', `/__wslab/puppets/${id}/ping`, {}, presenter)).toMatchObject({ status: 200 });

    const flow = await call('POST', '/__wslab/flow', { strategy: 'pause', rate: 10, size: 64 }, a);
    expect(flow.status).toBe(201);
    const fconn = flow.json.conn as string;
    const flink = flow.json.link as string;
    expect(await call('POST', `/__wslab/flow/${fconn}`, { rate: 20000 }, m)).toEqual({ status: 403, json: { error: forbidden('change a producer', fconn) } });
    expect(await call('DELETE', `/__wslab/flow/${fconn}`, undefined, m)).toEqual({ status: 403, json: { error: forbidden('close a consumer', fconn) } });
    expect(await call('POST', '/__wslab/link', { link: flink, pauseServer: true }, m)).toEqual({ status: 403, json: { error: forbidden('change the chaos link', `link connection ${flink} (${fconn})`) } });
    expect(await call('POST', `/__wslab/flow/${fconn}`, { rate: 20 }, a)).toMatchObject({ status: 200, json: { conn: fconn, config: { rate: 20 } } });
    expect(await call('POST', '/__wslab/link', { link: flink, latencyMs: 3 }, a)).toMatchObject({ status: 200, json: { changed: 1 } });
    expect(await call('DELETE', `/__wslab/flow/${fconn}`, undefined, a)).toEqual({ status: 200, json: { closed: fconn } });
    expect(await call('DELETE', `/__wslab/puppets/${id}`, undefined, a)).toMatchObject({ status: 200 });
  });

  test('simulated clients are the room’s: every change needs the key', async () => {
    for (const [method, path, body] of [['POST', '/__wslab/sim/spawn', { count: 1 }], ['POST', '/__wslab/sim/blackhole', { all: true }], ['POST', '/__wslab/sim/heartbeat', { intervalMs: 0, maxMisses: 2 }], ['DELETE', '/__wslab/sim', undefined]] as const) {
      expect((await call(method, path, body, asCookie(MALLORY))).status, path).toBe(401);
    }
  });
});

describe('sessions', () => {
  test('a session id seen in the events is not a cookie: using it joins as someone new, and cannot rename or remove its owner', async () => {
    const joined = await call('POST', '/__wslab/workshop/join', { name: 'Alice' }, asCookie(ALICE));
    expect(joined.status).toBe(201);
    const before = t.server.bus.headSeq;
    const ws = await openClient(t.wsUrl('/lab/echo'), { headers: asCookie(ALICE) });
    clients.push(ws);
    const open = await log.waitForType('conn.open', (e) => e.seq >= before && e.sessionId === publicSessionId(ALICE));
    const stolen = open.sessionId!;
    expect(stolen).not.toBe(ALICE);
    expect(JSON.stringify(log.events)).not.toContain(ALICE);
    // renaming with the stolen id makes a new participant; leaving with it leaves nobody
    expect(await call('POST', '/__wslab/workshop/leave', undefined, asCookie(stolen))).toEqual({ status: 404, json: { error: 'you are not in the room' } });
    const other = await call('POST', '/__wslab/workshop/join', { name: 'Eve' }, asCookie(stolen));
    expect(other.status).toBe(201);
    expect(other.json.id).not.toBe(joined.json.id);
    const room = (await call('GET', '/__wslab/workshop', undefined, asCookie(ALICE))).json;
    expect(room.you).toEqual({ id: joined.json.id, name: 'Alice' });
    expect(t.server.registry.get(open.conn)!.meta.name).toBe('Alice');
    await shut(ws);
    await call('POST', '/__wslab/workshop/leave', undefined, asCookie(stolen));
    await call('POST', '/__wslab/workshop/leave', undefined, asCookie(ALICE));
  });
});

describe('names', () => {
  test('"Presenter" and its look-alikes (case, spacing, punctuation, accents, full-width and Cyrillic letters) are refused with a sentence', async () => {
    const fakes = ['Presenter', 'presenter', 'PRESENTER', ' P r e s e n t e r ', 'Pre-sent.er', 'Présenter', 'Ｐｒｅｓｅｎｔｅｒ', '\u0420resenter', 'Pr\u0435senter', 'pr3s3nt3r', 'The presenter', 'Presenter (2)'];
    for (const name of fakes) {
      const r = await call('POST', '/__wslab/workshop/join', { name }, asCookie('fake-presenter'));
      expect(r.status, name).toBe(400);
      expect(String(r.json.error), name).toMatch(/^".+" reads as "Presenter": that name is kept for the presenter so nobody can pass for them; choose another$/);
    }
    expect(t.server.workshop!.room.size).toBe(0);
    for (const fine of ['Ada', 'Presentation fan', 'Prés', 'Resenter']) expect(impersonatesPresenter(fine), fine).toBe(false);
    const ok = await call('POST', '/__wslab/workshop/join', { name: 'Presentation fan' }, asCookie('fake-presenter'));
    expect(ok.status).toBe(201);
    await call('POST', '/__wslab/workshop/leave', undefined, asCookie('fake-presenter'));
  });
});
