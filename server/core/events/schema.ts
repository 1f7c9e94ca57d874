// The wslab event stream: one versioned schema, with runtime validation, shared by the server,
// the web app and scripts. Pure: imports nothing from node:* or the DOM.
//
// Every event has `v` (schema version), `seq` (monotonic per server), `t` (milliseconds since the
// server started, sub-millisecond precision), `type`, and `conn` when it belongs to a connection.
import { z } from 'zod';
import { EVENT_TYPES as EVENT_TYPE_NAMES, type EventTypeName } from './event-types.ts';
import { EVENT_SCHEMA_VERSION, FRAME_PREVIEW_BYTES, MESSAGE_PREVIEW_BYTES } from './version.ts';

export { EVENT_SCHEMA_VERSION, FRAME_PREVIEW_BYTES, MESSAGE_PREVIEW_BYTES };

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
  /**
   * `wslab proxy` (lab "proxy"): the upstream URL; mode "relay" (bytes unchanged) or "intercept"
   * (rules were in force when it opened: two WebSocket sessions, `leg` "client" for client ↔ wslab
   * and "upstream" for wslab ↔ upstream, `peer` the other leg's conn)
   */
  proxy: z
    .object({
      target: z.string(),
      mode: z.enum(['relay', 'intercept']).optional(),
      leg: z.enum(['client', 'upstream']).optional(),
      peer: z.string().optional(),
    })
    .optional(),
  /**
   * `wslab open FILE` or an import in /inspect: the connection was read from a file, not seen live
   * (lab "import"). `synthesised` names what wslab made up because the file does not hold it (a
   * HAR has messages, not frames); everything else came from the file.
   */
  imported: z
    .object({
      format: z.enum(['pcap', 'pcapng', 'har', 'session']),
      file: z.string(),
      /** wall-clock time of t = 0 in the file, ms since the Unix epoch; null when the file has none */
      startedAt: z.number().nullable(),
      /** the connection's id in the file (a wslab session), or its 4-tuple (a capture), or its URL (a HAR) */
      source: z.string(),
      synthesised: z.array(z.string()),
    })
    .optional(),
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
  /** the server declined the client's permessage-deflate offer and opened without it (RFC 7692 §5): why, in a sentence */
  extensionDeclined: z.string().optional(),
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
  /**
   * an imported frame (see conn.open's `imported`): the fields wslab reconstructed because the file
   * does not record them (a HAR keeps messages: fin, rsv1-3, masking key, header bytes, offset)
   */
  synthesised: z.array(z.string()).optional(),
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
  /**
   * the display name the workshop participant who opened it chose (wslab start --workshop), bound
   * through the page's wslab_session cookie; null when none. Untrusted text: render it as text.
   * Absent from servers older than workshop mode.
   */
  name: z.string().nullable().optional(),
});

export const ErrorEvent = z.object({
  ...base,
  type: z.literal('error'),
  conn: connId.optional(),
  dir: dir.optional(),
  /**
   * wire: the peer broke RFC 6455; decoder: wslab's own decoder failed (a bug) and stopped decoding
   * that direction; upstream: `wslab proxy` could not reach or trust its upstream, or it did not
   * answer in time (no connection was opened, so there is no conn)
   */
  source: z.enum(['wire', 'decoder', 'handshake', 'server', 'lab', 'upstream']),
  message: z.string(),
  violation: violation.optional(),
});

/**
 * An upgrade the server refused before any connection existed (a foreign Origin: 403). `sessionId`
 * is the request's ?session= (never its cookie), so a learner's challenge can be matched to it.
 */
