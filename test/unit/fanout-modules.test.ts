// The pure fan-out modules: envelope validation (every error code), the type router, the topic
// table, and the embedded broker's Redis semantics (pub/sub at-most-once, streams resuming from the
// last id, presence expiring, bounded queues).
import { describe, expect, test } from 'vitest';
import { parseClientMessage, MAX_ENVELOPE_BYTES, MAX_TEXT } from '../../server/fanout/envelope.ts';
import { createRouter, UnknownTypeError } from '../../server/fanout/router.ts';
import { TopicTable, roomOf } from '../../server/fanout/pubsub.ts';
import { EmbeddedHub } from '../../server/fanout/embedded.ts';
import { BrokerDownError, type BrokerHandlers, type LinkStatus, type SocketPresence } from '../../server/fanout/broker.ts';
import { tokenFromHandshake, Auth } from '../../server/labs/chat/auth.ts';
import { selectSubprotocol } from '../../server/connection/subprotocol.ts';

const parse = (value: unknown) => {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return parseClientMessage(text, Buffer.byteLength(text));
};

describe('envelope validation', () => {
  test('a valid chat envelope parses, meta optional', () => {
    const r = parse({ type: 'chat', id: 'm1', payload: { room: 'lobby', text: 'hi' } });
    expect(r).toEqual({ ok: true, message: { type: 'chat', id: 'm1', meta: {}, payload: { room: 'lobby', text: 'hi' } } });
  });

  test('not JSON → bad_json without a ref; binary → bad_json', () => {
    expect(parse('{nope')).toEqual({ ok: false, error: { code: 'bad_json', reason: 'message is not valid JSON', ref: null } });
    const bin = parseClientMessage(null, 4);
    expect(bin.ok === false && bin.error.code).toBe('bad_json');
  });

  test('wrong shape → bad_envelope with the id when readable', () => {
    const r = parse({ type: 'chat', id: 'x7', payload: 'text' });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('bad_envelope');
      expect(r.error.ref).toBe('x7');
      expect(r.error.reason).toMatch(/^not an envelope \{type, id, meta\?, payload\}: payload/);
    }
    const noId = parse({ type: 'chat', payload: {} });
    expect(noId.ok === false && [noId.error.code, noId.error.ref]).toEqual(['bad_envelope', null]);
  });

  test('unknown type → unknown_type naming the known ones', () => {
    const r = parse({ type: 'shout', id: 'u1', payload: {} });
    expect(r.ok === false && r.error).toEqual({ code: 'unknown_type', reason: 'unknown type "shout"; expected one of auth, join, leave, chat, dm, broadcast, ack', ref: 'u1' });
  });

  test('a prototype key is not a type', () => {
    const r = parse({ type: 'constructor', id: 'p1', payload: {} });
    expect(r.ok === false && r.error.code).toBe('unknown_type');
  });

  test('bad payload → bad_payload; overlong text → text_too_long', () => {
    const bad = parse({ type: 'join', id: 'j1', payload: { room: 'no spaces!' } });
    expect(bad.ok === false && [bad.error.code, bad.error.ref]).toEqual(['bad_payload', 'j1']);
    const long = parse({ type: 'chat', id: 'l1', payload: { room: 'r', text: 'x'.repeat(MAX_TEXT + 1) } });
    expect(long.ok === false && [long.error.code, long.error.ref]).toEqual(['text_too_long', 'l1']);
  });

  test('oversized → too_large with its ref', () => {
    const text = JSON.stringify({ type: 'chat', id: 'big', payload: { room: 'r', text: 'x'.repeat(MAX_ENVELOPE_BYTES) } });
    const r = parseClientMessage(text, Buffer.byteLength(text));
    expect(r.ok === false && r.error).toEqual({ code: 'too_large', reason: `message is ${Buffer.byteLength(text)} bytes; the limit is ${MAX_ENVELOPE_BYTES}`, ref: 'big' });
  });
});

