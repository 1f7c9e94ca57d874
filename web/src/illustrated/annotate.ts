// Annotates every byte of the illustrated connection: each record's bytes cut into spans (an HTTP
// line, a frame's first byte, its length byte, masking key, payload, close code...), each span with
// the value the codec (server/core/wire) decodes and a sentence on what it means. Every byte of a
// record belongs to exactly one span. Pure: no DOM, no node:*; the page and the tests share it.
import { computeAccept, createReader, frameFields, opcodeName, parseClosePayload, parseHex, describeCloseCode } from '../../../server/core/wire/index.ts';
import type { Frame, FieldLayout } from '../../../server/core/wire/types.ts';
import type { TraceRecord } from '../../../server/core/illustrated/trace.ts';

const RFC6455 = 'https://www.rfc-editor.org/rfc/rfc6455';
const RFC7692 = 'https://www.rfc-editor.org/rfc/rfc7692';
const RFC9110 = 'https://www.rfc-editor.org/rfc/rfc9110';

export interface RfcLink {
  label: string;
  href: string;
}

const rfc = (section: string): RfcLink => ({ label: `RFC 6455 §${section}`, href: `${RFC6455}#section-${section}` });
const rfc7692 = (section: string): RfcLink => ({ label: `RFC 7692 §${section}`, href: `${RFC7692}#section-${section}` });

/** One field inside a byte: FIN, the opcode, the MASK bit... */
export interface BitField {
  name: string;
  bitOffset: number;
  bits: number;
  value: number;
  meaning: string;
}

export interface Span {
  /** byte range in the record, end exclusive */
  start: number;
  end: number;
  name: string;
  /** what the codec reads there, as a learner would say it */
  value: string;
  explain: string;
  link: RfcLink;
  /** the fields packed in this byte, for header bytes */
  bits?: BitField[];
  /** set when RFC 6455 requires these bytes to differ from one connection to the next: why */
  random?: string;
}

export interface AnnotatedRecord {
  record: TraceRecord;
  bytes: Uint8Array;
  spans: Span[];
  /** the decoded frame, for frame records */
  frame: Frame | null;
}

export function hexBytes(hex: string): Uint8Array {
  const parsed = parseHex(hex);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.bytes;
}

const latin1 = (bytes: Uint8Array) => Array.from(bytes, (b) => String.fromCharCode(b)).join('');

const HEADERS: Record<string, { explain: string; link: RfcLink; random?: string }> = {
  host: {
    explain: 'Which server the client means: a plain HTTP/1.1 header. wslab answers only Hosts it serves (DNS rebinding). The committed trace names "localhost"; a live run names this server\'s address and port.',
    link: rfc('4.1'),
    random: 'the Host header: not random, but a live run names this server\'s real address and port',
  },
  upgrade: { explain: 'Asks the server to switch this HTTP/1.1 connection to the WebSocket protocol (value "websocket", any case).', link: rfc('4.2.1') },
  connection: { explain: 'Marks Upgrade as hop-by-hop: a proxy must not forward it blindly. Must contain the token "Upgrade".', link: rfc('4.2.1') },
  'sec-websocket-key': {
    explain: '16 random bytes, base64: 24 characters. Not a secret and not security: it proves the server understood a WebSocket handshake, since it must answer with a value derived from this key. The Sec- prefix means a page\'s script cannot set it.',
    link: rfc('4.1'),
    random: 'the key: RFC 6455 §4.1 asks for 16 fresh random bytes per connection',
  },
  'sec-websocket-version': { explain: 'The protocol version: 13 is RFC 6455. A server that speaks another answers 426 with the versions it does.', link: rfc('4.1') },
  'sec-websocket-extensions': {
    explain: 'Extensions offered (request) or accepted (response). permessage-deflate compresses each message; client_max_window_bits lets the server cap the client\'s window; the server answers with what it accepted, here no context takeover both ways and 1 KiB windows.',
    link: rfc7692('7'),
  },
  'sec-websocket-accept': {
    explain: 'base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")). The client checks it; a wrong value fails the connection. It keeps non-WebSocket servers and cross-protocol tricks out.',
    link: rfc('4.2.2'),
    random: 'the accept: it is computed from the random key, so it changes with it',
  },
};

