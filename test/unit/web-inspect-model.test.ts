// The inspector's pure helpers: filters (connection, direction, opcode, control toggle, plain and
// regex search with an invalid regex reported, not thrown), incremental filtering across
// eviction, previews with control characters made visible, NDJSON export, the eviction notices,
// and the Frame rebuilt from a frame event for the anatomy.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_FILTER,
  FilteredFrames,
  compileFilter,
  compileSearch,
  eventToFrame,
  formatT,
  framePreview,
  indexOfSeq,
  listNotices,
  messageOpcodeOf,
  showControls,
  toNdjson,
  type FrameEvent,
  type FrameFilter,
} from '../../web/src/inspect/model.ts';
import { EventStore } from '../../web/src/store/store.ts';
import { frameHeader } from '../../server/core/wire/index.ts';

function frame(seq: number, over: Partial<FrameEvent> = {}): FrameEvent {
  return {
    v: 1, seq, t: seq * 10, type: 'frame', conn: 'c1', dir: 'c2s', offset: 0, fin: true, rsv1: false, rsv2: false, rsv3: false,
    opcode: 1, opcodeName: 'TEXT', masked: true, maskingKey: '37fa213d', payloadLength: 5, headerLength: 6, headerHex: '818537fa213d',
    fields: {}, payloadHex: '68656c6c6f', truncated: false, text: 'hello', closeCode: null, closeReason: null, inflated: null,
    ...over,
  };
}

const PING = (seq: number) => frame(seq, { opcode: 9, opcodeName: 'PING', text: 'hb', payloadHex: '6862', payloadLength: 2 });
const CLOSE = (seq: number) =>
  frame(seq, { opcode: 8, opcodeName: 'CLOSE', text: null, payloadHex: '03e8627965', payloadLength: 5, closeCode: 1000, closeReason: 'bye' });

const FRAMES: FrameEvent[] = [
  frame(1, { text: 'hello' }),
  frame(2, { dir: 's2c', masked: false, maskingKey: null, text: 'hello' }),
  frame(3, { conn: 'c2', text: '{"type":"tick","seq":1}' }),
  PING(4),
  CLOSE(5),
  frame(6, { opcode: 2, opcodeName: 'BINARY', text: null, payloadHex: '00ff10', payloadLength: 3 }),
  frame(7, { rsv1: true, text: null, inflated: 'Compressed Hello' }),
];

function seqs(filter: Partial<FrameFilter>): number[] {
  const f = compileFilter({ ...DEFAULT_FILTER, ...filter });
  return FRAMES.filter(f.test).map((x) => x.seq);
}

