// Workshop streams scoped to one participant: a participant's event stream (WebSocket and GET)
// carries their own connections' events and the room's, never another participant's frames or
// handshake, whatever they ask for; the presenter, with a ticket or the key, reads everything.
// Outside workshop mode, ?recent=N starts from a window plus each live connection's anchors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openClient, shut, startTestServer, until, type TestServer, type WslabEvent } from '../helpers/server.ts';
import { publicSessionId } from '../../server/http/session.ts';
import { renderBatch } from '../../server/core/events/records.ts';

const KEY = 'presenter-key-for-tests-0001';

/** A stream client that keeps every event, whatever format it asked for. */
async function stream(t: TestServer, query: string, headers: Record<string, string> = {}): Promise<{ events: WslabEvent[]; ws: WebSocket }> {
  const events: WslabEvent[] = [];
  const ws = new WebSocket(t.wsUrl(`/__wslab/events?${query}`), { headers });
  ws.on('message', (data: Buffer, binary: boolean) => {
    const text = binary ? renderBatch(new Uint8Array(data)) : data.toString();
    for (const line of text.split('\n')) if (line) events.push(JSON.parse(line) as WslabEvent);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_q, res) => reject(new Error(`unexpected response ${res.statusCode}`)));
  });
  return { events, ws };
}

const connsOf = (events: WslabEvent[]) => new Set(events.map((e) => ('conn' in e ? e.conn : undefined)).filter((c): c is string => !!c));

