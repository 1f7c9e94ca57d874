// A HAR file's WebSocket entries as wslab events. Chrome's DevTools, Playwright's recorder and
// Firefox keep each connection's messages under `_webSocketMessages` ({type: "send"|"receive",
// time, opcode, data}): the application's messages, not the frames that carried them. So each
// message becomes one frame whose payload, opcode, direction and time come from the file, and
// whose FIN, RSV bits, masking key, header bytes and stream offset are made up (and named as made
// up in `synthesised`): a message sent in several frames, or compressed, looked different on the
// wire. Control frames are not recorded (Chrome drops pings, pongs and closes).
import { z } from 'zod';
import type { EventBody } from '../events/schema.ts';
import { CloseTracker, frameBody, handshakeBody, headerOf, rawHead, type TimedBody } from './events.ts';

const NameValue = z.object({ name: z.string(), value: z.string() });
const Message = z.object({
  type: z.enum(['send', 'receive']),
  /** Chrome and Firefox: seconds since the epoch; Playwright: milliseconds; -1: not recorded */
  time: z.number(),
  opcode: z.number().int(),
  data: z.string(),
});
const Entry = z.object({
  startedDateTime: z.string().optional(),
  request: z.object({ method: z.string().optional(), url: z.string(), httpVersion: z.string().optional(), headers: z.array(NameValue).optional() }),
  response: z.object({ status: z.number().optional(), statusText: z.string().optional(), httpVersion: z.string().optional(), headers: z.array(NameValue).optional() }).optional(),
  serverIPAddress: z.string().optional(),
  _resourceType: z.string().optional(),
  _webSocketMessages: z.array(Message).optional(),
});
const Har = z.object({ log: z.object({ creator: z.object({ name: z.string().optional(), version: z.string().optional() }).partial().optional(), entries: z.array(z.unknown()) }) });

/** Field names of a frame made from a HAR message that are not in the file. */
export const HAR_SYNTHESISED_FIELDS = ['fin', 'rsv1', 'rsv2', 'rsv3', 'maskingKey', 'headerHex', 'offset'];

export interface HarImport {
  events: TimedBody[];
  connections: number;
  frames: number;
  problems: string[];
  startedAt: number | null;
  creator: string;
}

/** A message's time in ms since the epoch (seconds below 1e11 are Chrome's and Firefox's), or null. */
function wallMs(time: number): number | null {
  if (!(time > 0)) return null;
  return time < 1e11 ? time * 1000 : time;
}

