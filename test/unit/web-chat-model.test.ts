// The chat lab page's pure helpers: where each transport puts the token, what a client makes of the
// server's envelopes (acks, errors, presence, queued DMs acked once and duplicates dropped by id),
// and the node topology the sequence diagram needs.
import { describe, expect, it } from 'vitest';
import type { WslabEvent } from '../../server/core/events/schema.ts';
import { parseClientMessage } from '../../server/fanout/envelope.ts';
import {
  ackedIds,
  applyIncoming,
  lostInRun,
  connectSpec,
  countRun,
  emptyView,
  envelope,
  forge,
  hopsOf,
  MALFORMED,
  missingNodeEvents,
  needsToken,
  nodeOfPort,
  TRANSPORTS,
  type NodeInfo,
} from '../../web/src/labs/chat/model.ts';

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJlLWJ5dGVzLWhlcmU';

describe('connectSpec', () => {
  const base = 'ws://127.0.0.1:8080';
  it('query: the token in the URL, next to the session id', () => {
    const s = connectSpec('query', base, 'chata-1', TOKEN);
    expect(s.url).toBe(`ws://127.0.0.1:8080/lab/chat?session=chata-1&token=${TOKEN}`);
    expect(s.protocols).toEqual(['wslab.chat']);
    expect(s.authFirst).toBeNull();
  });
  it('subprotocol: bearer.<token> offered next to wslab.chat, nothing in the URL', () => {
    const s = connectSpec('subprotocol', base, 'x', TOKEN);
    expect(s.url).toBe('ws://127.0.0.1:8080/lab/chat?session=x');
    expect(s.protocols).toEqual(['wslab.chat', `bearer.${TOKEN}`]);
  });
  it('cookie and none put no token anywhere; auth sends it as the first message', () => {
    for (const t of ['cookie', 'none'] as const) {
      const s = connectSpec(t, base, 'x', TOKEN);
      expect(s.url).toBe('ws://127.0.0.1:8080/lab/chat?session=x');
      expect(s.protocols).toEqual(['wslab.chat']);
      expect(s.authFirst).toBeNull();
    }
    expect(connectSpec('auth', base, 'x', TOKEN).authFirst).toBe(TOKEN);
  });
  it('forged: a token whose signature differs, or a malformed one without a token', () => {
    const f = forge(TOKEN);
    expect(f).not.toBe(TOKEN);
    expect(f.split('.').slice(0, 2)).toEqual(TOKEN.split('.').slice(0, 2));
    expect(forge(null)).toBe('not.a.jwt');
    expect(new URL(connectSpec('forged', base, 'x', TOKEN).url).searchParams.get('token')).toBe(f);
  });
  it('every transport has one line of explanation; only four need a login', () => {
    expect(TRANSPORTS.map((t) => t.id)).toEqual(['query', 'cookie', 'subprotocol', 'auth', 'none', 'forged']);
    for (const t of TRANSPORTS) expect(t.line.length).toBeGreaterThan(20);
    expect(TRANSPORTS.filter((t) => needsToken(t.id)).map((t) => t.id)).toEqual(['query', 'cookie', 'subprotocol', 'auth']);
  });
});

describe('outgoing envelopes', () => {
  it('are what the server validates; the malformed ones fail with bad_json and unknown_type', () => {
    const e = envelope('chat', 'a1', { room: 'lobby', text: 'hi' }, 1);
    const text = JSON.stringify(e);
    expect(parseClientMessage(text, text.length).ok).toBe(true);
    const bad = parseClientMessage(MALFORMED.json, MALFORMED.json.length);
    expect(bad.ok === false && bad.error.code).toBe('bad_json');
    const unknown = MALFORMED.unknown('a-x');
    const u = parseClientMessage(unknown, unknown.length);
    expect(u.ok === false && u.error).toEqual({ code: 'unknown_type', reason: expect.stringContaining('"shout"'), ref: 'a-x' });
  });
});

const msg = (o: object) => JSON.stringify(o);

