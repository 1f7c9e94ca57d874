// formatEvent/escapeControl: one safe terminal line per event, whatever text a peer sent.
import { describe, expect, test } from 'vitest';
import { escapeControl, formatEvent } from '../../server/core/events/format.ts';
import { EVENT_TYPES, parseEvent, type WslabEvent } from '../../server/core/events/schema.ts';

/** No C0/C1 control characters, no line or paragraph separators: nothing a terminal would act on. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

describe('escapeControl', () => {
  test('escapes ESC so ANSI sequences are shown, not executed', () => {
    expect(escapeControl('\x1b[31mred\x1b[0m')).toBe('\\x1b[31mred\\x1b[0m');
    expect(escapeControl('\x1b]0;pwned\x07')).toBe('\\x1b]0;pwned\\x07');
  });

  test('escapes \\r, \\n and \\t by name and other C0 controls by code', () => {
    expect(escapeControl('a\r\nb\tc')).toBe('a\\r\\nb\\tc');
    expect(escapeControl('\x00\x08\x7f')).toBe('\\x00\\x08\\x7f');
  });

  test('escapes C1 controls (U+0080–U+009F), including the 8-bit CSI U+009B', () => {
    expect(escapeControl('\u009b31m')).toBe('\\x9b31m');
    expect(escapeControl('\u0085\u0090')).toBe('\\x85\\x90');
    expect(escapeControl('\u00a0é')).toBe('\u00a0é'); // printable Latin-1 stays
  });

  test('escapes the Unicode line and paragraph separators', () => {
    const out = escapeControl('a\u2028b\u2029c');
    expect(out).not.toMatch(UNSAFE);
    expect(out).toContain('a\\x2028b');
  });

  test('leaves ordinary text, emoji and non-Latin scripts alone', () => {
    expect(escapeControl('héllo 🌍 世界')).toBe('héllo 🌍 世界');
  });

  test('cuts long text at max with an ellipsis', () => {
    expect(escapeControl('x'.repeat(100), 10)).toBe('x'.repeat(10) + '…');
  });

  test('text of exactly max characters is not marked as cut', () => {
    expect(escapeControl('x'.repeat(10), 10)).toBe('x'.repeat(10));
    expect(escapeControl('', 10)).toBe('');
  });

  test('a cut never splits an escape or a surrogate pair', () => {
    expect(escapeControl('\n'.repeat(100), 9)).toBe('\\n\\n\\n\\n…');
    expect(escapeControl('\x1b'.repeat(10), 6)).toBe('\\x1b…');
    expect(escapeControl('🌍🌍🌍', 3)).toBe('🌍…');
  });
});

// One valid example of each core event type (the connection-level stream).
const base = { v: 1 as const, seq: 42, t: 1234.5678 };
const examples: Record<string, WslabEvent> = {
  'conn.open': {
    ...base, type: 'conn.open', conn: 'c1', socketId: 'c1', sessionId: 'abc', lab: 'echo', path: '/lab/echo',
    remote: { address: '127.0.0.1', port: 50000 }, local: { address: '127.0.0.1', port: 8080 }, subprotocol: 'chat\n', extensions: 'permessage-deflate', client: 'browser',
  },
  handshake: {
    ...base, type: 'handshake', conn: 'c1',
    request: { method: 'GET', target: '/lab/echo\r\nX: y', httpVersion: '1.1', headers: [['Host', 'x']], raw: 'GET / HTTP/1.1\r\n\r\n' },
    response: { status: 101, statusText: 'Switching Protocols', headers: [], raw: 'HTTP/1.1 101\r\n\r\n' },
    key: 'dGhlIHNhbXBsZSBub25jZQ==', accept: 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=', expectedAccept: 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=', acceptOk: true,
  },
  frame: {
    ...base, type: 'frame', conn: 'c1', dir: 'c2s', offset: 200, fin: true, rsv1: false, rsv2: false, rsv3: false, opcode: 1, opcodeName: 'TEXT',
    masked: true, maskingKey: '37fa213d', payloadLength: 12, headerLength: 6, headerHex: '818c37fa213d', fields: { fin: [0, 0, 1] },
    payloadHex: '1b5b33316d7265640d0a6f6b', truncated: false, text: '\x1b[31mred\r\nok', closeCode: null, closeReason: null, inflated: null,
  },
  message: {
    ...base, type: 'message', conn: 'c1', dir: 's2c', opcode: 1, opcodeName: 'TEXT', length: 12, wireLength: 10, frames: 2, compressed: true,
    text: 'line1\nline2\u009b', previewHex: '', truncated: false,
  },
  state: { ...base, type: 'state', conn: 'c1', side: 'server', from: 1, to: 2, cause: 'client sent a close frame (1000)' },
  ping: { ...base, type: 'ping', conn: 'c1', dir: 's2c', payloadHex: '68623a31' },
  pong: { ...base, type: 'pong', conn: 'c1', dir: 'c2s', payloadHex: '68623a31', rtt: 0.412 },
  heartbeat: { ...base, type: 'heartbeat', conn: 'c1', action: 'miss', missed: 1, maxMisses: 2, intervalMs: 100, rtt: null },
  buffer: { ...base, type: 'buffer', conn: 'c1', bufferedAmount: 1024, writableLength: 512 },
  close: { ...base, type: 'close', conn: 'c1', code: 1000, reason: 'bye\x1b[2J', initiator: 'client', clean: true, durationMs: 12.5, bytesIn: 300, bytesOut: 200 },
  meta: { ...base, type: 'meta', conn: 'c1', socketId: 'c1', sessionId: null, userId: 'ada' },
  error: {
    ...base, type: 'error', conn: 'c1', dir: 'c2s', source: 'wire', message: 'bad frame\nsecond line',
    violation: { kind: 'CLIENT_FRAME_UNMASKED', closeCode: 1002, offset: 201, reason: 'unmasked', rfc: '5.1' },
  },
  gap: { ...base, type: 'gap', dropped: 10, fromSeq: 5, toSeq: 14, reason: 'slow-observer' },
};

const zero = { read: 0, forwarded: 0, held: 0, dropped: 0 };
/** The labs' types: the chaos link, simulated clients, the backpressure producer, fan-out. */
const labExamples: Record<string, WslabEvent> = {
  link: {
    ...base, type: 'link', conn: 'c2', link: 'L1', action: 'drop', dir: 's2c', bytes: 6,
    frames: [{ opcode: 9, opcodeName: 'PING', length: 4 }], counters: { c2s: zero, s2c: { ...zero, read: 6, dropped: 6 } },
  },
  sim: { ...base, type: 'sim', action: 'blackhole', clients: 30, alive: 18, blackholed: 12, believed: 30, stateBytes: 1024, rss: 1, heapUsed: 1, count: 12 },
  flow: {
    ...base, type: 'flow', conn: 'c3', action: 'stats', strategy: 'drop-oldest', rate: 1000, size: 64, produced: 10, delivered: 6, dropped: 3, queued: 1,
    queueLength: 1, queueBytes: 64, bufferedAmount: 0, writableLength: 0, producerPaused: false, stopped: null, capBytes: 1, highWater: 1, lowWater: 0, queueMax: 4, rss: 1, heapUsed: 1,
  },
  fanout: {
    ...base, type: 'fanout', conn: 'c4', hop: 'publish', node: 'n1', topic: 'room:lobby', room: 'lobby', msgId: 'm1', kind: 'chat',
    from: 'ada', to: null, origin: 'n1', count: null, streamId: null, detail: 'bad\x1b[2J',
  },
  refused: { ...base, type: 'refused', status: 403, reason: 'Origin http://evil.example may not open WebSockets here.', path: '/lab/echo', origin: 'http://evil\x1b[2J.example', sessionId: 'ada-1' },
  broker: { ...base, type: 'broker', node: 'n1', broker: 'redis', mode: 'streams', status: 'down', topics: 3, detail: 'ECONNREFUSED' },
  node: { ...base, type: 'node', node: 'n2', action: 'start', url: 'ws://127.0.0.1:9000/lab/chat', port: 9000, detail: '' },
  workshop: {
    ...base, type: 'workshop', action: 'blackhole', by: 'presenter', participant: 'p2', name: 'Ada\x1b[2J', participants: 12, conns: 3,
    durationMs: 10000, latencyMs: null, heartbeat: null,
  },
  quiz: {
    ...base, type: 'quiz', action: 'ask', quiz: 'q1', question: 'Who masks?\x1b[2J', choices: ['the client', 'the server'], source: null,
    counts: [0, 0], answered: 0, participants: 12, correct: null,
  },
  follow: { ...base, type: 'follow', path: '/labs/ghosts', label: 'Lab · Ghosts\x1b[2J' },
};