export const RefusedEvent = z.object({
  ...base,
  type: z.literal('refused'),
  /** the HTTP status the upgrade was answered with */
  status: z.number().int(),
  /** the sentence sent with it */
  reason: z.string(),
  /** the request's path, without its query */
  path: z.string(),
  /** the Origin header sent, when there was one */
  origin: z.string().nullable(),
  sessionId: z.string().nullable(),
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

// ---- The fault and flow labs: the chaos link, simulated clients, the backpressure producer ----

/** What the chaos link does to the bytes of one connection (or, as defaults, to every new one). */
export const LinkConditions = z.object({
  /** one-way delay added in each direction, ms */
  latencyMs: z.number().int().nonnegative(),
  /** plus a uniform random 0..jitterMs per chunk (order is kept, as TCP keeps it) */
  jitterMs: z.number().int().nonnegative(),
  /** bandwidth client → server, bytes/s; 0 = unlimited */
  c2sBytesPerSec: z.number().int().nonnegative(),
  /** bandwidth server → client, bytes/s; 0 = unlimited */
  s2cBytesPerSec: z.number().int().nonnegative(),
  /** silently drop every byte both ways: no FIN, no RST (the phone in a tunnel) */
  blackhole: z.boolean(),
  /** stop reading from the client: its kernel and ws buffers fill */
  pauseClient: z.boolean(),
  /** stop reading from the server: the server's kernel and ws buffers fill */
  pauseServer: z.boolean(),
});

const linkDirCounters = z.object({
  /** bytes read from the sender so far */
  read: z.number().int().nonnegative(),
  /** bytes written on to the receiver */
  forwarded: z.number().int().nonnegative(),
  /** bytes inside the link right now (latency, bandwidth) */
  held: z.number().int().nonnegative(),
  /** bytes thrown away (blackhole) */
  dropped: z.number().int().nonnegative(),
});

export const LinkEvent = z.object({
  ...base,
  type: z.literal('link'),
  /** the server-side connection behind this link connection, once known */
  conn: connId.optional(),
  /** the link connection ("L3"), or "*" for the defaults every new link connection starts with */
  link: z.string(),
  /**
   * open/close: a link connection came or went; config: its conditions changed; hold: a chunk was
   * queued behind latency or bandwidth; drop: a chunk was thrown away (blackhole); reset: RST sent;
   * stats: counters moved
   */
  action: z.enum(['open', 'config', 'hold', 'drop', 'reset', 'close', 'stats']),
  dir: dir.optional(),
  /** bytes in the chunk held or dropped */
  bytes: z.number().int().nonnegative().optional(),
  /** the WebSocket frames that start in that chunk (the first 8) */
  frames: z
    .array(z.object({ opcode: z.number().int(), opcodeName: z.string(), length: z.number().int().nonnegative() }))
    .optional(),
  conditions: LinkConditions.optional(),
  counters: z.object({ c2s: linkDirCounters, s2c: linkDirCounters }).optional(),
  /** the lab path the link connects to, on open */
  path: z.string().optional(),
  /** the tag given with ?link=TAG */
  tag: z.string().optional(),
  reason: z.string().optional(),
});

export const SimEvent = z.object({
  ...base,
  type: z.literal('sim'),
  /** stats: the periodic figures; spawn, blackhole, restore, clear: what the learner did */
  action: z.enum(['stats', 'spawn', 'blackhole', 'restore', 'clear']),
  /** simulated clients that exist (their sockets are open on the client side) */
  clients: z.number().int().nonnegative(),
  /** of those, the ones the network still reaches (not blackholed, connection open) */
  alive: z.number().int().nonnegative(),
  blackholed: z.number().int().nonnegative(),
  /** connections to /lab/ghosts the server's registry holds: the ones it believes are online */
  believed: z.number().int().nonnegative(),
  /** bytes of per-connection state the ghosts lab keeps for those connections */
  stateBytes: z.number().int().nonnegative(),
  /** process.memoryUsage() of the server process */
  rss: z.number().int().nonnegative(),
  heapUsed: z.number().int().nonnegative(),
  /** how many clients the action touched */
  count: z.number().int().nonnegative().optional(),
});

export const FlowStrategy = z.enum(['none', 'drop-newest', 'drop-oldest', 'coalesce', 'pause']);

export const FlowEvent = z.object({
  ...base,
  type: z.literal('flow'),
  conn: connId,
  action: z.enum(['config', 'stats', 'stopped']),
  strategy: FlowStrategy,
  /** messages a second the producer aims for, and their size in bytes */
  rate: z.number().int().nonnegative(),
  size: z.number().int().nonnegative(),
  /** produced = delivered + dropped + queued, always */
  produced: z.number().int().nonnegative(),
  /** handed to the kernel: ws's send callback fired */
  delivered: z.number().int().nonnegative(),
  /** thrown away by the strategy (dropped, or replaced by a newer value for the same key) */
  dropped: z.number().int().nonnegative(),
  /** in the application queue, or given to ws.send and not yet written to the kernel */
  queued: z.number().int().nonnegative(),
  /** the application queue: messages and bytes */
  queueLength: z.number().int().nonnegative(),
  queueBytes: z.number().int().nonnegative(),
  bufferedAmount: z.number().int().nonnegative(),
  writableLength: z.number().int().nonnegative(),
  /** the producer is paused by the high-water mark (strategy "pause") */
  producerPaused: z.boolean(),
  /** why production stopped for good (strategy "none" hit the safety cap), else null */
  stopped: z.string().nullable(),
  capBytes: z.number().int().nonnegative(),
  highWater: z.number().int().nonnegative(),
  lowWater: z.number().int().nonnegative(),
  queueMax: z.number().int().nonnegative(),
  rss: z.number().int().nonnegative(),
  heapUsed: z.number().int().nonnegative(),
});

/**
 * One hop of a message through the fan-out layer (server/fanout), on the node named by `node`:
 * a node subscribing to or leaving a topic in the broker, publishing a message (node → broker),
 * the broker handing it to a node (broker → node), the node delivering it to its local sockets, a DM queued for an offline user and
 * taken out of the queue, a message dropped for backpressure, a gap of lost messages.
 * `msgId` ties the hops of one message together across nodes.
 */
export const FanoutEvent = z.object({
  ...base,
  type: z.literal('fanout'),
  /** the connection that caused the hop (the sender, the joiner), when there is one */
  conn: connId.optional(),
  hop: z.enum(['subscribe', 'unsubscribe', 'publish', 'broker', 'deliver', 'queue', 'dequeue', 'ack', 'drop', 'lost']),
  node: z.string(),
  /** the broker topic: room:NAME, user:NAME or all */
  topic: z.string(),
  room: z.string().nullable(),
  msgId: z.string().nullable(),
  /** chat, dm, broadcast, presence */
  kind: z.string().nullable(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  /** the node that published the message (deliver hops) */
  origin: z.string().nullable(),
  /** deliver: local sockets written to; queue: its length; lost/drop: how many */
  count: z.number().int().nonnegative().nullable(),
  /** Redis Streams entry id, when the message went through a stream */
  streamId: z.string().nullable(),
  detail: z.string(),
});

/** A node's link to its broker: up, down, reconnecting, paused, the delivery mode it uses. */
export const BrokerEvent = z.object({
  ...base,
  type: z.literal('broker'),
  node: z.string(),
  broker: z.enum(['embedded', 'redis']),
  mode: z.enum(['pubsub', 'streams']),
  status: z.enum(['up', 'down', 'reconnecting', 'paused']),
  /** topics the node is subscribed to (resubscribed after a reconnect) */
  topics: z.number().int().nonnegative(),
  detail: z.string(),
});

/** A fan-out node's own lifecycle: started, stopped (its sockets gone with it), paused, resumed. */
export const NodeEvent = z.object({
  ...base,
  type: z.literal('node'),
  node: z.string(),
  action: z.enum(['start', 'stop', 'pause', 'resume']),
  /** the node's own ws://HOST:PORT/lab/chat */
  url: z.string(),
  port: z.number().int().nonnegative(),
  detail: z.string(),
});

/**
 * Workshop mode (wslab start --workshop): who joined the room, and what the presenter did to it.
 * A presenter action names what it was for (the room or one participant) and how many connections
 * it changed; the changes themselves are the usual `link` config/reset and `heartbeat` config events.
 */
export const WorkshopEvent = z.object({
  ...base,
  type: z.literal('workshop'),
  /**
   * join, rename, leave: a participant (by "participant"), or leave by "timer" when their pages
   * were all gone for the grace period. remove: the presenter took a participant out of the room.
   * blackhole, latency, reset, heartbeat, restore: the presenter acting on the room or one
   * participant (by "presenter"), or a timed action running out (restore, by "timer").
   */
  action: z.enum(['join', 'rename', 'leave', 'remove', 'blackhole', 'latency', 'reset', 'heartbeat', 'restore']),
  by: z.enum(['participant', 'presenter', 'timer']),
  /** the participant ("p3") it is about; null for the whole room */
  participant: z.string().nullable(),
  /** that participant's display name (sanitized, still untrusted: render as text) */
  name: z.string().nullable(),
  /** participants in the room after it */
  participants: z.number().int().nonnegative(),
  /** connections it changed: link connections for blackhole/latency/reset/restore, lab connections for heartbeat and names */
  conns: z.number().int().nonnegative(),
  /** a timed blackhole or latency: it lifts by itself after this many ms; null: until restored (or not timed) */
  durationMs: z.number().int().positive().nullable(),
  /** latency: the delay added each way, ms */
  latencyMs: z.number().int().nonnegative().nullable(),
  /** heartbeat: the setting applied (intervalMs 0 = off) */
  heartbeat: z.object({ intervalMs: z.number().int().nonnegative(), maxMisses: z.number().int().positive() }).nullable(),
});


/**
 * The workshop's live room quiz (server/workshop/quiz.ts), seen by the whole room: the presenter
 * asks (the question and its choices, never the answer), the tally of answers so far (at most two
 * a second), the reveal (the right choice and the final counts), the end. Each participant's first
 * answer is the one counted. The asking is also drawn as fan-out: one `fanout` publish on node
 * "room", topic "quiz", then one `deliver` per participant.
 */
export const QuizEvent = z.object({
  ...base,
  type: z.literal('quiz'),
  action: z.enum(['ask', 'tally', 'reveal', 'end']),
  /** "q1", "q2", ... */
  quiz: z.string(),
  /** ask: the question (untrusted text: render as text) */
  question: z.string().nullable(),
  /** ask: the choices, in the order everyone sees them */
  choices: z.array(z.string()).nullable(),
  /** ask: where it comes from ("04-frames-and-opcodes#1"), null when typed in */
  source: z.string().nullable(),
  /** answers per choice so far */
  counts: z.array(z.number().int().nonnegative()),
  /** participants who answered, and in the room */
  answered: z.number().int().nonnegative(),
  participants: z.number().int().nonnegative(),
  /** reveal: the index of the right choice */
  correct: z.number().int().nonnegative().nullable(),
});

/** Follow-me: the presenter moved the room to a page (a lesson section, a lab, a challenge); participants' pages follow unless they opted out. */
export const FollowEvent = z.object({
  ...base,
  type: z.literal('follow'),
  /** the app path, with an optional #section: "/lessons/04-frames-and-opcodes#masking" */
  path: z.string(),
  /** what the room reads: "Lesson 4 · Frames and opcodes" */
  label: z.string(),
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
  RefusedEvent,
  GapEvent,
  LinkEvent,
  SimEvent,
  FlowEvent,
  FanoutEvent,
  BrokerEvent,
  NodeEvent,
  WorkshopEvent,
  QuizEvent,
  FollowEvent,
]);

export type WslabEvent = z.infer<typeof WslabEvent>;
export type EventType = WslabEvent['type'];
export type EventOf<T extends EventType> = Extract<WslabEvent, { type: T }>;
/** An event before the bus stamps it with v, seq and t. */
export type EventBody<T extends EventType = EventType> = T extends EventType
  ? Omit<EventOf<T>, 'v' | 'seq' | 't'>
  : never;

/** Every event type, in the union's order (event-types.ts: the same list without zod, for the browser). */
export const EVENT_TYPES: readonly EventType[] = EVENT_TYPE_NAMES;
// The plain list and the union must name the same types: each line fails to compile when one has a type the other lacks.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const eventTypesAgree: Same<EventType, EventTypeName> = true;
void eventTypesAgree;

/** Validates unknown input (a parsed JSON message) as an event. */
export function parseEvent(input: unknown): { ok: true; event: WslabEvent } | { ok: false; error: string } {
  const result = WslabEvent.safeParse(input);
  if (result.success) return { ok: true, event: result.data };
  return { ok: false, error: z.prettifyError(result.error) };
}