describe('frame filters', () => {
  it('with no filter every frame passes, control frames included', () => {
    expect(seqs({})).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('filters by connection, direction and opcode', () => {
    expect(seqs({ conn: 'c2' })).toEqual([3]);
    expect(seqs({ dir: 's2c' })).toEqual([2]);
    expect(seqs({ opcode: 2 })).toEqual([6]);
    expect(seqs({ opcode: 8 })).toEqual([5]);
  });

  it('the control toggle hides ping, pong and close frames', () => {
    expect(seqs({ control: false })).toEqual([1, 2, 3, 6, 7]);
  });

  it('plain search is a case-insensitive substring of the text, the inflated text or the close reason', () => {
    expect(seqs({ search: 'HELLO' })).toEqual([1, 2, 7]);
    expect(seqs({ search: 'HELLO', matchCase: true })).toEqual([]);
    expect(seqs({ search: 'bye' })).toEqual([5]);
    // regex metacharacters are literal in a plain search
    expect(seqs({ search: '"seq":1}' })).toEqual([3]);
    expect(seqs({ search: 'h.llo' })).toEqual([]);
  });

  it('regex search matches the text with the pattern', () => {
    expect(seqs({ search: '^h.llo$', regex: true })).toEqual([1, 2]);
    expect(seqs({ search: '"type":"(tick|chat)"', regex: true })).toEqual([3]);
    expect(seqs({ search: '^compressed', regex: true })).toEqual([7]);
    expect(seqs({ search: '^compressed', regex: true, matchCase: true })).toEqual([]);
  });

  it('an invalid regex is an error message, never a throw, and the other filters still apply', () => {
    const c = compileSearch('hel(', true, false);
    expect(c.match).toBeNull();
    expect(c.error).toBe('Not a valid regular expression: /hel(/i: Unterminated group');
    const f = compileFilter({ ...DEFAULT_FILTER, search: '[', regex: true, dir: 's2c' });
    expect(f.error).toBe('Not a valid regular expression: /[/i: Unterminated character class');
    expect(FRAMES.filter(f.test).map((x) => x.seq)).toEqual([2]);
    // the same text as a plain search is fine
    expect(compileSearch('hel(', false, false).error).toBeNull();
  });

  it('filters with the same meaning share a key; a different search changes it', () => {
    expect(compileFilter({ ...DEFAULT_FILTER }).key).toBe(compileFilter({ ...DEFAULT_FILTER, regex: false }).key);
    expect(compileFilter({ ...DEFAULT_FILTER, search: 'a' }).key).not.toBe(compileFilter({ ...DEFAULT_FILTER, search: 'b' }).key);
  });
});

describe('FilteredFrames (incremental)', () => {
  it('tests only new frames, drops evicted ones from the front, and rescans on a new filter', () => {
    const store = new EventStore({ maxFrames: 100 });
    const list = new FilteredFrames();
    const s2c = compileFilter({ ...DEFAULT_FILTER, dir: 's2c' });
    let tested = 0;
    const counting = { ...s2c, test: (f: FrameEvent) => (tested++, s2c.test(f)) };
    for (let i = 1; i <= 60; i++) store.receive(frame(i, { dir: i % 2 ? 'c2s' : 's2c' }));
    store.flush();
    list.update(store.frames, counting);
    expect(list.matched.map((f) => f.seq).slice(0, 3)).toEqual([2, 4, 6]);
    expect(list.matched).toHaveLength(30);
    expect(tested).toBe(60);

    for (let i = 61; i <= 120; i++) store.receive(frame(i, { dir: i % 2 ? 'c2s' : 's2c' }));
    store.flush(); // 120 > 100: the oldest 30 are evicted (cap minus a tenth)
    expect(store.frames[0].seq).toBe(31);
    expect(list.update(store.frames, counting)).toBe(true);
    expect(tested).toBe(120);
    expect(list.matched[0].seq).toBe(32);
    expect(list.matched.at(-1)!.seq).toBe(120);
    expect(list.matched).toHaveLength(45);
    // nothing new: nothing tested, nothing changed
    expect(list.update(store.frames, counting)).toBe(false);
    expect(tested).toBe(120);

    list.update(store.frames, compileFilter({ ...DEFAULT_FILTER, dir: 'c2s' }));
    expect(list.matched.map((f) => f.seq).slice(0, 2)).toEqual([31, 33]);
    expect(list.matched).toHaveLength(45);

    store.clear();
    store.flush();
    list.update(store.frames, compileFilter({ ...DEFAULT_FILTER, dir: 'c2s' }));
    expect(list.matched).toEqual([]);
  });

  it('finds a frame by seq with a binary search', () => {
    expect(indexOfSeq(FRAMES, 5)).toBe(4);
    expect(indexOfSeq(FRAMES, 8)).toBe(-1);
    expect(indexOfSeq([], 1)).toBe(-1);
  });
});

describe('previews and untrusted text', () => {
  it('makes control characters, DEL and bidi overrides visible', () => {
    expect(showControls('a\u0000b\nc\td\u001b[31m\u007f')).toBe('a␀b␊c␉d␛[31m␡');
    expect(showControls('evil \u202egnp.exe')).toBe('evil ⟨U+202E⟩gnp.exe');
    expect(showControls('line 1\r\nline 2\tx', { keepNewlines: true })).toBe('line 1␍\nline 2\tx');
    expect(showControls('plain ünïcödé ✓')).toBe('plain ünïcödé ✓');
  });

  it('previews text, close frames, binary, compressed and empty payloads on one line', () => {
    expect(framePreview(frame(1, { text: 'two\nlines' }))).toBe('two␊lines');
    expect(framePreview(CLOSE(2))).toBe('1000 Normal Closure · “bye”');
    expect(framePreview(frame(3, { opcode: 8, opcodeName: 'CLOSE', text: null, payloadLength: 0, payloadHex: '' }))).toBe('(no status code)');
    expect(framePreview(frame(4, { opcode: 2, opcodeName: 'BINARY', text: null, payloadHex: '00ff10', payloadLength: 3 }))).toBe('00 ff 10');
    expect(framePreview(frame(5, { rsv1: true, text: null, inflated: 'big\u0007' }))).toBe('⇣ big␇');
    expect(framePreview(frame(6, { payloadLength: 0, payloadHex: '', text: '' }))).toBe('(empty)');
    expect(framePreview(frame(7, { text: 'abc', truncated: true, payloadLength: 400 }))).toBe('abc…');
  });

  it('formats event time as m:ss.mmm', () => {
    expect(formatT(0)).toBe('0:00.000');
    expect(formatT(1234.5678)).toBe('0:01.235');
    expect(formatT(62_345)).toBe('1:02.345');
  });
});

describe('NDJSON export', () => {
  it('writes one event per line, exactly as received, ending with a newline', () => {
    const out = toNdjson([FRAMES[0], FRAMES[4]]);
    const lines = out.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(JSON.parse(lines[0])).toEqual(FRAMES[0]);
    expect(JSON.parse(lines[1])).toEqual(FRAMES[4]);
    expect(lines[1]).toBe(JSON.stringify(FRAMES[4]));
    expect(toNdjson([])).toBe('');
  });
});

describe('eviction notices', () => {
  const base = { evictedFrames: 0, clearedFrames: 0, evictedUntil: null, maxFrames: 200_000, missed: 0, skipped: 0, paused: false };

  it('says nothing when nothing is missing', () => {
    expect(listNotices(base)).toEqual([]);
  });

  it('says how many frames the cap dropped and up to when', () => {
    expect(listNotices({ ...base, evictedFrames: 20_000, evictedUntil: 61_500.25 })).toEqual([
      '20,000 older frames were dropped to keep the newest 200,000 (everything up to t = 1:01.500).',
    ]);
    expect(listNotices({ ...base, evictedFrames: 1, evictedUntil: 5 })).toEqual(['1 older frame was dropped to keep the newest 200,000 (everything up to t = 0:00.005).']);
  });

  it('tells cleared frames from dropped ones', () => {
    expect(listNotices({ ...base, evictedFrames: 4, clearedFrames: 4, evictedUntil: 2_000 })).toEqual(['4 frames were cleared (everything up to t = 0:02.000).']);
    expect(listNotices({ ...base, evictedFrames: 30, clearedFrames: 10, evictedUntil: 2_000, maxFrames: 100 })).toEqual([
      '30 older frames are not listed (everything up to t = 0:02.000): 10 cleared, 20 dropped to keep the newest 100.',
    ]);
  });

  it('reports events the server could not send (gap) and events skipped while paused', () => {
    expect(listNotices({ ...base, missed: 1_500 })).toEqual(["The server could not send this page 1,500 events: the page fell behind the server's history."]);
    expect(listNotices({ ...base, paused: true, skipped: 12 })).toEqual(['Capture paused: 12 events not kept so far.']);
    expect(listNotices({ ...base, skipped: 1 })).toEqual(['1 event was not kept while capture was paused.']);
  });

  it('the store counts cleared frames apart from the ones the cap evicted', () => {
    const store = new EventStore({ maxFrames: 10 });
    for (let i = 1; i <= 12; i++) store.receive(frame(i));
    store.flush();
    store.clear();
    expect(store.evictedFrames).toBe(12);
    expect(store.clearedFrames).toBe(9); // the cap had dropped 3 (12 - 10 + a tenth)
    expect(store.evictedUntil).toBe(120);
  });
});

describe('the Frame for the anatomy', () => {
  it('rebuilds the codec Frame from a masked client frame event, header byte for byte', () => {
    const f = eventToFrame(FRAMES[0]);
    expect(Array.from(f.maskingKey!)).toEqual([0x37, 0xfa, 0x21, 0x3d]);
    expect(new TextDecoder().decode(f.payload)).toBe('hello');
    expect(f.lengthBits).toBe(7);
    expect(Buffer.from(frameHeader(f)).toString('hex')).toBe('818537fa213d');
  });

  it('knows the 16- and 64-bit length encodings from the header length', () => {
    const f16 = eventToFrame(frame(1, { masked: false, maskingKey: null, headerLength: 4, payloadLength: 300, headerHex: '817e012c', truncated: true }));
    expect(f16.lengthBits).toBe(16);
    expect(Buffer.from(frameHeader(f16)).toString('hex')).toBe('817e012c');
    const f64 = eventToFrame(frame(1, { masked: true, headerLength: 14, payloadLength: 70_000, headerHex: '81ff000000000001117037fa213d', truncated: true }));
    expect(f64.lengthBits).toBe(64);
    expect(Buffer.from(frameHeader(f64)).toString('hex')).toBe('81ff000000000001117037fa213d');
  });

  it('a continuation frame belongs to the last data frame of its connection and direction', () => {
    const list = [frame(1, { opcode: 2, fin: false }), frame(2, { dir: 's2c', opcode: 1 }), frame(3, { opcode: 0 })];
    expect(messageOpcodeOf(list, 2)).toBe(2);
    expect(messageOpcodeOf(list, 1)).toBe(1);
    expect(messageOpcodeOf([frame(1, { opcode: 0 })], 0)).toBe(0);
  });
});
