// The workshop page's pure model: the presenter's roster built from the event store (fed real
// event shapes) and the connections snapshot, the totals, and the sentences participants read.
import { describe, expect, it } from 'vitest';
import type { EventOf, WslabEvent } from '../../server/core/events/schema.ts';
import { EventStore } from '../../web/src/store/store.ts';
import { WORKSHOP_OFF } from '../../server/workshop/api.ts';
import { START_COMMAND, describeEffect, describeEvent, displayPath, rosterRows, totals, watchHint, ago } from '../../web/src/workshop/model.ts';
import type { ConnSnapshot, RoomParticipant } from '../../web/src/workshop/api.ts';

let seq = 0;
const ev = (t: number, body: Record<string, unknown>) => ({ v: 1, seq: ++seq, t, ...body }) as WslabEvent;
const endpoint = { address: '127.0.0.1', port: 1 };

function opened(store: EventStore, conn: string, t: number, name: string, path = '/lab/echo?session=wk-x'): void {
  store.receive(ev(t, { type: 'conn.open', conn, socketId: conn, sessionId: 'wk-x', lab: 'echo', path, remote: endpoint, local: endpoint, subprotocol: null, extensions: null, client: 'browser' }));
  store.receive(ev(t, { type: 'state', conn, side: 'server', from: 0, to: 1, cause: '101 sent' }));
  store.receive(ev(t, { type: 'meta', conn, socketId: conn, sessionId: 'wk-x', userId: null, name }));
}

function frame(store: EventStore, conn: string, t: number, dir: 'c2s' | 's2c'): void {
  store.receive(ev(t, {
    type: 'frame', conn, dir, offset: 0, fin: true, rsv1: false, rsv2: false, rsv3: false, opcode: 1, opcodeName: 'TEXT', masked: dir === 'c2s',
    maskingKey: null, payloadLength: 2, headerLength: 2, headerHex: '8102', fields: {}, payloadHex: '6869', truncated: false, text: 'hi', closeCode: null, closeReason: null, inflated: null,
  }));
}

function hb(store: EventStore, conn: string, t: number, action: EventOf<'heartbeat'>['action'], missed: number, rtt: number | null = null): void {
  store.receive(ev(t, { type: 'heartbeat', conn, action, missed, maxMisses: 2, intervalMs: 200, rtt }));
}

const people: RoomParticipant[] = [
  { id: 'p1', name: 'Ada', joinedAt: 0, conns: 2 },
  { id: 'p2', name: 'Grace', joinedAt: 1, conns: 0 },
  { id: 'p3', name: 'Linus', joinedAt: 2, conns: 1 },
];

describe('rosterRows', () => {
  it('groups connections by the name their meta event carries: frames in/out, last activity, RTT, misses, the close of a reaped one', () => {
    const store = new EventStore();
    opened(store, 'c1', 100, 'Ada');
    frame(store, 'c1', 200, 'c2s');
    frame(store, 'c1', 201, 's2c');
    frame(store, 'c1', 202, 's2c');
    hb(store, 'c1', 300, 'ping', 0);
    hb(store, 'c1', 301, 'pong', 0, 1.25);
    opened(store, 'c2', 400, 'Grace');
    hb(store, 'c2', 500, 'miss', 1);
    hb(store, 'c2', 700, 'miss', 2);
    hb(store, 'c2', 700, 'terminate', 2);
    store.receive(ev(701, { type: 'close', conn: 'c2', code: null, reason: '', initiator: 'none', clean: false, durationMs: 300, bytesIn: 1, bytesOut: 1 }));
    opened(store, 'c3', 800, 'Ada', '/lab/ticker?rate=1&session=wk-y');
    opened(store, 'c4', 800, 'Somebody else');
    store.flush();
    // Linus's connection is older than the store's history: only the snapshot knows it
    const snapshot: ConnSnapshot[] = [
      { conn: 'c1', name: 'Ada', path: '/lab/echo?session=wk-x', lab: 'echo', openedAt: 100, readyState: 1, heartbeat: { intervalMs: 200, maxMisses: 2, missed: 0, lastRtt: 1.25 } },
      { conn: 'c3', name: 'Ada', path: '/lab/ticker?rate=1&session=wk-y', lab: 'ticker', openedAt: 800, readyState: 1, heartbeat: null },
      { conn: 'c9', name: 'Linus', path: '/lab/echo', lab: 'echo', openedAt: 5, readyState: 1, heartbeat: { intervalMs: 30000, maxMisses: 2, missed: 1, lastRtt: 4 } },
    ];
    const rows = rosterRows(people, store.conns.values(), snapshot, 1000);
    expect(rows.map((r) => [r.name, r.live, r.conns.map((c) => c.conn)])).toEqual([
      ['Ada', 2, ['c3', 'c1']],
      ['Grace', 0, ['c2']],
      ['Linus', 1, ['c9']],
    ]);
    expect(rows[0].conns[1]).toEqual({ conn: 'c1', path: '/lab/echo?session=wk-x', state: 'open', closeText: null, framesIn: 1, framesOut: 2, idleMs: 699, rtt: 1.25, missed: 0, maxMisses: 2, intervalMs: 200 });
    expect(rows[1].conns[0]).toMatchObject({ state: 'closed', closeText: 'terminated, 2 pings missed', missed: 2 });
    expect(rows[2].conns[0]).toEqual({ conn: 'c9', path: '/lab/echo', state: 'open', closeText: null, framesIn: 0, framesOut: 0, idleMs: null, rtt: 4, missed: 1, maxMisses: 2, intervalMs: 30000 });
    expect(totals(rows)).toEqual({ participants: 3, liveConns: 3, away: 1, missing: 1 });
    // 30 s after its close, a reaped connection leaves the roster
    expect(rosterRows(people, store.conns.values(), snapshot, 701 + 30_001)[1].conns).toEqual([]);
  });
});