describe('type router', () => {
  test('routes each type to its handler with the narrowed message', () => {
    type M = { type: 'a'; n: number } | { type: 'b'; s: string };
    const route = createRouter<M, string[], string>({ a: (m, log) => (log.push('a'), `a${m.n}`), b: (m, log) => (log.push('b'), `b${m.s}`) });
    const log: string[] = [];
    expect(route({ type: 'a', n: 1 }, log)).toBe('a1');
    expect(route({ type: 'b', s: 'x' }, log)).toBe('bx');
    expect(log).toEqual(['a', 'b']);
    expect(() => route({ type: 'c' } as unknown as M, log)).toThrow(UnknownTypeError);
  });
});

describe('topic table', () => {
  test('reports the first subscriber and the last one leaving (the moments to (un)subscribe in the broker)', () => {
    const t = new TopicTable<string>();
    expect(t.subscribe('room:a', 's1')).toBe(true);
    expect(t.subscribe('room:a', 's2')).toBe(false);
    expect(t.subscribe('user:x', 's1')).toBe(true);
    expect(t.unsubscribe('room:a', 's1')).toBe(false);
    expect(t.unsubscribeAll('s2')).toEqual(['room:a']);
    expect(t.allTopics()).toEqual(['user:x']);
    const got: string[] = [];
    expect(t.publish('user:x', (s) => got.push(s))).toBe(1);
    expect(got).toEqual(['s1']);
    expect(roomOf('room:lobby')).toBe('lobby');
    expect(roomOf('user:ada')).toBe(null);
  });
});

function recorder(): BrokerHandlers & { got: string[]; statuses: LinkStatus[] } {
  const r = {
    got: [] as string[],
    statuses: [] as LinkStatus[],
    message: (topic: string, data: string) => r.got.push(`${topic}:${data}`),
    status: (s: LinkStatus) => r.statuses.push(s),
  };
  return r;
}

const tick = () => new Promise((r) => setImmediate(r));

