import { describe, expect, it } from 'vitest';
import { EventStore } from '../../web/src/store/store.ts';
import type { WslabEvent } from '../../server/core/events/schema.ts';

function frame(seq: number, conn = 'c1'): WslabEvent {
  return {
    v: 1, seq, t: seq, type: 'frame', conn, dir: 'c2s', offset: 0, fin: true, rsv1: false, rsv2: false, rsv3: false,
    opcode: 1, opcodeName: 'TEXT', masked: true, maskingKey: '00000000', payloadLength: 1, headerLength: 6, headerHex: '',
    fields: {}, payloadHex: '61', truncated: false, text: 'a', closeCode: null, closeReason: null, inflated: null,
  };
}

describe('EventStore', () => {
  it('applies a batch once per flush and moves only the versions of the slices that changed', () => {
    const store = new EventStore();
    let calls = 0;
    store.subscribe(() => calls++);
    for (let i = 1; i <= 100; i++) store.receive(frame(i));
    store.flush();
    expect(calls).toBe(1);
    expect(store.frames).toHaveLength(100);
    expect(store.version('frames')).toBe(1);
    expect(store.version('events')).toBe(1);
    expect(store.version('conns')).toBe(1);
    expect(store.version('status')).toBe(0);
    store.receive({ v: 1, seq: 101, t: 101, type: 'buffer', conn: 'c1', bufferedAmount: 5, writableLength: 5 });
    store.flush();
    expect(store.version('frames')).toBe(1);
    expect(store.version('conns')).toBe(2);
    expect(store.conns.get('c1')!.buffers).toHaveLength(1);
  });

  it('evicts the oldest frames past the cap and says how many and until when', () => {
    const store = new EventStore({ maxFrames: 1000 });
    for (let i = 1; i <= 1500; i++) store.receive(frame(i));
    store.flush();
    expect(store.frames.length).toBe(900);
    expect(store.evictedFrames).toBe(600);
    expect(store.evictedUntil).toBe(600);
    expect(store.frames[0].seq).toBe(601);
  });

  it('keeps nothing while paused but counts what it skipped, and counts gaps reported by the server', () => {
    const store = new EventStore();
    store.setPaused(true);
    store.receive(frame(1));
    store.receive({ v: 1, seq: 9, t: 9, type: 'gap', dropped: 7, fromSeq: 2, toSeq: 8, reason: 'slow-observer' });
    store.flush();
    expect(store.frames).toHaveLength(0);
    expect(store.skipped).toBe(1);
    expect(store.missed).toBe(7);
    expect(store.lastSeq).toBe(9);
  });
});

describe('EventStore.receiveRaw', () => {
  it('takes single events and newline-separated batches alike, and skips what is not an event', () => {
    const store = new EventStore();
    const one = JSON.stringify(frame(1));
    const batch = [frame(2), frame(3)].map((e) => JSON.stringify(e)).join('\n');
    store.receiveRaw([one, batch, '{"not":"an event"}']);
    store.flush();
    expect(store.frames.map((f) => f.seq)).toEqual([1, 2, 3]);
    store.receiveRaw(['{broken', JSON.stringify(frame(4))]);
    store.flush();
    expect(store.frames.map((f) => f.seq)).toEqual([1, 2, 3, 4]);
  });
});
