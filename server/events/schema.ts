// The wslab event stream: one versioned schema, with runtime validation, shared by the server,
// the web app and scripts. Pure: imports nothing from node:* or the DOM.
//
// Every event has `v` (schema version), `seq` (monotonic per server), `t` (milliseconds since the
// server started, sub-millisecond precision), `type`, and `conn` when it belongs to a connection.
import { z } from 'zod';

export const EVENT_SCHEMA_VERSION = 1;

/** Payload bytes a frame event previews (payloadHex, text); payloadLength is always the full size. */
export const FRAME_PREVIEW_BYTES = 64;
/** Bytes of an assembled message (or inflated text) a message event previews. */
export const MESSAGE_PREVIEW_BYTES = 256;

const connId = z.string().min(1);
const dir = z.enum(['c2s', 's2c']);
const readyState = z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]);
const headerList = z.array(z.tuple([z.string(), z.string()]));
const endpoint = z.object({ address: z.string(), port: z.number().int() });

/** Where one header field sits in its frame: [byteOffset, bitOffset, bits]. */
const fieldPos = z.tuple([z.number().int(), z.number().int(), z.number().int()]);

const base = {
  v: z.literal(EVENT_SCHEMA_VERSION),
  seq: z.number().int().nonnegative(),
  t: z.number().nonnegative(),
};

const violation = z.object({
  kind: z.string(),
  closeCode: z.number().int(),
  offset: z.number().int().nonnegative(),
  reason: z.string(),
  rfc: z.string(),
});

export const ConnOpenEvent = z.object({
  ...base,
  type: z.literal('conn.open'),
  conn: connId,
  socketId: z.string(),
  sessionId: z.string().nullable(),
  /** the lab the upgrade was routed to, e.g. "echo" */
  lab: z.string(),
  path: z.string(),
  /** the TCP 4-tuple as the server sees it */
  remote: endpoint,
  local: endpoint,
  subprotocol: z.string().nullable(),
  extensions: z.string().nullable(),
  /** 'browser', 'puppet' (a server-side client), 'sim' (simulated) or 'external' */
  client: z.string(),
});

export const HandshakeEvent = z.object({
  ...base,
  type: z.literal('handshake'),
  conn: connId,
  request: z.object({
    method: z.string(),
    target: z.string(),
    httpVersion: z.string(),
    headers: headerList,
    /** the request head as it crossed the connection (latin1) */
    raw: z.string(),
  }),
  response: z.object({
    status: z.number().int(),
    statusText: z.string(),
    headers: headerList,
    raw: z.string(),
  }),
  key: z.string().nullable(),
  accept: z.string().nullable(),
  /** what Sec-WebSocket-Accept must be for this key (SHA-1 of key + GUID, base64) */
  expectedAccept: z.string().nullable(),
  acceptOk: z.boolean(),
});

export const FrameEvent = z.object({
  ...base,
  type: z.literal('frame'),
  conn: connId,
  dir,
  /** byte offset of the frame in its direction's stream (the HTTP head is offset 0) */
  offset: z.number().int().nonnegative(),
  fin: z.boolean(),
  rsv1: z.boolean(),
  rsv2: z.boolean(),
  rsv3: z.boolean(),
  opcode: z.number().int(),
  opcodeName: z.string(),
  masked: z.boolean(),
  maskingKey: z.string().nullable(),
  payloadLength: z.number().int().nonnegative(),
  headerLength: z.number().int(),
  /** the header bytes as sent, hex */
  headerHex: z.string(),
  /** field name → [byteOffset, bitOffset, bits] within the frame */
  fields: z.record(z.string(), fieldPos),
  /** the first bytes of the payload after unmasking, hex */
  payloadHex: z.string(),
  /** true when payloadHex/text hold only the first bytes of the payload */
  truncated: z.boolean(),
  /** the payload (preview) as text when it is valid UTF-8, else null */
  text: z.string().nullable(),
  closeCode: z.number().int().nullable(),
  closeReason: z.string().nullable(),
  /** RSV1 on a data frame with permessage-deflate: the message's inflated text (preview) */
  inflated: z.string().nullable(),
});