describe('what participants read', () => {
  const blackholeAll = { action: 'blackhole' as const, participant: null, name: null, since: 0, until: 10_000, latencyMs: null };
  const latencyAda = { action: 'latency' as const, participant: 'p1', name: 'Ada', since: 0, until: null, latencyMs: 300 };

  it('effects say whose link, for how long, and what to watch', () => {
    expect(describeEffect(blackholeAll, 'p2', 2500)).toBe("The presenter is blackholing everyone's link (8 s left).");
    expect(describeEffect(latencyAda, 'p1', 0)).toBe('The presenter added 300 ms of latency each way to your link (until the presenter restores it).');
    expect(describeEffect(latencyAda, 'p2', 0)).toBe("The presenter added 300 ms of latency each way to Ada's link (until the presenter restores it).");
    expect(describeEffect(blackholeAll, null, 9999, 'You')).toBe("You are blackholing everyone's link (1 s left).");
    expect(watchHint([blackholeAll], 'p2')).toMatch(/^Watch your heartbeat/);
    expect(watchHint([latencyAda], 'p1')).toBe('Watch the round trip: a ping now needs at least 600 ms to come back as a pong.');
    expect(watchHint([latencyAda], 'p2')).toBeNull();
    expect(watchHint([], 'p2')).toBeNull();
  });

  it('workshop events become one line each', () => {
    const base = { v: 1 as const, seq: 1, t: 0, type: 'workshop' as const, participants: 2, conns: 2, durationMs: null, latencyMs: null, heartbeat: null };
    expect(describeEvent({ ...base, action: 'join', by: 'participant', participant: 'p1', name: 'Ada', conns: 0 }, 'p2')).toBe('Ada joined.');
    expect(describeEvent({ ...base, action: 'join', by: 'participant', participant: 'p2', name: 'Grace', conns: 0 }, 'p2')).toBe('You joined.');
    expect(describeEvent({ ...base, action: 'blackhole', by: 'presenter', participant: null, name: null, durationMs: 10_000 }, 'p2')).toBe('The presenter blackholed everyone for 10 s (2 connections).');
    expect(describeEvent({ ...base, action: 'reset', by: 'presenter', participant: 'p1', name: 'Ada', conns: 1 }, 'p2')).toBe("The presenter reset Ada's connections with RST (1 connection).");
    expect(describeEvent({ ...base, action: 'restore', by: 'timer', participant: null, name: null }, 'p2')).toBe("Time is up: everyone's link is back (2 connections).");
    expect(describeEvent({ ...base, action: 'heartbeat', by: 'presenter', participant: null, name: null, heartbeat: { intervalMs: 0, maxMisses: 2 } }, null)).toBe(
      'The presenter turned the server heartbeat off for everyone (2 connections).',
    );
  });

  it('small formats, and the start command the page shows is the one the server names', () => {
    expect(displayPath('/lab/echo?link=x&session=wk-abc')).toBe('/lab/echo?link=x');
    expect(displayPath('/lab/echo?session=wk-abc')).toBe('/lab/echo');
    expect([ago(null), ago(400), ago(4200), ago(125_000)]).toEqual(['—', 'just now', '4 s', '2 min']);
    expect(WORKSHOP_OFF).toContain(START_COMMAND);
  });
});
