// A scroll back: the store takes in a window of older events below what it holds (EventStore
// .mergeOlder), in seq order, without duplicates, within its caps (evicting nothing newer), and the
// inspector's filtered list and decodings take the older frames in at the front.
import { describe, expect, it } from 'vitest';
import { EventStore } from '../../web/src/store/store.ts';
import { compileFilter, DEFAULT_FILTER, FilteredFrames } from '../../web/src/inspect/model.ts';
import type { EventOf, WslabEvent } from '../../server/core/events/schema.ts';

function frame(seq: number, conn = 'c1', dir: 'c2s' | 's2c' = 'c2s'): WslabEvent {
  return {
    v: 1, seq, t: seq, type: 'frame', conn, dir, offset: 0, fin: true, rsv1: false, rsv2: false, rsv3: false,
    opcode: 1, opcodeName: 'TEXT', masked: dir === 'c2s', maskingKey: dir === 'c2s' ? '00000000' : null, payloadLength: 1, headerLength: dir === 'c2s' ? 6 : 2, headerHex: '',
    fields: {}, payloadHex: '61', truncated: false, text: 'a', closeCode: null, closeReason: null, inflated: null,
  } as WslabEvent;
}

function message(seq: number, conn = 'c1', dir: 'c2s' | 's2c' = 'c2s'): WslabEvent {
  return { v: 1, seq, t: seq, type: 'message', conn, dir, opcode: 1, opcodeName: 'TEXT', length: 1, wireLength: 1, frames: 1, compressed: false, text: 'a', previewHex: '61' } as WslabEvent;
}

function state(seq: number, to: 0 | 1 | 2 | 3, conn = 'c1'): WslabEvent {
  return { v: 1, seq, t: seq, type: 'state', conn, side: 'server', from: to === 0 ? null : ((to - 1) as 0 | 1 | 2), to, cause: 'test' } as WslabEvent;
}

function connOpen(seq: number, conn = 'c1'): WslabEvent {
  const end = { address: '127.0.0.1', port: 1, family: 'IPv4' };
  return { v: 1, seq, t: seq, type: 'conn.open', conn, socketId: 's', sessionId: null, lab: 'echo', path: '/lab/echo', remote: end, local: end, subprotocol: null, extensions: null, client: 'external' } as unknown as WslabEvent;
}

/** A store that opened with a recent window: c1's anchors (seqs 2 and 3), then seqs from..to as frames. */
function storeWithWindow(from: number, to: number, limits: ConstructorParameters<typeof EventStore>[0] = {}): EventStore {
  const store = new EventStore(limits);
  store.receive(connOpen(2));
  store.receive(state(3, 1));
  for (let seq = from; seq <= to; seq++) store.receive(frame(seq));
  store.flush();
  return store;
}

const seqs = (list: readonly { seq: number }[]) => list.map((e) => e.seq);