describe('workshop: a participant stream carries only that participant', () => {
  let t: TestServer;
  const sockets: WebSocket[] = [];
  let adaConn = '';
  let bobConn = '';
  beforeAll(async () => {
    t = await startTestServer({ workshop: { presenterKey: KEY } });
    for (const [cookie, text] of [['ada-cookie', 'from ada'], ['bob-cookie', 'from bob']] as const) {
      const ws = await openClient(t.wsUrl('/lab/echo'), { headers: { Cookie: `wslab_session=${cookie}` } });
      sockets.push(ws);
      const echoed = new Promise((r) => ws.once('message', r));
      ws.send(text);
      await echoed;
    }
    const owned = (owner: string) => [...t.server.registry.all()].find((r) => r.meta.owner === owner)!.meta.conn;
    adaConn = owned(publicSessionId('ada-cookie'));
    bobConn = owned(publicSessionId('bob-cookie'));
    // the room-level event every participant sees
    const join = await fetch(`${t.httpUrl}/__wslab/workshop/join`, { method: 'POST', headers: { Cookie: 'wslab_session=ada-cookie', 'Content-Type': 'application/json' }, body: '{"name":"Ada"}' });
    expect(join.status).toBe(201);
  });
  afterAll(async () => {
    for (const ws of sockets) await shut(ws, true);
    await t.close();
  });

  for (const query of ['since=0', 'since=1&format=bin', `since=0&conn=${'BOB'}`, 'since=0&types=frame,handshake,message,conn.open,workshop', 'recent=100000&format=bin', 'since=0&batch=1']) {
    it(`Ada's stream (?${query}) never carries Bob's frames or handshake, and does carry her own`, async () => {
      const q = query.replace('BOB', bobConn);
      const ada = await stream(t, q, { Cookie: 'wslab_session=ada-cookie' });
      // Bob sends while Ada watches: live events are scoped too
      const echoed = new Promise((r) => sockets[1].once('message', r));
      sockets[1].send('bob again');
      await echoed;
      const mine = new Promise((r) => sockets[0].once('message', r));
      sockets[0].send('ada again');
      await mine;
      if (!q.includes('conn=')) {
        await until(() => ada.events.some((e) => e.type === 'message' && e.conn === adaConn && e.dir === 's2c' && e.text === 'ada again'), 5000, "Ada's own live echo");
        expect(['conn.open', 'handshake'].map((type) => ada.events.some((e) => e.type === type && 'conn' in e && e.conn === adaConn))).toEqual([true, true]);
        expect(ada.events.some((e) => e.type === 'workshop' && e.action === 'join')).toBe(true);
      } else {
        // asking for Bob's connection by name narrows Ada's scope to nothing of Bob's
        await new Promise((r) => setTimeout(r, 300));
      }
      expect(connsOf(ada.events).has(bobConn)).toBe(false);
      expect(ada.events.filter((e) => JSON.stringify(e).includes('bob'))).toEqual([]);
      await shut(ada.ws);
    });
  }

  it('a stream without a cookie carries only room-level events', async () => {
    const anon = await stream(t, 'since=0');
    await until(() => anon.events.some((e) => e.type === 'workshop'), 5000, 'the join');
    expect(connsOf(anon.events)).toEqual(new Set());
    await shut(anon.ws);
  });

  it("GET /__wslab/events is scoped the same way: Ada's history has none of Bob's connection", async () => {
    const res = await fetch(`${t.httpUrl}/__wslab/events?since=0&conn=${bobConn},${adaConn}`, { headers: { Cookie: 'wslab_session=ada-cookie' } });
    expect(res.status).toBe(200);
    const events = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as WslabEvent);
    expect(connsOf(events)).toEqual(new Set([adaConn]));
  });

  it("a puppet started by Ada joins her stream whole: its conn.open, handshake and state arrive once it is hers", async () => {
    const ada = await stream(t, 'format=bin', { Cookie: 'wslab_session=ada-cookie' });
    const res = await fetch(`${t.httpUrl}/__wslab/puppets`, { method: 'POST', headers: { Cookie: 'wslab_session=ada-cookie', 'Content-Type': 'application/json' }, body: '{"path":"/lab/echo"}' });
    expect(res.status).toBe(201);
    const { conn, id } = (await res.json()) as { conn: string; id: string };
    await until(() => ['conn.open', 'handshake', 'state'].every((type) => ada.events.some((e) => e.type === type && 'conn' in e && e.conn === conn)), 5000, "the puppet's anchors");
    const bob = await stream(t, 'since=0', { Cookie: 'wslab_session=bob-cookie' });
    await new Promise((r) => setTimeout(r, 200));
    expect(connsOf(bob.events).has(conn)).toBe(false);
    await fetch(`${t.httpUrl}/__wslab/puppets/${id}`, { method: 'DELETE', headers: { Cookie: 'wslab_session=ada-cookie' } });
    await shut(ada.ws);
    await shut(bob.ws);
  });

  it('the presenter, with a ticket from an authenticated POST, sees everyone; a ticket opens one stream', async () => {
    const refused = await fetch(`${t.httpUrl}/__wslab/events/ticket`, { method: 'POST' });
    expect(refused.status).toBe(401);
    const res = await fetch(`${t.httpUrl}/__wslab/events/ticket`, { method: 'POST', headers: { Authorization: `Bearer ${KEY}` } });
    expect(res.status).toBe(201);
    const { ticket, expiresInMs } = (await res.json()) as { ticket: string; expiresInMs: number };
    expect(expiresInMs).toBe(30_000);
    const presenter = await stream(t, `since=0&format=bin&ticket=${ticket}`);
    await until(() => connsOf(presenter.events).has(bobConn) && connsOf(presenter.events).has(adaConn), 5000, 'both participants');
    await shut(presenter.ws);
    // used once: the same ticket is refused with a sentence
    await expect(stream(t, `since=0&ticket=${ticket}`)).rejects.toThrow('unexpected response 403');
    // GET with the key reads everything too; with a wrong key it is refused
    const all = await fetch(`${t.httpUrl}/__wslab/events?since=0`, { headers: { Authorization: `Bearer ${KEY}` } });
    const everyone = connsOf((await all.text()).trim().split('\n').map((l) => JSON.parse(l) as WslabEvent));
    expect([everyone.has(adaConn), everyone.has(bobConn)]).toEqual([true, true]);
    const wrong = await fetch(`${t.httpUrl}/__wslab/events?since=0`, { headers: { Authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(403);
    expect(await wrong.text()).toContain('presenter key is wrong');
  });
});

describe('recent window: a page starts near the head, with each live connection complete', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('?recent=50 sends the live connections\' conn.open, handshake and state, then only the last 50 events', async () => {
    const early = await openClient(t.wsUrl('/lab/echo'));
    const conn = [...t.server.registry.all()][0].meta.conn;
    for (let i = 0; i < 200; i++) {
      const got = new Promise((r) => early.once('message', r));
      early.send(`m${i}`);
      await got;
    }
    const head = t.server.bus.headSeq;
    const page = await stream(t, 'recent=50&format=bin');
    await until(() => page.events.filter((e) => e.seq >= head - 50).length >= 50, 5000, 'the window');
    const anchors = page.events.filter((e) => e.seq < head - 50);
    expect(anchors.map((e) => e.type)).toEqual(['conn.open', 'handshake', 'state']);
    expect(anchors.every((e) => 'conn' in e && e.conn === conn)).toBe(true);
    expect(page.events.filter((e) => e.seq >= head - 50).map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => head - 50 + i));
    // scrolling back: GET with until= fetches what the window left out, and no more
    const back = await fetch(`${t.httpUrl}/__wslab/events?since=${head - 60}&until=${head - 50}`);
    expect((await back.text()).trim().split('\n').map((l) => (JSON.parse(l) as WslabEvent).seq)).toEqual(Array.from({ length: 10 }, (_, i) => head - 60 + i));
    await shut(page.ws);
    await shut(early);
  });
});
