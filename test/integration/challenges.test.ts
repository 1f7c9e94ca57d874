// Every challenge's reference solution, played with real sockets against a real server, is seen
// as solved by GET /__wslab/challenges for the learner who played it; a near-miss of each (a
// masked frame, a 1000 close, a DM picked up on the same node…) played by another learner is not.
// The tracker is fed synchronously by the bus, so once the event that decides a near-miss has
// reached this test's own recorder, the tracker has seen it too.
import { describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { closed, openClient, rawUpgrade, until, upgradeRequest, useLabServer, type Collector, type TestServer } from '../helpers/server.ts';
import { encodeFrame } from '../../server/core/wire/encoder.ts';
import { ChatClient, login, nodeUrl } from '../helpers/chat.ts';
import { CHALLENGES } from '../../server/core/challenges/list.ts';
import type { ChallengeStatus } from '../../server/core/challenges/types.ts';

let t: TestServer;
let log: Collector;
const clients = useLabServer((server, events) => {
  t = server;
  log = events;
});

let n = 0;
/** a fresh learner id */
const learner = (what: string) => `${what}-${++n}`;

async function statuses(session: string): Promise<ChallengeStatus[]> {
  const res = await fetch(`${t.httpUrl}/__wslab/challenges?session=${session}`);
  expect(res.status).toBe(200);
  return (await res.json()) as ChallengeStatus[];
}

async function isSolved(session: string, id: string): Promise<boolean> {
  return (await statuses(session)).find((c) => c.id === id)!.solved;
}

/** Resolves once the API reports the challenge solved for this learner (fails after 5 s). */
async function becomesSolved(session: string, id: string): Promise<void> {
  await until(() => isSolved(session, id).then((ok) => ok || null), 5000, `${id} solved for ${session}`);
}

async function open(path: string, session: string, opts: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  const ws = await openClient(t.wsUrl(`${path}${path.includes('?') ? '&' : '?'}session=${session}`), opts);
  clients.push(ws);
  return ws;
}

/** The server conn of the newest connection opened with this session id. */
async function connOf(session: string): Promise<string> {
  const e = await log.waitForType('conn.open', (o) => o.sessionId === session);
  return e.conn;
}

interface CraftFrame {
  opcode: number;
  payloadText?: string;
  payloadHex?: string;
  mask?: boolean;
  fin?: boolean;
}

/** POST /__wslab/craft: hand-built frames on a fresh connection to /lab/raw?session=S. */
async function craft(session: string, frames: CraftFrame[]): Promise<{ conn: string; closed: boolean; frames: { opcode: number; closeCode: number | null; text: string | null }[] }> {
  const res = await fetch(`${t.httpUrl}/__wslab/craft`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ path: `/lab/raw?session=${session}`, frames, waitMs: 1000 }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { conn: string; closed: boolean; frames: { opcode: number; closeCode: number | null; text: string | null }[] };
  // the crafting client hangs up after its wait: the close event ends what the tracker can see
  await log.waitForType('close', (e) => e.conn === body.conn);
  return body;
}

async function sendAndEcho(ws: WebSocket, data: string | Buffer, opts: { binary?: boolean; fin?: boolean } = {}): Promise<void> {
  const echo = new Promise((resolve) => ws.once('message', resolve));
  ws.send(data, opts);
  await echo;
}

async function closeWith(ws: WebSocket, code?: number, reason?: string): Promise<void> {
  const done = closed(ws);
  ws.close(code, reason);
  await done;
}

async function blackhole(tag: string): Promise<void> {
  const res = await fetch(`${t.httpUrl}/__wslab/link`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ tag, blackhole: true }) });
  expect(res.status).toBe(200);
}

async function offlineDm(session: string, firstNode: number, secondNode: number, user: string): Promise<void> {
  const url = (i: number) => `${nodeUrl(t.server, i)}?session=${session}`;
  const first = await ChatClient.signedIn(url(firstNode), await login(t.server, user));
  await first.close();
  const sender = await ChatClient.signedIn(nodeUrl(t.server, 0), await login(t.server, `${user}-friend`));
  const ack = await sender.request('dm', { to: user, text: 'while you were away' });
  expect(ack.payload.queued).toBe(true);
  const back = await ChatClient.signedIn(url(secondNode), await login(t.server, user));
  await back.waitFor((m) => m.type === 'dm');
  await log.waitForType('fanout', (e) => e.hop === 'dequeue' && e.to === user);
  await back.close();
  await sender.close();
}

/**
 * Two signed-in chat connections of one learner (on nodes `a` and `b`); both join a room when
 * `bothJoin`, then the first sends a chat message; resolves once the message reached every member.
 */