describe('EventStore.mergeOlder', () => {
  it('knows where its window starts: the first event that is not an anchor sent ahead of it', () => {
    const store = storeWithWindow(5001, 5004);
    expect(store.floorSeq).toBe(5001);
    expect(seqs(store.events)).toEqual([2, 3, 5001, 5002, 5003, 5004]);
  });

  it('merges an older window in seq order around the anchors it already holds, each seq once', () => {
    const store = storeWithWindow(11, 14);
    // the server's window [1, 11): the anchors 2 and 3 come again, and 4..10 are new
    const window = [frame(1), connOpen(2), state(3, 1), frame(4), message(5), frame(6), state(7, 2), frame(8), frame(9), frame(10)];
    const r = store.mergeOlder(window);
    expect(r).toEqual({ added: 8, frames: 6, refused: 0 });
    expect(seqs(store.frames)).toEqual([1, 4, 6, 8, 9, 10, 11, 12, 13, 14]);
    expect(seqs(store.events)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect(store.floorSeq).toBe(1);
    const c1 = store.conns.get('c1')!;
    expect(c1.open!.seq).toBe(2);
    // the older state goes in its place, after the anchor's
    expect(c1.states.map((s) => s.seq)).toEqual([3, 7]);
    expect(c1.frames).toBe(10);
    // the message event ending frame 4 is linked to it, as a live one is
    expect(store.messageOf.get(store.frames[1] as EventOf<'frame'>)?.seq).toBe(5);

    // the same window again adds nothing
    expect(store.mergeOlder(window)).toEqual({ added: 0, frames: 0, refused: 0 });
    expect(seqs(store.events)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect(store.conns.get('c1')!.frames).toBe(10);
  });

  it('ignores what is not below its floor, repeated lines, gap lines and unknown types, whatever the order', () => {
    const store = storeWithWindow(21, 22);
    const junk = { v: 1, seq: 15, t: 15, type: 'nope' } as unknown as WslabEvent;
    const gap = { v: 1, seq: 9, t: 9, type: 'gap', dropped: 9, fromSeq: 1, toSeq: 9, reason: 'history-evicted' } as WslabEvent;
    const r = store.mergeOlder([frame(21), frame(19), gap, junk, frame(18), frame(19), frame(30)]);
    expect(r).toEqual({ added: 2, frames: 2, refused: 0 });
    expect(seqs(store.frames)).toEqual([18, 19, 21, 22]);
    expect(store.missed).toBe(0);
  });

  it('takes only what fits under 90 % of the frame cap, newest first, and evicts nothing newer', () => {
    // cap 100 → room for 90; the window holds 50 frames
    const store = storeWithWindow(1001, 1050, { maxFrames: 100 });
    const window: WslabEvent[] = [];
    for (let seq = 901; seq <= 1000; seq++) window.push(frame(seq));
    const r = store.mergeOlder(window);
    expect(r).toEqual({ added: 40, frames: 40, refused: 60 });
    expect(store.frames).toHaveLength(90);
    expect(store.frames[0].seq).toBe(961);
    expect(store.frames.at(-1)!.seq).toBe(1050);
    expect(store.floorSeq).toBe(961);
    expect(store.evictedFrames).toBe(0);
    // full: nothing more is taken
    expect(store.mergeOlder([frame(960)])).toEqual({ added: 0, frames: 0, refused: 1 });
    expect(store.frames[0].seq).toBe(961);
  });

  it('keeps the diagram’s events within their cap: the newest of the window that fit', () => {
    const store = storeWithWindow(101, 140, { maxEvents: 50 }); // 42 events held, room for 45 - 42 = 3
    const window: WslabEvent[] = [];
    for (let seq = 91; seq <= 100; seq++) window.push(frame(seq));
    expect(store.mergeOlder(window)).toEqual({ added: 10, frames: 10, refused: 0 });
    expect(store.frames).toHaveLength(50);
    expect(seqs(store.events).slice(0, 6)).toEqual([2, 3, 98, 99, 100, 101]);
    expect(store.events).toHaveLength(45);
  });

  it('has no floor and nothing to scroll back to after a clear', () => {
    const store = storeWithWindow(11, 14);
    store.clear();
    store.flush();
    expect(store.older).toEqual({ kind: 'off' });
    expect(store.floorSeq).toBe(15);
    expect(store.mergeOlder([frame(10)])).toEqual({ added: 0, frames: 0, refused: 0 });
  });
});

describe('FilteredFrames with older frames merged in', () => {
  it('tests the older frames once and puts the matches before the ones it had', () => {
    const store = storeWithWindow(1, 0);
    for (let seq = 11; seq <= 20; seq++) store.receive(frame(seq, 'c1', seq % 2 ? 'c2s' : 's2c'));
    store.flush();
    const list = new FilteredFrames();
    const s2c = compileFilter({ ...DEFAULT_FILTER, dir: 's2c' });
    let tested = 0;
    const counting = { ...s2c, test: (f: EventOf<'frame'>) => (tested++, s2c.test(f)) };
    list.update(store.frames, counting);
    expect(seqs(list.matched)).toEqual([12, 14, 16, 18, 20]);
    expect(tested).toBe(10);
    const window: WslabEvent[] = [];
    for (let seq = 4; seq <= 10; seq++) window.push(frame(seq, 'c1', seq % 2 ? 'c2s' : 's2c'));
    store.mergeOlder(window);
    expect(list.update(store.frames, counting)).toBe(true);
    expect(tested).toBe(17);
    expect(seqs(list.matched)).toEqual([4, 6, 8, 10, 12, 14, 16, 18, 20]);
    expect(list.update(store.frames, counting)).toBe(false);
  });
});