describe('embedded broker', () => {
  test('pub/sub is at-most-once: a paused subscriber misses what was published meanwhile, for good', async () => {
    const hub = new EmbeddedHub();
    const a = hub.connect('a', 'pubsub');
    const b = hub.connect('b', 'pubsub');
    const rb = recorder();
    await a.start(recorder());
    await b.start(rb);
    await b.subscribe('room:r');
    expect((await a.publish('room:r', '1')).receivers).toBe(1);
    await tick();
    b.pause();
    expect((await a.publish('room:r', '2')).receivers).toBe(0);
    b.resume();
    await a.publish('room:r', '3');
    await tick();
    expect(rb.got).toEqual(['room:r:1', 'room:r:3']);
    expect(rb.statuses).toEqual(['up', 'paused', 'up']);
  });

  test('streams resume from the last id: nothing is lost for an outage shorter than the stream', async () => {
    const hub = new EmbeddedHub({ streamLength: 3 });
    const a = hub.connect('a', 'streams');
    const b = hub.connect('b', 'streams');
    const rb = recorder();
    await a.start(recorder());
    await b.start(rb);
    await a.publish('room:r', 'before');
    await b.subscribe('room:r'); // starts after the newest entry
    await a.publish('room:r', '1');
    await tick();
    b.pause();
    for (const m of ['2', '3', '4']) expect((await a.publish('room:r', m)).streamId).toMatch(/^\d+-0$/);
    b.resume();
    await tick();
    expect(rb.got).toEqual(['room:r:1', 'room:r:2', 'room:r:3', 'room:r:4']);
    // an outage longer than the stream loses the trimmed entries
    b.pause();
    for (const m of ['5', '6', '7', '8']) await a.publish('room:r', m);
    b.resume();
    await tick();
    expect(rb.got.slice(4)).toEqual(['room:r:6', 'room:r:7', 'room:r:8']);
  });

  test('a paused link refuses operations with BrokerDownError', async () => {
    const hub = new EmbeddedHub();
    const a = hub.connect('a', 'pubsub');
    await a.start(recorder());
    a.pause();
    await expect(a.publish('all', 'x')).rejects.toBeInstanceOf(BrokerDownError);
    await expect(a.roomUsers('r')).rejects.toBeInstanceOf(BrokerDownError);
  });

  test('presence entries expire when not refreshed: a dead node leaves no permanent ghost', async () => {
    let now = 1_000_000;
    const hub = new EmbeddedHub({ now: () => now });
    const a = hub.connect('n1', 'pubsub');
    await a.start(recorder());
    const p: SocketPresence = { socketId: 'c1', sessionId: null, userId: 'ada', node: 'n1', rooms: ['lobby'], connectedAt: now };
    await a.putPresence(p, 1000);
    await a.putPresence({ ...p, socketId: 'c2', userId: 'bob' }, 5000);
    expect(await a.roomUsers('lobby')).toEqual(['ada', 'bob']);
    expect((await a.userSockets('ada')).map((s) => s.socketId)).toEqual(['c1']);
    now += 1500;
    expect(await a.roomUsers('lobby')).toEqual(['bob']);
    expect(await a.userSockets('ada')).toEqual([]);
    expect((await a.allPresence()).map((s) => s.userId)).toEqual(['bob']);
  });

  test('offline queues are bounded (oldest dropped), ordered, and dequeued by exact entry', async () => {
    const hub = new EmbeddedHub();
    const a = hub.connect('n1', 'pubsub');
    await a.start(recorder());
    expect(await a.enqueue('bob', 'm1', 2, 60_000)).toEqual({ length: 1, dropped: 0 });
    expect(await a.enqueue('bob', 'm2', 2, 60_000)).toEqual({ length: 2, dropped: 0 });
    expect(await a.enqueue('bob', 'm3', 2, 60_000)).toEqual({ length: 2, dropped: 1 });
    expect(await a.queued('bob')).toEqual(['m2', 'm3']);
    expect(await a.dequeue('bob', 'm2')).toBe(true);
    expect(await a.dequeue('bob', 'm2')).toBe(false);
    expect(await a.queued('bob')).toEqual(['m3']);
  });
});

describe('auth helpers', () => {
  test('the token is read from the query, then a bearer subprotocol, then the cookie', () => {
    const url = new URL('http://x/lab/chat');
    expect(tokenFromHandshake(url, { cookie: 'a=1; wslab_token=T3' })).toEqual({ token: 'T3', via: 'cookie' });
    expect(tokenFromHandshake(url, { 'sec-websocket-protocol': 'wslab.chat, bearer.T2', cookie: 'wslab_token=T3' })).toEqual({ token: 'T2', via: 'subprotocol' });
    expect(tokenFromHandshake(new URL('http://x/lab/chat?token=T1'), { cookie: 'wslab_token=T3' })).toEqual({ token: 'T1', via: 'query' });
    expect(tokenFromHandshake(url, {})).toBe(null);
  });

  test('a bearer subprotocol is never selected', () => {
    expect(selectSubprotocol(['bearer.abc', 'wslab.chat'])).toBe('wslab.chat');
    expect(selectSubprotocol(['bearer.abc'])).toBe(false);
  });

  test('tokens verify, expire, and fail under another secret', async () => {
    const auth = new Auth('s1');
    const { token } = await auth.issue('ada');
    expect(await auth.verify(token)).toMatchObject({ ok: true, user: 'ada' });
    const expired = await auth.issue('ada', -10);
    expect(await auth.verify(expired.token)).toEqual({ ok: false, reason: 'expired', detail: 'the token has expired' });
    expect(await new Auth('s2').verify(token)).toEqual({ ok: false, reason: 'invalid', detail: 'the token signature does not verify' });
  });
});