async function roomMessage(session: string, a: number, b: number, bothJoin: boolean): Promise<void> {
  const url = (i: number) => `${nodeUrl(t.server, i)}?session=${session}`;
  const one = await ChatClient.signedIn(url(a), await login(t.server, `${session}-a`));
  const two = await ChatClient.signedIn(url(b), await login(t.server, `${session}-b`));
  const room = `room-${session}`;
  await one.join(room);
  if (bothJoin) await two.join(room);
  const ack = await one.request('chat', { room, text: 'hello room' });
  expect(ack.type).toBe('ack');
  await one.waitFor((m) => m.type === 'chat' && m.id === ack.payload.id);
  if (bothJoin) await two.waitFor((m) => m.type === 'chat' && m.id === ack.payload.id);
  await one.close();
  await two.close();
}

/** Each challenge: the reference solution, and a near-miss that must not count. */
const plays: Record<string, { solve(s: string): Promise<void>; miss(s: string): Promise<void> }> = {
  'first-handshake': {
    solve: async (s) => void (await open('/lab/echo', s)),
    // an upgrade to a path with no lab is answered 404: no 101, no connection
    miss: async (s) => {
      await expect(openClient(t.wsUrl(`/lab/nowhere?session=${s}`))).rejects.toThrow(/404/);
    },
  },
  'subprotocol-chosen': {
    solve: async (s) => {
      const ws = await openClient(t.wsUrl(`/lab/echo?session=${s}`), {});
      clients.push(ws);
      const offered = new WebSocket(t.wsUrl(`/lab/echo?session=${s}`), ['chat.v1']);
      clients.push(offered);
      await new Promise((r) => offered.once('open', r));
      expect(offered.protocol).toBe('chat.v1');
    },
    miss: async (s) => {
      await open('/lab/echo', s);
      await connOf(s);
    },
  },
  'origin-403': {
    solve: async (s) => {
      await expect(openClient(t.wsUrl(`/lab/echo?session=${s}`), { origin: 'http://evil.example' })).rejects.toThrow(/403/);
    },
    // the server's own origin is welcome
    miss: async (s) => void (await open('/lab/echo', s, { origin: t.httpUrl })),
  },
  'two-sockets': {
    solve: async (s) => {
      await open('/lab/echo', s);
      await open('/lab/echo', s);
    },
    miss: async (s) => {
      const a = await open('/lab/echo', s);
      const conn = await connOf(s);
      await closeWith(a);
      await log.waitForType('close', (e) => e.conn === conn);
      await open('/lab/echo', s);
      await log.waitForType('conn.open', (o) => o.sessionId === s && o.conn !== conn);
    },
  },
  'unmasked-1002': {
    solve: async (s) => {
      const r = await craft(s, [{ opcode: 1, payloadText: 'hi', mask: false }]);
      expect(r.frames.find((f) => f.opcode === 8)?.closeCode).toBe(1002);
    },
    miss: async (s) => {
      const r = await craft(s, [{ opcode: 1, payloadText: 'hi' }]);
      expect(r.frames.map((f) => f.text)).toEqual(['hi']);
    },
  },
  'reserved-opcode': {
    solve: async (s) => void (await craft(s, [{ opcode: 3, payloadText: 'x' }])),
    miss: async (s) => void (await craft(s, [{ opcode: 2, payloadText: 'x' }])),
  },
  'control-too-long': {
    solve: async (s) => void (await craft(s, [{ opcode: 9, payloadHex: '00'.repeat(126) }])),
    miss: async (s) => {
      const r = await craft(s, [{ opcode: 9, payloadHex: '00'.repeat(125) }]);
      expect(r.frames.map((f) => f.opcode)).toEqual([10]);
    },
  },
  'length-16': {
    solve: async (s) => void (await sendAndEcho(await open('/lab/echo', s), 'x'.repeat(200))),
    miss: async (s) => void (await sendAndEcho(await open('/lab/echo', s), 'x'.repeat(125))),
  },
  'fragmented-echo': {
    solve: async (s) => {
      const r = await craft(s, [
        { opcode: 1, payloadText: 'Hel', fin: false },
        { opcode: 0, payloadText: 'l', fin: false },
        { opcode: 0, payloadText: 'o' },
      ]);
      expect(r.frames.map((f) => f.text)).toEqual(['Hello']);
    },
    miss: async (s) => {
      const r = await craft(s, [
        { opcode: 1, payloadText: 'Hel', fin: false },
        { opcode: 0, payloadText: 'lo' },
      ]);
      expect(r.frames.map((f) => f.text)).toEqual(['Hello']);
    },
  },
  'ping-pong': {
    solve: async (s) => {
      const ws = await open('/lab/echo', s);
      const pong = new Promise((r) => ws.once('pong', r));
      ws.ping('hi');
      await pong;
    },
    // an unsolicited pong from the client gets nothing back
    miss: async (s) => {
      const ws = await open('/lab/echo', s);
      const conn = await connOf(s);
      ws.pong('hi');
      await log.waitForType('pong', (e) => e.conn === conn && e.dir === 'c2s');
    },
  },
  'binary-echo': {
    solve: async (s) => void (await sendAndEcho(await open('/lab/echo', s), Buffer.from([1, 2, 0xff]), { binary: true })),
    miss: async (s) => void (await sendAndEcho(await open('/lab/echo', s), 'ÿ')),
  },
  'deflate-message': {
    solve: async (s) => void (await sendAndEcho(await open('/lab/echo?deflate=1', s, { perMessageDeflate: { threshold: 0 } }), 'a'.repeat(200))),
    miss: async (s) => void (await sendAndEcho(await open('/lab/echo', s, { perMessageDeflate: { threshold: 0 } }), 'a'.repeat(200))),
  },
  'bad-utf8-1007': {
    solve: async (s) => {
      const r = await craft(s, [{ opcode: 1, payloadHex: 'ff' }]);
      expect(r.frames.find((f) => f.opcode === 8)?.closeCode).toBe(1007);
    },
    // the same byte in a binary message is fine
    miss: async (s) => void (await craft(s, [{ opcode: 2, payloadHex: 'ff' }])),
  },
  'too-big-1009': {
    solve: async (s) => {
      const ws = await open('/lab/echo', s);
      const done = closed(ws);
      ws.send('x'.repeat(70_000));
      expect((await done).code).toBe(1009);
    },
    miss: async (s) => void (await sendAndEcho(await open('/lab/echo', s), 'x'.repeat(60_000))),
  },
  'clean-close': {
    solve: async (s) => void (await closeWith(await open('/lab/echo', s), 1000, 'bye')),
    // dropping TCP without a close frame is not a clean close
    miss: async (s) => {
      const ws = await open('/lab/echo', s);
      const conn = await connOf(s);
      ws.terminate();
      await log.waitForType('close', (e) => e.conn === conn);
    },
  },
  'app-close-4000': {
    solve: async (s) => void (await closeWith(await open('/lab/echo', s), 4000, 'done')),
    miss: async (s) => void (await closeWith(await open('/lab/echo', s), 1000, 'done')),
  },
  'reserved-close-1005': {
    solve: async (s) => {
      const r = await craft(s, [{ opcode: 8, payloadHex: '03ed' }]);
      expect(r.frames.find((f) => f.opcode === 8)?.closeCode).toBe(1002);
    },
    miss: async (s) => {
      const r = await craft(s, [{ opcode: 8, payloadHex: '03e9' }]);
      expect(r.frames.find((f) => f.opcode === 8)?.closeCode).toBe(1001);
    },
  },
  'ghost-reaped': {
    solve: async (s) => {
      await open(`/lab/echo?link=${s}&heartbeat=200&misses=2`, s);
      const conn = await connOf(s);
      await blackhole(s);
      await log.waitForType('heartbeat', (e) => e.conn === conn && e.action === 'terminate', 5000);
    },
    // terminated by the heartbeat, but for not answering pings on a healthy link: not a ghost
    miss: async (s) => {
      await open('/lab/echo?heartbeat=200&misses=2', s, { autoPong: false });
      const conn = await connOf(s);
      await log.waitForType('heartbeat', (e) => e.conn === conn && e.action === 'terminate', 5000);
    },
  },
  'heartbeat-three': {
    solve: async (s) => {
      await open('/lab/echo?heartbeat=200', s);
      const conn = await connOf(s);
      await log.waitForCount((e) => e.type === 'heartbeat' && e.conn === conn && e.action === 'pong', 3, 5000);
    },
    // two pongs on one connection and one on another are three pongs, but not on one connection
    miss: async (s) => {
      const a = await open('/lab/echo?heartbeat=200', s);
      const first = await connOf(s);
      await log.waitForCount((e) => e.type === 'heartbeat' && e.conn === first && e.action === 'pong', 2, 5000);
      a.terminate();
      await log.waitForType('close', (e) => e.conn === first);
      await open('/lab/echo?heartbeat=200', s);
      const second = (await log.waitForType('conn.open', (o) => o.sessionId === s && o.conn !== first)).conn;
      await log.waitForType('heartbeat', (e) => e.conn === second && e.action === 'pong', 5000);
    },
  },
  'json-envelope': {
    solve: async (s) => void (await sendAndEcho(await open('/lab/echo', s), JSON.stringify({ type: 'hello', payload: { name: 'Ada' } }))),
    miss: async (s) => void (await sendAndEcho(await open('/lab/echo', s), JSON.stringify({ kind: 'hello', payload: {} }))),
  },
  'room-broadcast': {
    solve: (s) => roomMessage(s, 0, 0, true),
    // the second connection never joined: only the sender's own copy comes back
    miss: (s) => roomMessage(s, 0, 0, false),
  },
  'cross-node': {
    solve: (s) => roomMessage(s, 0, 1, true),
    // delivered to the other connection, but on the same node: no broker hop needed
    miss: (s) => roomMessage(s, 1, 1, true),
  },
  'auth-4001': {
    solve: async (s) => {
      const c = await ChatClient.open(t.wsUrl(`/lab/chat?token=forged&session=${s}`));
      expect((await c.closed).code).toBe(4001);
    },
    // a real token is welcomed; leaving normally is no refusal
    miss: async (s) => {
      const c = await ChatClient.signedIn(t.wsUrl(`/lab/chat?session=${s}`), await login(t.server, `${s}-ok`));
      await c.close();
    },
  },
  'offline-dm': {
    solve: (s) => offlineDm(s, 0, 1, `lou${n}`),
    // offline and back on the same node
    miss: (s) => offlineDm(s, 0, 0, `lou${n}`),
  },
  'first-echo': {
    solve: async (s) => void (await sendAndEcho(await open('/lab/echo', s), 'hello')),
    miss: async (s) => void (await sendAndEcho(await open('/lab/echo', s), 'hell')),
  },
};

