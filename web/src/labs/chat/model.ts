// The chat lab's pure side: envelopes going out, what a client shows of the envelopes coming in,
// where a token travels, and which node a connection landed on. No DOM, no sockets: the browser
// client (client.ts) feeds these, and the unit tests drive them directly.
import type { EventOf, WslabEvent } from '../../../../server/core/events/schema.ts';

/** The ways this page can present a token when it opens /lab/chat. */
export type Transport = 'query' | 'cookie' | 'subprotocol' | 'auth' | 'none' | 'forged';

export const TRANSPORTS: readonly { id: Transport; label: string; line: string }[] = [
  {
    id: 'query',
    label: '?token= (query)',
    line: 'Simplest to write; but the URL, token and all, lands in access logs, proxy logs and this lab’s event stream.',
  },
  {
    id: 'cookie',
    label: 'cookie wslab_token',
    line: 'The browser attaches it to the upgrade by itself, so any page could ride it: the server’s Origin check is what stops that. One cookie per site: the last login wins.',
  },
  {
    id: 'subprotocol',
    label: 'subprotocol bearer.<token>',
    line: 'The one header a browser lets you set. The server picks wslab.chat and never echoes the bearer entry back.',
  },
  {
    id: 'auth',
    label: 'auth message first',
    line: 'Keeps the token out of URLs and headers. The socket is open but useless until the token arrives (5 s at most).',
  },
  {
    id: 'none',
    label: 'no token',
    line: 'The server waits 5 s for an auth message, then closes with 1008; any other first message closes at once.',
  },
  {
    id: 'forged',
    label: 'forged token',
    line: 'A token whose signature does not check out: the server closes with 4001 right after the handshake.',
  },
];

export const CHAT_SUBPROTOCOL = 'wslab.chat';

/** The URL and subprotocols for one connect attempt. */
export function connectSpec(
  transport: Transport,
  wsBase: string,
  session: string,
  token: string | null,
): { url: string; protocols: string[]; authFirst: string | null } {
  const url = new URL('/lab/chat', wsBase);
  url.searchParams.set('session', session);
  const protocols = [CHAT_SUBPROTOCOL];
  let authFirst: string | null = null;
  if (transport === 'query' && token) url.searchParams.set('token', token);
  if (transport === 'forged') url.searchParams.set('token', forge(token));
  if (transport === 'subprotocol' && token) protocols.push(`bearer.${token}`);
  if (transport === 'auth' && token) authFirst = token;
  return { url: url.toString(), protocols, authFirst };
}

/** A token with its signature changed (or a plainly malformed one when there is none to change). */
export function forge(token: string | null): string {
  if (!token || token.split('.').length !== 3) return 'not.a.jwt';
  const tail = token.slice(-6);
  return token.slice(0, -6) + (tail === 'AAAAAA' ? 'BBBBBB' : 'AAAAAA');
}

/** Does this transport need a token from POST /lab/login? */
export const needsToken = (t: Transport) => t === 'query' || t === 'cookie' || t === 'subprotocol' || t === 'auth';

// envelopes ---------------------------------------------------------------------------------------

export interface OutEnvelope {
  type: string;
  id: string;
  meta: { timestamp: number };
  payload: Record<string, unknown>;
}

export function envelope(type: string, id: string, payload: Record<string, unknown>, now: number): OutEnvelope {
  return { type, id, meta: { timestamp: now }, payload };
}

/** The two malformed messages the page can send: the server answers each with an error envelope. */
export const MALFORMED = {
  json: '{"type":"chat","id":"oops","payload":{"room":"lobby","text":"no closing brace"}',
  unknown: (id: string) => JSON.stringify({ type: 'shout', id, payload: { text: 'LOUD' } }),
} as const;

/** A server → client envelope, as far as this page relies on its shape. */
export interface InEnvelope {
  type: string;
  id: string;
  meta: { timestamp?: number; node?: string; origin?: string; queued?: boolean };
  payload: Record<string, unknown>;
}

export function parseIncoming(text: string): InEnvelope | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!v || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  if (typeof o.type !== 'string' || typeof o.id !== 'string') return null;
  const meta = o.meta && typeof o.meta === 'object' ? (o.meta as InEnvelope['meta']) : {};
  const payload = o.payload && typeof o.payload === 'object' ? (o.payload as Record<string, unknown>) : {};
  return { type: o.type, id: o.id, meta, payload };
}

