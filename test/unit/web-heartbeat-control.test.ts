// The per-connection heartbeat control's model: form → POST /__wslab/heartbeat body, with the
// server's limits checked first, and the setting in words.
import { describe, expect, it } from 'vitest';
import { describeSetting, formFrom, heartbeatRequest, settingFromEvents } from '../../web/src/connection/heartbeat.ts';
import type { EventOf } from '../../server/core/events/schema.ts';

describe('heartbeatRequest', () => {
  it('turns seconds into the intervalMs and maxMisses the API takes', () => {
    expect(heartbeatRequest('c3', { on: true, intervalS: '0.5', misses: '2' })).toEqual({ ok: true, body: { conn: 'c3', intervalMs: 500, maxMisses: 2 } });
  });

  it('sends interval 0 when the heartbeat is turned off, keeping the misses', () => {
    expect(heartbeatRequest('c3', { on: false, intervalS: 'anything', misses: '3' })).toEqual({ ok: true, body: { conn: 'c3', intervalMs: 0, maxMisses: 3 } });
  });

  it('refuses what the server would refuse, with the limit in the sentence', () => {
    expect(heartbeatRequest('c3', { on: true, intervalS: '0.01', misses: '2' })).toEqual({ ok: false, error: 'the interval must be from 0.05 s to 3600 s (or turn heartbeats off)' });
    expect(heartbeatRequest('c3', { on: true, intervalS: '', misses: '2' })).toEqual({ ok: false, error: 'the interval must be from 0.05 s to 3600 s (or turn heartbeats off)' });
    expect(heartbeatRequest('c3', { on: true, intervalS: '1', misses: '0' })).toEqual({ ok: false, error: 'misses must be a whole number from 1 to 100' });
    expect(heartbeatRequest('c3', { on: true, intervalS: '1', misses: '1.5' })).toEqual({ ok: false, error: 'misses must be a whole number from 1 to 100' });
  });
});

describe('the current setting', () => {
  it('fills the form from a setting, off shown as off with a 1 s interval ready', () => {
    expect(formFrom({ intervalMs: 30_000, maxMisses: 2 })).toEqual({ on: true, intervalS: '30', misses: '2' });
    expect(formFrom({ intervalMs: 0, maxMisses: 2 })).toEqual({ on: false, intervalS: '1', misses: '2' });
  });

  it('reads the newest heartbeat event of the connection', () => {
    const ev = (n: number, intervalMs: number, missed: number): EventOf<'heartbeat'> => ({ v: 1, seq: n, t: n, type: 'heartbeat', conn: 'c1', action: 'config', missed, maxMisses: 2, intervalMs, rtt: null });
    expect(settingFromEvents([])).toBe(null);
    expect(settingFromEvents([ev(1, 30_000, 0), ev(2, 200, 1)])).toEqual({ intervalMs: 200, maxMisses: 2, missed: 1 });
  });

  it('says when a silent peer is dropped: (misses + 1) intervals after its last pong', () => {
    expect(describeSetting({ intervalMs: 1000, maxMisses: 2 })).toBe(
      'a ping every 1 s; after 2 unanswered pings in a row the server terminates the connection (a peer gone silent is dropped within about 3 s)',
    );
    expect(describeSetting({ intervalMs: 0, maxMisses: 2 })).toBe('off: the server sends no pings, and a silent peer stays "connected" for ever');
  });
});
