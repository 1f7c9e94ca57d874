// The room's lifecycle with real clients: a participant whose pages (event streams) and lab
// connections are all gone leaves after the grace period, one who comes back within it stays; the
// presenter removes someone (key-guarded; their connections close with 4003 and a sentence; they
// cannot rejoin); the same browser (cookie) gets its name and id back after the grace period; names
// that pass for the presenter are refused; right after joining, the participant's own stream and
// the roster's snapshot agree on the heartbeat; the presenter's recording (GET /__wslab/events
// with the key) holds every participant's events.
import { request } from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { closed, observe, openClient, shut, type Collector, type Observer, type TestServer, useLabServer } from '../helpers/server.ts';
import type { EventOf } from '../../server/core/events/schema.ts';
import { parseEvent } from '../../server/core/events/schema.ts';
import { REMOVED_CODE, REMOVED_REASON, REMOVED_SENTENCE } from '../../server/workshop/room.ts';

const KEY = 'room-presenter-key-0123456789';
const GRACE_MS = 1500;

interface Reply {
  status: number;
  json: Record<string, unknown>;
}

function call(port: number, method: string, path: string, opts: { headers?: Record<string, string>; body?: unknown } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const req = request({ host: '127.0.0.1', port, method, path, headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...opts.headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        let json: Record<string, unknown>;
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          json = { text };
        }
        resolve({ status: res.statusCode ?? 0, json });
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
const pages: Observer[] = [];

useLabServer((server, l) => ((t = server), (log = l)), { workshop: { presenterKey: KEY, graceMs: GRACE_MS, presenterName: 'Grace Hopper' } });
afterEach(async () => {
  for (const c of clients.splice(0)) await shut(c, true);
  for (const p of pages.splice(0)) await p.close();
  for (const p of t.server.workshop!.room.participants()) t.server.workshop!.room.leave(p.session);
});

const join = (session: string, name: unknown) => call(t.port, 'POST', '/__wslab/workshop/join', { headers: asCookie(session), body: { name } });

/** A participant's page: the event stream the way every wslab page opens it, with their cookie. */
async function openPage(session: string): Promise<Observer> {
  const page = await observe(t.httpUrl, 'since=1', { headers: asCookie(session) });
  pages.push(page);
  return page;
}

/** A participant's lab connection (echo), with their cookie; resolves once its conn.open is out. */
async function openLab(session: string, tag: string): Promise<{ client: WebSocket; conn: string }> {
  const before = t.server.bus.headSeq;
  const client = await openClient(t.wsUrl(`/lab/echo?session=${tag}`), { headers: asCookie(session) });
  clients.push(client);
  const open = await log.waitForType('conn.open', (e) => e.seq >= before && e.path === `/lab/echo?session=${tag}`);
  return { client, conn: open.conn };
}

const workshopEvents = (pred: (e: EventOf<'workshop'>) => boolean) => log.ofType('workshop').filter(pred);

describe('the grace period', () => {
  test('a participant whose page and lab connection are gone leaves after the grace period (a workshop leave by "timer"), not before', async () => {
    const joined = await join('g-ada', 'Ada');
    expect(joined.status).toBe(201);
    const id = joined.json.id as string;
    const page = await openPage('g-ada');
    const lab = await openLab('g-ada', 'g-ada-1');
    await shut(lab.client);
    await page.close();
    const goneAt = Date.now();
    const leave = await log.waitForType('workshop', (e) => e.action === 'leave' && e.participant === id, GRACE_MS + 10_000);
    const after = Date.now() - goneAt;
    expect(leave).toMatchObject({ action: 'leave', by: 'timer', participant: id, name: 'Ada', participants: 0 });
    // the timer started when the last of them closed, so the leave cannot come earlier than the grace period
    expect(after).toBeGreaterThanOrEqual(GRACE_MS - 100);
    expect(t.server.workshop!.room.size).toBe(0);
  });

  test('coming back within the grace period (a reload: the page closes, a new one opens) keeps the participant in the room', async () => {
    const ada = (await join('g-back', 'Bea')).json.id as string;
    const first = await openPage('g-back');
    await first.close();
    // a marker: someone who joins now with no page leaves one grace period later, after Bea's would have
    const marker = (await join('g-marker', 'Marker')).json.id as string;
    await openPage('g-back');
    await log.waitForType('workshop', (e) => e.action === 'leave' && e.participant === marker, GRACE_MS + 10_000);
    expect(workshopEvents((e) => e.participant === ada && e.action === 'leave')).toEqual([]);
    expect(t.server.workshop!.room.participants().map((p) => p.name)).toEqual(['Bea']);
  });

  test('a lab connection alone also keeps its participant (a script joined with the cookie)', async () => {
    const id = (await join('g-lab', 'Cy')).json.id as string;
    await openLab('g-lab', 'g-lab-1');
    const marker = (await join('g-marker2', 'Marker')).json.id as string;
    await log.waitForType('workshop', (e) => e.action === 'leave' && e.participant === marker, GRACE_MS + 10_000);
    expect(workshopEvents((e) => e.participant === id && e.action === 'leave')).toEqual([]);
  });
});

describe('rejoining from the same browser', () => {
  test('after the grace period the cookie gets its name and id back, although someone else asked for the same name meanwhile', async () => {
    const first = await join('r-ada', 'Ines');
    expect(first.status).toBe(201);
    await log.waitForType('workshop', (e) => e.action === 'leave' && e.by === 'timer' && e.participant === first.json.id, GRACE_MS + 10_000);
    const other = await join('r-other', 'Ines');
    expect(other.json).toMatchObject({ name: 'Ines (2)' });
    const back = await join('r-ada', 'Ines');
    expect(back).toEqual({ status: 201, json: { id: first.json.id, name: 'Ines' } });
    // within the room (a reload that joins again): the same participant, nothing changes
    await openPage('r-ada');
    expect(await join('r-ada', 'Ines')).toEqual({ status: 200, json: { id: first.json.id, name: 'Ines' } });
    expect(t.server.workshop!.room.participants().map((p) => p.name).sort()).toEqual(['Ines', 'Ines (2)']);
  });

  test('a participant who left on purpose is not kept: their name is free for the next person', async () => {
    const first = await join('r-leaver', 'Dee');
    expect((await call(t.port, 'POST', '/__wslab/workshop/leave', { headers: asCookie('r-leaver'), body: {} })).status).toBe(200);
    expect((await join('r-next', 'Dee')).json).toMatchObject({ name: 'Dee' });
    expect((await join('r-leaver', 'Dee')).json).toMatchObject({ name: 'Dee (2)' });
    expect(first.status).toBe(201);
  });
});

describe('the presenter removes someone', () => {
  test('without the key 401, with a wrong one 403; with it the participant leaves, their lab connection closes with 4003 and a sentence, their page is told, and they cannot join again', async () => {
    const id = (await join('x-eve', 'Eve')).json.id as string;
    const page = await openPage('x-eve');
    const lab = await openLab('x-eve', 'x-eve-1');
    const closing = closed(lab.client);

    const none = await call(t.port, 'POST', '/__wslab/workshop/remove', { body: { participant: id } });
    expect(none.status).toBe(401);
    expect((await call(t.port, 'POST', '/__wslab/workshop/remove', { headers: { Authorization: 'Bearer wrong' }, body: { participant: id } })).status).toBe(403);
    expect(t.server.workshop!.room.size).toBe(1);
    expect(await call(t.port, 'POST', '/__wslab/workshop/remove', { headers: presenter, body: { participant: 'p999' } })).toEqual({ status: 404, json: { error: 'no participant p999 in the room' } });

    const ok = await call(t.port, 'POST', '/__wslab/workshop/remove', { headers: presenter, body: { participant: id } });
    expect(ok.status).toBe(200);
    expect(ok.json.event).toMatchObject({ type: 'workshop', action: 'remove', by: 'presenter', participant: id, name: 'Eve', participants: 0, conns: 1 });
    expect(await closing).toEqual({ code: REMOVED_CODE, reason: REMOVED_REASON });
    // the page (their scoped stream) sees it: room-level events reach every participant
    await page.waitForType('workshop', (e) => e.action === 'remove' && e.participant === id);
    expect(await join('x-eve', 'Eve')).toEqual({ status: 403, json: { error: REMOVED_SENTENCE } });
    expect(await join('x-eve', 'Someone else')).toEqual({ status: 403, json: { error: REMOVED_SENTENCE } });
    expect(t.server.workshop!.room.size).toBe(0);
  });
});

describe('names', () => {
  test('names that pass for the presenter (roles, the presenter\'s own name; any case, spacing or look-alike letters) are refused with 400 and a sentence', async () => {
    const fakes: [string, string][] = [
      ['Presenter', 'Presenter'],
      ['  instructor ', 'Instructor'],
      ['HOST', 'Host'],
      ['the host', 'Host'],
      ['H0st', 'Host'],
      ['Admin1', 'Admin'],
      ['\u0430dmin', 'Admin'], // Cyrillic а
      ['Ｔｅａｃｈｅｒ', 'Teacher'],
      ['grace hopper', 'Grace Hopper'],
      ['GRACE  HOPPER', 'Grace Hopper'],
      ['Grace-Hopper', 'Grace Hopper'],
    ];
    for (const [name, role] of fakes) {
      const r = await join('n-fake', name);
      expect(r.status, name).toBe(400);
      expect(r.json.error, name).toMatch(new RegExp(`^".+" reads as "${role}": that name is kept for the presenter so nobody can pass for them; choose another$`));
    }
    expect(t.server.workshop!.room.size).toBe(0);
    for (const fine of ['Ghost', 'Badminton', 'Grace', 'Hostess']) expect((await join(`n-${fine}`, fine)).status, fine).toBe(201);
  });

  test('a long name is cut to 32 characters', async () => {
    const r = await join('n-long', 'x'.repeat(500));
    expect(r).toMatchObject({ status: 201, json: { name: 'x'.repeat(32) } });
  });
});

describe('the heartbeat right after joining', () => {
  test('the participant\'s own stream carries their connection\'s heartbeat setting at once, equal to the roster\'s snapshot', async () => {
    await join('h-ada', 'Hal');
    const page = await openPage('h-ada');
    const { conn } = await openLab('h-ada', 'h-ada-1');
    // what the roster reads: GET /__wslab/connections
    const snap = (await (await fetch(`${t.httpUrl}/__wslab/connections`)).json()) as { connections: { conn: string; heartbeat: { intervalMs: number; maxMisses: number; missed: number } }[] };
    const row = snap.connections.find((c) => c.conn === conn)!;
    expect(row.heartbeat).toMatchObject({ intervalMs: 30_000, maxMisses: 2, missed: 0 });
    // what the participant page reads: heartbeat events in its own stream (the first ping is 30 s away)
    const hb = await page.waitForType('heartbeat', (e) => e.conn === conn, 5000);
    expect({ action: hb.action, intervalMs: hb.intervalMs, maxMisses: hb.maxMisses, missed: hb.missed }).toEqual({ action: 'config', intervalMs: row.heartbeat.intervalMs, maxMisses: row.heartbeat.maxMisses, missed: 0 });
  });
});

describe('recording the session', () => {
  test('the presenter\'s download (GET /__wslab/events with the key, NDJSON) holds every participant\'s connection and frames; a participant\'s own read holds only theirs', async () => {
    const sessions = ['rec-a', 'rec-b', 'rec-c'];
    const conns: string[] = [];
    for (const s of sessions) {
      await join(s, `Rec ${s.slice(-1)}`);
      const { client, conn } = await openLab(s, `${s}-1`);
      conns.push(conn);
      client.send(`hello from ${s}`);
    }
    for (const conn of conns) await log.waitForType('frame', (e) => e.conn === conn && e.dir === 's2c' && e.opcode === 1);

    const res = await fetch(`${t.httpUrl}/__wslab/events?since=0`, { headers: presenter });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    const lines = (await res.text()).trimEnd().split('\n');
    const events = lines.map((l) => {
      const r = parseEvent(JSON.parse(l));
      if (!r.ok) throw new Error(r.error);
      return r.event;
    });
    for (const [i, conn] of conns.entries()) {
      expect(events.some((e) => e.type === 'conn.open' && e.conn === conn), conn).toBe(true);
      const texts = events.filter((e): e is EventOf<'frame'> => e.type === 'frame' && e.conn === conn && e.opcode === 1).map((e) => e.dir);
      expect(texts, conn).toEqual(['c2s', 's2c']);
      expect(events.some((e) => e.type === 'workshop' && e.action === 'join' && e.name === `Rec ${sessions[i].slice(-1)}`)).toBe(true);
    }
    // seqs strictly increase: the file replays in order
    for (let i = 1; i < events.length; i++) expect(events[i].seq).toBeGreaterThan(events[i - 1].seq);

    const own = await (await fetch(`${t.httpUrl}/__wslab/events?since=0`, { headers: asCookie('rec-a') })).text();
    const ownConns = new Set(own.trimEnd().split('\n').map((l) => (JSON.parse(l) as { conn?: string }).conn).filter(Boolean));
    expect([...ownConns]).toEqual([conns[0]]);
  });
});