// what one client shows ----------------------------------------------------------------------------

/** One line of a client's feed. Every field is shown as text, never as markup. */
export type FeedItem =
  | { kind: 'chat' | 'dm' | 'broadcast'; id: string; from: string; text: string; room: string | null; to: string | null; node: string; origin: string; queued: boolean; dup: boolean }
  | { kind: 'system'; id: string; text: string; node: string }
  | { kind: 'ack'; id: string; ref: string; detail: string; msgId: string | null; /** the broker was down: who did not get it */ lost: string | null }
  | { kind: 'error'; id: string; code: string; reason: string; ref: string | null }
  | { kind: 'close'; id: string; code: number; reason: string; clean: boolean }
  | { kind: 'note'; id: string; text: string };

export interface ChatView {
  user: string | null;
  node: string | null;
  /** how the server says it authenticated us ("handshake (query)", "auth message", …) */
  via: string | null;
  rooms: Set<string>;
  presence: Map<string, string[]>;
  feed: FeedItem[];
  /** envelope ids of chat/dm/broadcast seen, to drop duplicates (queued DMs come again after a reconnect) */
  seen: Set<string>;
  /** queued DMs delivered, and those that were duplicates */
  queuedDelivered: number;
  duplicates: number;
  /** our envelope ids sent and not answered yet: id → type */
  pending: Map<string, string>;
}

export const MAX_FEED = 200;

export function emptyView(): ChatView {
  return { user: null, node: null, via: null, rooms: new Set(), presence: new Map(), feed: [], seen: new Set(), queuedDelivered: 0, duplicates: 0, pending: new Map() };
}

/** Forgets what belongs to one connection (rooms, presence, node); keeps the feed and the ids seen. */
export function resetConnection(v: ChatView): void {
  v.node = null;
  v.via = null;
  v.rooms = new Set();
  v.presence = new Map();
  v.pending.clear();
}

export function pushFeed(v: ChatView, item: FeedItem): void {
  v.feed.push(item);
  if (v.feed.length > MAX_FEED) v.feed.splice(0, v.feed.length - MAX_FEED);
}

const str = (x: unknown): string => (typeof x === 'string' ? x : x === undefined || x === null ? '' : String(x));

/**
 * Applies one message from the server. Returns the ack to send back when it was a DM from the
 * offline queue (the server keeps it queued until then), else null.
 */
export function applyIncoming(v: ChatView, text: string): { ackRef: string } | null {
  const m = parseIncoming(text);
  if (!m) {
    pushFeed(v, { kind: 'note', id: `n${v.feed.length}`, text: `not an envelope: ${text.slice(0, 120)}` });
    return null;
  }
  const p = m.payload;
  switch (m.type) {
    case 'system':
      v.user = str(p.user) || v.user;
      v.node = str(p.node) || str(m.meta.node) || v.node;
      v.via = /via (.+), on node/.exec(str(p.text))?.[1] ?? v.via;
      pushFeed(v, { kind: 'system', id: m.id, text: str(p.text), node: str(m.meta.node) });
      return null;
    case 'ack': {
      const ref = str(p.ref);
      const type = v.pending.get(ref);
      v.pending.delete(ref);
      const room = typeof p.room === 'string' ? p.room : null;
      if (room && type === 'join') v.rooms.add(room);
      if (room && type === 'leave') {
        v.rooms.delete(room);
        v.presence.delete(room);
      }
      if (!v.node && m.meta.node) v.node = m.meta.node;
      const bits = [type ?? 'message'];
      if (room) bits.push(`room ${room}`);
      if (typeof p.id === 'string') bits.push(`id ${p.id}`);
      if (p.queued === true) bits.push('queued: the user is offline');
      const lost = typeof p.lost === 'string' ? p.lost : null;
      pushFeed(v, { kind: 'ack', id: m.id, ref, detail: bits.join(', '), msgId: typeof p.id === 'string' ? p.id : null, lost });
      return null;
    }
    case 'error':
      if (typeof p.ref === 'string') v.pending.delete(p.ref);
      pushFeed(v, { kind: 'error', id: m.id, code: str(p.code), reason: str(p.reason), ref: typeof p.ref === 'string' ? p.ref : null });
      return null;
    case 'presence': {
      const room = str(p.room);
      const users = Array.isArray(p.users) ? p.users.map(str) : [];
      v.presence.set(room, users);
      return null;
    }
    case 'chat':
    case 'dm':
    case 'broadcast': {
      const queued = m.meta.queued === true;
      const dup = v.seen.has(m.id);
      v.seen.add(m.id);
      if (dup) v.duplicates++;
      else if (queued) v.queuedDelivered++;
      pushFeed(v, {
        kind: m.type,
        id: m.id,
        from: str(p.from),
        text: str(p.text),
        room: typeof p.room === 'string' ? p.room : null,
        to: typeof p.to === 'string' ? p.to : null,
        node: str(m.meta.node),
        origin: str(m.meta.origin),
        queued,
        dup,
      });
      return queued ? { ackRef: m.id } : null;
    }
    default:
      pushFeed(v, { kind: 'note', id: m.id, text: `${m.type}: ${JSON.stringify(p).slice(0, 120)}` });
      return null;
  }
}