function annotateHttp(record: TraceRecord & { kind: 'http' }, bytes: Uint8Array, key: string | null): Span[] {
  const text = latin1(bytes);
  const spans: Span[] = [];
  let at = 0;
  while (at < text.length) {
    const eol = text.indexOf('\r\n', at);
    const end = eol < 0 ? text.length : eol + 2;
    const line = text.slice(at, eol < 0 ? text.length : eol);
    if (at === 0) {
      spans.push(
        record.dir === 'client'
          ? { start: at, end, name: 'Request line', value: line, explain: 'An ordinary HTTP/1.1 GET: the WebSocket handshake is an HTTP request, so it passes the same ports, proxies and routing as any page. The path chooses the lab; ?deflate=1 lets it negotiate compression.', link: rfc('4.1') }
          : { start: at, end, name: 'Status line', value: line, explain: '101 Switching Protocols: from the byte after this head, the connection carries WebSocket frames, not HTTP. Any other status means no WebSocket.', link: rfc('4.2.2') },
      );
    } else if (line === '') {
      spans.push({ start: at, end, name: 'End of head', value: 'CRLF', explain: 'An empty line ends the HTTP head. After it the bytes are frames.', link: { label: 'RFC 9110 §2.1', href: `${RFC9110}#section-2.1` } });
    } else {
      const colon = line.indexOf(':');
      const name = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).trim();
      const info = HEADERS[name.toLowerCase()];
      let explain = info?.explain ?? 'A header this lesson does not need.';
      if (name.toLowerCase() === 'sec-websocket-accept' && key) explain += ` For this key it must be ${computeAccept(key)}.`;
      spans.push({ start: at, end, name, value, explain, link: info?.link ?? rfc('4.1'), ...(info?.random ? { random: info.random } : {}) });
    }
    at = end;
  }
  return spans;
}

/** The Sec-WebSocket-Key of a trace's upgrade request, for checking the response's accept. */
function keyOf(records: readonly TraceRecord[]): string | null {
  const req = records.find((r) => r.kind === 'http' && r.dir === 'client');
  if (!req || req.kind !== 'http') return null;
  return /\r\nSec-WebSocket-Key:\s*(\S+)/i.exec(latin1(hexBytes(req.hex)))?.[1] ?? null;
}

const BIT_MEANING: Record<string, (v: number, f: Frame) => string> = {
  fin: (v) => (v ? 'FIN = 1: the last frame of its message' : 'FIN = 0: more frames of this message follow'),
  rsv1: (v, f) => (v ? 'RSV1 = 1: compressed with permessage-deflate (set on a message\'s first frame only)' : f.opcode === 0 ? 'RSV1 = 0 (always 0 on a continuation)' : 'RSV1 = 0: not compressed'),
  rsv2: () => 'RSV2 = 0: no extension uses it',
  rsv3: () => 'RSV3 = 0: no extension uses it',
  opcode: (v) => `opcode ${v} = ${opcodeName(v)}`,
  mask: (v) => (v ? 'MASK = 1: a masking key follows (every client frame)' : 'MASK = 0: no key (server frames are never masked)'),
  payloadLength7: (v) => (v < 126 ? `length ${v}: the payload is ${v} bytes` : v === 126 ? '126: the length is in the next 2 bytes' : '127: the length is in the next 8 bytes'),
};

function bitsOf(fields: FieldLayout[], byte: number, frame: Frame): BitField[] {
  return fields
    .filter((f) => f.byteOffset === byte && f.bits <= 8)
    .map((f) => ({ name: f.field === 'payloadLength7' ? 'payload len' : f.field.toUpperCase(), bitOffset: f.bitOffset, bits: f.bits, value: Number(f.value), meaning: BIT_MEANING[f.field]!(Number(f.value), frame) }));
}