describe('challenges checked against the live server', () => {
  test('there are at least 20, with the eight the issue names, each played below', () => {
    expect(CHALLENGES.length).toBeGreaterThanOrEqual(20);
    const ids = CHALLENGES.map((c) => c.id);
    for (const id of ['unmasked-1002', 'bad-utf8-1007', 'too-big-1009', 'origin-403', 'ping-pong', 'fragmented-echo', 'ghost-reaped', 'offline-dm']) expect(ids).toContain(id);
    expect(Object.keys(plays).sort()).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('GET /__wslab/challenges lists every challenge unsolved for a new learner; a bad session is a 400 with a sentence', async () => {
    const list = await statuses('nobody-yet');
    expect(list).toEqual(CHALLENGES.map((c) => ({ id: c.id, lesson: c.lesson, title: c.title, goal: c.goal, solved: false, solvedAt: null })));
    const bad = await fetch(`${t.httpUrl}/__wslab/challenges?session=${encodeURIComponent('a b')}`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/session must be/);
    const none = await fetch(`${t.httpUrl}/__wslab/challenges`);
    expect(none.status).toBe(400);
  });

  test('unmasked-1002 from a raw TCP client of the learner too: the unmasked frame solves it, the same frame masked does not', async () => {
    const play = async (session: string, maskingKey: Uint8Array | null) => {
      const res = await rawUpgrade(t.port, upgradeRequest(t.port, `/lab/echo?session=${session}`));
      expect(res.status).toBe(101);
      const conn = await connOf(session);
      res.socket.write(encodeFrame({ opcode: 1, payload: new TextEncoder().encode('hi'), maskingKey }));
      // the server answers with a close frame (1002) or the echo: either way a s2c frame
      await log.waitForType('frame', (f) => f.conn === conn && f.dir === 's2c');
      res.socket.destroy();
      await log.waitForType('close', (e) => e.conn === conn);
    };
    const hit = learner('raw-hit');
    await play(hit, null);
    expect(await isSolved(hit, 'unmasked-1002')).toBe(true);
    const near = learner('raw-miss');
    await play(near, new Uint8Array([1, 2, 3, 4]));
    expect(await isSolved(near, 'unmasked-1002')).toBe(false);
  });

  for (const c of CHALLENGES) {
    test(`${c.id}: the reference solution solves it; a near-miss does not`, async () => {
      const play = plays[c.id]!;
      const hit = learner('hit');
      const before = Date.now();
      await play.solve(hit);
      await becomesSolved(hit, c.id);
      const solvedAt = (await statuses(hit)).find((x) => x.id === c.id)!.solvedAt!;
      expect(solvedAt).toBeGreaterThanOrEqual(before);
      expect(solvedAt).toBeLessThanOrEqual(Date.now());

      const near = learner('miss');
      await play.miss(near);
      expect(await isSolved(near, c.id)).toBe(false);
    }, 20_000);
  }
});