describe('applyIncoming', () => {
  it('system: the user, the node and how the token came', () => {
    const v = emptyView();
    applyIncoming(v, msg({ type: 'system', id: 'n1-r1', meta: { node: 'n1' }, payload: { text: 'authenticated as ada via handshake (query), on node n1', user: 'ada', node: 'n1', exp: 1 } }));
    expect([v.user, v.node, v.via]).toEqual(['ada', 'n1', 'handshake (query)']);
  });
  it('acks of join and leave keep the room list; presence per room', () => {
    const v = emptyView();
    v.pending.set('a1', 'join');
    applyIncoming(v, msg({ type: 'ack', id: 'r', meta: { node: 'n1' }, payload: { ref: 'a1', room: 'lobby' } }));
    applyIncoming(v, msg({ type: 'presence', id: 'p', meta: { node: 'n1' }, payload: { room: 'lobby', users: ['ada', 'bob'] } }));
    expect([...v.rooms]).toEqual(['lobby']);
    expect(v.presence.get('lobby')).toEqual(['ada', 'bob']);
    v.pending.set('a2', 'leave');
    applyIncoming(v, msg({ type: 'ack', id: 'r2', meta: { node: 'n1' }, payload: { ref: 'a2', room: 'lobby' } }));
    expect(v.rooms.size).toBe(0);
    expect(v.presence.has('lobby')).toBe(false);
    expect(v.pending.size).toBe(0);
  });
  it('chat: sender, room, the node it came through and the node it was published on', () => {
    const v = emptyView();
    expect(applyIncoming(v, msg({ type: 'chat', id: 'n1.x.2', meta: { node: 'n2', origin: 'n1' }, payload: { room: 'lobby', from: 'ada', text: 'hello lobby' } }))).toBeNull();
    expect(v.feed.at(-1)).toEqual({ kind: 'chat', id: 'n1.x.2', from: 'ada', text: 'hello lobby', room: 'lobby', to: null, node: 'n2', origin: 'n1', queued: false, dup: false });
  });
  it('errors are shown with code, reason and ref', () => {
    const v = emptyView();
    applyIncoming(v, msg({ type: 'error', id: 'e', meta: { node: 'n1' }, payload: { code: 'bad_json', reason: 'message is not valid JSON', ref: null } }));
    expect(v.feed.at(-1)).toEqual({ kind: 'error', id: 'e', code: 'bad_json', reason: 'message is not valid JSON', ref: null });
  });
  it('a queued DM asks for an ack; the same id again is a duplicate, acked again but shown as dropped', () => {
    const v = emptyView();
    const dm = msg({ type: 'dm', id: 'n1.x.5', meta: { node: 'n2', origin: 'n1', queued: true }, payload: { from: 'ada', to: 'bob', text: 'while away' } });
    expect(applyIncoming(v, dm)).toEqual({ ackRef: 'n1.x.5' });
    expect(applyIncoming(v, dm)).toEqual({ ackRef: 'n1.x.5' });
    expect(v.queuedDelivered).toBe(1);
    expect(v.duplicates).toBe(1);
    expect(v.feed.map((f) => f.kind === 'dm' && f.dup)).toEqual([false, true]);
    expect(countRun(v.feed, 'while')).toBe(1);
  });
  it('text that is not an envelope becomes a note, not a crash', () => {
    const v = emptyView();
    expect(applyIncoming(v, '<b>hi</b>')).toBeNull();
    expect(v.feed.at(-1)).toMatchObject({ kind: 'note', text: 'not an envelope: <b>hi</b>' });
  });
});

describe('nodes', () => {
  const nodes: NodeInfo[] = [
    { id: 'n1', url: 'ws://127.0.0.1:9001/lab/chat', port: 9001, running: true, sockets: 1, users: 1, broker: null, counters: {} },
    { id: 'n2', url: 'ws://127.0.0.1:9002/lab/chat', port: 9002, running: true, sockets: 1, users: 1, broker: null, counters: {} },
  ];
  it('a connection is on the node whose port the server saw locally', () => {
    expect(nodeOfPort(nodes, 9002)).toBe('n2');
    expect(nodeOfPort(nodes, 1)).toBeNull();
    expect(nodeOfPort(nodes, undefined)).toBeNull();
  });
  it('node events for the nodes the stream never announced, and only those', () => {
    const seen: WslabEvent[] = [{ v: 1, seq: 3, t: 1, type: 'node', node: 'n1', action: 'resume', url: nodes[0].url, port: 9001, detail: '' }];
    expect(missingNodeEvents(seen, nodes)).toEqual([{ v: 1, seq: 0, t: 0, type: 'node', node: 'n2', action: 'start', url: nodes[1].url, port: 9002, detail: 'known from GET /__wslab/nodes' }]);
    expect(missingNodeEvents([], [{ ...nodes[0], running: false }])).toEqual([]);
  });
  it('hopsOf lists one message’s hops in order', () => {
    const hop = (seq: number, hop: 'publish' | 'broker' | 'deliver', node: string, msgId: string): WslabEvent => ({
      v: 1, seq, t: seq, type: 'fanout', hop, node, topic: 'room:lobby', room: 'lobby', msgId, kind: 'chat', from: 'ada', to: null, origin: 'n1', count: 1, streamId: null, detail: '',
    });
    expect(hopsOf([hop(1, 'publish', 'n1', 'm'), hop(2, 'deliver', 'n1', 'm'), hop(3, 'publish', 'n1', 'other'), hop(4, 'broker', 'n2', 'm'), hop(5, 'deliver', 'n2', 'm')], 'm')).toEqual([
      'publish@n1',
      'deliver@n1',
      'broker@n2',
      'deliver@n2',
    ]);
  });
  it('a run’s losses: gaps revealed by its own messages after the first, on the node asked about', () => {
    const v = emptyView();
    for (const [ref, id] of [['a1', 'm1'], ['a2', 'm2'], ['a3', 'm3']]) {
      v.pending.set(ref, 'chat');
      applyIncoming(v, msg({ type: 'ack', id: `r-${ref}`, meta: { node: 'n1' }, payload: { ref, id } }));
    }
    const ids = ackedIds(v.feed, ['a1', 'a2', 'a3', 'a9']);
    expect(ids).toEqual(['m1', 'm2', 'm3']);
    const lost = (seq: number, node: string, msgId: string, count: number): WslabEvent => ({
      v: 1, seq, t: seq, type: 'fanout', hop: 'lost', node, topic: 'room:lobby', room: 'lobby', msgId, kind: 'chat', from: 'ada', to: null, origin: 'n1', count, streamId: null, detail: '',
    });
    // m1's gap is older than the run; m3's on n2 is the run's; n1's is another node's
    expect(lostInRun([lost(1, 'n2', 'm1', 2), lost(2, 'n2', 'm3', 5), lost(3, 'n1', 'm3', 1)], 'n2', ids)).toBe(5);
  });
});