export const MessageEvent = z.object({
  ...base,
  type: z.literal('message'),
  conn: connId,
  dir,
  opcode: z.union([z.literal(1), z.literal(2)]),
  opcodeName: z.string(),
  /** bytes of the assembled message as the application sees it (after inflating) */
  length: z.number().int().nonnegative(),
  /** bytes that crossed the wire for it (payloads of its frames) */
  wireLength: z.number().int().nonnegative(),
  frames: z.number().int().positive(),
  compressed: z.boolean(),
  text: z.string().nullable(),
  previewHex: z.string(),
  truncated: z.boolean(),
});

export const StateEvent = z.object({
  ...base,
  type: z.literal('state'),
  conn: connId,
  side: z.enum(['server', 'client']),
  from: readyState.nullable(),
  to: readyState,
  cause: z.string(),
});

export const PingEvent = z.object({
  ...base,
  type: z.literal('ping'),
  conn: connId,
  dir,
  payloadHex: z.string(),
});

export const PongEvent = z.object({
  ...base,
  type: z.literal('pong'),
  conn: connId,
  dir,
  payloadHex: z.string(),
  /** time from the matching ping crossing the tap to this pong crossing it, ms; null if unsolicited */
  rtt: z.number().nullable(),
});

export const HeartbeatEvent = z.object({
  ...base,
  type: z.literal('heartbeat'),
  conn: connId,
  action: z.enum(['config', 'ping', 'pong', 'miss', 'terminate']),
  missed: z.number().int().nonnegative(),
  maxMisses: z.number().int().nonnegative(),
  intervalMs: z.number().nonnegative(),
  rtt: z.number().nullable(),
});

export const BufferEvent = z.object({
  ...base,
  type: z.literal('buffer'),
  conn: connId,
  /** ws's bufferedAmount: bytes queued by ws and the socket, not yet handed to the kernel */
  bufferedAmount: z.number().int().nonnegative(),
  /** the net.Socket's writableLength */
  writableLength: z.number().int().nonnegative(),
});

export const CloseEvent = z.object({
  ...base,
  type: z.literal('close'),
  conn: connId,
  code: z.number().int().nullable(),
  reason: z.string(),
  /** who sent the first close frame; 'none' when the TCP connection ended without one */
  initiator: z.enum(['client', 'server', 'none']),
  /** true when close frames went both ways before TCP closed */
  clean: z.boolean(),
  durationMs: z.number().nonnegative(),
  bytesIn: z.number().int().nonnegative(),
  bytesOut: z.number().int().nonnegative(),
});

export const MetaEvent = z.object({
  ...base,
  type: z.literal('meta'),
  conn: connId,
  socketId: z.string(),
  sessionId: z.string().nullable(),
  userId: z.string().nullable(),
});

export const ErrorEvent = z.object({
  ...base,
  type: z.literal('error'),
  conn: connId.optional(),
  dir: dir.optional(),
  source: z.enum(['wire', 'handshake', 'server', 'lab']),
  message: z.string(),
  violation: violation.optional(),
});

export const GapEvent = z.object({
  ...base,
  type: z.literal('gap'),
  /** events this observer did not receive */
  dropped: z.number().int().positive(),
  fromSeq: z.number().int().nonnegative(),
  toSeq: z.number().int().nonnegative(),
  reason: z.enum(['slow-observer', 'history-evicted']),
});

export const WslabEvent = z.discriminatedUnion('type', [
  ConnOpenEvent,
  HandshakeEvent,
  FrameEvent,
  MessageEvent,
  StateEvent,
  PingEvent,
  PongEvent,
  HeartbeatEvent,
  BufferEvent,
  CloseEvent,
  MetaEvent,
  ErrorEvent,
  GapEvent,
]);

export type WslabEvent = z.infer<typeof WslabEvent>;
export type EventType = WslabEvent['type'];
export type EventOf<T extends EventType> = Extract<WslabEvent, { type: T }>;
/** An event before the bus stamps it with v, seq and t. */
export type EventBody<T extends EventType = EventType> = T extends EventType
  ? Omit<EventOf<T>, 'v' | 'seq' | 't'>
  : never;

export const EVENT_TYPES: readonly EventType[] = WslabEvent.options.map((o) => o.shape.type.value);

/** Validates unknown input (a parsed JSON message) as an event. */
export function parseEvent(input: unknown): { ok: true; event: WslabEvent } | { ok: false; error: string } {
  const result = WslabEvent.safeParse(input);
  if (result.success) return { ok: true, event: result.data };
  return { ok: false, error: z.prettifyError(result.error) };
}