describe('formatEvent', () => {
  test('there is an example of every core event type, and each is schema-valid', () => {
    // the connection-level stream; the labs add more types (link, sim, flow, fanout, ...)
    expect([...EVENT_TYPES]).toEqual(expect.arrayContaining(Object.keys(examples)));
    expect(Object.keys(examples)).toHaveLength(13);
    for (const e of Object.values(examples)) {
      const r = parseEvent(e);
      expect(r.ok, r.ok ? '' : r.error).toBe(true);
    }
  });

  test('every type in the schema has an example here, and each is schema-valid', () => {
    const all = { ...examples, ...labExamples };
    expect(Object.keys(all).sort()).toEqual([...EVENT_TYPES].sort());
    for (const e of Object.values(labExamples)) {
      const r = parseEvent(e);
      expect(r.ok, r.ok ? '' : r.error).toBe(true);
    }
  });

  test('lab events read as a sentence, not just their type', () => {
    expect(formatEvent(labExamples.link)).toContain('link L1 drop s2c 6 B (PING)');
    expect(formatEvent(labExamples.sim)).toContain('sim blackhole 12: 30 clients, 18 alive, 12 blackholed, server believes 30');
    expect(formatEvent(labExamples.flow)).toContain('produced 10 = delivered 6 + dropped 3 + queued 1');
    expect(formatEvent(labExamples.fanout)).toContain('fanout n1 publish room:lobby m1');
    expect(formatEvent(labExamples.broker)).toContain('broker n1 redis/streams down, 3 topics: ECONNREFUSED');
    expect(formatEvent(labExamples.node)).toContain('node n2 start ws://127.0.0.1:9000/lab/chat');
    expect(formatEvent(labExamples.quiz)).toContain("quiz q1 ask 'Who masks?\\x1b[2J': [0, 0], 0 of 12 answered");
    expect(formatEvent(labExamples.follow)).toContain("follow /labs/ghosts 'Lab · Ghosts\\x1b[2J'");
    expect(formatEvent(labExamples.workshop)).toContain("workshop presenter blackhole p2 'Ada\\x1b[2J' for 10000 ms: 3 conns, 12 in the room");
  });

  test.each(Object.keys({ ...examples, ...labExamples }))('a %s event is one line with no control characters, with its seq and time', (type) => {
    const event = examples[type] ?? labExamples[type];
    const line = formatEvent(event);
    expect(line).not.toMatch(UNSAFE);
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toContain('#42');
    expect(line).toContain('1234.6ms');
    if ('conn' in event && event.conn) expect(line).toContain(` ${event.conn} `);
  });

  test('frames show direction, opcode, length, flags and the escaped text', () => {
    expect(formatEvent(examples.frame)).toContain("→ TEXT [12 B, FIN mask 37fa213d] '\\x1b[31mred\\r\\nok'");
  });

  test('messages, closes, errors and gaps show their key facts', () => {
    expect(formatEvent(examples.message)).toContain("⇐ message TEXT 12 B in 2 frames (10 B compressed) 'line1\\nline2\\x9b'");
    expect(formatEvent(examples.close)).toContain("close 1000 'bye\\x1b[2J' by client, clean");
    expect(formatEvent(examples.error)).toContain('bad frame\\nsecond line [close 1002 at byte 201]');
    expect(formatEvent(examples.gap)).toContain('gap: 10 events missed (#5–#14, slow-observer)');
    expect(formatEvent(examples.pong)).toContain('rtt 0.41 ms');
    expect(formatEvent(examples.state)).toContain('OPEN → CLOSING');
  });

  test('text a peer controls never reaches the terminal raw: header-ish fields are escaped too', () => {
    const line = formatEvent(examples['conn.open']);
    expect(line).not.toMatch(UNSAFE);
    const hs = formatEvent(examples.handshake);
    expect(hs).not.toMatch(UNSAFE);
  });

  test('an unknown type still gives a line instead of throwing', () => {
    const odd = { ...base, type: 'future-thing' } as unknown as WslabEvent;
    expect(formatEvent(odd)).toContain('future-thing');
  });
});