function payloadText(bytes: Uint8Array): string {
  try {
    return JSON.stringify(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
  }
}

function annotateFrame(record: TraceRecord & { kind: 'frame' }, frame: Frame): Span[] {
  const fields = frameFields(frame);
  const op = frame.opcode;
  const spans: Span[] = [
    { start: 0, end: 1, name: 'FIN · RSV · opcode', value: `${frame.fin ? 'FIN' : 'not FIN'}, ${opcodeName(op)}${frame.rsv1 ? ', RSV1' : ''}`, explain: 'The first byte: is this the message\'s last frame, which extension bits are set, and what kind of frame it is.', link: rfc('5.2'), bits: bitsOf(fields, 0, frame) },
    { start: 1, end: 2, name: 'MASK · payload length', value: `${frame.masked ? 'masked' : 'unmasked'}, ${frame.payloadLength} bytes`, explain: 'The second byte: the MASK bit and a 7-bit length. 0-125 is the length itself; 126 and 127 say a longer length follows.', link: rfc('5.2'), bits: bitsOf(fields, 1, frame) },
  ];
  let at = 2;
  const ext = fields.find((f) => f.field === 'payloadLength16' || f.field === 'payloadLength64');
  if (ext) {
    const n = ext.bits / 8;
    spans.push({ start: at, end: at + n, name: 'Extended payload length', value: `${frame.payloadLength} bytes`, explain: `The real length, ${n * 8}-bit big-endian.`, link: rfc('5.2') });
    at += n;
  }
  if (frame.maskingKey) {
    spans.push({
      start: at,
      end: at + 4,
      name: 'Masking key',
      value: Array.from(frame.maskingKey, (b) => b.toString(16).padStart(2, '0')).join(' '),
      explain: 'Four bytes the client picks for each frame. Payload byte i is sent XOR key[i mod 4], so a page\'s script cannot choose the bytes a confused proxy would see. The committed trace uses fixed keys (the first is RFC 6455\'s own example); a real client must not.',
      link: rfc('5.3'),
      random: 'a masking key: RFC 6455 §5.3 asks for a fresh unpredictable key per frame',
    });
    at += 4;
  }
  const end = at + frame.payloadLength;
  const masked = frame.masked ? { random: 'masked payload: these bytes are the text XOR the random masking key, so they change with it (the unmasked text does not)' } : {};
  const maskNote = frame.masked ? ' On the wire the bytes are masked; the value shown is after unmasking.' : ' Server frames are sent as is.';
  if (op === 8 && frame.payloadLength >= 2) {
    const close = parseClosePayload(frame.payload);
    const code = close?.code ?? null;
    const reason = close?.reason ?? '';
    spans.push({ start: at, end: at + 2, name: 'Close code', value: String(code), explain: `A 16-bit status code: ${code === null ? '' : `${describeCloseCode(code).name}, ${describeCloseCode(code).meaning}`}. The side that receives a close frame answers with one (usually the same code), then the server ends TCP.${maskNote}`, link: rfc('7.4.1'), ...masked });
    if (frame.payloadLength > 2) spans.push({ start: at + 2, end, name: 'Close reason', value: JSON.stringify(reason), explain: `UTF-8 text, at most 123 bytes, for people reading logs.${maskNote}`, link: rfc('5.5.1'), ...masked });
  } else if (frame.payloadLength > 0) {
    const name = op === 9 ? 'Ping payload' : op === 10 ? 'Pong payload' : frame.rsv1 ? 'Compressed payload' : 'Payload';
    const explain =
      op === 9
        ? 'Application data a pong must echo. A ping may arrive between the fragments of a message: control frames may be injected in the middle (§5.4).'
        : op === 10
          ? 'The ping\'s payload, echoed: the pong answers that ping. ws answers pings itself, before the message in progress is complete.'
          : frame.rsv1
            ? `DEFLATE output (RFC 1951) with the final 00 00 ff ff removed; the receiver appends it and inflates. ${frame.payloadLength} bytes on the wire for ${record.inflated?.length ?? '?'} characters. ws's server compresses only messages of 1 KiB or more, so its echo below goes uncompressed.`
            : op === 0
              ? 'The rest of the message: a continuation frame (opcode 0). The message is complete when a frame has FIN = 1.'
              : !frame.fin
                ? 'The first fragment of a text message: FIN = 0 says more frames follow.'
                : 'The message: UTF-8 text, validated by the receiver (invalid UTF-8 closes with 1007).';
    const value = frame.rsv1 ? `inflates to ${JSON.stringify(record.inflated)}` : payloadText(frame.payload);
    spans.push({ start: at, end, name, value, explain: explain + maskNote, link: frame.rsv1 ? rfc7692('7.2') : op === 9 || op === 10 ? rfc(op === 9 ? '5.5.2' : '5.5.3') : op === 0 || !frame.fin ? rfc('5.4') : rfc('5.6'), ...masked });
  }
  return spans;
}

/** Annotates a whole trace: frames are decoded in order, one reader per direction, as a receiver would. */
export function annotateTrace(records: readonly TraceRecord[]): AnnotatedRecord[] {
  const readers = { client: createReader({ direction: 'client', perMessageDeflate: true }), server: createReader({ direction: 'server', perMessageDeflate: true }) };
  const key = keyOf(records);
  return records.map((record): AnnotatedRecord => {
    if (record.kind === 'tcp') return { record, bytes: new Uint8Array(0), spans: [], frame: null };
    const bytes = hexBytes(record.hex);
    if (record.kind === 'http') return { record, bytes, spans: annotateHttp(record, bytes, key), frame: null };
    const events = readers[record.dir].push(bytes);
    const ev = events[0];
    if (events.length !== 1 || ev?.type !== 'frame' || ev.frame.headerLength + ev.frame.payloadLength !== bytes.length) {
      throw new Error(`record is not exactly one valid frame: ${ev?.type === 'violation' ? ev.violation.reason : 'it does not decode alone'}`);
    }
    return { record, bytes, spans: annotateFrame(record, ev.frame), frame: ev.frame };
  });
}

/** A span of a live run whose bytes differ from the committed trace's. */
export interface LiveDifference {
  record: number;
  span: string;
  /** why RFC 6455 lets (or makes) them differ; null when nothing explains it */
  why: string | null;
}

/**
 * Compares a live run with the committed trace span by span: the same records and spans, the same
 * bytes, except spans marked random (whose decoded value must still match, for masked payloads).
 */
export function compareLive(committed: AnnotatedRecord[], live: AnnotatedRecord[]): { differences: LiveDifference[]; unexpected: LiveDifference[] } {
  const differences: LiveDifference[] = [];
  if (committed.length !== live.length) return { differences, unexpected: [{ record: -1, span: 'records', why: null }] };
  committed.forEach((c, i) => {
    const l = live[i]!;
    if (c.record.kind !== l.record.kind || c.record.dir !== l.record.dir || c.spans.length !== l.spans.length) {
      differences.push({ record: i, span: 'record', why: null });
      return;
    }
    c.spans.forEach((s, j) => {
      const ls = l.spans[j]!;
      const same = s.end - s.start === ls.end - ls.start && c.bytes.subarray(s.start, s.end).every((b, k) => b === l.bytes[ls.start + k]);
      if (same && s.name === ls.name) return;
      const valueKept = s.name === ls.name && (s.value === ls.value || s.random?.startsWith('masked') !== true);
      differences.push({ record: i, span: s.name, why: s.name === ls.name && s.random && valueKept ? s.random : null });
    });
  });
  return { differences, unexpected: differences.filter((d) => d.why === null) };
}
