// The import module (server/core/import): a HAR's messages become frames marked as reconstructed,
// a wslab session comes back as it was saved (connections renamed), and anything else gets a
// sentence, never an exception. The HAR and NDJSON readers are fuzzed.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { importFile, MAX_IMPORT_BYTES, sniffFormat, HAR_SYNTHESISED_FIELDS, type TimedBody } from '../../../server/core/import/index.ts';
import { parseEvent, EVENT_SCHEMA_VERSION } from '../../../server/core/events/schema.ts';
import { computeAccept } from '../../../server/core/wire/index.ts';

const enc = (s: string) => new TextEncoder().encode(s);

/** Every imported body is a valid event once stamped. */
function expectValid(events: TimedBody[]): void {
  events.forEach((e, i) => {
    const r = parseEvent({ v: EVENT_SCHEMA_VERSION, seq: i + 1, ...e });
    if (!r.ok) throw new Error(`event ${i} (${e.type}) is not valid: ${r.error}`);
  });
}

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
/** A HAR in Chrome DevTools' shape: times in seconds, binary data base64. */
function chromeHar(messages: { type: 'send' | 'receive'; time: number; opcode: number; data: string }[], extraHeaders: { name: string; value: string }[] = []) {
  return {
    log: {
      version: '1.2',
      creator: { name: 'WebInspector', version: '537.36' },
      entries: [
        { startedDateTime: '2026-01-01T00:00:00.000Z', request: { method: 'GET', url: 'http://example.test:9000/', httpVersion: 'HTTP/1.1', headers: [] }, response: { status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', headers: [] } },
        {
          startedDateTime: '2026-01-01T00:00:01.000Z',
          _resourceType: 'websocket',
          serverIPAddress: '10.0.0.7',
          request: { method: 'GET', url: 'ws://example.test:9000/chat?room=1', httpVersion: 'HTTP/1.1', headers: [{ name: 'Upgrade', value: 'websocket' }, { name: 'Sec-WebSocket-Key', value: KEY }] },
          response: { status: 101, statusText: 'Switching Protocols', httpVersion: 'HTTP/1.1', headers: [{ name: 'Upgrade', value: 'websocket' }, { name: 'Sec-WebSocket-Accept', value: computeAccept(KEY) }, ...extraHeaders] },
          _webSocketMessages: messages,
        },
      ],
    },
  };
}

describe('HAR import', () => {
  it('each message becomes one frame: payload, opcode, direction and time from the file, the rest marked synthesised', () => {
    const t = Date.parse('2026-01-01T00:00:01.000Z') / 1000;
    const har = chromeHar([
      { type: 'send', time: t + 0.25, opcode: 1, data: 'héllo' },
      { type: 'receive', time: t + 0.5, opcode: 2, data: 'AAEC/w==' },
      { type: 'receive', time: t + 0.75, opcode: 1, data: 'x'.repeat(200) },
    ]);
    const r = importFile(enc(JSON.stringify(har)), 'chrome.har');
    if (!r.ok) throw new Error(r.error);
    expectValid(r.events);
    expect(r.format).toBe('har');
    expect([r.connections, r.frames]).toEqual([1, 3]);
    expect(r.events.map((e) => [e.type, e.t])).toEqual([
      ['conn.open', 0],
      ['handshake', 0],
      ['frame', 250],
      ['frame', 500],
      ['frame', 750],
      ['close', 750],
    ]);
    const open = r.events[0] as Extract<TimedBody, { type: 'conn.open' }>;
    expect(open).toMatchObject({ conn: 'i1', lab: 'import', path: '/chat?room=1', local: { address: '10.0.0.7', port: 9000 }, remote: { address: '', port: 0 } });
    expect(open.imported).toMatchObject({ format: 'har', file: 'chrome.har', startedAt: Date.parse('2026-01-01T00:00:01.000Z'), source: 'ws://example.test:9000/chat?room=1' });
    const hs = r.events[1] as Extract<TimedBody, { type: 'handshake' }>;
    expect([hs.response.status, hs.acceptOk, hs.key, hs.request.target]).toEqual([101, true, KEY, '/chat?room=1']);
    const [send, bin, long] = r.events.slice(2, 5) as Extract<TimedBody, { type: 'frame' }>[];
    // 'héllo' is 6 bytes of UTF-8; a client frame is masked: the zero key is made up
    expect(send).toMatchObject({ dir: 'c2s', opcode: 1, fin: true, masked: true, maskingKey: '00000000', payloadLength: 6, headerLength: 6, headerHex: '818600000000', payloadHex: '68c3a96c6c6f', text: 'héllo', synthesised: HAR_SYNTHESISED_FIELDS });
    expect(send.offset).toBe(hs.request.raw.length);
    expect(bin).toMatchObject({ dir: 's2c', opcode: 2, masked: false, maskingKey: null, payloadLength: 4, headerHex: '8204', payloadHex: '0001 02ff'.replace(' ', ''), text: null, offset: hs.response.raw.length });
    expect(long).toMatchObject({ payloadLength: 200, headerLength: 4, headerHex: '817e00c8', truncated: true, text: 'x'.repeat(64), offset: hs.response.raw.length + 2 + 4 });
    expect(r.events[5]).toMatchObject({ type: 'close', code: null, initiator: 'none', clean: false, reason: 'not recorded: a HAR keeps no close frames' });
    expect(r.synthesised.join(' ')).toContain('FIN, RSV bits, masking key (00000000), header bytes and stream offset are reconstructed');
  });

  it('Playwright times (milliseconds) and a negotiated permessage-deflate: the payload length is named as synthesised too', () => {
    const har = chromeHar([{ type: 'send', time: Date.parse('2026-01-01T00:00:02.000Z'), opcode: 1, data: 'hi' }], [{ name: 'Sec-WebSocket-Extensions', value: 'permessage-deflate' }]);
    const r = importFile(enc(JSON.stringify(har)), 'pw.har');
    if (!r.ok) throw new Error(r.error);
    expectValid(r.events);
    const f = r.events.find((e) => e.type === 'frame')!;
    expect(f.t).toBe(1000);
    expect((f as { synthesised?: string[] }).synthesised).toEqual([...HAR_SYNTHESISED_FIELDS, 'payloadLength']);
  });

  it('a HAR with no WebSocket entry, JSON that is not a HAR, and a cut file each get a sentence', () => {
    const none = importFile(enc(JSON.stringify({ log: { creator: { name: 'Firefox', version: '128' }, entries: [] } })), 'a.har');
    expect(none).toEqual({ ok: false, error: 'a.har is a HAR (from Firefox 128) with no WebSocket entry in it' });
    expect(importFile(enc('{"log": 5}'), 'b.har')).toEqual({ ok: false, error: 'b.har is JSON but not a HAR: it needs log.entries (an array)' });
    const cut = importFile(enc('{"log": {"entries": ['), 'c.har');
    expect(cut.ok).toBe(false);
    expect(!cut.ok && cut.error.startsWith('c.har is not JSON, so not a HAR: ')).toBe(true);
  });
});

describe('session import', () => {
  const lines = [
    { v: 1, seq: 5, t: 100, type: 'conn.open', conn: 'c7', socketId: 's', sessionId: null, lab: 'echo', path: '/lab/echo', remote: { address: '127.0.0.1', port: 5000 }, local: { address: '127.0.0.1', port: 8080 }, subprotocol: null, extensions: null, client: 'browser' },
    { v: 1, seq: 6, t: 101.5, type: 'state', conn: 'c7', side: 'server', from: null, to: 1, cause: 'open' },
    { v: 1, seq: 7, t: 102, type: 'gap', dropped: 3, fromSeq: 8, toSeq: 10, reason: 'slow-observer' },
    { v: 1, seq: 11, t: 103, type: 'ping', conn: 'c7', dir: 's2c', payloadHex: '' },
  ];
  it('comes back as saved: same events in seq order, t from the first, connections renamed, the gap reported', () => {
    const text = [lines[1], lines[0], lines[3], lines[2]].map((l) => JSON.stringify(l)).join('\n') + '\nnot json\n';
    const r = importFile(enc(text), 's.ndjson');
    if (!r.ok) throw new Error(r.error);
    expectValid(r.events);
    expect(r.format).toBe('session');
    expect(r.events).toEqual([
      { ...lines[0], v: undefined, seq: undefined, t: 0, conn: 'i1', imported: { format: 'session', file: 's.ndjson', startedAt: null, source: 'c7', synthesised: [] } },
      { ...lines[1], v: undefined, seq: undefined, t: 1.5, conn: 'i1' },
      { ...lines[3], v: undefined, seq: undefined, t: 3, conn: 'i1' },
    ].map((e) => Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined))));
    expect(r.problems).toEqual(['line 5 is not JSON', 'the session says 3 events were not delivered to whoever saved it (gap events)']);
    expect(r.synthesised).toEqual([]);
  });
});