function base64Bytes(s: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 === 1) return null;
  const table = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const clean = s.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (const ch of clean) {
    acc = (acc << 6) | table.indexOf(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

const encoder = new TextEncoder();

export function importHar(text: string, file: string, nextId: () => string): HarImport | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { error: `${file} is not JSON, so not a HAR: ${(err as Error).message}` };
  }
  const har = Har.safeParse(json);
  if (!har.success) return { error: `${file} is JSON but not a HAR: it needs log.entries (an array)` };
  const problems: string[] = [];
  const creator = [har.data.log.creator?.name, har.data.log.creator?.version].filter(Boolean).join(' ') || 'unknown';
  type Parsed = { entry: z.infer<typeof Entry>; index: number; start: number | null };
  const parsed: Parsed[] = [];
  har.data.log.entries.forEach((raw, index) => {
    const e = Entry.safeParse(raw);
    if (!e.success) {
      if (raw && typeof raw === 'object' && '_webSocketMessages' in raw) problems.push(`entry ${index + 1} has _webSocketMessages but is not a well-formed HAR entry; it was left out`);
      return;
    }
    const isWs = e.data._webSocketMessages !== undefined || e.data._resourceType === 'websocket' || /^wss?:/i.test(e.data.request.url);
    if (!isWs) return;
    const started = e.data.startedDateTime ? Date.parse(e.data.startedDateTime) : NaN;
    parsed.push({ entry: e.data, index, start: Number.isFinite(started) ? started : null });
  });
  // t = 0 is the earliest time the file names
  let t0: number | null = null;
  for (const p of parsed) {
    for (const t of [p.start, ...(p.entry._webSocketMessages ?? []).map((m) => wallMs(m.time))]) if (t !== null && (t0 === null || t < t0)) t0 = t;
  }
  const events: TimedBody[] = [];
  let frames = 0;
  for (const { entry, index, start } of parsed) {
    const conn = nextId();
    let url: URL | null = null;
    try {
      url = new URL(entry.request.url);
    } catch {
      url = null;
    }
    const path = url ? url.pathname + url.search : entry.request.url;
    const openT = start !== null && t0 !== null ? start - t0 : 0;
    const reqHeaders: [string, string][] = (entry.request.headers ?? []).map((h) => [h.name, h.value]);
    const resHeaders: [string, string][] = (entry.response?.headers ?? []).map((h) => [h.name, h.value]);
    const status = entry.response?.status ?? 0;
    const extensions = headerOf(resHeaders, 'sec-websocket-extensions');
    const deflate = extensions !== null && /permessage-deflate/i.test(extensions);
    const synthesisedConn = ['remote address', 'raw request and response heads (rebuilt from the header lists)', 'frame fields: ' + HAR_SYNTHESISED_FIELDS.join(', '), 'close (a HAR records no close frames)'];
    if (deflate) synthesisedConn.push('payloadLength and rsv1: permessage-deflate was negotiated, the file holds the inflated messages');
    const port = url ? Number(url.port || (url.protocol === 'wss:' ? 443 : 80)) : 0;
    events.push({
      t: openT,
      type: 'conn.open',
      conn,
      socketId: '',
      sessionId: null,
      lab: 'import',
      path,
      remote: { address: '', port: 0 },
      local: { address: entry.serverIPAddress?.replace(/^\[|\]$/g, '') ?? url?.hostname ?? '', port },
      subprotocol: headerOf(resHeaders, 'sec-websocket-protocol'),
      extensions,
      client: 'browser',
      imported: { format: 'har', file, startedAt: t0, source: entry.request.url, synthesised: synthesisedConn },
    });
    const httpVersion = (entry.request.httpVersion || 'HTTP/1.1').toUpperCase().startsWith('HTTP/') ? entry.request.httpVersion || 'HTTP/1.1' : 'HTTP/1.1';
    const request = { startLine: `${entry.request.method ?? 'GET'} ${path} ${httpVersion}`, headers: reqHeaders };
    const response = { startLine: `${entry.response?.httpVersion || 'HTTP/1.1'} ${status} ${entry.response?.statusText ?? ''}`.trimEnd(), headers: resHeaders };
    events.push({ t: openT, ...handshakeBody(conn, request, response) });
    const tracker = new CloseTracker(openT);
    const offsets = { c2s: rawHead(request).length, s2c: rawHead(response).length };
    tracker.bytes.c2s = offsets.c2s;
    tracker.bytes.s2c = offsets.s2c;
    let lastT = openT;
    const messages = entry._webSocketMessages ?? [];
    messages.forEach((m, i) => {
      const dir = m.type === 'send' ? 'c2s' : 's2c';
      let payload: Uint8Array;
      if (m.opcode === 1) payload = encoder.encode(m.data);
      else {
        const b = base64Bytes(m.data);
        if (b === null) {
          problems.push(`entry ${index + 1}, message ${i + 1}: opcode ${m.opcode} data is not base64; taken as text`);
          payload = encoder.encode(m.data);
        } else payload = b;
      }
      const wall = wallMs(m.time);
      const t = wall !== null && t0 !== null ? Math.max(0, wall - t0) : lastT;
      lastT = Math.max(lastT, t);
      const masked = dir === 'c2s';
      const len = payload.length;
      const headerLength = 2 + (len < 126 ? 0 : len < 0x10000 ? 2 : 8) + (masked ? 4 : 0);
      const opcode = m.opcode & 0x0f;
      let closeCode: number | null = null;
      let closeReason: string | null = null;
      if (opcode === 8 && payload.length >= 2) {
        closeCode = (payload[0] << 8) | payload[1];
        closeReason = new TextDecoder().decode(payload.subarray(2));
      }
      const body: EventBody<'frame'> = frameBody(conn, {
        dir,
        offset: offsets[dir],
        fin: true,
        rsv1: false,
        rsv2: false,
        rsv3: false,
        opcode,
        masked,
        maskingKey: masked ? '00000000' : null,
        payloadLength: len,
        headerLength,
        payload,
        textual: opcode === 1,
        closeCode,
        closeReason,
        inflated: null,
        synthesised: deflate ? [...HAR_SYNTHESISED_FIELDS, 'payloadLength'] : HAR_SYNTHESISED_FIELDS,
      });
      offsets[dir] += headerLength + len;
      events.push({ t, ...body });
      tracker.frame(body, t);
      frames++;
    });
    if (status !== 101 && messages.length === 0) problems.push(`entry ${index + 1} (${entry.request.url}): the upgrade was answered ${status || 'with nothing'}`);
    events.push({ t: tracker.lastT, ...tracker.body(conn, 'not recorded: a HAR keeps no close frames') });
  }
  return { events, connections: parsed.length, frames, problems, startedAt: t0, creator };
}
