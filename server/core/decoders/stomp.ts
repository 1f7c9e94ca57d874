// STOMP 1.2 (https://stomp.github.io/stomp-specification-1.2.html) over WebSocket (subprotocols
// v12.stomp, v11.stomp, v10.stomp): a frame is a command line, header lines "name:value", a blank
// line, the body and a NUL; a lone end-of-line is a heart-beat. Header values are escaped (\c \n
// \r \\) except in CONNECT and CONNECTED; a repeated header's first value counts; content-length,
// when present, gives the body's length in bytes. A message may hold several frames.
import type { Decoded, DecodedItem, DecoderDef, DecoderMessage } from './types.ts';
import { clip, known, payloadText, utf8 } from './util.ts';

const COMMANDS = new Set(['CONNECT', 'STOMP', 'CONNECTED', 'SEND', 'SUBSCRIBE', 'UNSUBSCRIBE', 'ACK', 'NACK', 'BEGIN', 'COMMIT', 'ABORT', 'DISCONNECT', 'MESSAGE', 'RECEIPT', 'ERROR']);
const PROTOCOL = 'STOMP 1.2';
const MAX_FRAMES = 100;
const MAX_HEADERS = 64;

function unescape(s: string): string | null {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '\\') {
      out += s[i];
      continue;
    }
    const e = s[++i];
    if (e === 'c') out += ':';
    else if (e === 'n') out += '\n';
    else if (e === 'r') out += '\r';
    else if (e === '\\') out += '\\';
    else return null;
  }
  return out;
}

/** The index of the next LF at or after p, or -1. */
function lineEnd(b: Uint8Array, p: number): number {
  for (let i = p; i < b.length; i++) if (b[i] === 0x0a) return i;
  return -1;
}

function frame(b: Uint8Array, p: number, cut: boolean): { item: DecodedItem; next: number } {
  const fields: [string, string][] = [];
  const line = (start: number, end: number) => {
    const e = end > start && b[end - 1] === 0x0d ? end - 1 : end;
    return utf8(b.subarray(start, e), false);
  };
  const partial = (summary: string) => ({ item: { summary, fields, cut: true as const }, next: b.length });
  const bad = (summary: string, sentence: string) => ({ item: { summary, fields, malformed: sentence }, next: b.length });
  let eol = lineEnd(b, p);
  if (eol < 0) {
    if (cut) return partial(utf8(b.subarray(p), true) ?? '…');
    return bad('(no command)', 'A STOMP frame starts with a command line ended by a newline.');
  }
  const command = line(p, eol);
  if (command === null || !COMMANDS.has(command)) return bad(clip(command ?? '(not UTF-8)', 40), `${JSON.stringify(clip(command ?? '', 40))} is not a STOMP 1.2 command.`);
  fields.push(['stomp.command', command]);
  const raw = command === 'CONNECT' || command === 'CONNECTED';
  const headers = new Map<string, string>();
  let q = eol + 1;
  for (;;) {
    eol = lineEnd(b, q);
    if (eol < 0) return cut ? partial(summaryOf(command, headers, null)) : bad(command, 'The headers must end with a blank line.');
    if (eol === q || (eol === q + 1 && b[q] === 0x0d)) {
      q = eol + 1;
      break;
    }
    const text = line(q, eol);
    if (text === null) return bad(command, 'STOMP headers must be UTF-8.');
    const colon = text.indexOf(':');
    if (colon < 0) return bad(command, `The header line ${JSON.stringify(clip(text, 40))} has no ":".`);
    const name = raw ? text.slice(0, colon) : unescape(text.slice(0, colon));
    const value = raw ? text.slice(colon + 1) : unescape(text.slice(colon + 1));
    if (name === null || value === null) return bad(command, `The header line ${JSON.stringify(clip(text, 40))} uses an escape STOMP 1.2 does not define.`);
    if (headers.size < MAX_HEADERS && !headers.has(name)) {
      headers.set(name, value);
      fields.push([`stomp.${name}`, clip(value)]);
    }
    q = eol + 1;
  }
  let bodyEnd: number;
  const cl = headers.get('content-length');
  if (cl !== undefined) {
    if (!/^\d{1,12}$/.test(cl)) return bad(command, `content-length ${JSON.stringify(clip(cl, 20))} is not a number of bytes.`);
    bodyEnd = q + Number(cl);
    if (bodyEnd >= b.length) {
      if (cut) {
        fields.push(['stomp.body', payloadText(b.subarray(q), true)]);
        return partial(summaryOf(command, headers, b.subarray(q)));
      }
      return bad(command, `The body is shorter than its content-length (${cl} B) or lacks its closing NUL.`);
    }
    if (b[bodyEnd] !== 0) return bad(command, `The byte after the ${cl}-byte body must be NUL.`);
  } else {
    bodyEnd = b.indexOf(0, q);
    if (bodyEnd < 0) {
      if (cut) {
        fields.push(['stomp.body', payloadText(b.subarray(q), true)]);
        return partial(summaryOf(command, headers, b.subarray(q)));
      }
      return bad(command, 'A STOMP frame ends with a NUL byte.');
    }
  }
  const body = b.subarray(q, bodyEnd);
  if (body.length) fields.push(['stomp.body', payloadText(body, false)]);
  return { item: { summary: summaryOf(command, headers, body), fields }, next: bodyEnd + 1 };
}

function summaryOf(command: string, h: Map<string, string>, body: Uint8Array | null): string {
  const parts = [command];
  const dest = h.get('destination');
  if (dest !== undefined) parts.push(clip(dest, 60));
  for (const k of ['id', 'subscription', 'receipt-id', 'message', 'version', 'accept-version']) {
    const v = h.get(k);
    if (v !== undefined) parts.push(`${k}=${clip(v, 30)}`);
  }
  if (body && body.length) parts.push(JSON.stringify(clip(payloadText(body, false), 40)));
  return parts.join(' ');
}

function create(): (m: DecoderMessage) => Decoded {
  return (m) => {
    const { bytes, cut } = known(m);
    const items: DecodedItem[] = [];
    let p = 0;
    while (p < bytes.length && items.length < MAX_FRAMES) {
      // heart-beats: end-of-lines between frames
      let beats = 0;
      while (p < bytes.length && (bytes[p] === 0x0a || (bytes[p] === 0x0d && bytes[p + 1] === 0x0a))) {
        p += bytes[p] === 0x0d ? 2 : 1;
        beats++;
      }
      if (p >= bytes.length) {
        if (beats && items.length === 0) items.push({ summary: 'heart-beat', fields: [['stomp.command', 'heart-beat']] });
        break;
      }
      const { item, next } = frame(bytes, p, cut);
      items.push(item);
      p = next;
    }
    if (items.length === 0) items.push({ summary: '(empty)', fields: [], malformed: 'An empty message is neither a STOMP frame nor a heart-beat.' });
    return { decoder: 'stomp', protocol: PROTOCOL, items };
  };
}

export const stomp: DecoderDef = {
  id: 'stomp',
  protocol: PROTOCOL,
  subprotocols: ['v12.stomp', 'v11.stomp', 'v10.stomp', 'stomp'],
  recognise: (m) => m.dir === 'c2s' && /^(CONNECT|STOMP)\r?\n/.test(utf8(m.bytes.subarray(0, 12), true) ?? ''),
  create,
};