describe('bounds and malformed input', () => {
  it('a file over the cap, an empty file and bytes of no known format each get a sentence', () => {
    expect(importFile(new Uint8Array(11), 'x.bin', { maxBytes: 10 })).toEqual({ ok: false, error: 'x.bin is 11 bytes; wslab reads files up to 10 bytes (cut a capture with editcap, or save fewer connections)' });
    expect(importFile(new Uint8Array(0), 'e')).toEqual({ ok: false, error: 'e is empty' });
    expect(importFile(enc('hello'), 'h.txt')).toEqual({ ok: false, error: 'h.txt is not a pcap or pcapng capture, a HAR or a wslab session (NDJSON events): it starts with neither a capture\'s magic number nor "{"' });
    expect(MAX_IMPORT_BYTES).toBe(64 * 1024 * 1024);
  });

  it('a pcap header with no packets says there is no WebSocket in it', () => {
    const header = new Uint8Array([0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 1, 0, 0, 0]);
    expect(importFile(header, 'empty.pcap')).toEqual({ ok: false, error: 'empty.pcap is a pcap capture with no WebSocket connection in it (wslab finds one by its HTTP upgrade, so the capture must include the handshake)' });
  });

  it('sniffs the four formats from the first bytes', () => {
    expect(sniffFormat(new Uint8Array([0x0a, 0x0d, 0x0d, 0x0a]))).toBe('capture');
    expect(sniffFormat(enc(' {"log":{}}'))).toBe('har');
    expect(sniffFormat(enc('{"v":1,"seq":1,"t":0,"type":"gap"}\n'))).toBe('session');
    expect(sniffFormat(enc('GET /'))).toBe(null);
  });
});

