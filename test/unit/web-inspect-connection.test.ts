// The connection view's pure helpers: the Sec-WebSocket-Key → SHA-1 → base64 → Accept steps
// (RFC 6455 §1.3's example), the ready-state timelines per side, and the connection rows.
import { describe, expect, it } from 'vitest';
import { acceptSteps, connRows, headLines, readyStateLabel, statePath, stateTimeline } from '../../web/src/connection/model.ts';
import { EventStore } from '../../web/src/store/store.ts';
import type { EventOf } from '../../server/core/events/schema.ts';

describe('key → accept, step by step (RFC 6455 §1.3, §4.2.2)', () => {
  it('computes the RFC example and checks the server’s value', () => {
    const s = acceptSteps('dGhlIHNhbXBsZSBub25jZQ==', 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    expect(s.concatenated).toBe('dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11');
    expect(s.guid).toBe('258EAFA5-E914-47DA-95CA-C5AB0DC85B11');
    expect(s.sha1Hex).toBe('b3 7a 4f 2c c0 62 4f 16 90 f6 46 06 cf 38 59 45 b2 be c4 ea');
    expect(s.expected).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    expect(s.ok).toBe(true);
  });

  it('fails the check for a wrong or missing accept', () => {
    expect(acceptSteps('dGhlIHNhbXBsZSBub25jZQ==', 's3pPLMBiTxaQ9kYGzzhZRbK+xOo').ok).toBe(false);
    const missing = acceptSteps('dGhlIHNhbXBsZSBub25jZQ==', null);
    expect(missing.ok).toBe(false);
    expect(missing.expected).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });
});

function state(seq: number, side: 'server' | 'client', from: 0 | 1 | 2 | 3 | null, to: 0 | 1 | 2 | 3, cause: string): EventOf<'state'> {
  return { v: 1, seq, t: seq * 10, type: 'state', conn: 'c1', side, from, to, cause };
}

describe('ready-state timelines', () => {
  const states = [
    state(1, 'server', null, 0, 'upgrade request received'),
    state(2, 'client', null, 0, 'new WebSocket()'),
    state(3, 'server', 0, 1, '101 Switching Protocols sent'),
    state(5, 'client', 0, 1, 'open'),
    state(9, 'server', 1, 2, 'client sent a close frame (1000)'),
    state(10, 'server', 2, 3, 'TCP connection closed after the close handshake'),
  ];

  it('splits the transitions by side, each with its cause, time and the gap since the previous', () => {
    const server = stateTimeline(states, 'server');
    expect(server.map((s) => [s.from, s.to, s.cause, s.t, s.dt])).toEqual([
      [null, 0, 'upgrade request received', 10, null],
      [0, 1, '101 Switching Protocols sent', 30, 20],
      [1, 2, 'client sent a close frame (1000)', 90, 60],
      [2, 3, 'TCP connection closed after the close handshake', 100, 10],
    ]);
    expect(statePath(server)).toBe('0 → 1 → 2 → 3');
    expect(statePath(stateTimeline(states, 'client'))).toBe('0 → 1');
    expect(statePath([])).toBe('');
  });

  it('names the ready states', () => {
    expect([0, 1, 2, 3, null].map((s) => readyStateLabel(s as 0 | null))).toEqual(['0 CONNECTING', '1 OPEN', '2 CLOSING', '3 CLOSED', '—']);
  });
});

describe('connection rows and heads', () => {
  it('lists connections newest first with lab, client kind, open/closed and frame counts', () => {
    const store = new EventStore();
    const open = (seq: number, conn: string, lab: string): EventOf<'conn.open'> => ({
      v: 1, seq, t: seq, type: 'conn.open', conn, socketId: conn, sessionId: null, lab, path: `/lab/${lab}`,
      remote: { address: '127.0.0.1', port: 1 }, local: { address: '127.0.0.1', port: 2 }, subprotocol: null, extensions: null, client: 'external',
    });
    store.receive(open(1, 'c9', 'echo'));
    store.receive(open(2, 'c10', 'ticker'));
    store.receive({ v: 1, seq: 3, t: 3, type: 'close', conn: 'c9', code: 1000, reason: '', initiator: 'client', clean: true, durationMs: 2, bytesIn: 0, bytesOut: 0 });
    store.flush();
    expect(connRows(store.conns.values())).toEqual([
      { conn: 'c10', lab: 'ticker', client: 'external', open: true, frames: 0, closeCode: null },
      { conn: 'c9', lab: 'echo', client: 'external', open: false, frames: 0, closeCode: 1000 },
    ]);
  });

  it('splits a raw head into its lines', () => {
    expect(headLines('GET /lab/echo HTTP/1.1\r\nUpgrade: websocket\r\n\r\n')).toEqual(['GET /lab/echo HTTP/1.1', 'Upgrade: websocket']);
  });
});