/** What a close code means here, in a few words. */
export function closeMeaning(code: number): string {
  switch (code) {
    case 1000:
      return 'normal close';
    case 1001:
      return 'going away (the node stopped)';
    case 1006:
      return 'no close frame: the connection just ended';
    case 1008:
      return 'policy violation: no token, or the first message was not auth';
    case 1009:
      return 'message too big';
    case 4001:
      return 'unauthorized: the token is forged, malformed or expired';
    default:
      return '';
  }
}

// nodes ------------------------------------------------------------------------------------------

export interface NodeInfo {
  id: string;
  url: string;
  port: number;
  running: boolean;
  sockets: number;
  users: number;
  broker: { kind: string; mode: string; status: string; topics: string[] } | null;
  counters: Record<string, number>;
}

/** The node whose port is the local port the server saw for this connection. */
export function nodeOfPort(nodes: readonly Pick<NodeInfo, 'id' | 'port'>[], port: number | undefined): string | null {
  if (port === undefined) return null;
  return nodes.find((n) => n.port === port)?.id ?? null;
}

/**
 * `node` events for the nodes the event stream has not announced (a server's first node starts
 * are not on the stream: GET /__wslab/nodes has them). The sequence diagram needs one per port,
 * ahead of the connections, to draw each client against its own node. seq 0 marks them as ours.
 */
export function missingNodeEvents(events: readonly WslabEvent[], nodes: readonly NodeInfo[]): EventOf<'node'>[] {
  const known = new Set<number>();
  for (const e of events) if (e.type === 'node') known.add(e.port);
  return nodes
    .filter((n) => n.running && !known.has(n.port))
    .map((n) => ({ v: 1, seq: 0, t: 0, type: 'node', node: n.id, action: 'start', url: n.url, port: n.port, detail: 'known from GET /__wslab/nodes' }) as EventOf<'node'>);
}

/** The fan-out hops of one message, in order, as "hop@node" (e.g. publish@n1, broker@n2, deliver@n2). */
export function hopsOf(events: readonly WslabEvent[], msgId: string): string[] {
  const out: string[] = [];
  for (const e of events) if (e.type === 'fanout' && e.msgId === msgId) out.push(`${e.hop}@${e.node}`);
  return out;
}

/** Messages `received` by a client whose text starts with `prefix` (a delivery experiment's run). */
export function countRun(feed: readonly FeedItem[], prefix: string): number {
  const ids = new Set<string>();
  for (const f of feed) if ((f.kind === 'chat' || f.kind === 'broadcast' || f.kind === 'dm') && f.text.startsWith(prefix)) ids.add(f.id);
  return ids.size;
}

/** The message ids the server gave our envelopes `refs`, from their acks, in the order of `refs`. */
export function ackedIds(feed: readonly FeedItem[], refs: readonly string[]): string[] {
  const byRef = new Map<string, string>();
  for (const f of feed) if (f.kind === 'ack' && f.msgId) byRef.set(f.ref, f.msgId);
  return refs.map((r) => byRef.get(r)).filter((x): x is string => x !== undefined);
}

/**
 * Messages of one run that `node` counted as lost: the `lost` hops on that node revealed by a
 * message of the run after its first (a gap before the first message is older than the run).
 */
export function lostInRun(events: readonly WslabEvent[], node: string, runIds: readonly string[]): number {
  const later = new Set(runIds.slice(1));
  let n = 0;
  for (const e of events) if (e.type === 'fanout' && e.hop === 'lost' && e.node === node && e.msgId !== null && later.has(e.msgId)) n += e.count ?? 0;
  return n;
}