describe('fuzz: the readers answer any input with events or a sentence', () => {
  const outcome = (bytes: Uint8Array) => {
    const r = importFile(bytes, 'fuzz');
    if (r.ok) expectValid(r.events);
    else expect(typeof r.error).toBe('string');
  };
  it('arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (b) => outcome(b)), { numRuns: 500 });
  });
  it('HAR-shaped JSON with arbitrary messages', () => {
    const msg = fc.record({ type: fc.constantFrom('send', 'receive', 'other'), time: fc.oneof(fc.double(), fc.integer()), opcode: fc.integer({ min: -2, max: 20 }), data: fc.string() }, { requiredKeys: [] });
    const entry = fc.record({
      startedDateTime: fc.oneof(fc.string(), fc.constant('2026-01-01T00:00:00Z')),
      request: fc.record({ url: fc.oneof(fc.string(), fc.constant('wss://h/p')), headers: fc.array(fc.record({ name: fc.string(), value: fc.string() }), { maxLength: 4 }) }),
      response: fc.record({ status: fc.integer(), headers: fc.array(fc.record({ name: fc.constantFrom('Sec-WebSocket-Extensions', 'Sec-WebSocket-Protocol', 'X'), value: fc.string() }), { maxLength: 3 }) }),
      _webSocketMessages: fc.array(msg, { maxLength: 6 }),
    }, { requiredKeys: [] });
    fc.assert(fc.property(fc.array(fc.oneof(entry, fc.anything()), { maxLength: 4 }), (entries) => outcome(enc(JSON.stringify({ log: { entries } })))), { numRuns: 400 });
  });
  it('NDJSON lines: valid events, mangled events, and anything', () => {
    const ev = fc.record({ v: fc.constant(1), seq: fc.nat(), t: fc.double({ min: 0, max: 1e6, noNaN: true }), type: fc.constantFrom('ping', 'pong', 'conn.open', 'gap', 'frame'), conn: fc.constantFrom('c1', 'c2', ''), dir: fc.constantFrom('c2s', 's2c'), payloadHex: fc.constant(''), rtt: fc.constant(null) }, { requiredKeys: ['v', 'type'] });
    fc.assert(fc.property(fc.array(fc.oneof(ev, fc.anything()), { minLength: 1, maxLength: 8 }), (lines) => outcome(enc('{' + lines.map((l) => JSON.stringify(l) ?? 'x').join('\n').slice(1)))), { numRuns: 400 });
  });
});
